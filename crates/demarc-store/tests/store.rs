//! The store's tests, each run on SQLite (a fresh file) and, when DEMARC_TEST_DATABASE_URL
//! names a PostgreSQL database, on PostgreSQL too (a fresh schema per test).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use demarc_store::{NewCell, NewFile, Store, StoreError};

/// A store on a fresh database of each backend available.
async fn stores(name: &str) -> Vec<Store> {
    let mut out = Vec::new();
    let dir = std::env::temp_dir().join(format!(
        "demarc-store-test-{}-{name}-{}",
        std::process::id(),
        demarc_store::new_id().unwrap()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = Store::open(&dir.join("t.db").display().to_string(), 4)
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    out.push(sqlite);
    if let Some(url) = postgres_url(name).await {
        let pg = Store::open(&url, 4).await.unwrap();
        pg.migrate().await.unwrap();
        out.push(pg);
    } else {
        eprintln!("{name}: DEMARC_TEST_DATABASE_URL is not set; tested on SQLite only");
    }
    out
}

/// A URL to a fresh schema in the test PostgreSQL database, if one is configured.
async fn postgres_url(name: &str) -> Option<String> {
    let base = std::env::var("DEMARC_TEST_DATABASE_URL").ok()?;
    let schema = format!(
        "t_{}_{}_{}",
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
    Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

fn hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA"
}

#[tokio::test]
async fn migrations_apply_once_and_readiness_reports_them() {
    for store in stores("migrate").await {
        let r = store.readiness().await.unwrap();
        assert!(r.is_current(), "{:?}: {r:?}", store.backend());
        assert_eq!(store.migrate().await.unwrap(), Vec::<i64>::new());
    }
}

#[tokio::test]
async fn two_nodes_migrating_at_once_both_succeed() {
    // Two separate pools on one fresh database, migrating at the same moment.
    let dir = std::env::temp_dir().join(format!("demarc-race-{}", demarc_store::new_id().unwrap()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut urls = vec![dir.join("race.db").display().to_string()];
    if let Some(u) = postgres_url("race").await {
        urls.push(u);
    }
    for url in urls {
        let a = Store::open(&url, 2).await.unwrap();
        let b = Store::open(&url, 2).await.unwrap();
        assert_eq!(a.readiness().await.unwrap().schema_version, 0);
        let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let mut all: Vec<i64> = ra.iter().chain(rb.iter()).copied().collect();
        all.sort();
        let want: Vec<i64> = demarc_store::MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(all, want, "each migration applied exactly once ({url})");
        assert!(a.readiness().await.unwrap().is_current());
    }
}

#[tokio::test]
async fn the_first_admin_is_made_once_and_sessions_live_server_side() {
    for store in stores("people").await {
        let admin = store
            .create_first_admin("Ann@Example.org ", "Ann", hash())
            .await
            .unwrap();
        assert!(admin.is_some());
        assert!(
            store
                .create_first_admin("b@example.org", "B", hash())
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            store
                .create_user("ann@example.org", "Ann again", hash(), false)
                .await,
            Err(StoreError::Exists(_))
        ));
        let login = store
            .user_for_login("ANN@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(login.user.email, "ann@example.org");
        assert!(login.user.is_admin);

        let token = store.create_session(&login.user.id, 3600).await.unwrap();
        let session = store.session(&token).await.unwrap().unwrap();
        assert_eq!(session.user.id, login.user.id);
        assert_eq!(session.csrf.len(), 64);
        assert!(store.session("not-a-token").await.unwrap().is_none());
        store.end_session(&token).await.unwrap();
        assert!(store.session(&token).await.unwrap().is_none());

        let expired = store.create_session(&login.user.id, -1).await.unwrap();
        assert!(store.session(&expired).await.unwrap().is_none());

        let live = store.create_session(&login.user.id, 3600).await.unwrap();
        store.set_password(&login.user.id, hash()).await.unwrap();
        assert!(
            store.session(&live).await.unwrap().is_none(),
            "a new password ends sessions"
        );

        for _ in 0..3 {
            store.record_login_failure("ann@example.org").await.unwrap();
        }
        assert_eq!(
            store
                .recent_login_failures("Ann@example.org", 60)
                .await
                .unwrap(),
            3
        );
        store.clear_login_failures("ann@example.org").await.unwrap();
        assert_eq!(
            store
                .recent_login_failures("ann@example.org", 60)
                .await
                .unwrap(),
            0
        );
    }
}

async fn workspace_with_model(store: &Store) -> (String, String) {
    let owner = store
        .create_user("owner@example.org", "Owner", hash(), false)
        .await
        .unwrap();
    let ws = store
        .create_workspace("Riverside", &owner.id, "owner")
        .await
        .unwrap();
    store
        .replace_model(
            &ws.id,
            &[NewFile {
                path: "demarc.yaml".into(),
                body: "name: Riverside\n".into(),
            }],
            &[
                NewCell {
                    service_id: "email".into(),
                    responsibility_id: "patching".into(),
                    body: "  patching: supplier\n".into(),
                },
                NewCell {
                    service_id: "email".into(),
                    responsibility_id: "backup".into(),
                    body: "  backup: customer\n".into(),
                },
            ],
            &owner.id,
            "model.import",
            None,
        )
        .await
        .unwrap();
    (ws.id, owner.id)
}

#[tokio::test]
async fn a_save_against_an_old_version_is_refused_with_the_current_state() {
    for store in stores("conflict").await {
        let (ws, owner) = workspace_with_model(&store).await;
        let rows = store.model_rows(&ws).await.unwrap();
        let cell = rows.cell("email", "patching").unwrap();
        assert_eq!(cell.version, 1);
        let v2 = store
            .save_cell(
                &ws,
                "email",
                "patching",
                Some(1),
                Some("  patching: shared\n"),
                &owner,
                "cell.save",
            )
            .await
            .unwrap();
        assert_eq!(v2, Some(2));
        // The second person still has version 1 open.
        let err = store
            .save_cell(
                &ws,
                "email",
                "patching",
                Some(1),
                Some("  patching: customer\n"),
                &owner,
                "cell.save",
            )
            .await
            .unwrap_err();
        let StoreError::Conflict(c) = err else {
            panic!("expected a conflict, got {err:?}")
        };
        assert_eq!(c.current_version, Some(2));
        assert_eq!(c.current_body.as_deref(), Some("  patching: shared\n"));
        assert_eq!(
            store
                .model_rows(&ws)
                .await
                .unwrap()
                .cell("email", "patching")
                .unwrap()
                .body,
            "  patching: shared\n"
        );
        // A new cell that someone else created first.
        store
            .save_cell(
                &ws,
                "email",
                "mfa",
                None,
                Some("  mfa: customer\n"),
                &owner,
                "cell.save",
            )
            .await
            .unwrap();
        assert!(matches!(
            store
                .save_cell(
                    &ws,
                    "email",
                    "mfa",
                    None,
                    Some("  mfa: supplier\n"),
                    &owner,
                    "cell.save"
                )
                .await,
            Err(StoreError::Conflict(_))
        ));
        // Removing needs the current version too.
        assert!(matches!(
            store
                .save_cell(&ws, "email", "mfa", Some(7), None, &owner, "cell.clear")
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store
                .save_cell(&ws, "email", "mfa", Some(1), None, &owner, "cell.clear")
                .await
                .unwrap(),
            None
        );
        assert!(
            store
                .model_rows(&ws)
                .await
                .unwrap()
                .cell("email", "mfa")
                .is_none()
        );

        // Files too.
        let v = store
            .save_file(
                &ws,
                "parties.yaml",
                None,
                "parties: []\n",
                &owner,
                "file.save",
            )
            .await
            .unwrap();
        assert_eq!(v, 1);
        assert!(matches!(
            store
                .save_file(
                    &ws,
                    "parties.yaml",
                    None,
                    "parties: []\n",
                    &owner,
                    "file.save"
                )
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store
                .save_file(
                    &ws,
                    "parties.yaml",
                    Some(1),
                    "parties: [] # x\n",
                    &owner,
                    "file.save"
                )
                .await
                .unwrap(),
            2
        );
    }
}

#[tokio::test]
async fn concurrent_saves_of_one_cell_from_two_pools_lose_nothing() {
    for store in stores("race-cells").await {
        let (ws, owner) = workspace_with_model(&store).await;
        let url_store = store.clone();
        // Twenty writers, each saving against version 1: exactly one may win.
        let mut handles = Vec::new();
        for i in 0..20 {
            let s = url_store.clone();
            let (ws, owner) = (ws.clone(), owner.clone());
            handles.push(tokio::spawn(async move {
                s.save_cell(
                    &ws,
                    "email",
                    "backup",
                    Some(1),
                    Some(&format!("  backup: shared # {i}\n")),
                    &owner,
                    "cell.save",
                )
                .await
            }));
        }
        let mut won = 0;
        let mut conflicts = 0;
        for h in handles {
            match h.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::Conflict(_)) => conflicts += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!((won, conflicts), (1, 19), "{:?}", store.backend());
        // And every save against the version it read goes through, in turn.
        for _ in 0..10 {
            let v = store
                .model_rows(&ws)
                .await
                .unwrap()
                .cell("email", "backup")
                .unwrap()
                .version;
            store
                .save_cell(
                    &ws,
                    "email",
                    "backup",
                    Some(v),
                    Some("  backup: customer\n"),
                    &owner,
                    "cell.save",
                )
                .await
                .unwrap();
        }
        assert_eq!(
            store
                .model_rows(&ws)
                .await
                .unwrap()
                .cell("email", "backup")
                .unwrap()
                .version,
            12
        );
        let (checked, problems) = store.verify_audit(Some(&ws)).await.unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        // create + import + 1 + 10 saves
        assert_eq!(checked, 13);
    }
}

#[tokio::test]
async fn an_import_that_fails_changes_nothing() {
    for store in stores("import-atomic").await {
        let (ws, owner) = workspace_with_model(&store).await;
        let before = store.model_rows(&ws).await.unwrap();
        let err = store
            .replace_model(
                &ws,
                &[NewFile {
                    path: "demarc.yaml".into(),
                    body: "name: Other\n".into(),
                }],
                &[
                    NewCell {
                        service_id: "a".into(),
                        responsibility_id: "x".into(),
                        body: "  x: customer\n".into(),
                    },
                    NewCell {
                        service_id: "a".into(),
                        responsibility_id: "x".into(),
                        body: "  x: supplier\n".into(),
                    },
                ],
                &owner,
                "model.import",
                None,
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        assert_eq!(store.model_rows(&ws).await.unwrap(), before);
        assert!(store.verify_audit(Some(&ws)).await.unwrap().1.is_empty());
    }
}

/// A replacement worked out from the model at a revision lands only if nothing changed since;
/// otherwise it is a conflict and changes nothing.
#[tokio::test]
async fn a_replacement_based_on_an_old_revision_is_a_conflict() {
    for store in stores("replace-based-on").await {
        let (ws, owner) = workspace_with_model(&store).await;
        let revision = store.workspace(&ws).await.unwrap().unwrap().revision;
        let file = [NewFile {
            path: "demarc.yaml".into(),
            body: "name: Replaced\n".into(),
        }];
        // Someone saves a row in between.
        let rows = store.model_rows(&ws).await.unwrap();
        let patching = rows.cell("email", "patching").unwrap().version;
        store
            .save_cell(
                &ws,
                "email",
                "patching",
                Some(patching),
                Some("  patching: shared\n"),
                &owner,
                "cell.save",
            )
            .await
            .unwrap();
        let before = store.model_rows(&ws).await.unwrap();
        let err = store
            .replace_model(
                &ws,
                &file,
                &[],
                &owner,
                "model.upload-matrix",
                Some(revision),
            )
            .await
            .unwrap_err();
        match err {
            demarc_store::StoreError::Conflict(c) => {
                assert_eq!(c.expected, Some(revision));
                assert_eq!(c.current_version, Some(revision + 1));
            }
            e => panic!("expected a conflict, got {e}"),
        }
        assert_eq!(store.model_rows(&ws).await.unwrap(), before);
        // Based on the revision as it is now, it lands.
        let now = store.workspace(&ws).await.unwrap().unwrap().revision;
        store
            .replace_model(&ws, &file, &[], &owner, "model.upload-matrix", Some(now))
            .await
            .unwrap();
        assert_eq!(
            store.model_rows(&ws).await.unwrap().files[0].body,
            "name: Replaced\n"
        );
        assert!(store.verify_audit(Some(&ws)).await.unwrap().1.is_empty());
    }
}

#[tokio::test]
async fn the_audit_log_finds_an_edited_or_deleted_entry() {
    for store in stores("audit").await {
        let (ws, owner) = workspace_with_model(&store).await;
        for i in 0..3 {
            let v = store
                .model_rows(&ws)
                .await
                .unwrap()
                .cell("email", "patching")
                .unwrap()
                .version;
            store
                .save_cell(
                    &ws,
                    "email",
                    "patching",
                    Some(v),
                    Some(&format!("  patching: shared # {i}\n")),
                    &owner,
                    "cell.save",
                )
                .await
                .unwrap();
        }
        let entries = store
            .audit_entries(&ws, Some("cell:email/patching"), 100)
            .await
            .unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[0].before.as_deref(),
            Some("  patching: shared # 1\n")
        );
        assert_eq!(
            entries[0].after.as_deref(),
            Some("  patching: shared # 2\n")
        );
        assert_eq!(store.verify_audit(None).await.unwrap(), (5, vec![]));

        // The log refuses edits through SQL ...
        assert!(
            store
                .execute_raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
                .await
                .is_err()
        );
        // ... and someone who removes that protection is still found out.
        store.drop_audit_protection_for_tests().await.unwrap();
        store
            .execute_raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
            .await
            .unwrap();
        let problems = store.verify_audit(Some(&ws)).await.unwrap().1;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].seq, 3);
        assert!(problems[0].message.contains("edited"));

        store
            .execute_raw(&format!(
                "UPDATE audit_log SET actor = '{owner}' WHERE seq = 3"
            ))
            .await
            .unwrap();
        assert!(store.verify_audit(Some(&ws)).await.unwrap().1.is_empty());
        store
            .execute_raw("DELETE FROM audit_log WHERE seq = 2")
            .await
            .unwrap();
        let problems = store.verify_audit(Some(&ws)).await.unwrap().1;
        assert!(
            problems
                .iter()
                .any(|p| p.seq == 2 && p.message.contains("missing")),
            "{problems:?}"
        );

        store
            .execute_raw("DELETE FROM audit_log WHERE seq = 5")
            .await
            .unwrap();
        let problems = store.verify_audit(Some(&ws)).await.unwrap().1;
        assert!(
            problems.iter().any(|p| p.message.contains("ends at entry")),
            "{problems:?}"
        );
    }
}

#[tokio::test]
async fn invitations_are_used_once_and_tokens_can_be_revoked() {
    for store in stores("invite").await {
        let (ws, owner) = workspace_with_model(&store).await;
        let rep = store
            .create_user("rep@msp.example", "Rep", hash(), false)
            .await
            .unwrap();
        let other = store
            .create_user("other@msp.example", "Other", hash(), false)
            .await
            .unwrap();
        let token = store
            .create_invitation(&ws, "supplier", Some("msp"), &owner, 3600)
            .await
            .unwrap();
        let inv = store.invitation(&token).await.unwrap().unwrap();
        assert_eq!(
            (inv.role.as_str(), inv.party_id.as_deref(), inv.used),
            ("supplier", Some("msp"), false)
        );
        let (a, b) = tokio::join!(
            store.accept_invitation(&token, &rep.id),
            store.accept_invitation(&token, &other.id)
        );
        assert!(a.is_ok() != b.is_ok(), "exactly one acceptance wins");
        let expired = store
            .create_invitation(&ws, "viewer", None, &owner, -10)
            .await
            .unwrap();
        assert!(store.accept_invitation(&expired, &other.id).await.is_err());

        let members = store.members(&ws).await.unwrap();
        assert_eq!(members.len(), 2);
        assert!(store.invitation(&expired).await.unwrap().unwrap().expired);
        // An expired link makes no account.
        assert!(
            store
                .register_with_invitation(&expired, "new@x.example", "New", hash())
                .await
                .is_err()
        );
        assert!(
            store
                .user_for_login("new@x.example")
                .await
                .unwrap()
                .is_none()
        );
        // A link never changes the role of someone already in the workspace.
        let supplier_link = store
            .create_invitation(&ws, "supplier", Some("msp"), &owner, 3600)
            .await
            .unwrap();
        let err = store
            .accept_invitation(&supplier_link, &owner)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("already in this workspace"),
            "{err}"
        );
        assert_eq!(
            store.membership(&ws, &owner).await.unwrap().unwrap().role,
            "owner"
        );
        let (newcomer, inv) = store
            .register_with_invitation(&supplier_link, "New@x.example", "New", hash())
            .await
            .unwrap();
        assert_eq!(inv.party_id.as_deref(), Some("msp"));
        assert_eq!(
            store
                .membership(&ws, &newcomer.id)
                .await
                .unwrap()
                .unwrap()
                .role,
            "supplier"
        );
        // Nobody sees a workspace they are not in.
        let stranger = store
            .create_user("x@y.example", "X", hash(), false)
            .await
            .unwrap();
        assert!(store.memberships(&stranger.id).await.unwrap().is_empty());
        assert!(store.membership(&ws, &stranger.id).await.unwrap().is_none());

        let (t, secret) = store
            .create_api_token(&ws, "CI", "editor", &owner)
            .await
            .unwrap();
        assert_eq!(store.api_token(&secret).await.unwrap().unwrap().id, t.id);
        assert!(store.api_token("dmt_0000").await.unwrap().is_none());
        store.revoke_api_token(&ws, &t.id, &owner).await.unwrap();
        assert!(store.api_token(&secret).await.unwrap().is_none());
        assert!(store.api_tokens(&ws).await.unwrap()[0].revoked);
    }
}

#[tokio::test]
async fn a_frozen_version_is_signed_only_against_its_hash() {
    for store in stores("signoff").await {
        let (ws, owner) = workspace_with_model(&store).await;
        let n = store
            .freeze(&ws, "2026 schedule", "abc", "[]", &owner)
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert!(
            store
                .sign(&ws, 1, "riverside", &owner, "Owner", "other")
                .await
                .is_err()
        );
        store
            .sign(&ws, 1, "riverside", &owner, "Owner", "abc")
            .await
            .unwrap();
        assert!(matches!(
            store
                .sign(&ws, 1, "riverside", &owner, "Owner", "abc")
                .await,
            Err(StoreError::Exists(_))
        ));
        let s = store.signoffs(&ws).await.unwrap();
        assert_eq!(s[0].signatures.len(), 1);
        let err = store
            .freeze(&ws, "same again", "abc", "[]", &owner)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("has not changed"), "{err}");
        assert_eq!(
            store
                .freeze(&ws, "again", "def", "[]", &owner)
                .await
                .unwrap(),
            2
        );
    }
}

/// Drop the schemas that test runs made over an hour ago (`t_<unix seconds>_...`).
const OLD_TEST_SCHEMAS_DROP: &str = r"DO $$
DECLARE s text;
BEGIN
  -- One cleaner at a time: tests run in parallel.
  PERFORM pg_advisory_xact_lock(7267732);
  FOR s IN SELECT schema_name FROM information_schema.schemata
           WHERE schema_name ~ '^t_[0-9]{10}_'
             AND substring(schema_name from 3 for 10)::bigint < extract(epoch from now()) - 3600
  LOOP
    EXECUTE 'DROP SCHEMA IF EXISTS ' || quote_ident(s) || ' CASCADE';
  END LOOP;
END $$";
