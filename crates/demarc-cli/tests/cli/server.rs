//! `demarc serve`, `db`, `user`, `workspace` and `audit`, on a SQLite file (and on PostgreSQL
//! when DEMARC_TEST_DATABASE_URL is set, for `db migrate`).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

use super::*;

/// Run the binary with extra environment (and no database URL from the caller's).
fn demarc_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demarc"));
    cmd.arg("--today").arg(TODAY).args(args).current_dir(repo());
    cmd.env("NO_COLOR", "1")
        .env_remove("DEMARC_DATABASE_URL")
        .env_remove("DEMARC_PASSWORD")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn db_migrate_is_idempotent_and_status_reports_it() {
    let tmp = TempDir::new("db-migrate");
    let db = tmp.join("d.db");
    let db = s(&db);
    let r = demarc_env(&["db", "status", "--database", db], &[]);
    r.expect(1);
    assert!(r.stdout.contains("schema version 0 of"), "{}", r.stdout);
    let r = demarc_env(&["db", "migrate", "--database", db], &[]);
    r.expect(0);
    assert!(
        r.stdout.contains("applied migrations [1, 2, 3]"),
        "{}",
        r.stdout
    );
    let r = demarc_env(&["db", "migrate", "--database", db], &[]);
    r.expect(0);
    assert!(r.stdout.contains("the database is current"), "{}", r.stdout);
    demarc_env(&["db", "status", "--database", db], &[]).expect(0);
    if let Ok(url) = std::env::var("DEMARC_TEST_DATABASE_URL") {
        // On PostgreSQL: a second run applies nothing (the first may have run in another test).
        demarc_env(&["db", "migrate", "--database", &url], &[]).expect(0);
        let r = demarc_env(&["db", "migrate", "--database", &url], &[]);
        r.expect(0);
        assert!(r.stdout.contains("current"), "{}", r.stdout);
    }
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let r = demarc_env(&["db", "migrate", "--database", "mysql://x@y/z"], &[]);
    r.expect(2);
    assert!(r.stderr.contains("mysql://x@y/z"), "{}", r.stderr);
    let r = demarc_env(
        &[
            "db",
            "migrate",
            "--database",
            "postgres://demarc:s3cret@127.0.0.1:1/none",
        ],
        &[],
    );
    r.expect(2);
    assert!(
        r.stderr.contains("cannot open the database"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("s3cret"),
        "the password is not shown: {}",
        r.stderr
    );
}

#[test]
fn a_workspace_round_trips_through_the_server_database_and_the_audit_log_verifies() {
    let tmp = TempDir::new("workspace");
    let db = tmp.join("d.db");
    let db = s(&db);
    // A password that is too short is refused; a good one from the environment is taken.
    let r = demarc_env(
        &[
            "user",
            "add",
            "--database",
            db,
            "--email",
            "ann@example.org",
            "--name",
            "Ann",
        ],
        &[("DEMARC_PASSWORD", "short")],
    );
    r.expect(2);
    assert!(r.stderr.contains("at least 10 characters"), "{}", r.stderr);
    demarc_env(
        &[
            "user",
            "add",
            "--database",
            db,
            "--email",
            "ann@example.org",
            "--name",
            "Ann",
            "--admin",
        ],
        &[("DEMARC_PASSWORD", "a long enough password")],
    )
    .expect(0);
    let r = demarc_env(
        &[
            "workspace",
            "import",
            "--database",
            db,
            s(&riverside()),
            "--owner",
            "ann@example.org",
        ],
        &[],
    );
    r.expect(0);
    let id = r.stdout.split('\t').next().unwrap().to_owned();
    assert_eq!(id.len(), 32, "{}", r.stdout);
    let r = demarc_env(&["workspace", "list", "--database", db], &[]);
    assert!(r.stdout.contains("Riverside Community Trust"));
    let out = tmp.join("exported");
    demarc_env(
        &["workspace", "export", "--database", db, &id, s(&out)],
        &[],
    )
    .expect(0);
    // The files the server gives back are the same model.
    let r = demarc(&["diff", s(&riverside()), s(&out)]);
    r.expect(0);
    assert_eq!(r.stdout.trim(), "no changes");
    demarc(&["check", s(&out)]).expect(0);
    // An unknown owner or workspace is a clear error, and changes nothing.
    let r = demarc_env(
        &[
            "workspace",
            "import",
            "--database",
            db,
            s(&riverside()),
            "--owner",
            "nobody@example.org",
        ],
        &[],
    );
    r.expect(2);
    assert!(r.stderr.contains("no user nobody@example.org"));
    demarc_env(
        &[
            "workspace",
            "export",
            "--database",
            db,
            "nope",
            s(&tmp.join("x")),
        ],
        &[],
    )
    .expect(2);
    // A model that does not read is refused with its file and line.
    let (_t, broken_dir) = copy_model(&riverside(), "unreadable");
    edit(
        &broken_dir.join("services.yaml"),
        "services:",
        "services: [",
    );
    let r = demarc_env(
        &[
            "workspace",
            "import",
            "--database",
            db,
            s(&broken_dir),
            "--owner",
            "ann@example.org",
        ],
        &[],
    );
    r.expect(2);
    assert!(r.stderr.contains("services.yaml:"), "{}", r.stderr);

    let r = demarc_env(
        &[
            "workspace",
            "token",
            "--database",
            db,
            &id,
            "--name",
            "CI",
            "--role",
            "editor",
        ],
        &[],
    );
    r.expect(0);
    assert!(r.stdout.trim().starts_with("dmt_"), "{}", r.stdout);
    let r = demarc_env(
        &[
            "workspace",
            "token",
            "--database",
            db,
            &id,
            "--name",
            "CI",
            "--role",
            "god",
        ],
        &[],
    );
    r.expect(2);
    assert!(r.stderr.contains("--role"), "{}", r.stderr);

    let r = demarc_env(&["audit", "verify", "--database", db], &[]);
    r.expect(0);
    assert!(r.stdout.contains("the audit log verifies"), "{}", r.stdout);
    // Tampering, as someone with the database file could: found.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = demarc_store::Store::open(db, 1).await.unwrap();
        store.drop_audit_protection_for_tests().await.unwrap();
        store
            .execute_raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
            .await
            .unwrap();
        store.close().await;
    });
    let r = demarc_env(&["audit", "verify", "--database", db], &[]);
    r.expect(1);
    assert!(r.stdout.contains("entry 1: was edited"), "{}", r.stdout);
}

/// `demarc serve` starts on a fresh file, migrates, and answers /healthz, /readyz and the
/// setup page; SIGTERM stops it.
#[test]
fn serve_starts_on_a_fresh_database_and_answers() {
    let tmp = TempDir::new("serve");
    let db = tmp.join("fresh.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_demarc"))
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--database",
            s(&db),
        ])
        .env_remove("DEMARC_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut addr = None;
    let mut seen = String::new();
    for _ in 0..10 {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
        if let Some(rest) = line.split("serving http://").nth(1) {
            addr = Some(rest.split('/').next().unwrap().to_owned());
            break;
        }
    }
    let addr = addr.unwrap_or_else(|| panic!("no address in:\n{seen}"));
    let get = |path: &str| -> String {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(get("/healthz").starts_with("HTTP/1.0 200"));
    let ready = get("/readyz");
    assert!(ready.starts_with("HTTP/1.0 200"), "{ready}");
    let root = get("/");
    assert!(root.contains("location: /setup"), "{root}");
    let setup = get("/setup");
    assert!(setup.contains("Create the first account"), "{setup}");
    assert!(setup.to_lowercase().contains("content-security-policy"));
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    assert!(status.success(), "stopped cleanly on SIGTERM: {status:?}");
}

/// A `demarc serve` process on `url`, and the address it serves.
struct Node {
    child: std::process::Child,
    base: String,
}

impl Node {
    // The child is waited for in every path that keeps running: Node's Drop kills and waits.
    #[allow(clippy::zombie_processes)]
    fn start(url: &str) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_demarc"))
            .args([
                "--today",
                TODAY,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database",
                url,
            ])
            .env_remove("DEMARC_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            if !matches!(err.read_line(&mut line), Ok(n) if n > 0) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("demarc serve stopped before serving:\n{seen}");
            }
            seen.push_str(&line);
            if let Some(rest) = line.split("serving http://").nth(1) {
                let addr = rest.split('/').next().unwrap().trim().to_owned();
                // Keep reading its log, so that it never blocks on a full pipe.
                std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
                return Node {
                    child,
                    base: format!("http://{addr}"),
                };
            }
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two `demarc serve` processes on one PostgreSQL database, no sticky sessions: a person
/// logged in through one is logged in on the other, and forty writers saving the same row
/// through both, each retrying on conflict, all land, one on top of the other.
#[test]
fn two_serve_processes_share_sessions_and_lose_no_edits() {
    let Ok(base) = std::env::var("DEMARC_TEST_DATABASE_URL") else {
        eprintln!(
            "two_serve_processes_share_sessions_and_lose_no_edits: needs DEMARC_TEST_DATABASE_URL (PostgreSQL); skipped"
        );
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let schema = format!("c_nodes_{}", &demarc_store::new_id().unwrap()[..10]);
    let sql = |statement: String| {
        rt.block_on(async {
            let admin = demarc_store::Store::open(&base, 1).await.unwrap();
            admin.execute_raw(&statement).await.unwrap();
            admin.close().await;
        });
    };
    sql(format!("CREATE SCHEMA {schema}"));
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");

    let password = "a long enough password";
    demarc_env(
        &[
            "user",
            "add",
            "--database",
            &url,
            "--email",
            "ann@example.org",
            "--name",
            "Ann",
            "--admin",
        ],
        &[("DEMARC_PASSWORD", password)],
    )
    .expect(0);
    let r = demarc_env(
        &[
            "workspace",
            "import",
            "--database",
            &url,
            s(&riverside()),
            "--owner",
            "ann@example.org",
        ],
        &[],
    );
    r.expect(0);
    let ws = r.stdout.split('\t').next().unwrap().to_owned();
    let r = demarc_env(
        &[
            "workspace",
            "token",
            "--database",
            &url,
            &ws,
            "--name",
            "nodes",
            "--role",
            "editor",
        ],
        &[],
    );
    r.expect(0);
    let token = r.stdout.trim().to_owned();

    // Both start at once: the migrations run once, whichever gets there first.
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| Node::start(&url));
        let b = scope.spawn(|| Node::start(&url));
        (a.join().unwrap(), b.join().unwrap())
    });

    rt.block_on(async {
        // Log in on one node; the session works on the other.
        let person = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = person.get(format!("{}/login", a.base)).send().await.unwrap();
        let cookie_csrf = login.text().await.unwrap();
        let csrf = cookie_csrf
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let r = person
            .post(format!("{}/login", a.base))
            .form(&[("csrf", csrf.as_str()), ("email", "ann@example.org"), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let r = person.get(format!("{}/w/{ws}", b.base)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Riverside"));
        // Logging out on the other node ends it on both.
        let page = person.get(format!("{}/w/{ws}", b.base)).send().await.unwrap().text().await.unwrap();
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();

        let mut writers = Vec::new();
        for i in 0..40 {
            let node = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
            let (ws, token) = (ws.clone(), token.clone());
            writers.push(tokio::spawn(async move {
                let api = reqwest::Client::new();
                let cell = format!("{node}/api/v1/workspaces/{ws}/cells/office-365/create-maintain-user-accounts");
                loop {
                    let now: serde_json::Value = api.get(&cell).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
                    let body = format!("  create-maintain-user-accounts:\n    status: customer\n    note: writer {i}\n");
                    let r = api
                        .put(&cell)
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"version": now["version"], "body": body}))
                        .send()
                        .await
                        .unwrap();
                    match r.status().as_u16() {
                        200 => return,
                        409 => continue,
                        st => panic!("{st}: {}", r.text().await.unwrap()),
                    }
                }
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        let r = person
            .post(format!("{}/logout", b.base))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "{}", r.status());
        let r = person.get(format!("{}/w/{ws}", a.base)).send().await.unwrap();
        assert_eq!(r.status(), 303, "logged out on both nodes");
    });

    // Each save is an audit entry made on top of the one before, and the log verifies.
    let saves = rt.block_on(async {
        let store = demarc_store::Store::open(&url, 1).await.unwrap();
        let saves = store
            .audit_entries(
                &ws,
                Some("cell:office-365/create-maintain-user-accounts"),
                1000,
            )
            .await
            .unwrap();
        store.close().await;
        saves
    });
    assert_eq!(saves.len(), 40);
    let mut notes: Vec<String> = saves.iter().map(|e| e.after.clone().unwrap()).collect();
    notes.sort();
    notes.dedup();
    assert_eq!(notes.len(), 40, "every writer's save is recorded");
    for pair in saves.windows(2) {
        assert_eq!(
            pair[1].after, pair[0].before,
            "each save on top of the one before"
        );
    }
    let r = demarc_env(&["audit", "verify", "--database", &url], &[]);
    r.expect(0);
    drop((a, b));
    sql(format!("DROP SCHEMA {schema} CASCADE"));
}
