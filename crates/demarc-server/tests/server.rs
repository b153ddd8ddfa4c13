//! The server's HTTP tests: every flow on SQLite, and on PostgreSQL too when
//! DEMARC_TEST_DATABASE_URL is set (a fresh schema per test). One test binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;

use demarc_core::Date;
use demarc_server::authz::{Action, Role, Scope, allowed};
use demarc_server::{AppState, Config};
use demarc_store::Store;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

struct Server {
    base: String,
    store: Store,
}

async fn database_urls(name: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!(
        "demarc-server-test-{}",
        demarc_store::new_id().unwrap()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut urls = vec![dir.join(format!("{name}.db")).display().to_string()];
    match std::env::var("DEMARC_TEST_DATABASE_URL") {
        Ok(base) => {
            let schema = format!(
                "s_{}_{}_{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs(),
                name.replace('-', "_"),
                &demarc_store::new_id().unwrap()[..10]
            );
            let admin = Store::open(&base, 1).await.unwrap();
            admin
                .execute_raw(&format!("CREATE SCHEMA {schema}"))
                .await
                .unwrap();
            // Schemas left by test runs over an hour ago (named for the time they were made) go.
            admin.execute_raw(OLD_TEST_SCHEMAS_DROP).await.unwrap();
            admin.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            urls.push(format!("{base}{sep}options=-c%20search_path%3D{schema}"));
        }
        Err(_) => eprintln!("{name}: DEMARC_TEST_DATABASE_URL is not set; tested on SQLite only"),
    }
    urls
}

async fn start(url: &str) -> Server {
    let store = Store::open(url, 8).await.unwrap();
    store.migrate().await.unwrap();
    let state = AppState::new(
        store.clone(),
        Config {
            secure_cookies: false,
            demo: false,
            max_upload: 1024 * 1024,
            today: Arc::new(|| "2026-12-01".parse::<Date>().unwrap()),
        },
    );
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        demarc_server::serve(
            state,
            "127.0.0.1:0".parse().unwrap(),
            move |a: SocketAddr| {
                let _ = tx.send(a);
            },
        )
        .await
        .unwrap();
    });
    let addr = rx.await.unwrap();
    Server {
        base: format!("http://{addr}"),
        store,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The value of the first hidden csrf field of a page.
fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token");
    let rest = &html[at + 19..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn get(c: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    let (status, html) = (r.status(), r.text().await.unwrap());
    title_is_plain_text(url, &html);
    (status, html)
}

/// A page's title is words, with no markup (a template block left open would put a form
/// there).
fn title_is_plain_text(url: &str, html: &str) {
    if let Some(at) = html.find("<title>") {
        let title = &html[at + 7..];
        let title = &title[..title.find("</title>").unwrap_or(title.len())];
        assert!(
            !title.contains(['<', '>']) && title.len() < 120,
            "{url}: the page title is not plain text: {title:?}"
        );
    }
}

async fn post(
    c: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let r = c.post(url).form(form).send().await.unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (r.status(), r.text().await.unwrap(), loc)
}

/// Set up the first account (owner) and log it in; returns the client.
async fn setup_owner(s: &Server) -> reqwest::Client {
    let c = client();
    let (st, html) = get(&c, &format!("{}/setup", s.base)).await;
    assert_eq!(st, StatusCode::OK);
    let csrf = csrf_of(&html);
    let (st, _, loc) = post(
        &c,
        &format!("{}/setup", s.base),
        &[
            ("csrf", &csrf),
            ("name", "Priya Shah"),
            ("email", "priya@riverside.example"),
            ("password", "correct horse battery"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "setup");
    assert_eq!(loc.as_deref(), Some("/"));
    c
}

async fn page_csrf(c: &reqwest::Client, url: &str) -> String {
    let (st, html) = get(c, url).await;
    assert_eq!(st, StatusCode::OK, "{url}");
    csrf_of(&html)
}

/// Create the demo workspace; returns its id.
async fn demo_workspace(s: &Server, c: &reqwest::Client) -> String {
    let csrf = page_csrf(c, &format!("{}/", s.base)).await;
    let (st, _, loc) = post(
        c,
        &format!("{}/workspaces", s.base),
        &[("csrf", &csrf), ("name", "x"), ("starter", "demo")],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let loc = loc.unwrap();
    loc.trim_start_matches("/w/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

/// Invite someone in a role and have them accept as a new account; returns their client.
async fn invite(
    s: &Server,
    owner: &reqwest::Client,
    ws: &str,
    role: &str,
    party: &str,
    email: &str,
) -> reqwest::Client {
    let csrf = page_csrf(owner, &format!("{}/w/{ws}/members", s.base)).await;
    let (st, html, _) = post(
        owner,
        &format!("{}/w/{ws}/members", s.base),
        &[("csrf", &csrf), ("role", role), ("party", party)],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let at = html.find("/invite/").unwrap();
    let token: String = html[at + 8..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    let c = client();
    let url = format!("{}/invite/{token}", s.base);
    let csrf = page_csrf(&c, &url).await;
    let (st, body, loc) = post(
        &c,
        &url,
        &[
            ("csrf", &csrf),
            ("name", email),
            ("email", email),
            ("password", "another long password"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
    assert!(loc.unwrap().starts_with(&format!("/w/{ws}")));
    // The link works once.
    let (st, _) = get(&client(), &url).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    c
}

#[tokio::test]
async fn setup_login_csrf_and_rate_limit() {
    for url in database_urls("login").await {
        let s = start(&url).await;
        let c = setup_owner(&s).await;
        // Setup happens once.
        let (st, _) = get(&client(), &format!("{}/setup", s.base)).await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        // Pages carry the security headers; the session cookie is HttpOnly and SameSite.
        let r = c.get(format!("{}/", s.base)).send().await.unwrap();
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(r.headers()["x-frame-options"], "DENY");
        // A form without the session's CSRF token is refused.
        let (st, _, _) = post(
            &c,
            &format!("{}/workspaces", s.base),
            &[("csrf", "forged"), ("name", "Evil")],
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        assert!(s.store.all_workspaces().await.unwrap().is_empty());
        // Login: wrong passwords, then locked out even with the right one.
        let anon = client();
        let r = anon.get(format!("{}/login", s.base)).send().await.unwrap();
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let mut csrf = csrf_of(&r.text().await.unwrap());
        for _ in 0..5 {
            let (st, html, _) = post(
                &anon,
                &format!("{}/login", s.base),
                &[
                    ("csrf", &csrf),
                    ("email", "priya@riverside.example"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(html.contains("do not match"));
            // The form comes back with a new token (and cookie).
            csrf = csrf_of(&html);
        }
        let (st, html, _) = post(
            &anon,
            &format!("{}/login", s.base),
            &[
                ("csrf", &csrf),
                ("email", "priya@riverside.example"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{html}");
        let csrf = csrf_of(&html);
        // Another account logs in fine, and its session is in the database.
        s.store
            .clear_login_failures("priya@riverside.example")
            .await
            .unwrap();
        let (st, _, loc) = post(
            &anon,
            &format!("{}/login", s.base),
            &[
                ("csrf", &csrf),
                ("email", "Priya@Riverside.example"),
                ("password", "correct horse battery"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        assert_eq!(loc.as_deref(), Some("/"), "an off-site next is ignored");
        let (st, _) = get(&anon, &format!("{}/", s.base)).await;
        assert_eq!(st, StatusCode::OK);
        // Logging out ends the session server-side.
        let csrf = page_csrf(&anon, &format!("{}/", s.base)).await;
        post(&anon, &format!("{}/logout", s.base), &[("csrf", &csrf)]).await;
        let (st, _) = get(&anon, &format!("{}/", s.base)).await;
        assert_eq!(st, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn the_workshop_flow() {
    for url in database_urls("workshop").await {
        let s = start(&url).await;
        let owner = setup_owner(&s).await;
        let ws = demo_workspace(&s, &owner).await;
        let (st, html) = get(&owner, &format!("{}/w/{ws}", s.base)).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("Riverside Community Trust"));
        let gaps = |html: &str| -> usize {
            let at = html.find("id=\"gap-count\">").unwrap();
            html[at + 15..].split('<').next().unwrap().parse().unwrap()
        };
        let before = gaps(&html);

        // The supplier's representative joins and sees only its party's rows.
        let rep = invite(&s, &owner, &ws, "supplier", "acme-it", "sam@acme.example").await;
        let (st, matrix) = get(&rep, &format!("{}/w/{ws}/matrix", s.base)).await;
        assert_eq!(st, StatusCode::OK);
        let (_, full) = get(&owner, &format!("{}/w/{ws}/matrix", s.base)).await;
        assert!(matrix.matches("<tr id=\"row-").count() <= full.matches("<tr id=\"row-").count());
        assert!(
            !matrix.contains("/cell/ledgerly-finance/"),
            "another supplier's service is hidden"
        );
        let (st, _) = get(
            &rep,
            &format!(
                "{}/w/{ws}/cell/ledgerly-finance/update-network-software",
                s.base
            ),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = get(&rep, &format!("{}/w/{ws}/members", s.base)).await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // The owner makes a gap appear, then disappear.
        let cell = format!(
            "{}/w/{ws}/cell/it-support/identify-new-vulnerabilities",
            s.base
        );
        let (_, html) = get(&owner, &cell).await;
        let csrf = csrf_of(&html);
        let version = hidden(&html, "version");
        let (st, body, loc) = post(
            &owner,
            &cell,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("status", "undecided"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
        assert!(loc.unwrap().contains("notice=saved"));
        let (_, html) = get(&owner, &format!("{}/w/{ws}", s.base)).await;
        assert_eq!(gaps(&html), before + 1, "a gap appears");
        let (_, html) = get(&owner, &cell).await;
        assert!(
            html.contains("Nobody does this work"),
            "the finding shows in place"
        );
        let version = hidden(&html, "version");
        let (st, _, _) = post(
            &owner,
            &cell,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("status", "supplier"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (_, html) = get(&owner, &format!("{}/w/{ws}", s.base)).await;
        assert_eq!(gaps(&html), before, "and disappears");

        // The representative contests the row; the owner resolves it.
        let (st, html) = get(&rep, &cell).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            !html.contains("Change it"),
            "a representative does not edit rows"
        );
        let rcsrf = csrf_of(&html);
        let version = hidden(&html, "version");
        let (st, _, _) = post(
            &rep,
            &format!("{cell}/discuss"),
            &[
                ("csrf", &rcsrf),
                ("version", &version),
                ("kind", "contest"),
                ("body", "Backups of laptops are not in our contract"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (_, html) = get(&owner, &format!("{}/w/{ws}", s.base)).await;
        assert!(
            html.contains("id=\"contested-count\">1<"),
            "the contest shows on the dashboard"
        );
        let (_, html) = get(&owner, &cell).await;
        assert!(html.contains("Backups of laptops are not in our contract"));
        let version = hidden(&html, "version");
        let (st, _, _) = post(
            &owner,
            &format!("{cell}/discuss"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("kind", "resolve"),
                ("body", "Agreed: clause 4.2 covers it"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (_, html) = get(&owner, &format!("{}/w/{ws}", s.base)).await;
        assert!(html.contains("id=\"contested-count\">0<"));

        // Freeze and both sign; then a change shows that it must be signed again.
        let sign_url = format!("{}/w/{ws}/signoff", s.base);
        let (st, body, _) = post(
            &owner,
            &sign_url,
            &[
                ("csrf", &csrf),
                ("action", "freeze"),
                ("label", "2026 schedule"),
            ],
        )
        .await;
        if st != StatusCode::SEE_OTHER {
            // The demo has errors of its own to fix first: say which.
            panic!("freeze refused: {body}");
        }
        let (_, html) = get(&owner, &sign_url).await;
        let hash = hidden(&html, "hash");
        let (st, _, _) = post(
            &owner,
            &sign_url,
            &[
                ("csrf", &csrf),
                ("action", "sign"),
                ("number", "1"),
                ("party", "riverside"),
                ("hash", &hash),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (st, _, _) = post(
            &rep,
            &sign_url,
            &[
                ("csrf", &rcsrf),
                ("action", "sign"),
                ("number", "1"),
                ("party", "riverside"),
                ("hash", &hash),
            ],
        )
        .await;
        assert_eq!(
            st,
            StatusCode::FORBIDDEN,
            "a representative signs only for its own party"
        );
        let (st, _, _) = post(
            &rep,
            &sign_url,
            &[
                ("csrf", &rcsrf),
                ("action", "sign"),
                ("number", "1"),
                ("party", "acme-it"),
                ("hash", &hash),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (_, html) = get(&owner, &sign_url).await;
        assert!(html.contains("Signed for <strong>Riverside Community Trust</strong>"));
        assert!(html.contains("Signed for <strong>Acme IT Services Ltd</strong>"));
        assert!(html.contains("id=\"no-changes\""));
        let (_, html) = get(&owner, &cell).await;
        let version = hidden(&html, "version");
        post(
            &owner,
            &cell,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("status", "customer"),
            ],
        )
        .await;
        let (_, html) = get(&owner, &sign_url).await;
        assert!(
            html.contains("id=\"resign\""),
            "the change needs signing again"
        );

        // The representative downloads its contract schedule, not another's.
        let r = rep
            .get(format!(
                "{}/w/{ws}/export/schedule/markdown?party=acme-it",
                s.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.unwrap().contains("Acme IT Services"));
        let r = rep
            .get(format!(
                "{}/w/{ws}/export/schedule/markdown?party=ledgerly",
                s.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // Every change is in the audit log, which verifies.
        let (checked, problems) = s.store.verify_audit(Some(&ws)).await.unwrap();
        assert!(problems.is_empty());
        assert!(checked >= 10, "{checked}");
    }
}

fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no hidden {name}"));
    let rest = &html[at + key.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn the_second_save_of_a_cell_gets_a_conflict_not_an_overwrite() {
    for url in database_urls("conflict").await {
        let s = start(&url).await;
        let a = setup_owner(&s).await;
        let ws = demo_workspace(&s, &a).await;
        let b = invite(&s, &a, &ws, "editor", "", "bob@riverside.example").await;
        let cell = format!(
            "{}/w/{ws}/cell/office-365/create-maintain-user-accounts",
            s.base
        );
        let (_, ha) = get(&a, &cell).await;
        let (_, hb) = get(&b, &cell).await;
        let (va, vb) = (hidden(&ha, "version"), hidden(&hb, "version"));
        assert_eq!(va, vb);
        let (st, _, _) = post(
            &a,
            &cell,
            &[
                ("csrf", &csrf_of(&ha)),
                ("version", &va),
                ("status", "customer"),
                ("note", "Alice's edit"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (st, html, _) = post(
            &b,
            &cell,
            &[
                ("csrf", &csrf_of(&hb)),
                ("version", &vb),
                ("status", "supplier"),
                ("note", "Bob's edit"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::CONFLICT);
        assert!(html.contains("Someone else saved this row"));
        assert!(html.contains("id=\"conflict-current\""));
        assert!(
            html.contains("Alice&#x27;s edit")
                || html.contains("Alice's edit")
                || html.contains("Alice&#39;s edit")
        );
        let rows = s.store.model_rows(&ws).await.unwrap();
        assert!(
            rows.cell("office-365", "create-maintain-user-accounts")
                .unwrap()
                .body
                .contains("Alice"),
            "nothing was overwritten"
        );
    }
}

/// Every role × action × own/other workspace × own/other party, through HTTP, against
/// `authz::allowed`.
#[tokio::test]
async fn the_authorisation_matrix() {
    let url = database_urls("authz").await.remove(0);
    let s = start(&url).await;
    let owner = setup_owner(&s).await;
    let ws = demo_workspace(&s, &owner).await;
    // A workspace none of these people belongs to.
    let stranger = s
        .store
        .create_user("stranger@elsewhere.example", "Stranger", "x", false)
        .await
        .unwrap();
    let other_ws = demarc_server::create_demo_workspace(&s.store, &stranger.id)
        .await
        .unwrap();
    let mut people = vec![(Role::Owner, owner)];
    for (role, party, email) in [
        (Role::Editor, "", "ed@x.example"),
        (Role::Supplier, "acme-it", "sup@x.example"),
        (Role::Auditor, "", "aud@x.example"),
        (Role::Viewer, "", "view@x.example"),
    ] {
        people.push((
            role,
            invite(&s, &people[0].1, &ws, role.as_str(), party, email).await,
        ));
    }
    // A row of the supplier's party and one of another supplier.
    let own_row = "it-support/identify-new-vulnerabilities";
    let other_row = "ledgerly-finance/update-network-software";
    for (role, c) in &people {
        for (target_ws, own_ws) in [(&ws, true), (&other_ws, false)] {
            let csrf = page_csrf(c, &format!("{}/", s.base)).await;
            for (row, own_party) in [(own_row, true), (other_row, false)] {
                let scope = Scope {
                    own_workspace: own_ws,
                    own_party,
                };
                let base = format!("{}/w/{target_ws}", s.base);
                // ViewRow
                let (st, html) = get(c, &format!("{base}/cell/{row}")).await;
                let want = allowed(*role, Action::ViewRow, scope);
                assert_eq!(st == StatusCode::OK, want, "{role} ViewRow {scope:?}: {st}");
                let version = if st == StatusCode::OK {
                    hidden_or_empty(&html)
                } else {
                    String::new()
                };
                // EditRow: saving the row as it is.
                let (st, _, _) = post(
                    c,
                    &format!("{base}/cell/{row}"),
                    &[
                        ("csrf", &csrf),
                        ("version", &version),
                        ("status", "supplier"),
                    ],
                )
                .await;
                let want = allowed(*role, Action::EditRow, scope);
                assert_eq!(
                    st == StatusCode::SEE_OTHER,
                    want,
                    "{role} EditRow {scope:?}: {st}"
                );
                // Comment
                let (st, _, _) = post(
                    c,
                    &format!("{base}/cell/{row}/discuss"),
                    &[("csrf", &csrf), ("kind", "comment"), ("body", "hello")],
                )
                .await;
                let want = allowed(*role, Action::Comment, scope);
                assert_eq!(
                    st == StatusCode::SEE_OTHER,
                    want,
                    "{role} Comment {scope:?}: {st}"
                );
            }
            let scope = Scope {
                own_workspace: own_ws,
                own_party: true,
            };
            let base = format!("{}/w/{target_ws}", s.base);
            for (action, path) in [
                (Action::View, "".to_owned()),
                (Action::ManageMembers, "/members".to_owned()),
                (Action::ViewAudit, "/audit".to_owned()),
                (Action::Export, "/export/matrix/csv".to_owned()),
            ] {
                let (st, _) = get(c, &format!("{base}{path}")).await;
                let want = allowed(*role, action, scope)
                    && !(action == Action::Export && *role == Role::Supplier);
                assert_eq!(
                    st == StatusCode::OK,
                    want,
                    "{role} {action:?} {scope:?}: {st}"
                );
                if !own_ws {
                    assert_eq!(
                        st,
                        StatusCode::NOT_FOUND,
                        "another workspace is not revealed"
                    );
                }
            }
        }
    }
}

fn hidden_or_empty(html: &str) -> String {
    let key = "name=\"version\" value=\"";
    html.find(key)
        .map(|at| {
            let rest = &html[at + key.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_api_with_a_token() {
    for url in database_urls("api").await {
        let s = start(&url).await;
        let owner = setup_owner(&s).await;
        let ws = demo_workspace(&s, &owner).await;
        let other = demo_workspace(&s, &owner).await;
        let users = s.store.members(&ws).await.unwrap();
        let (token, secret) = s
            .store
            .create_api_token(&ws, "CI", "editor", &users[0].user_id)
            .await
            .unwrap();
        let api = reqwest::Client::new();
        let auth = format!("Bearer {secret}");
        let r = api
            .get(format!("{}/api/v1/workspaces/{ws}/check", s.base))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let check: serde_json::Value = r.json().await.unwrap();
        let gaps = check["gaps"].as_u64().unwrap();
        // The token is for one workspace only.
        let r = api
            .get(format!("{}/api/v1/workspaces/{other}/check", s.base))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // Pull the model, push it back with a gap: the check says so.
        let model: serde_json::Value = api
            .get(format!("{}/api/v1/workspaces/{ws}/model", s.base))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut files = model["files"].as_array().unwrap().clone();
        for f in &mut files {
            if f["path"] == "allocations/it-support.yaml" {
                let body = f["body"].as_str().unwrap().replace(
                    "identify-new-vulnerabilities:\n    status: supplier",
                    "identify-new-vulnerabilities:\n    status: undecided",
                );
                f["body"] = body.into();
            }
        }
        let r = api
            .put(format!("{}/api/v1/workspaces/{ws}/model", s.base))
            .header("authorization", &auth)
            .json(&serde_json::json!({"files": files}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let after: serde_json::Value = r.json().await.unwrap();
        assert!(after["gaps"].as_u64().unwrap() >= gaps);
        // A broken model is refused with file and line, and nothing changes.
        let before = s.store.model_rows(&ws).await.unwrap();
        let r = api.put(format!("{}/api/v1/workspaces/{ws}/model", s.base)).header("authorization", &auth)
            .json(&serde_json::json!({"files": [{"path": "demarc.yaml", "body": "name: [unclosed\n"}]})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let e: serde_json::Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], "invalid");
        assert_eq!(e["error"]["details"][0]["file"], "demarc.yaml");
        assert!(e["error"]["details"][0]["line"].is_number());
        assert_eq!(s.store.model_rows(&ws).await.unwrap(), before);
        // A cell saved against an old version: 409 with the current state.
        let cell: serde_json::Value = api
            .get(format!(
                "{}/api/v1/workspaces/{ws}/cells/office-365/create-maintain-user-accounts",
                s.base
            ))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let v = cell["version"].clone();
        let put = |body: &str| {
            api.put(format!(
                "{}/api/v1/workspaces/{ws}/cells/office-365/create-maintain-user-accounts",
                s.base
            ))
            .header("authorization", &auth)
            .json(&serde_json::json!({"version": v, "body": body}))
        };
        assert_eq!(
            put("  create-maintain-user-accounts: customer")
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        let r = put("  create-maintain-user-accounts: supplier")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let e: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            e["error"]["current"]["body"],
            "  create-maintain-user-accounts: customer\n"
        );
        // Revoked: refused.
        s.store
            .revoke_api_token(&ws, &token.id, &users[0].user_id)
            .await
            .unwrap();
        let r = api
            .get(format!("{}/api/v1/workspaces/{ws}/check", s.base))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        // No credentials: refused.
        let r = api
            .get(format!("{}/api/v1/workspaces/{ws}/model", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}

/// Every operation the committed OpenAPI document describes answers at its path (no route
/// is missing), and the served document is the committed one.
#[tokio::test]
async fn the_openapi_document_matches_the_routes() {
    let url = database_urls("openapi").await.remove(0);
    let s = start(&url).await;
    let owner = setup_owner(&s).await;
    let ws = demo_workspace(&s, &owner).await;
    let users = s.store.members(&ws).await.unwrap();
    let (_, secret) = s
        .store
        .create_api_token(&ws, "CI", "owner", &users[0].user_id)
        .await
        .unwrap();
    let served = reqwest::get(format!("{}/api/v1/openapi.json", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")).unwrap();
    assert_eq!(served, committed);
    let doc: serde_json::Value = serde_json::from_str(&committed).unwrap();
    // The document names every operation the router serves, and no other.
    let documented: std::collections::BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let routed: std::collections::BTreeSet<(String, String)> = demarc_server::api::OPERATIONS
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(
        documented.difference(&routed).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not served"
    );
    assert_eq!(
        routed.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "served but not documented"
    );
    // And each is served where the document says: a request with a body that is not what it
    // expects reaches the handler (an error from it, not "no such route").
    let (spare, _) = s
        .store
        .create_api_token(&ws, "spare", "viewer", &users[0].user_id)
        .await
        .unwrap();
    let api = reqwest::Client::new();
    let mut operations = 0;
    for (method, path) in &documented {
        let concrete = path
            .replace("{ws}", &ws)
            .replace("{service}", "office-365")
            .replace("{responsibility}", "create-maintain-user-accounts")
            .replace("{what}", "matrix")
            .replace("{format}", "csv")
            .replace("{party}", "acme-it")
            .replace("{number}", "1")
            .replace("{user}", &users[0].user_id)
            .replace("{id}", &spare.id);
        let url = format!("{}/api/v1{concrete}", s.base);
        let req = match method.as_str() {
            "get" => api.get(&url),
            "delete" => api.delete(&url),
            "put" => api.put(&url).json(&serde_json::json!({"not": "valid"})),
            "post" => api.post(&url).json(&serde_json::json!({"not": "valid"})),
            m => panic!("method {m} not tested"),
        };
        let st = req
            .header("authorization", format!("Bearer {secret}"))
            .send()
            .await
            .unwrap()
            .status();
        assert!(
            st != StatusCode::NOT_FOUND && st != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {st}"
        );
        operations += 1;
    }
    assert_eq!(operations, 25);
}

/// Two server processes on one PostgreSQL database: a login on one is a login on the other,
/// and concurrent edits through both lose nothing.
#[tokio::test]
async fn two_nodes_share_sessions_and_lose_no_edits() {
    let urls = database_urls("two-nodes").await;
    let Some(url) = urls.get(1) else {
        eprintln!(
            "two_nodes_share_sessions_and_lose_no_edits: needs DEMARC_TEST_DATABASE_URL (PostgreSQL)"
        );
        return;
    };
    let a = start(url).await;
    let b = start(url).await;
    let owner = setup_owner(&a).await;
    let ws = demo_workspace(&a, &owner).await;
    // The same cookie jar, sent to the other node.
    let (st, html) = get(&owner, &format!("{}/w/{ws}", b.base)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Riverside"));
    let users = a.store.members(&ws).await.unwrap();
    let (_, secret) = a
        .store
        .create_api_token(&ws, "load", "editor", &users[0].user_id)
        .await
        .unwrap();
    // 40 writers alternate between the nodes, each retrying on conflict until its save lands.
    let mut handles = Vec::new();
    for i in 0..40 {
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let (ws, secret) = (ws.clone(), secret.clone());
        handles.push(tokio::spawn(async move {
            let api = reqwest::Client::new();
            let url = format!(
                "{base}/api/v1/workspaces/{ws}/cells/office-365/create-maintain-user-accounts"
            );
            let mut conflicts = 0;
            loop {
                let cell: serde_json::Value = api
                    .get(&url)
                    .bearer_auth(&secret)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let body = format!(
                    "  create-maintain-user-accounts:\n    status: customer\n    note: writer {i}\n"
                );
                let r = api
                    .put(&url)
                    .bearer_auth(&secret)
                    .json(&serde_json::json!({"version": cell["version"], "body": body}))
                    .send()
                    .await
                    .unwrap();
                match r.status() {
                    StatusCode::OK => return conflicts,
                    StatusCode::CONFLICT => conflicts += 1,
                    st => panic!("{st}: {}", r.text().await.unwrap()),
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    // Every save is one audit entry, each on top of the one before: none lost.
    let saves = a
        .store
        .audit_entries(
            &ws,
            Some("cell:office-365/create-maintain-user-accounts"),
            1000,
        )
        .await
        .unwrap();
    assert_eq!(saves.len(), 40);
    let mut writers: Vec<String> = saves.iter().map(|e| e.after.clone().unwrap()).collect();
    writers.sort();
    writers.dedup();
    assert_eq!(writers.len(), 40, "every writer's save is recorded");
    for pair in saves.windows(2) {
        assert_eq!(
            pair[1].after, pair[0].before,
            "each save was made on top of the previous one"
        );
    }
    assert!(a.store.verify_audit(Some(&ws)).await.unwrap().1.is_empty());
}

/// Adding a supplier and a service, uploading a matrix CSV or a model's files (all or
/// nothing), and API tokens from the People page.
#[tokio::test]
async fn parties_services_uploads_and_tokens() {
    for url in database_urls("edit-model").await {
        let s = start(&url).await;
        let owner = setup_owner(&s).await;
        let ws = demo_workspace(&s, &owner).await;
        let parties = format!("{}/w/{ws}/parties", s.base);
        let csrf = page_csrf(&owner, &parties).await;
        let (st, body, _) = post(
            &owner,
            &parties,
            &[
                ("csrf", &csrf),
                ("action", "add-party"),
                ("name", "Sprocket Backup Ltd"),
                ("kind", "saas"),
                ("contact", "Sam Sprocket"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
        let (st, body, _) = post(
            &owner,
            &parties,
            &[
                ("csrf", &csrf),
                ("action", "add-service"),
                ("name", "Cloud backup"),
                ("provider", "sprocket-backup-ltd"),
                ("model", "saas"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
        let (_, matrix) = get(&owner, &format!("{}/w/{ws}/matrix", s.base)).await;
        assert!(
            matrix.contains("Cloud backup"),
            "the new service has a column"
        );
        // A duplicate is refused, and a service by an unknown party.
        let (st, _, _) = post(
            &owner,
            &parties,
            &[
                ("csrf", &csrf),
                ("action", "add-party"),
                ("name", "Sprocket Backup Ltd"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _, _) = post(
            &owner,
            &parties,
            &[
                ("csrf", &csrf),
                ("action", "add-service"),
                ("name", "X"),
                ("provider", "nobody"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

        // The matrix as CSV, changed in a "spreadsheet", uploaded back.
        let csv = owner
            .get(format!("{}/w/{ws}/export/matrix/csv", s.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let line = csv
            .lines()
            .find(|l| l.starts_with("cloud-backup,"))
            .expect("a row of the new service")
            .to_owned();
        let upload = |name: &'static str, text: String| {
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .part(
                    "files",
                    reqwest::multipart::Part::text(text).file_name(name),
                );
            owner
                .post(format!("{}/w/{ws}/upload", s.base))
                .multipart(form)
                .send()
        };
        let before = s.store.model_rows(&ws).await.unwrap();
        // A bad status: refused with the line, and nothing changes.
        let bad = csv.replacen(&line, &line.replacen(",", ",nonsense-status-", 1), 1);
        let r = upload("matrix.csv", bad).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("matrix.csv:"));
        assert_eq!(s.store.model_rows(&ws).await.unwrap(), before);
        let r = upload("matrix.csv", csv.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        // A model's files: a broken one is refused with its file and line.
        let r = upload("services.yaml", "services: [\n".into())
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = r.text().await.unwrap();
        assert!(text.contains("nothing changed"), "{text}");

        // API tokens from the People page.
        let members = format!("{}/w/{ws}/members", s.base);
        let (st, html, _) = post(
            &owner,
            &format!("{}/w/{ws}/tokens", s.base),
            &[
                ("csrf", &csrf),
                ("action", "create"),
                ("name", "CI"),
                ("role", "viewer"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        let key = "id=\"new-token\">";
        let at = html.find(key).unwrap();
        let secret: String = html[at + key.len()..]
            .chars()
            .take_while(|c| *c != '<')
            .collect();
        assert!(secret.starts_with("dmt_"));
        let api = reqwest::Client::new();
        let r = api
            .get(format!("{}/api/v1/workspaces/{ws}/check", s.base))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        // A viewer token cannot push a model.
        let r = api
            .put(format!("{}/api/v1/workspaces/{ws}/model", s.base))
            .bearer_auth(&secret)
            .json(&serde_json::json!({"files": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let id = s.store.api_tokens(&ws).await.unwrap()[0].id.clone();
        let (st, _, _) = post(
            &owner,
            &format!("{}/w/{ws}/tokens", s.base),
            &[("csrf", &csrf), ("action", "revoke"), ("id", &id)],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let r = api
            .get(format!("{}/api/v1/workspaces/{ws}/check", s.base))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let (_, html) = get(&owner, &members).await;
        assert!(html.contains("revoked"));
    }
}

/// The API does what the pages do: discuss a row, list parties and duties, freeze and sign
/// (signing needs a person's session and its CSRF header, not a token).
#[tokio::test]
async fn the_api_covers_discussion_and_signoff() {
    for url in database_urls("api-more").await {
        let s = start(&url).await;
        let owner = setup_owner(&s).await;
        let ws = demo_workspace(&s, &owner).await;
        let users = s.store.members(&ws).await.unwrap();
        let (_, secret) = s
            .store
            .create_api_token(&ws, "CI", "editor", &users[0].user_id)
            .await
            .unwrap();
        let api = reqwest::Client::new();
        let base = format!("{}/api/v1/workspaces/{ws}", s.base);
        let cell = format!("{base}/cells/it-support/identify-new-vulnerabilities");
        let v: serde_json::Value = api
            .get(&cell)
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let r = api
            .post(format!("{cell}/comments"))
            .bearer_auth(&secret)
            .json(&serde_json::json!({"kind": "contest", "body": "Not in the contract", "version": v["version"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let check: serde_json::Value = api
            .get(format!("{base}/check"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            check["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["code"] == "contested")
        );
        // Freezing is refused while the row is contested.
        let r = api
            .post(format!("{base}/signoffs"))
            .bearer_auth(&secret)
            .json(&serde_json::json!({"label": "v1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value = api
            .get(&cell)
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let r = api
            .post(format!("{cell}/comments"))
            .bearer_auth(&secret)
            .json(&serde_json::json!({"kind": "resolve", "body": "Clause 4.2", "version": v["version"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let comments: serde_json::Value = r.json().await.unwrap();
        assert_eq!(comments["comments"].as_array().unwrap().len(), 2);
        let r = api
            .post(format!("{base}/signoffs"))
            .bearer_auth(&secret)
            .json(&serde_json::json!({"label": "v1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let list: serde_json::Value = api
            .get(format!("{base}/signoffs"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let hash = list["signoffs"][0]["sha256"].as_str().unwrap().to_owned();
        assert_eq!(list["signoffs"][0]["current"], true);
        // A token cannot sign.
        let r = api
            .post(format!("{base}/signoffs/1/signatures"))
            .bearer_auth(&secret)
            .json(&serde_json::json!({"party": "riverside", "sha256": hash}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // A person can, with the session's CSRF token in the header; without it, not.
        let csrf = page_csrf(&owner, &format!("{}/", s.base)).await;
        let r = owner
            .post(format!("{base}/signoffs/1/signatures"))
            .json(&serde_json::json!({"party": "riverside", "sha256": hash}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = owner
            .post(format!("{base}/signoffs/1/signatures"))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({"party": "riverside", "sha256": hash}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        // Parties, and one party's duties.
        let p: serde_json::Value = api
            .get(format!("{base}/parties"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(p["parties"].as_array().unwrap().len(), 5);
        let d: serde_json::Value = api
            .get(format!("{base}/parties/acme-it/duties"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(!d["duties"].as_array().unwrap().is_empty());
        // And the page of the same.
        let (st, html) = get(&owner, &format!("{}/w/{ws}/party/acme-it", s.base)).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("What Acme IT Services Ltd does"));
    }
}

/// The owner may show a representative the whole model: it then reads every row, but still
/// proposes, contests and comments only on its own party's.
#[tokio::test]
async fn an_owner_can_share_the_whole_model_with_a_representative() {
    for url in database_urls("sharing").await {
        let s = start(&url).await;
        let owner = setup_owner(&s).await;
        let ws = demo_workspace(&s, &owner).await;
        let rep = invite(&s, &owner, &ws, "supplier", "acme-it", "sam@acme.example").await;
        let other_row = format!(
            "{}/w/{ws}/cell/ledgerly-finance/update-network-software",
            s.base
        );
        let own_row = format!(
            "{}/w/{ws}/cell/it-support/identify-new-vulnerabilities",
            s.base
        );
        assert_eq!(get(&rep, &other_row).await.0, StatusCode::NOT_FOUND);
        let rep_id = s
            .store
            .members(&ws)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.email == "sam@acme.example")
            .unwrap()
            .user_id;
        let csrf = page_csrf(&owner, &format!("{}/w/{ws}/members", s.base)).await;
        let share = format!("{}/w/{ws}/members/share", s.base);
        let (st, _, _) = post(
            &owner,
            &share,
            &[("csrf", &csrf), ("user", &rep_id), ("sees", "all")],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        // Only the owner decides.
        let rcsrf = page_csrf(&rep, &own_row).await;
        let (st, _, _) = post(
            &rep,
            &share,
            &[("csrf", &rcsrf), ("user", &rep_id), ("sees", "all")],
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, html) = get(&rep, &other_row).await;
        assert_eq!(st, StatusCode::OK, "a shared row can be read");
        assert!(!html.contains("Contest this row"), "but not contested");
        let (_, matrix) = get(&rep, &format!("{}/w/{ws}/matrix", s.base)).await;
        assert!(matrix.contains("/cell/ledgerly-finance/"));
        let (st, _, _) = post(
            &rep,
            &format!("{other_row}/discuss"),
            &[("csrf", &rcsrf), ("kind", "contest"), ("body", "not ours")],
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _, _) = post(
            &rep,
            &format!("{other_row}/discuss"),
            &[("csrf", &rcsrf), ("kind", "comment"), ("body", "hello")],
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _, _) = post(
            &rep,
            &format!("{own_row}/discuss"),
            &[("csrf", &rcsrf), ("kind", "comment"), ("body", "ours")],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        // And back.
        let (st, _, _) = post(
            &owner,
            &share,
            &[("csrf", &csrf), ("user", &rep_id), ("sees", "own")],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        assert_eq!(get(&rep, &other_row).await.0, StatusCode::NOT_FOUND);
    }
}

/// What the pages do besides rows, through the API: a new workspace, parties and services,
/// uploads (all or nothing), members and sharing, invitations, and tokens that can be
/// revoked — each refused to a token whose role may not do it.
#[tokio::test]
async fn the_api_covers_what_the_pages_do() {
    for url in database_urls("api-pages").await {
        let s = start(&url).await;
        let owner = setup_owner(&s).await;
        let ws = demo_workspace(&s, &owner).await;
        let users = s.store.members(&ws).await.unwrap();
        let (_, owner_secret) = s
            .store
            .create_api_token(&ws, "admin", "owner", &users[0].user_id)
            .await
            .unwrap();
        let (_, viewer_secret) = s
            .store
            .create_api_token(&ws, "read", "viewer", &users[0].user_id)
            .await
            .unwrap();
        let api = reqwest::Client::new();
        let base = format!("{}/api/v1/workspaces/{ws}", s.base);
        let call =
            |method: reqwest::Method, path: &str, secret: &str, body: Option<serde_json::Value>| {
                let mut r = api
                    .request(method, format!("{base}{path}"))
                    .header("authorization", format!("Bearer {secret}"));
                if let Some(b) = body {
                    r = r.json(&b);
                }
                async move {
                    let r = r.send().await.unwrap();
                    let st = r.status();
                    let text = r.text().await.unwrap();
                    (
                        st,
                        serde_json::from_str::<serde_json::Value>(&text)
                            .unwrap_or(serde_json::Value::Null),
                    )
                }
            };
        use reqwest::Method;
        use serde_json::json;

        // A new workspace is a person's act: a token belongs to one workspace.
        let (st, _) = call(
            Method::POST,
            "/../../workspaces",
            &owner_secret,
            Some(json!({"name": "New"})),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let csrf = page_csrf(&owner, &format!("{}/", s.base)).await;
        let r = owner
            .post(format!("{}/api/v1/workspaces", s.base))
            .header("x-csrf-token", &csrf)
            .json(&json!({"name": "Hillside School"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let made: serde_json::Value = r.json().await.unwrap();
        let made = made["id"].as_str().unwrap().to_owned();
        assert!(s.store.workspace(&made).await.unwrap().unwrap().name == "Hillside School");
        // Without the CSRF header a session cannot write.
        let r = owner
            .post(format!("{}/api/v1/workspaces", s.base))
            .json(&json!({"name": "Sneaky"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // Parties and services.
        let (st, _) = call(
            Method::POST,
            "/parties",
            &viewer_secret,
            Some(json!({"name": "Nope Ltd"})),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, body) = call(Method::POST, "/parties", &owner_secret, Some(json!({"name": "Backup Co", "kind": "backup provider", "contact": "Sam", "email": "sam@backup.example"}))).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        assert_eq!(body["id"], "backup-co");
        let (st, body) = call(
            Method::POST,
            "/parties",
            &owner_secret,
            Some(json!({"name": "Backup Co"})),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("already a party backup-co"),
            "{body}"
        );
        let (st, body) = call(
            Method::POST,
            "/services",
            &owner_secret,
            Some(json!({"name": "Offsite backup", "provider": "nobody"})),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("provider:"),
            "{body}"
        );
        let (st, body) = call(Method::POST, "/services", &owner_secret, Some(json!({"name": "Offsite backup", "provider": "backup-co", "model": "saas", "built_on": "nimbus-hosting"}))).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        let (_, listed) = call(Method::GET, "/parties", &viewer_secret, None).await;
        let service = listed["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "offsite-backup")
            .unwrap()
            .clone();
        assert_eq!(service["provider"], "backup-co");
        assert_eq!(service["built_on"], json!(["nimbus-hosting"]));

        // Uploads: a matrix CSV, all or nothing.
        let (_, csv) = {
            let r = api
                .get(format!("{base}/export/matrix/csv"))
                .header("authorization", format!("Bearer {viewer_secret}"))
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        };
        let before = s.store.audit_entries(&ws, None, 1000).await.unwrap().len();
        let broken = csv.replacen("\n", "\nnot,a,row,of,this,sheet\n", 1);
        let (st, body) = call(
            Method::POST,
            "/uploads",
            &owner_secret,
            Some(json!({"files": [{"name": "matrix.csv", "body": broken}]})),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("matrix.csv:"),
            "{body}"
        );
        assert_eq!(
            s.store.audit_entries(&ws, None, 1000).await.unwrap().len(),
            before,
            "nothing changed"
        );
        let (st, body) = call(
            Method::POST,
            "/uploads",
            &owner_secret,
            Some(json!({"files": [{"name": "matrix.csv", "body": csv}]})),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        assert!(body["findings"].is_array(), "{body}");
        // A model's files that do not read: each error with its file, line and column.
        let (st, body) = call(
            Method::POST,
            "/uploads",
            &owner_secret,
            Some(json!({"files": [{"name": "demarc.yaml", "body": "name: [unclosed\n"}]})),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let details = body["error"]["details"].as_array().unwrap();
        assert_eq!(details[0]["file"], "demarc.yaml", "{body}");
        assert!(details[0]["line"].as_u64().is_some(), "{body}");

        // Members, invitations and sharing: the owner's.
        let (st, _) = call(Method::GET, "/members", &viewer_secret, None).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, body) = call(
            Method::POST,
            "/invitations",
            &owner_secret,
            Some(json!({"role": "supplier"})),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("party:"),
            "{body}"
        );
        let (st, body) = call(
            Method::POST,
            "/invitations",
            &owner_secret,
            Some(json!({"role": "supplier", "party": "acme-it"})),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        let link = body["link"].as_str().unwrap().to_owned();
        assert!(link.contains("/invite/"), "{link}");
        let rep = client();
        let form = page_csrf(&rep, &link).await;
        let (st, body, _) = post(
            &rep,
            &link,
            &[
                ("csrf", form.as_str()),
                ("name", "Alex Acme"),
                ("email", "alex@acme.example"),
                ("password", "a long enough password"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
        let (st, body) = call(Method::GET, "/members", &owner_secret, None).await;
        assert_eq!(st, StatusCode::OK);
        let alex = body["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == "alex@acme.example")
            .unwrap()
            .clone();
        assert_eq!(alex["role"], "supplier");
        assert_eq!(alex["party"], "acme-it");
        assert_eq!(alex["sees_all"], false);
        let user = alex["user"].as_str().unwrap();
        let (st, _) = call(
            Method::PUT,
            &format!("/members/{user}/sharing"),
            &owner_secret,
            Some(json!({"sees_all": true})),
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        let (_, body) = call(Method::GET, "/members", &owner_secret, None).await;
        assert!(
            body["members"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["user"] == user && m["sees_all"] == true)
        );

        // Tokens: made (the secret shown once), listed without it, revoked, then refused.
        let (st, _) = call(
            Method::POST,
            "/tokens",
            &viewer_secret,
            Some(json!({"role": "editor"})),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = call(
            Method::POST,
            "/tokens",
            &owner_secret,
            Some(json!({"role": "supplier"})),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, body) = call(
            Method::POST,
            "/tokens",
            &owner_secret,
            Some(json!({"name": "CI job", "role": "editor"})),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        let (id, secret) = (
            body["id"].as_str().unwrap().to_owned(),
            body["token"].as_str().unwrap().to_owned(),
        );
        let (st, listed) = call(Method::GET, "/tokens", &owner_secret, None).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            !listed.to_string().contains(&secret),
            "a secret is never listed"
        );
        assert!(
            listed["tokens"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == id.as_str() && t["name"] == "CI job" && t["revoked"] == false)
        );
        let (st, _) = call(Method::GET, "/check", &secret, None).await;
        assert_eq!(st, StatusCode::OK);
        let (st, _) = call(
            Method::DELETE,
            &format!("/tokens/{id}"),
            &owner_secret,
            None,
        )
        .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (st, _) = call(Method::GET, "/check", &secret, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);

        // Every change above is in the audit log, which still verifies.
        let (checked, problems) = s.store.verify_audit(Some(&ws)).await.unwrap();
        assert!(problems.is_empty() && checked > 0, "{problems:?}");
    }
}

/// Every link on the downloads page gives its file, whole: PDF and Word documents, the Excel
/// workbooks, OSCAL JSON, and the text formats. A representative sees and gets only its own
/// contract schedule.
#[tokio::test]
async fn every_export_downloads() {
    let url = database_urls("downloads").await.remove(0);
    let s = start(&url).await;
    let owner = setup_owner(&s).await;
    let ws = demo_workspace(&s, &owner).await;
    let (st, html) = get(&owner, &format!("{}/w/{ws}/downloads", s.base)).await;
    assert_eq!(st, StatusCode::OK);
    let links: Vec<String> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|h| h.split('"').next())
        .filter(|h| h.contains("/export/"))
        .map(|h| h.replace("&amp;", "&"))
        .collect();
    let kinds = |needle: &str| links.iter().filter(|l| l.contains(needle)).count();
    assert!(kinds("/export/matrix/xlsx") == 1, "{links:?}");
    assert!(kinds("/export/crm/xlsx?party=") >= 3, "{links:?}");
    assert_eq!(kinds("/export/oscal/"), 4, "{links:?}");
    assert!(kinds("/docx") >= 4, "{links:?}");
    let pdf = cfg!(feature = "pdf") || kinds("/pdf") > 0;
    for link in &links {
        let r = owner.get(format!("{}{link}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{link}");
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(disposition.starts_with("attachment; filename=\""), "{link}");
        let body = r.bytes().await.unwrap();
        let format = link.split('/').nth(5).unwrap().split('?').next().unwrap();
        match format {
            "pdf" => assert!(body.starts_with(b"%PDF-"), "{link}"),
            "docx" | "xlsx" => assert!(body.starts_with(b"PK\x03\x04"), "{link}: a zip"),
            "json" | "ssp" | "crm" | "component-definition" | "srm" => {
                let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert!(v.is_object(), "{link}");
            }
            _ => assert!(
                !body.is_empty() && std::str::from_utf8(&body).is_ok(),
                "{link}"
            ),
        }
    }
    eprintln!(
        "{} downloads, PDF {}",
        links.len(),
        if pdf { "included" } else { "not built in" }
    );
    // An OSCAL SSP is a system security plan.
    let r = owner
        .get(format!("{}/w/{ws}/export/oscal/ssp", s.base))
        .send()
        .await
        .unwrap();
    let ssp: serde_json::Value = r.json().await.unwrap();
    assert!(ssp["system-security-plan"]["uuid"].is_string());
    // Unknown documents and formats say what there is.
    let (st, html) = get(&owner, &format!("{}/w/{ws}/export/schedule/xlsx", s.base)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(html.contains("pdf, docx"), "{html}");
    let (st, html) = get(
        &owner,
        &format!("{}/w/{ws}/export/crm/xlsx?party=nobody", s.base),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("there is no party"), "{html}");
    // The representative: its schedule, in every format, and nothing else.
    let rep = invite(&s, &owner, &ws, "supplier", "acme-it", "rep@acme.example").await;
    let (_, html) = get(&rep, &format!("{}/w/{ws}/downloads", s.base)).await;
    assert!(html.contains("schedule/docx?party=acme-it"), "{html}");
    assert!(
        !html.contains("/export/oscal/")
            && !html.contains("/export/matrix/")
            && !html.contains("party=ledgerly"),
        "{html}"
    );
    let r = rep
        .get(format!(
            "{}/w/{ws}/export/schedule/docx?party=acme-it",
            s.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    for other in [
        "/export/oscal/ssp",
        "/export/matrix/xlsx",
        "/export/schedule/docx?party=ledgerly",
        "/export/crm/xlsx?party=acme-it",
    ] {
        let (st, _) = get(&rep, &format!("{}/w/{ws}{other}", s.base)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{other}");
    }
}

/// Drop the schemas that test runs made over an hour ago (`s_<unix seconds>_...`).
const OLD_TEST_SCHEMAS_DROP: &str = r"DO $$
DECLARE s text;
BEGIN
  -- One cleaner at a time: tests run in parallel.
  PERFORM pg_advisory_xact_lock(7267732);
  FOR s IN SELECT schema_name FROM information_schema.schemata
           WHERE schema_name ~ '^s_[0-9]{10}_'
             AND substring(schema_name from 3 for 10)::bigint < extract(epoch from now()) - 3600
  LOOP
    EXECUTE 'DROP SCHEMA IF EXISTS ' || quote_ident(s) || ' CASCADE';
  END LOOP;
END $$";

/// The matrix workbook from Downloads comes back as an upload, through the page and through
/// the API (base64): its rows replace the model's; a file that is not a workbook is refused
/// by name, and nothing changes.
#[tokio::test]
async fn a_matrix_workbook_comes_back_by_upload() {
    let url = database_urls("xlsx-upload").await.remove(0);
    let s = start(&url).await;
    let owner = setup_owner(&s).await;
    let ws = demo_workspace(&s, &owner).await;
    let users = s.store.members(&ws).await.unwrap();
    let (_, secret) = s
        .store
        .create_api_token(&ws, "CI", "editor", &users[0].user_id)
        .await
        .unwrap();
    let api = reqwest::Client::new();
    let cell = format!(
        "{}/api/v1/workspaces/{ws}/cells/it-support/identify-new-vulnerabilities",
        s.base
    );
    let status_of = |v: &serde_json::Value| v["status"].as_str().unwrap_or("").to_owned();
    let read = || async {
        let v: serde_json::Value = api
            .get(&cell)
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v
    };
    let put = |version: serde_json::Value, status: &str| {
        let body = format!("  identify-new-vulnerabilities:\n    status: {status}\n");
        api.put(&cell)
            .bearer_auth(&secret)
            .json(&serde_json::json!({"version": version, "body": body}))
            .send()
    };
    // The row says "customer" in the workbook, then is changed back to "supplier".
    let v = read().await;
    assert_eq!(
        put(v["version"].clone(), "customer")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let workbook = owner
        .get(format!("{}/w/{ws}/export/matrix/xlsx", s.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let v = read().await;
    assert_eq!(
        put(v["version"].clone(), "supplier")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(status_of(&read().await), "supplier");

    // Not a workbook: refused by name, nothing changes.
    let csrf = page_csrf(&owner, &format!("{}/w/{ws}/parties", s.base)).await;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part(
                "files",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        owner
            .post(format!("{}/w/{ws}/upload", s.base))
            .multipart(form)
            .send()
    };
    let before = s.store.model_rows(&ws).await.unwrap();
    let r = upload("matrix.xlsx", b"PK\x03\x04 not really a zip".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("matrix.xlsx was not imported"), "{html}");
    assert_eq!(s.store.model_rows(&ws).await.unwrap(), before);

    // The workbook through the page: the row is as the workbook has it.
    let r = upload("matrix.xlsx", workbook.clone()).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(status_of(&read().await), "customer");

    // And through the API, in base64.
    let v = read().await;
    assert_eq!(
        put(v["version"].clone(), "supplier")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    use base64::Engine as _;
    let r = api
        .post(format!("{}/api/v1/workspaces/{ws}/uploads", s.base))
        .bearer_auth(&secret)
        .json(&serde_json::json!({"files": [{"name": "matrix.xlsx", "body_base64": base64::engine::general_purpose::STANDARD.encode(&workbook)}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-demarc-uploaded"], "matrix");
    assert_eq!(status_of(&read().await), "customer");
    let r = api
        .post(format!("{}/api/v1/workspaces/{ws}/uploads", s.base))
        .bearer_auth(&secret)
        .json(&serde_json::json!({"files": [{"name": "matrix.xlsx", "body_base64": "%%%"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("matrix.xlsx: body_base64 is not base64"),
        "{e}"
    );
}
