//! `demarc serve`, `db`, `user`, `workspace` and `audit`: the server and its database.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use demarc_core::Date;
use demarc_formats::yaml;
use demarc_server::{AppState, Config, workshop};
use demarc_store::Store;

use crate::Outcome;
use crate::cli::{
    AuditAction, AuditArgs, DbAction, DbArgs, ServeArgs, UserAction, UserArgs, WorkspaceAction,
    WorkspaceArgs,
};

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The database URL as shown: a PostgreSQL password is hidden.
fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn open(url: &str, pool: u32) -> Result<Store> {
    Store::open(url, pool)
        .await
        .with_context(|| format!("cannot open the database {}", shown(url)))
}

/// Today's date, from `--today` if given, else the clock (read each time: the server runs for days).
fn clock(given: Option<String>) -> Result<Arc<dyn Fn() -> Date + Send + Sync>> {
    if let Some(s) = given {
        let d: Date = s.parse().map_err(|e| anyhow!("--today: {e}"))?;
        return Ok(Arc::new(move || d));
    }
    Ok(Arc::new(|| {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_unix_days((secs / 86_400) as i64)
    }))
}

pub fn serve(args: ServeArgs, today: Option<String>) -> Result<Outcome> {
    let config = Config {
        secure_cookies: args.secure_cookies,
        demo: args.demo,
        max_upload: args.max_upload_mib.max(1) * 1024 * 1024,
        today: clock(today)?,
    };
    runtime()?.block_on(async move {
        let store = open(&args.db.database, args.pool).await?;
        if args.no_migrate {
            let r = store.readiness().await?;
            if !r.is_current() {
                eprintln!(
                    "warning: the database schema is at version {} of {}: /readyz reports not ready until `demarc db migrate` runs",
                    r.schema_version, r.latest
                );
            }
        } else {
            let applied = store.migrate().await.context("cannot migrate the database")?;
            if !applied.is_empty() {
                eprintln!("database: applied migrations {applied:?}");
            }
        }
        let first_run = store.user_count().await? == 0;
        let state = AppState::new(store.clone(), config);
        let db = shown(&args.db.database);
        demarc_server::serve(state, args.listen, |addr| {
            eprintln!("demarc is serving http://{addr}/ (database {db}); Ctrl-C stops it");
            if first_run {
                eprintln!("first start: open http://{addr}/setup to create the first account");
            }
        })
        .await
        .with_context(|| format!("cannot serve on {}", args.listen))?;
        store.close().await;
        Ok(Outcome::Ok)
    })
}

pub fn db(args: DbArgs) -> Result<Outcome> {
    runtime()?.block_on(async move {
        match args.action {
            DbAction::Migrate(db) => {
                let store = open(&db.database, 2).await?;
                let applied = store.migrate().await?;
                let r = store.readiness().await?;
                if applied.is_empty() {
                    println!(
                        "the database is current (schema version {})",
                        r.schema_version
                    );
                } else {
                    println!(
                        "applied migrations {applied:?}; schema version {}",
                        r.schema_version
                    );
                }
                Ok(Outcome::Ok)
            }
            DbAction::Status(db) => {
                let store = open(&db.database, 1).await?;
                let r = store.readiness().await?;
                println!("schema version {} of {}", r.schema_version, r.latest);
                Ok(if r.is_current() {
                    Outcome::Ok
                } else {
                    Outcome::Findings
                })
            }
        }
    })
}

pub fn user(args: UserArgs) -> Result<Outcome> {
    let UserAction::Add {
        db,
        email,
        name,
        admin,
    } = args.action;
    let password = match std::env::var("DEMARC_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    demarc_server::auth::check_new_password(&password).map_err(|e| anyhow!("{e}"))?;
    let hash = demarc_server::auth::hash_password(&password).map_err(|e| anyhow!("{e}"))?;
    runtime()?.block_on(async move {
        let store = open(&db.database, 2).await?;
        store.migrate().await?;
        let u = store.create_user(&email, &name, &hash, admin).await?;
        println!(
            "added {} <{}>{}",
            u.name,
            u.email,
            if admin { " (admin)" } else { "" }
        );
        Ok(Outcome::Ok)
    })
}

pub fn workspace(args: WorkspaceArgs, today: Date) -> Result<Outcome> {
    runtime()?.block_on(async move {
        match args.action {
            WorkspaceAction::List(db) => {
                let store = open(&db.database, 2).await?;
                for w in store.all_workspaces().await? {
                    println!("{}\t{}", w.id, w.name);
                }
                Ok(Outcome::Ok)
            }
            WorkspaceAction::Import {
                db,
                dir,
                name,
                owner,
            } => {
                let files = yaml::read_dir(&dir).map_err(|e| anyhow!("{e}"))?;
                let (files, cells) =
                    workshop::rows_from_files(files).map_err(|errors| crate::load::Unreadable {
                        dir: dir.display().to_string(),
                        errors,
                    })?;
                let model =
                    yaml::load(&dir).map_err(|_| anyhow!("{} cannot be read", dir.display()))?;
                let store = open(&db.database, 2).await?;
                store.migrate().await?;
                let user = store.user_for_login(&owner).await?.ok_or_else(|| {
                    anyhow!("there is no user {owner}: add one with `demarc user add`")
                })?;
                let name = name.unwrap_or(model.name);
                let ws = store
                    .create_workspace(&name, &user.user.id, "owner")
                    .await?;
                store
                    .replace_model(&ws.id, &files, &cells, "cli", "model.import", None)
                    .await?;
                println!("{}\t{}", ws.id, ws.name);
                Ok(Outcome::Ok)
            }
            WorkspaceAction::Token {
                db,
                workspace,
                name,
                role,
            } => {
                let parsed = demarc_server::authz::Role::parse(&role)
                    .filter(|r| *r != demarc_server::authz::Role::Supplier)
                    .ok_or_else(|| {
                        anyhow!("--role: {role:?} is not one of owner, editor, auditor, viewer")
                    })?;
                let store = open(&db.database, 2).await?;
                if store.workspace(&workspace).await?.is_none() {
                    bail!("there is no workspace {workspace} (see `demarc workspace list`)");
                }
                let (token, secret) = store
                    .create_api_token(&workspace, &name, parsed.as_str(), "cli")
                    .await?;
                eprintln!(
                    "token {} ({}, {}): shown once, keep it secret",
                    token.id, token.name, token.role
                );
                println!("{secret}");
                Ok(Outcome::Ok)
            }
            WorkspaceAction::Export { db, workspace, dir } => {
                let store = open(&db.database, 2).await?;
                if store.workspace(&workspace).await?.is_none() {
                    bail!("there is no workspace {workspace} (see `demarc workspace list`)");
                }
                let rows = store.model_rows(&workspace).await?;
                let files = workshop::files(&rows);
                // Check it reads before writing anything.
                workshop::load(rows, today, None).map_err(|errors| {
                    anyhow!(
                        "the workspace's model does not read: {}",
                        workshop::describe(&errors)
                    )
                })?;
                yaml::write::write_dir(&dir, &files)
                    .with_context(|| format!("cannot write {}", dir.display()))?;
                println!("wrote {} files to {}", files.len(), dir.display());
                Ok(Outcome::Ok)
            }
        }
    })
}

pub fn audit(args: AuditArgs) -> Result<Outcome> {
    let AuditAction::Verify { db, workspace } = args.action;
    runtime()?.block_on(async move {
        let store = open(&db.database, 2).await?;
        let (checked, problems) = store.verify_audit(workspace.as_deref()).await?;
        if problems.is_empty() {
            println!("the audit log verifies: {checked} entries, none edited or removed");
            Ok(Outcome::Ok)
        } else {
            for p in &problems {
                println!(
                    "workspace {}: entry {}: {}",
                    p.workspace_id, p.seq, p.message
                );
            }
            println!(
                "the audit log does NOT verify: {} problem(s) in {checked} entries",
                problems.len()
            );
            Ok(Outcome::Findings)
        }
    })
}
