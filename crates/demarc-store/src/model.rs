//! A workspace's model: its files, and one row per explicit allocation.
//!
//! The store keeps the model as the text the CLI reads from a directory, so the server and the
//! files agree by construction: `model_files` holds `demarc.yaml`, `parties.yaml`,
//! `services.yaml` and any catalogue files; `cells` holds each allocation's YAML as it sits
//! under `responsibilities:` in `allocations/<service>.yaml`. Each has a version: a save names
//! the version it was made against and is refused ([`crate::Conflict`]) if that is no longer
//! current.

use sqlx::Row;

use crate::audit::{NewAudit, append};
use crate::error::{Conflict, StoreError};
use crate::{Store, db::WriteTx};

/// One model file as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    pub path: String,
    pub body: String,
    pub version: i64,
}

/// One explicit allocation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRow {
    pub service_id: String,
    pub responsibility_id: String,
    /// Its place in its service's file.
    pub position: i64,
    /// The allocation's YAML, indented as under `responsibilities:`.
    pub body: String,
    pub version: i64,
}

/// A workspace's whole model as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelRows {
    pub files: Vec<FileRow>,
    /// By service, then position.
    pub cells: Vec<CellRow>,
}

impl ModelRows {
    pub fn file(&self, path: &str) -> Option<&FileRow> {
        self.files.iter().find(|f| f.path == path)
    }
    pub fn cell(&self, service: &str, responsibility: &str) -> Option<&CellRow> {
        self.cells
            .iter()
            .find(|c| c.service_id == service && c.responsibility_id == responsibility)
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// A file to store.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub path: String,
    pub body: String,
}

/// An allocation to store.
#[derive(Debug, Clone)]
pub struct NewCell {
    pub service_id: String,
    pub responsibility_id: String,
    pub body: String,
}

fn rows_json(rows: &ModelRows) -> String {
    let files: Vec<_> = rows
        .files
        .iter()
        .map(|f| serde_json::json!({"path": f.path, "body": f.body}))
        .collect();
    let cells: Vec<_> = rows
        .cells
        .iter()
        .map(|c| serde_json::json!({"service": c.service_id, "responsibility": c.responsibility_id, "body": c.body}))
        .collect();
    serde_json::json!({"files": files, "cells": cells}).to_string()
}

async fn read_rows(
    conn: &mut sqlx::AnyConnection,
    workspace_id: &str,
) -> Result<ModelRows, StoreError> {
    let files = sqlx::query(
        "SELECT path, body, version FROM model_files WHERE workspace_id = $1 ORDER BY path",
    )
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(FileRow {
            path: r.try_get("path")?,
            body: r.try_get("body")?,
            version: r.try_get("version")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let cells = sqlx::query(
        "SELECT service_id, responsibility_id, position, body, version FROM cells \
         WHERE workspace_id = $1 ORDER BY service_id, position, responsibility_id",
    )
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(CellRow {
            service_id: r.try_get("service_id")?,
            responsibility_id: r.try_get("responsibility_id")?,
            position: r.try_get("position")?,
            body: r.try_get("body")?,
            version: r.try_get("version")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(ModelRows { files, cells })
}

async fn current_cell(
    tx: &mut WriteTx,
    workspace_id: &str,
    service: &str,
    responsibility: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT version, body FROM cells WHERE workspace_id = $1 AND service_id = $2 AND responsibility_id = $3",
    )
    .bind(workspace_id)
    .bind(service)
    .bind(responsibility)
    .fetch_optional(&mut *tx.tx)
    .await?;
    Ok(row
        .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()?)
}

/// The conflict to report when a guarded write changed nothing: read in the same transaction,
/// so it needs no second connection.
async fn conflict_now(
    tx: &mut WriteTx,
    workspace_id: &str,
    service: &str,
    responsibility: &str,
    expected: Option<i64>,
) -> StoreError {
    let current = match current_cell(tx, workspace_id, service, responsibility).await {
        Ok(c) => c,
        Err(e) => return e,
    };
    StoreError::Conflict(Box::new(Conflict {
        target: format!("The allocation of {responsibility} for {service}"),
        expected,
        current_version: current.as_ref().map(|c| c.0),
        current_body: current.map(|c| c.1),
    }))
}

impl Store {
    /// The whole model of a workspace, read in one transaction (a consistent snapshot).
    pub async fn model_rows(&self, workspace_id: &str) -> Result<ModelRows, StoreError> {
        let mut tx = self.pool.begin().await?;
        let rows = read_rows(&mut tx, workspace_id).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Replace a workspace's whole model (an import or an upload): all or nothing, with one
    /// audit entry holding the model before and after. A replacement worked out from the model
    /// as it was at a revision (`based_on`: a matrix upload changes the rows of the model it
    /// read) is refused with a conflict if the workspace has moved on since.
    #[allow(clippy::too_many_arguments)]
    pub async fn replace_model(
        &self,
        workspace_id: &str,
        files: &[NewFile],
        cells: &[NewCell],
        actor: &str,
        action: &str,
        based_on: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            if let Some(revision) = based_on {
                // Test and lock the workspace row in one statement, as the audit log's append
                // does: no other change can slip in between.
                let same = sqlx::query(
                    "UPDATE workspaces SET audit_seq = audit_seq WHERE id = $1 AND audit_seq = $2",
                )
                .bind(workspace_id)
                .bind(revision)
                .execute(&mut *tx.tx)
                .await?
                .rows_affected();
                if same == 0 {
                    let now: Option<i64> =
                        sqlx::query("SELECT audit_seq FROM workspaces WHERE id = $1")
                            .bind(workspace_id)
                            .fetch_optional(&mut *tx.tx)
                            .await?
                            .map(|r| r.try_get("audit_seq"))
                            .transpose()?;
                    return Err(StoreError::Conflict(Box::new(Conflict {
                        target: "the model".into(),
                        expected: Some(revision),
                        current_version: now,
                        current_body: None,
                    })));
                }
            }
            let before = read_rows(&mut tx.tx, workspace_id).await?;
            sqlx::query("DELETE FROM model_files WHERE workspace_id = $1")
                .bind(workspace_id)
                .execute(&mut *tx.tx)
                .await?;
            sqlx::query("DELETE FROM cells WHERE workspace_id = $1")
                .bind(workspace_id)
                .execute(&mut *tx.tx)
                .await?;
            let next_version = |path: &str| before.file(path).map_or(1, |f| f.version + 1);
            for f in files {
                sqlx::query(
                    "INSERT INTO model_files (workspace_id, path, body, version) VALUES ($1, $2, $3, $4)",
                )
                .bind(workspace_id)
                .bind(&f.path)
                .bind(&f.body)
                .bind(next_version(&f.path))
                .execute(&mut *tx.tx)
                .await?;
            }
            for (position, c) in cells.iter().enumerate() {
                let version = before
                    .cell(&c.service_id, &c.responsibility_id)
                    .map_or(1, |old| old.version + 1);
                sqlx::query(
                    "INSERT INTO cells (workspace_id, service_id, responsibility_id, position, body, version) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(workspace_id)
                .bind(&c.service_id)
                .bind(&c.responsibility_id)
                .bind(position as i64)
                .bind(&c.body)
                .bind(version)
                .execute(&mut *tx.tx)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Invalid(format!(
                        "the model allocates {} for {} twice",
                        c.responsibility_id, c.service_id
                    )),
                    e => e.into(),
                })?;
            }
            let after = read_rows(&mut tx.tx, workspace_id).await?;
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: actor.to_owned(),
                    action: action.to_owned(),
                    target: "model".into(),
                    before: (!before.is_empty()).then(|| rows_json(&before)),
                    after: Some(rows_json(&after)),
                },
            )
            .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }

    /// Save one allocation: `body: None` removes it (the cell falls back to presets). The
    /// save is made against `expected` (the version read; `None` when there was no explicit
    /// allocation) and refused with the current state if that is no longer so. Returns the
    /// new version (`None` when removed).
    #[allow(clippy::too_many_arguments)]
    pub async fn save_cell(
        &self,
        workspace_id: &str,
        service: &str,
        responsibility: &str,
        expected: Option<i64>,
        body: Option<&str>,
        actor: &str,
        action: &str,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let current = current_cell(&mut tx, workspace_id, service, responsibility).await?;
            let target = format!("cell:{service}/{responsibility}");
            if current.as_ref().map(|c| c.0) != expected {
                return Err(StoreError::Conflict(Box::new(Conflict {
                    target: format!("The allocation of {responsibility} for {service}"),
                    expected,
                    current_version: current.as_ref().map(|c| c.0),
                    current_body: current.map(|c| c.1),
                })));
            }
            let version = match (expected, body) {
                (Some(v), Some(body)) => {
                    // The version test is repeated in the update, so two nodes cannot both pass.
                    let done = sqlx::query(
                        "UPDATE cells SET body = $1, version = version + 1 WHERE workspace_id = $2 \
                         AND service_id = $3 AND responsibility_id = $4 AND version = $5",
                    )
                    .bind(body)
                    .bind(workspace_id)
                    .bind(service)
                    .bind(responsibility)
                    .bind(v)
                    .execute(&mut *tx.tx)
                    .await?;
                    if done.rows_affected() != 1 {
                        return Err(conflict_now(
                            &mut tx,
                            workspace_id,
                            service,
                            responsibility,
                            expected,
                        )
                        .await);
                    }
                    Some(v + 1)
                }
                (None, Some(body)) => {
                    let position = sqlx::query(
                        "SELECT COALESCE(MAX(position), -1) + 1 FROM cells WHERE workspace_id = $1 AND service_id = $2",
                    )
                    .bind(workspace_id)
                    .bind(service)
                    .fetch_one(&mut *tx.tx)
                    .await?
                    .try_get::<i64, _>(0)?;
                    let done = sqlx::query(
                        "INSERT INTO cells (workspace_id, service_id, responsibility_id, position, body, version) \
                         VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT DO NOTHING",
                    )
                    .bind(workspace_id)
                    .bind(service)
                    .bind(responsibility)
                    .bind(position)
                    .bind(body)
                    .execute(&mut *tx.tx)
                    .await?;
                    if done.rows_affected() != 1 {
                        return Err(conflict_now(
                            &mut tx,
                            workspace_id,
                            service,
                            responsibility,
                            expected,
                        )
                        .await);
                    }
                    Some(1)
                }
                (Some(v), None) => {
                    let done = sqlx::query(
                        "DELETE FROM cells WHERE workspace_id = $1 AND service_id = $2 AND responsibility_id = $3 AND version = $4",
                    )
                    .bind(workspace_id)
                    .bind(service)
                    .bind(responsibility)
                    .bind(v)
                    .execute(&mut *tx.tx)
                    .await?;
                    if done.rows_affected() != 1 {
                        return Err(conflict_now(
                            &mut tx,
                            workspace_id,
                            service,
                            responsibility,
                            expected,
                        )
                        .await);
                    }
                    None
                }
                (None, None) => return Ok(None),
            };
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: actor.to_owned(),
                    action: action.to_owned(),
                    target,
                    before: current.map(|c| c.1),
                    after: body.map(str::to_owned),
                },
            )
            .await?;
            Ok(version)
        }
        .await;
        tx.finish(result).await
    }

    /// Save one model file against the version read (`None`: a new file). Returns the new
    /// version.
    pub async fn save_file(
        &self,
        workspace_id: &str,
        path: &str,
        expected: Option<i64>,
        body: &str,
        actor: &str,
        action: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let current = sqlx::query(
                "SELECT version, body FROM model_files WHERE workspace_id = $1 AND path = $2",
            )
            .bind(workspace_id)
            .bind(path)
            .fetch_optional(&mut *tx.tx)
            .await?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?)))
            .transpose()?;
            let conflict = |current: Option<(i64, String)>| {
                StoreError::Conflict(Box::new(Conflict {
                    target: format!("The file {path}"),
                    expected,
                    current_version: current.as_ref().map(|c| c.0),
                    current_body: current.map(|c| c.1),
                }))
            };
            if current.as_ref().map(|c| c.0) != expected {
                return Err(conflict(current));
            }
            let (done, version) = match expected {
                Some(v) => (
                    sqlx::query(
                        "UPDATE model_files SET body = $1, version = version + 1 WHERE workspace_id = $2 AND path = $3 AND version = $4",
                    )
                    .bind(body)
                    .bind(workspace_id)
                    .bind(path)
                    .bind(v)
                    .execute(&mut *tx.tx)
                    .await?,
                    v + 1,
                ),
                None => (
                    sqlx::query(
                        "INSERT INTO model_files (workspace_id, path, body, version) VALUES ($1, $2, $3, 1) ON CONFLICT DO NOTHING",
                    )
                    .bind(workspace_id)
                    .bind(path)
                    .bind(body)
                    .execute(&mut *tx.tx)
                    .await?,
                    1,
                ),
            };
            if done.rows_affected() != 1 {
                return Err(conflict(None));
            }
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: actor.to_owned(),
                    action: action.to_owned(),
                    target: format!("file:{path}"),
                    before: current.map(|c| c.1),
                    after: Some(body.to_owned()),
                },
            )
            .await?;
            Ok(version)
        }
        .await;
        tx.finish(result).await
    }
}
