// The workshop flow of `demarc serve`, through the browser as people would use it:
// the first account, a workspace from the Riverside example, an invited supplier
// representative, a gap made and mended, a contest raised and resolved, a version frozen
// and signed by both sides, and the supplier's contract schedule downloaded.
//
// The owner's browser runs JavaScript; the representative's has it turned off, which shows
// the UI works without scripts. Every page visited is checked for labelled form fields.
//
// Needs a running server: E2E_BASE_URL (run.sh starts one on an empty database).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE = process.env.E2E_BASE_URL;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.E2E_SCREENSHOTS || join(HERE, '..', 'screenshots');
const VIEWPORT = { width: 1366, height: 768 };

const CELL = 'it-support/identify-new-vulnerabilities';
const CUSTOMER = 'Riverside Community Trust';
const SUPPLIER = 'Acme IT Services Ltd';

const owner = { name: 'Olivia Owner', email: 'olivia@riverside.example', password: 'correct horse battery' };
const rep = { name: 'Dan Hughes', email: 'dan.hughes@acme-it.example', password: 'acme staple 2024!' };

let browser;
let ownerCtx;
let repCtx;
let O; // the owner's page
let R; // the representative's page
let wsId;
let inviteLink;
let gapsBefore;
let shot = 0;
let failed = null;
const pageErrors = [];

/** A step of the flow: skipped once an earlier step has failed, since each builds on the last. */
function step(name, fn) {
  test(name, { timeout: 60_000 }, async (t) => {
    if (failed) {
      t.skip(`an earlier step failed: ${failed}`);
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      failed = name;
      for (const p of [O, R]) {
        if (p && !p.isClosed()) {
          const who = p === O ? 'owner' : 'rep';
          await p.screenshot({ path: join(SHOTS, `FAILED-${who}.png`), fullPage: true }).catch(() => {});
        }
      }
      throw e;
    }
  });
}

before(async () => {
  assert.ok(BASE, 'set E2E_BASE_URL to the server (run.sh does)');
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  ownerCtx = await browser.newContext({ baseURL: BASE, viewport: VIEWPORT, acceptDownloads: true });
  repCtx = await browser.newContext({
    baseURL: BASE,
    viewport: VIEWPORT,
    acceptDownloads: true,
    javaScriptEnabled: false,
  });
  for (const ctx of [ownerCtx, repCtx]) ctx.setDefaultTimeout(15_000);
  O = await ownerCtx.newPage();
  R = await repCtx.newPage();
  // Scripts that fail in the owner's (JavaScript) browser are bugs too.
  for (const p of [O, R]) p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`));
});

after(async () => {
  await browser?.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** The path of a page's URL, with its query. */
function path(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

/**
 * Checks for every page a person reaches: it loaded without an error status, it has a
 * language, a title and one h1, no scripts, and every form field has a <label for=its id>.
 */
async function checkPage(page, what) {
  const where = `${what} (${path(page)})`;
  assert.deepEqual(pageErrors, [], `${where}: scripts failed`);
  const status = page.__lastStatus;
  assert.ok(status === undefined || status < 400, `${where}: the page answered ${status}`);
  assert.ok(await page.locator('html[lang]').count(), `${where}: <html> has no lang`);
  assert.ok((await page.title()).trim(), `${where}: no <title>`);
  assert.equal(await page.locator('h1').count(), 1, `${where}: expected exactly one <h1>`);
  assert.equal(await page.locator('script').count(), 0, `${where}: the page has a <script>, but the UI is meant to need none`);

  const fields = page.locator(
    'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]), select, textarea',
  );
  const n = await fields.count();
  const problems = [];
  for (let i = 0; i < n; i++) {
    const f = fields.nth(i);
    const id = await f.getAttribute('id');
    const tag = await f.evaluate((el) => el.tagName.toLowerCase()).catch(() => 'field');
    const name = await f.getAttribute('name');
    const desc = `<${tag} name=${name}>`;
    if (!id) {
      problems.push(`${desc} has no id, so no <label for> can point at it`);
      continue;
    }
    const same = await page.locator(`[id="${id}"]`).count();
    if (same !== 1) problems.push(`id "${id}" is used ${same} times`);
    const labels = page.locator(`label[for="${id}"]`);
    const count = await labels.count();
    if (count === 0) {
      problems.push(`${desc} (#${id}) has no <label for="${id}">`);
    } else if (!(await labels.first().innerText()).trim()) {
      problems.push(`the label of #${id} is empty`);
    }
  }
  assert.deepEqual(problems, [], `${where}: form fields without a proper label`);
}

/** Go to a URL and check the page. */
async function open(page, url, what) {
  const res = await page.goto(url);
  page.__lastStatus = res?.status();
  await checkPage(page, what);
}

/**
 * Click something that submits a form or follows a link, wait for the page it leads to,
 * and check that page.
 */
async function go(page, locator, what) {
  const [res] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    locator.click(),
  ]);
  page.__lastStatus = res?.status();
  await checkPage(page, what);
}

/** A full-page screenshot, numbered in the order taken. */
async function screenshot(page, name) {
  shot += 1;
  const file = join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

async function nav(page, text, what) {
  await go(page, page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: text, exact: true }), what);
}

async function count(page, id) {
  const text = (await page.locator(`#${id}`).innerText()).trim();
  assert.match(text, /^\d+$/, `#${id} should be a number, is ${JSON.stringify(text)}`);
  return Number(text);
}

async function dashboardCounts(page) {
  await open(page, `/w/${wsId}`, 'dashboard');
  return { gaps: await count(page, 'gap-count'), contested: await count(page, 'contested-count') };
}

/** The notice a redirect asked the page to show. */
async function expectNotice(page, text) {
  const flash = page.locator('.flash[role=status]');
  await flash.first().waitFor();
  const all = (await flash.allInnerTexts()).join(' | ');
  assert.ok(all.includes(text), `expected a notice with ${JSON.stringify(text)}, got ${JSON.stringify(all)}`);
}

async function expectNoError(page) {
  const errors = await page.locator('.flash[role=alert]').allInnerTexts();
  assert.deepEqual(errors, [], `the page shows an error on ${path(page)}`);
}

// ---------------------------------------------------------------------------------------------
// The checks themselves: they must be able to fail
// ---------------------------------------------------------------------------------------------

step('0. the checks catch an unlabelled field, and the representative runs no JavaScript', async () => {
  const p = await ownerCtx.newPage();
  await p.setContent(
    '<html lang="en"><title>t</title><h1>x</h1><label for="b">B</label><select id="b"></select><input id="a" name="a"></html>',
  );
  await assert.rejects(checkPage(p, 'a bad page'), /has no <label for="a">/);
  await p.setContent('<html lang="en"><title>t</title><h1>x</h1><label for="a">A</label><input id="a" name="a"></html>');
  await checkPage(p, 'a good page');
  await p.close();

  const q = await repCtx.newPage();
  await q.setContent('<html><title>before</title><script>document.title = "after"</script></html>');
  assert.equal(await q.title(), 'before', "the representative's browser must not run scripts");
  await q.close();
});

// ---------------------------------------------------------------------------------------------
// The flow
// ---------------------------------------------------------------------------------------------

step('1. the first visitor is sent to set-up and creates the first account', async () => {
  const res = await O.goto('/');
  O.__lastStatus = res?.status();
  assert.equal(new URL(O.url()).pathname, '/setup', 'an empty server sends / to /setup');
  await checkPage(O, 'set-up');
  await screenshot(O, 'setup');

  await O.getByLabel('Your name').fill(owner.name);
  await O.getByLabel('Email').fill(owner.email);
  await O.getByLabel('Password').fill(owner.password);
  await go(O, O.getByRole('button', { name: 'Create the first account' }), 'home after set-up');
  assert.equal(new URL(O.url()).pathname, '/');
  await O.getByRole('heading', { name: 'Your workspaces', level: 1 }).waitFor();
  await expectNoError(O);
  await screenshot(O, 'home');
});

step('2. the owner creates a workspace from the Riverside example', async () => {
  await O.locator('#name').fill(CUSTOMER);
  await O.locator('#starter').selectOption('demo');
  await go(O, O.getByRole('button', { name: 'Create workspace' }), 'dashboard');
  const m = new URL(O.url()).pathname.match(/^\/w\/([^/]+)$/);
  assert.ok(m, `expected the dashboard /w/{id}, got ${O.url()}`);
  wsId = decodeURIComponent(m[1]);
  await expectNotice(O, 'Workspace created');
  gapsBefore = await count(O, 'gap-count');
  console.log(`workspace ${wsId}: ${gapsBefore} gap(s) to start with`);
  assert.equal(await count(O, 'contested-count'), 0, 'the example has no contested rows');
  await screenshot(O, 'dashboard');
});

step('2b. the owner adds a supplier and the service it provides', async () => {
  await nav(O, 'Parties and services', 'parties and services');
  await O.locator('#party-name').fill('Sprocket Backup Ltd');
  await O.locator('#party-kind').selectOption('saas');
  await O.locator('#party-contact').fill('Sam Sprocket');
  await go(O, O.getByRole('button', { name: 'Add party' }), 'party added');
  await expectNotice(O, 'Party added');
  await O.locator('#service-name').fill('Cloud backup');
  await O.locator('#service-provider').selectOption('sprocket-backup-ltd');
  await O.locator('#service-model').selectOption('saas');
  await go(O, O.getByRole('button', { name: 'Add service' }), 'service added');
  await expectNotice(O, 'Service added');
  const body = await O.locator('main').innerText();
  assert.ok(body.includes('Sprocket Backup Ltd') && body.includes('Cloud backup'), 'the new supplier and service are listed');
  await screenshot(O, 'supplier-added');
  await nav(O, 'Matrix', 'matrix with the new service');
  assert.ok((await O.locator('main thead').innerText()).includes('Cloud backup'), 'the new service has a column');
});

step('3. the owner makes an invitation link for a supplier representative of Acme IT', async () => {
  await nav(O, 'People', 'people');
  await O.getByLabel('Role').selectOption('supplier');
  await O.locator('#party').selectOption('acme-it');
  await go(O, O.getByRole('button', { name: 'Make an invitation link' }), 'people with a link');
  await expectNoError(O);
  inviteLink = (await O.locator('#invite-link').innerText()).trim();
  assert.match(inviteLink, /^http:\/\/127\.0\.0\.1:\d+\/invite\/\S+$/, 'the link points back at this server');
  await screenshot(O, 'invitation');
});

step('4. the representative (no JavaScript) opens the link and joins', async () => {
  await open(R, inviteLink, 'invitation');
  const h1 = await R.locator('h1').innerText();
  assert.match(h1, /^Join /);
  await R.getByText('supplier', { exact: false }).first().waitFor();
  await screenshot(R, 'invite-page');
  await R.getByLabel('Your name').fill(rep.name);
  await R.getByLabel('Email').fill(rep.email);
  await R.getByLabel('Password').fill(rep.password);
  await go(R, R.getByRole('button', { name: 'Join the workspace' }), 'representative dashboard');
  assert.equal(new URL(R.url()).pathname, `/w/${wsId}`, 'the representative lands on the dashboard');
  await expectNotice(R, 'You have joined the workspace');
  const who = await R.locator('main p.muted').first().innerText();
  assert.ok(who.includes('acme-it') || who.includes(SUPPLIER), `the dashboard says who they speak for: ${who}`);
  // A representative does not manage people.
  assert.equal(await R.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'People' }).count(), 0);
  await screenshot(R, 'rep-dashboard');

  // The link works once.
  const again = await repCtx.request.get(inviteLink, { maxRedirects: 0 });
  assert.equal(again.status(), 404, 'a used invitation link no longer opens');
});

step('5. the owner makes a gap on the matrix, sees it found, and mends it', async () => {
  await nav(O, 'Matrix', 'matrix');
  await screenshot(O, 'matrix');
  const cellLink = O.locator(`a[href="/w/${wsId}/cell/${CELL}"]`);
  assert.equal(await cellLink.count(), 1, 'the matrix links to the cell');
  await go(O, cellLink, 'cell');

  await O.getByLabel('Who does it').selectOption('undecided');
  await go(O, O.getByRole('button', { name: 'Save', exact: true }), 'cell after save');
  await expectNotice(O, 'Saved');
  await expectNoError(O);
  const findings = await O.locator('#cell-findings').innerText();
  assert.ok(findings.includes('Nobody does this work'), `the row's findings: ${findings}`);
  await screenshot(O, 'cell-gap');

  const afterGap = await dashboardCounts(O);
  assert.equal(afterGap.gaps, gapsBefore + 1, 'one more gap on the dashboard');
  await screenshot(O, 'dashboard-gap');

  await open(O, `/w/${wsId}/cell/${CELL}`, 'cell');
  await O.getByLabel('Who does it').selectOption('supplier');
  await go(O, O.getByRole('button', { name: 'Save', exact: true }), 'cell after save');
  await expectNotice(O, 'Saved');
  await expectNoError(O);
  const mended = await O.locator('#cell-findings').innerText();
  assert.ok(!mended.includes('Nobody does this work'), `the gap is gone from the row: ${mended}`);
  assert.equal((await dashboardCounts(O)).gaps, gapsBefore, 'the gap count is back where it was');
});

step('6. the representative contests the row; the owner sees it and resolves it', async () => {
  await nav(R, 'Matrix', 'matrix (representative)');
  await screenshot(R, 'rep-matrix');
  // A representative sees only the rows where Acme IT has, or should have, a part.
  assert.ok(await R.locator('table.matrix td .muted', { hasText: '—' }).count() > 0, 'other parties\' rows are hidden');
  await go(R, R.locator(`a[href="/w/${wsId}/cell/${CELL}"]`), 'cell (representative)');
  // A representative proposes and contests; it does not edit the row directly.
  assert.equal(await R.locator('#status').count(), 0, 'no edit form for a representative');
  await R.getByLabel('Your comment').fill(
    'We assess critical vulnerabilities within 5 working days, not 2: see our order form.',
  );
  await go(R, R.getByRole('button', { name: 'Contest this row' }), 'cell after contest');
  await expectNotice(R, 'Your objection is recorded');
  await expectNoError(R);
  assert.ok((await R.locator('#contest').innerText()).includes('5 working days'));
  await screenshot(R, 'rep-contested');

  const c = await dashboardCounts(O);
  assert.equal(c.contested, 1, 'the owner sees one contested row');
  await screenshot(O, 'dashboard-contested');

  await open(O, `/w/${wsId}/cell/${CELL}`, 'cell (contested)');
  await O.locator('#contest').waitFor();
  await O.getByLabel('Your comment').fill('Agreed: we will change the contract to 5 working days.');
  await go(O, O.getByRole('button', { name: 'Mark the contest resolved' }), 'cell after resolve');
  await expectNotice(O, 'The contest is resolved');
  await expectNoError(O);
  assert.equal(await O.locator('#contest').count(), 0, 'the contest banner is gone');
  const comments = await O.locator('#comments').innerText();
  assert.ok(comments.includes('5 working days, not 2') && comments.includes('Agreed'), 'both comments are on the row');
  await screenshot(O, 'cell-resolved');
  assert.equal((await dashboardCounts(O)).contested, 0, 'no contested rows left');
});

step('7. the owner freezes version 1; both sides sign it', async () => {
  await nav(O, 'Sign-off', 'sign-off');
  await O.getByLabel('Label').fill('Schedule v1 (e2e)');
  await go(O, O.getByRole('button', { name: 'Freeze this version' }), 'sign-off after freeze');
  await expectNoError(O);
  await expectNotice(O, 'This version is frozen');
  await go(O, O.getByRole('button', { name: `Sign version 1 for ${CUSTOMER}` }), 'sign-off after signing');
  await expectNotice(O, 'Signed.');
  await screenshot(O, 'signoff-owner');

  await nav(R, 'Sign-off', 'sign-off (representative)');
  // A representative signs for its own party only, and freezes nothing.
  assert.equal(await R.getByRole('button', { name: 'Freeze this version' }).count(), 0);
  assert.equal(await R.getByRole('button', { name: `Sign version 1 for ${CUSTOMER}` }).count(), 0);
  await go(R, R.getByRole('button', { name: `Sign version 1 for ${SUPPLIER}` }), 'sign-off after signing (representative)');
  await expectNotice(R, 'Signed.');
  const body = await R.locator('main').innerText();
  assert.ok(body.includes(`Signed for ${CUSTOMER}`), `signed for the customer: ${body}`);
  assert.ok(body.includes(`Signed for ${SUPPLIER}`), `signed for the supplier: ${body}`);
  await screenshot(R, 'signoff-both');
});

step("8. the representative downloads Acme IT's contract schedule", async () => {
  await nav(R, 'Parties and services', 'parties and services (representative)');
  await screenshot(R, 'rep-parties');
  await nav(R, 'Downloads', 'downloads (representative)');
  await screenshot(R, 'downloads');
  const titles = await R.locator('main tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(titles, [`Contract schedule for ${SUPPLIER}`], 'a representative is offered only its own schedule');
  const row = R.locator('tbody tr', { hasText: `Contract schedule for ${SUPPLIER}` });
  const link = row.getByRole('link', { name: `Contract schedule for ${SUPPLIER}: Markdown`, exact: true });
  const [download] = await Promise.all([R.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), 'schedule-acme-it.md');
  const text = readFileSync(await download.path(), 'utf8');
  assert.ok(text.includes('Acme IT Services'), `the schedule names the supplier: ${text.slice(0, 300)}`);
  // The same schedule to attach to the contract: PDF and Word.
  for (const [label, file, magic] of [['PDF', 'schedule-acme-it.pdf', '%PDF-'], ['Word (DOCX)', 'schedule-acme-it.docx', 'PK\x03\x04']]) {
    const l = row.getByRole('link', { name: `Contract schedule for ${SUPPLIER}: ${label}`, exact: true });
    const [d] = await Promise.all([R.waitForEvent('download'), l.click()]);
    assert.equal(d.suggestedFilename(), file);
    const bytes = readFileSync(await d.path());
    assert.equal(bytes.subarray(0, magic.length).toString('latin1'), magic, `${file} is a ${label} file`);
  }

  // Another supplier's schedule is not theirs to take.
  const href = await link.getAttribute('href');
  const other = await repCtx.request.get(href.replace('party=acme-it', 'party=microsoft'), { maxRedirects: 0 });
  assert.ok(other.status() >= 400, `someone else's schedule answered ${other.status()}`);

  // The owner is offered every export: documents, workbooks and OSCAL.
  await nav(O, 'Downloads', 'downloads (owner)');
  await screenshot(O, 'downloads-owner');
  const all = await O.locator('main tbody tr td:first-child').allInnerTexts();
  for (const title of ['Responsibility matrix', `Contract schedule for ${SUPPLIER}`, 'OSCAL: System security plan of the organisation\'s system']) {
    assert.ok(all.some((t) => t.startsWith(title)), `the owner is offered "${title}": ${all.join(' | ')}`);
  }
  assert.ok(all.some((t) => t.startsWith('FedRAMP customer responsibility matrix workbook for')), all.join(' | '));
});
