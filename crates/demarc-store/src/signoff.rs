//! Sign-off: a version of the model frozen with its content hash, and the signatures of each
//! party's signatories on it.

use sqlx::Row;

use crate::Store;
use crate::audit::{NewAudit, append};
use crate::db::now;
use crate::error::StoreError;

/// A frozen version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signoff {
    pub number: i64,
    pub label: String,
    /// SHA-256 of the model's files, as the server computed it.
    pub content_hash: String,
    /// The model's files as JSON (`[[path, text], ...]`).
    pub files: String,
    pub created_by: String,
    pub created_at: i64,
    pub signatures: Vec<Signature>,
}

/// One signatory's signature on a frozen version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub party_id: String,
    pub user_id: String,
    pub signer_name: String,
    pub content_hash: String,
    pub at: i64,
}

impl Store {
    /// Freeze a version for signing; returns its number.
    pub async fn freeze(
        &self,
        workspace_id: &str,
        label: &str,
        content_hash: &str,
        files_json: &str,
        actor: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let last = sqlx::query(
                "SELECT number, content_hash FROM signoffs WHERE workspace_id = $1 ORDER BY number DESC LIMIT 1",
            )
            .bind(workspace_id)
            .fetch_optional(&mut *tx.tx)
            .await?;
            if let Some(last) = last {
                let (n, hash): (i64, String) = (last.try_get(0)?, last.try_get(1)?);
                if hash == content_hash {
                    return Err(StoreError::Invalid(format!(
                        "the model has not changed since version {n} was frozen: sign that one"
                    )));
                }
            }
            let number = sqlx::query(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM signoffs WHERE workspace_id = $1",
            )
            .bind(workspace_id)
            .fetch_one(&mut *tx.tx)
            .await?
            .try_get::<i64, _>(0)?;
            // The audit append locks the workspace row first, so two freezes get two numbers.
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: actor.to_owned(),
                    action: "signoff.freeze".into(),
                    target: format!("signoff:{number}"),
                    before: None,
                    after: Some(format!("{label} sha256:{content_hash}")),
                },
            )
            .await?;
            sqlx::query(
                "INSERT INTO signoffs (workspace_id, number, label, content_hash, files, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(workspace_id)
            .bind(number)
            .bind(label)
            .bind(content_hash)
            .bind(files_json)
            .bind(actor)
            .bind(now())
            .execute(&mut *tx.tx)
            .await?;
            Ok(number)
        }
        .await;
        tx.finish(result).await
    }

    /// Every frozen version of a workspace, newest first, with its signatures.
    pub async fn signoffs(&self, workspace_id: &str) -> Result<Vec<Signoff>, StoreError> {
        let rows = sqlx::query(
            "SELECT number, label, content_hash, files, created_by, created_at FROM signoffs \
             WHERE workspace_id = $1 ORDER BY number DESC",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        let sigs = sqlx::query(
            "SELECT number, party_id, user_id, signer_name, content_hash, at FROM signatures \
             WHERE workspace_id = $1 ORDER BY at, party_id",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let number: i64 = r.try_get("number")?;
                let signatures = sigs
                    .iter()
                    .filter(|s| s.try_get::<i64, _>("number").ok() == Some(number))
                    .map(|s| {
                        Ok(Signature {
                            party_id: s.try_get("party_id")?,
                            user_id: s.try_get("user_id")?,
                            signer_name: s.try_get("signer_name")?,
                            content_hash: s.try_get("content_hash")?,
                            at: s.try_get("at")?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                Ok(Signoff {
                    number,
                    label: r.try_get("label")?,
                    content_hash: r.try_get("content_hash")?,
                    files: r.try_get("files")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    signatures,
                })
            })
            .collect()
    }

    /// Sign a frozen version for a party. The hash the signer saw must be the version's.
    pub async fn sign(
        &self,
        workspace_id: &str,
        number: i64,
        party_id: &str,
        user_id: &str,
        signer_name: &str,
        content_hash: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let frozen = sqlx::query(
                "SELECT content_hash FROM signoffs WHERE workspace_id = $1 AND number = $2",
            )
            .bind(workspace_id)
            .bind(number)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("signed version {number}")))?
            .try_get::<String, _>(0)?;
            if frozen != content_hash {
                return Err(StoreError::Invalid(format!(
                    "version {number} has hash {frozen}, not the {content_hash} that was shown: reload and read it again"
                )));
            }
            let done = sqlx::query(
                "INSERT INTO signatures (workspace_id, number, party_id, user_id, signer_name, content_hash, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(workspace_id)
            .bind(number)
            .bind(party_id)
            .bind(user_id)
            .bind(signer_name)
            .bind(content_hash)
            .bind(now())
            .execute(&mut *tx.tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Exists(format!(
                    "a signature by this person for {party_id} on version {number}"
                )));
            }
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: user_id.to_owned(),
                    action: "signoff.sign".into(),
                    target: format!("signoff:{number}"),
                    before: None,
                    after: Some(format!(
                        "signed for {party_id} by {signer_name}, sha256:{content_hash}"
                    )),
                },
            )
            .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }
}
