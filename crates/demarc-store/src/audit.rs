//! The audit log: every change, who, when, what, before and after, appended in the same
//! transaction as the change and chained by SHA-256 per workspace.
//!
//! Entry `n` stores the hash of entry `n - 1` and its own hash over its content and that
//! previous hash; the workspace row keeps the count and the last hash. Editing an entry breaks
//! its own hash; deleting one breaks the next entry's link; deleting the last ones leaves the
//! count and head pointing past the end. The table also refuses updates and deletes (a
//! trigger), but verification does not rely on that.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::Store;
use crate::db::{WriteTx, now};
use crate::error::StoreError;

/// A change to record.
#[derive(Debug, Clone, Default)]
pub struct NewAudit {
    /// Who: a user id, `token:<id>` for an API token, or `cli`.
    pub actor: String,
    /// What was done ("cell.save", "model.import", "signoff.sign").
    pub action: String,
    /// What it was done to ("cell:email/patching", "file:parties.yaml").
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub workspace_id: String,
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Where a workspace's log no longer holds together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditProblem {
    pub workspace_id: String,
    /// The entry at fault (or the first missing one).
    pub seq: i64,
    pub message: String,
}

/// The hash of an entry: SHA-256 over its fields and the previous hash, as a JSON array (one
/// unambiguous encoding).
pub(crate) fn entry_hash(e: &AuditEntry) -> String {
    let content = serde_json::json!([
        e.workspace_id,
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.target,
        e.before,
        e.after,
        e.prev_hash
    ]);
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

/// Append an entry inside a write transaction. Locks the workspace's row until the
/// transaction ends, so entries are numbered without gaps or races on every node.
pub(crate) async fn append(
    tx: &mut WriteTx,
    workspace_id: &str,
    change: NewAudit,
) -> Result<AuditEntry, StoreError> {
    let row = sqlx::query(
        "UPDATE workspaces SET audit_seq = audit_seq + 1 WHERE id = $1 RETURNING audit_seq, audit_head",
    )
    .bind(workspace_id)
    .fetch_optional(&mut *tx.tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("workspace {workspace_id}")))?;
    let seq: i64 = row.try_get(0)?;
    let prev_hash: String = row.try_get(1)?;
    let mut entry = AuditEntry {
        workspace_id: workspace_id.to_owned(),
        seq,
        at: now(),
        actor: change.actor,
        action: change.action,
        target: change.target,
        before: change.before,
        after: change.after,
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    sqlx::query(
        "INSERT INTO audit_log (workspace_id, seq, at, actor, action, target, before_value, after_value, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&entry.workspace_id)
    .bind(entry.seq)
    .bind(entry.at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.before)
    .bind(&entry.after)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *tx.tx)
    .await?;
    sqlx::query("UPDATE workspaces SET audit_head = $1 WHERE id = $2")
        .bind(&entry.hash)
        .bind(workspace_id)
        .execute(&mut *tx.tx)
        .await?;
    Ok(entry)
}

fn entry(r: &sqlx::any::AnyRow) -> Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        workspace_id: r.try_get("workspace_id")?,
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        before: r.try_get("before_value")?,
        after: r.try_get("after_value")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

const COLUMNS: &str =
    "workspace_id, seq, at, actor, action, target, before_value, after_value, prev_hash, hash";

impl Store {
    /// A workspace's entries, newest first, optionally only those about one target.
    pub async fn audit_entries(
        &self,
        workspace_id: &str,
        target: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = match target {
            Some(t) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM audit_log WHERE workspace_id = $1 AND target = $2 ORDER BY seq DESC LIMIT $3"
                ))
                .bind(workspace_id)
                .bind(t)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM audit_log WHERE workspace_id = $1 ORDER BY seq DESC LIMIT $2"
                ))
                .bind(workspace_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows.iter().map(entry).collect::<Result<_, _>>()?)
    }

    /// Check every workspace's chain (or one workspace's): returns each break found, and
    /// how many entries were checked.
    pub async fn verify_audit(
        &self,
        workspace_id: Option<&str>,
    ) -> Result<(i64, Vec<AuditProblem>), StoreError> {
        let heads = match workspace_id {
            Some(w) => {
                sqlx::query("SELECT id, audit_seq, audit_head FROM workspaces WHERE id = $1")
                    .bind(w)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT id, audit_seq, audit_head FROM workspaces ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        let mut problems = Vec::new();
        let mut checked = 0;
        for head in heads {
            let ws: String = head.try_get(0)?;
            let count: i64 = head.try_get(1)?;
            let last: String = head.try_get(2)?;
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM audit_log WHERE workspace_id = $1 ORDER BY seq"
            ))
            .bind(&ws)
            .fetch_all(&self.pool)
            .await?;
            let mut prev = String::new();
            let mut expected_seq = 1;
            for r in &rows {
                let e = entry(r)?;
                checked += 1;
                if e.seq != expected_seq {
                    problems.push(AuditProblem {
                        workspace_id: ws.clone(),
                        seq: expected_seq,
                        message: format!(
                            "entry {expected_seq} is missing (the next one is {})",
                            e.seq
                        ),
                    });
                    expected_seq = e.seq;
                }
                if e.prev_hash != prev {
                    problems.push(AuditProblem {
                        workspace_id: ws.clone(),
                        seq: e.seq,
                        message: "does not follow the entry before it (an entry before it was deleted or changed)".into(),
                    });
                }
                if entry_hash(&e) != e.hash {
                    problems.push(AuditProblem {
                        workspace_id: ws.clone(),
                        seq: e.seq,
                        message: "was edited after it was written (its content no longer matches its hash)".into(),
                    });
                }
                prev = e.hash;
                expected_seq += 1;
            }
            let written = rows.len() as i64;
            if written < count || prev != last {
                problems.push(AuditProblem {
                    workspace_id: ws.clone(),
                    seq: written + 1,
                    message: format!(
                        "the log ends at entry {written} but {count} were written (the last entries were deleted or changed)"
                    ),
                });
            }
        }
        Ok((checked, problems))
    }
}
