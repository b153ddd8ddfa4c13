//! Connecting, migrating, and the write transaction every change goes through.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Connection, Executor, Row, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::StoreError;

/// Which database a store is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One migration: a version, a name, and its SQL for each backend (the same text where the
/// two agree).
#[derive(Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sqlite: include_str!("../migrations/0001_initial.sql"),
        postgres: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "audit log append-only",
        sqlite: include_str!("../migrations/0002_audit_append_only.sqlite.sql"),
        postgres: include_str!("../migrations/0002_audit_append_only.postgres.sql"),
    },
    Migration {
        version: 3,
        name: "member sharing",
        sqlite: include_str!("../migrations/0003_member_sharing.sql"),
        postgres: include_str!("../migrations/0003_member_sharing.sql"),
    },
];

/// A key for PostgreSQL's advisory lock, held while migrating ("demarc" in ASCII).
const MIGRATION_LOCK: i64 = 0x64_65_6d_61_72_63;

/// Whether a store can serve: the database answers and its schema is current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub schema_version: i64,
    pub latest: i64,
}

impl Readiness {
    pub fn is_current(&self) -> bool {
        self.schema_version == self.latest
    }
}

/// The store: a connection pool and which backend it is on.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer: writes from this process queue here rather than fail busy.
    write_lock: Option<Arc<Mutex<()>>>,
}

/// A write transaction, holding the SQLite write lock while it lives.
#[derive(Debug)]
pub(crate) struct WriteTx {
    pub(crate) tx: Transaction<'static, Any>,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Store {
    /// Connect to `url`: `postgres://...` / `postgresql://...`, or `sqlite:PATH` / a plain path
    /// (the file is created if missing). Does not migrate.
    pub async fn open(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            if path.is_empty() || path.contains("://") {
                return Err(StoreError::BadUrl(url.to_owned()));
            }
            let (path, query) = path.split_once('?').unwrap_or((path, ""));
            let mode = if query.contains("mode=") {
                String::new()
            } else {
                "mode=rwc".to_owned()
            };
            let query = [query, &mode]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("&");
            (Backend::Sqlite, format!("sqlite://{path}?{query}"))
        };
        let options =
            AnyConnectOptions::from_str(&url).map_err(|_| StoreError::BadUrl(url.clone()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA synchronous = NORMAL",
                        ] {
                            conn.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            backend,
            write_lock: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Close every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn begin(&self) -> Result<WriteTx, StoreError> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _guard: guard })
    }

    /// Bring the schema up to date; returns the versions applied. Safe to run from several
    /// processes at once: on PostgreSQL under an advisory lock, on SQLite inside one
    /// `BEGIN IMMEDIATE` transaction. Refuses a schema newer than this build knows.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let _guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let mut conn = self.pool.acquire().await?;
        let latest = MIGRATIONS.last().map_or(0, |m| m.version);
        let mut applied = Vec::new();
        match self.backend {
            Backend::Postgres => {
                sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(MIGRATION_LOCK)
                    .execute(&mut *conn)
                    .await?;
                let result: Result<(), StoreError> = async {
                    create_migrations_table(&mut conn).await?;
                    let current = current_version(&mut conn).await?;
                    if current > latest {
                        return Err(StoreError::TooNew {
                            found: current,
                            known: latest,
                        });
                    }
                    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
                        let mut tx = conn.begin().await?;
                        sqlx::raw_sql(m.postgres).execute(&mut *tx).await?;
                        record(&mut tx, m).await?;
                        tx.commit().await?;
                        applied.push(m.version);
                    }
                    Ok(())
                }
                .await;
                sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(MIGRATION_LOCK)
                    .execute(&mut *conn)
                    .await?;
                result?;
            }
            Backend::Sqlite => {
                sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                let result: Result<(), StoreError> = async {
                    create_migrations_table(&mut conn).await?;
                    let current = current_version(&mut conn).await?;
                    if current > latest {
                        return Err(StoreError::TooNew {
                            found: current,
                            known: latest,
                        });
                    }
                    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
                        sqlx::raw_sql(m.sqlite).execute(&mut *conn).await?;
                        record(&mut conn, m).await?;
                        applied.push(m.version);
                    }
                    Ok(())
                }
                .await;
                let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
                sqlx::raw_sql(end).execute(&mut *conn).await?;
                result?;
            }
        }
        Ok(applied)
    }

    /// The database answers, and at which schema version.
    pub async fn readiness(&self) -> Result<Readiness, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let latest = MIGRATIONS.last().map_or(0, |m| m.version);
        let exists = match self.backend {
            Backend::Sqlite => sqlx::query(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'demarc_migrations'",
            ),
            Backend::Postgres => sqlx::query(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'demarc_migrations'",
            ),
        }
        .fetch_one(&mut *conn)
        .await?
        .try_get::<i64, _>(0)?;
        let schema_version = if exists > 0 {
            current_version(&mut conn).await?
        } else {
            0
        };
        Ok(Readiness {
            schema_version,
            latest,
        })
    }
}

async fn create_migrations_table(conn: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS demarc_migrations (\
         version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn current_version(conn: &mut sqlx::AnyConnection) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM demarc_migrations")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>(0)?)
}

async fn record(conn: &mut sqlx::AnyConnection, m: &Migration) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO demarc_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
        .bind(m.version)
        .bind(m.name)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Now, in Unix seconds.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Store {
    /// Run SQL as given. For tests and operators' scripts only: nothing in demarc calls it.
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(sqlx::raw_sql(sql)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Remove the triggers that keep the audit log append-only, as someone with direct
    /// database access could: for the tests that show verification still finds tampering.
    #[doc(hidden)]
    pub async fn drop_audit_protection_for_tests(&self) -> Result<(), StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
            }
            Backend::Postgres => "DROP TRIGGER audit_log_no_update ON audit_log;",
        };
        self.execute_raw(sql).await.map(|_| ())
    }
}

impl WriteTx {
    /// Commit if the work succeeded, else roll back at once (not lazily when the connection
    /// is next used: on SQLite a pending rollback would hold the write lock meanwhile).
    pub(crate) async fn finish<T>(self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        match result {
            Ok(v) => {
                self.tx.commit().await?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.tx.rollback().await;
                Err(e)
            }
        }
    }
}
