//! Workspaces, their members, invitations, API tokens and comments.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{NewAudit, append};
use crate::db::now;
use crate::error::StoreError;
use crate::{Store, new_id, new_token, token_hash};

/// A customer organisation's shared place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    /// How many changes the workspace has seen (its audit log's length): a model read at one
    /// revision is the model for as long as the revision stays the same, on every node.
    pub revision: i64,
}

/// A user's place in a workspace. The role is the server's to interpret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub workspace: Workspace,
    pub role: String,
    /// The party a supplier representative speaks for.
    pub party_id: Option<String>,
    /// The owner shows this member the whole model, not only its party's rows.
    pub sees_all: bool,
}

/// A member as listed in a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub party_id: Option<String>,
    pub sees_all: bool,
}

/// A link that lets whoever holds it join a workspace in a role, until it expires or is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub workspace_id: String,
    pub role: String,
    pub party_id: Option<String>,
    pub expires_at: i64,
    pub used: bool,
    /// Past its expiry time.
    pub expired: bool,
}

impl Invitation {
    /// Can still be used.
    pub fn is_open(&self) -> bool {
        !self.used && !self.expired
    }
}

/// A token for a program (a CI job), scoped to one workspace and one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub role: String,
    pub created_at: i64,
    pub revoked: bool,
}

/// A comment on one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: String,
    pub service_id: String,
    pub responsibility_id: String,
    pub user_id: String,
    pub user_name: String,
    /// "comment", "propose", "contest", "accept", "resolve".
    pub kind: String,
    pub body: String,
    pub at: i64,
}

fn workspace(r: &AnyRow) -> Result<Workspace, sqlx::Error> {
    Ok(Workspace {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        revision: r.try_get("audit_seq")?,
    })
}

/// A membership with its workspace; the caller adds the `WHERE`.
const MEMBERSHIP: &str = "SELECT w.id, w.name, w.created_at, w.audit_seq, m.role, m.party_id, m.sees_all \
     FROM members m JOIN workspaces w ON w.id = m.workspace_id";

fn membership(r: &AnyRow) -> Result<Membership, sqlx::Error> {
    Ok(Membership {
        workspace: workspace(r)?,
        role: r.try_get("role")?,
        party_id: r.try_get("party_id")?,
        sees_all: r.try_get::<i64, _>("sees_all")? != 0,
    })
}

/// Mark an invitation used by `user_id` and add the membership it offers.
async fn take_invitation(
    tx: &mut crate::db::WriteTx,
    token: &str,
    user_id: &str,
) -> Result<Invitation, StoreError> {
    let hash = token_hash(token);
    let at = now();
    let taken = sqlx::query(
        "UPDATE invitations SET used_by = $1, used_at = $2 WHERE token_hash = $3 AND used_at IS NULL AND expires_at >= $2",
    )
    .bind(user_id)
    .bind(at)
    .bind(&hash)
    .execute(&mut *tx.tx)
    .await?;
    if taken.rows_affected() != 1 {
        return Err(StoreError::Invalid(
            "this invitation link has been used or has expired: ask for a new one".into(),
        ));
    }
    let r = sqlx::query(
        "SELECT workspace_id, role, party_id, expires_at FROM invitations WHERE token_hash = $1",
    )
    .bind(&hash)
    .fetch_one(&mut *tx.tx)
    .await?;
    let inv = Invitation {
        workspace_id: r.try_get("workspace_id")?,
        role: r.try_get("role")?,
        party_id: r.try_get("party_id")?,
        expires_at: r.try_get("expires_at")?,
        used: true,
        expired: false,
    };
    let member = sqlx::query("SELECT role FROM members WHERE workspace_id = $1 AND user_id = $2")
        .bind(&inv.workspace_id)
        .bind(user_id)
        .fetch_optional(&mut *tx.tx)
        .await?;
    if let Some(m) = member {
        let role: String = m.try_get(0)?;
        return Err(StoreError::Invalid(format!(
            "you are already in this workspace (as {role}); an invitation does not change anyone's role, so the link is left for the person it is meant for"
        )));
    }
    sqlx::query(
        "INSERT INTO members (workspace_id, user_id, role, party_id) VALUES ($1, $2, $3, $4)",
    )
    .bind(&inv.workspace_id)
    .bind(user_id)
    .bind(&inv.role)
    .bind(&inv.party_id)
    .execute(&mut *tx.tx)
    .await?;
    append(
        tx,
        &inv.workspace_id,
        NewAudit {
            actor: user_id.to_owned(),
            action: "invitation.accept".into(),
            target: format!("member:{user_id}"),
            before: None,
            after: Some(match &inv.party_id {
                Some(p) => format!("{} for {p}", inv.role),
                None => inv.role.clone(),
            }),
        },
    )
    .await?;
    Ok(inv)
}

impl Store {
    /// A new workspace with `owner` as its owner.
    pub async fn create_workspace(
        &self,
        name: &str,
        owner_user_id: &str,
        owner_role: &str,
    ) -> Result<Workspace, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a workspace needs a name".into()));
        }
        let ws = Workspace {
            id: new_id()?,
            name: name.to_owned(),
            created_at: now(),
            // Its creation is its first change.
            revision: 1,
        };
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(&ws.id)
                .bind(&ws.name)
                .bind(ws.created_at)
                .execute(&mut *tx.tx)
                .await?;
            sqlx::query(
            "INSERT INTO members (workspace_id, user_id, role, party_id) VALUES ($1, $2, $3, NULL)",
        )
        .bind(&ws.id)
        .bind(owner_user_id)
        .bind(owner_role)
        .execute(&mut *tx.tx)
        .await?;
            append(
                &mut tx,
                &ws.id,
                NewAudit {
                    actor: owner_user_id.to_owned(),
                    action: "workspace.create".into(),
                    target: "workspace".into(),
                    before: None,
                    after: Some(ws.name.clone()),
                },
            )
            .await?;
            Ok(ws)
        }
        .await;
        tx.finish(result).await
    }

    /// Give a workspace another name.
    pub async fn rename_workspace(
        &self,
        id: &str,
        name: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a workspace needs a name".into()));
        }
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let before = sqlx::query("SELECT name FROM workspaces WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx.tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("workspace {id}")))?
                .try_get::<String, _>(0)?;
            sqlx::query("UPDATE workspaces SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(id)
                .execute(&mut *tx.tx)
                .await?;
            append(
                &mut tx,
                id,
                NewAudit {
                    actor: actor.to_owned(),
                    action: "workspace.rename".into(),
                    target: "workspace".into(),
                    before: Some(before),
                    after: Some(name.to_owned()),
                },
            )
            .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }

    pub async fn workspace(&self, id: &str) -> Result<Option<Workspace>, StoreError> {
        let row =
            sqlx::query("SELECT id, name, created_at, audit_seq FROM workspaces WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| workspace(&r)).transpose()?)
    }

    /// Every workspace (for the command line and admins).
    pub async fn all_workspaces(&self) -> Result<Vec<Workspace>, StoreError> {
        let rows =
            sqlx::query("SELECT id, name, created_at, audit_seq FROM workspaces ORDER BY name, id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(workspace).collect::<Result<_, _>>()?)
    }

    /// The workspaces a user belongs to, with the role in each.
    pub async fn memberships(&self, user_id: &str) -> Result<Vec<Membership>, StoreError> {
        let rows = sqlx::query(&format!(
            "{MEMBERSHIP} WHERE m.user_id = $1 ORDER BY w.name, w.id"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(membership).collect::<Result<_, _>>()?)
    }

    /// A user's membership of one workspace, if any.
    pub async fn membership(
        &self,
        workspace_id: &str,
        user_id: &str,
    ) -> Result<Option<Membership>, StoreError> {
        let row = sqlx::query(&format!(
            "{MEMBERSHIP} WHERE m.workspace_id = $1 AND m.user_id = $2"
        ))
        .bind(workspace_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(membership).transpose()?)
    }

    pub async fn members(&self, workspace_id: &str) -> Result<Vec<Member>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.id, u.name, u.email, m.role, m.party_id, m.sees_all FROM members m \
             JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY u.name, u.email",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Member {
                    user_id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                    role: r.try_get("role")?,
                    party_id: r.try_get("party_id")?,
                    sees_all: r.try_get::<i64, _>("sees_all")? != 0,
                })
            })
            .collect()
    }

    /// Show a member the whole model (read-only for a representative), or only its party's
    /// rows again.
    pub async fn set_member_sharing(
        &self,
        workspace_id: &str,
        user_id: &str,
        sees_all: bool,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let done = sqlx::query(
                "UPDATE members SET sees_all = $1 WHERE workspace_id = $2 AND user_id = $3",
            )
            .bind(i64::from(sees_all))
            .bind(workspace_id)
            .bind(user_id)
            .execute(&mut *tx.tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound(format!("member {user_id}")));
            }
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: actor.to_owned(),
                    action: "member.share".into(),
                    target: format!("member:{user_id}"),
                    before: None,
                    after: Some(
                        if sees_all {
                            "sees the whole model"
                        } else {
                            "sees its party's rows"
                        }
                        .to_owned(),
                    ),
                },
            )
            .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }

    /// Add a user to a workspace, or change their role there.
    pub async fn set_member(
        &self,
        workspace_id: &str,
        user_id: &str,
        role: &str,
        party_id: Option<&str>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            sqlx::query("DELETE FROM members WHERE workspace_id = $1 AND user_id = $2")
                .bind(workspace_id)
                .bind(user_id)
                .execute(&mut *tx.tx)
                .await?;
            sqlx::query(
            "INSERT INTO members (workspace_id, user_id, role, party_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(workspace_id)
        .bind(user_id)
        .bind(role)
        .bind(party_id)
        .execute(&mut *tx.tx)
        .await?;
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: actor.to_owned(),
                    action: "member.set".into(),
                    target: format!("member:{user_id}"),
                    before: None,
                    after: Some(match party_id {
                        Some(p) => format!("{role} for {p}"),
                        None => role.to_owned(),
                    }),
                },
            )
            .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }

    /// Make an invitation link's token, valid for `lifetime_secs`.
    pub async fn create_invitation(
        &self,
        workspace_id: &str,
        role: &str,
        party_id: Option<&str>,
        actor: &str,
        lifetime_secs: i64,
    ) -> Result<String, StoreError> {
        let (token, hash) = new_token()?;
        let at = now();
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            sqlx::query(
                "INSERT INTO invitations (token_hash, workspace_id, role, party_id, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&hash)
            .bind(workspace_id)
            .bind(role)
            .bind(party_id)
            .bind(actor)
            .bind(at)
            .bind(at + lifetime_secs)
            .execute(&mut *tx.tx)
            .await?;
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: actor.to_owned(),
                    action: "invitation.create".into(),
                    target: format!("invitation:{}", &hash[..12]),
                    before: None,
                    after: Some(match party_id {
                        Some(p) => format!("{role} for {p}"),
                        None => role.to_owned(),
                    }),
                },
            )
            .await?;
            Ok(token)
        }
        .await;
        tx.finish(result).await
    }

    /// What an invitation token offers, if it exists (used or expired ones included).
    pub async fn invitation(&self, token: &str) -> Result<Option<Invitation>, StoreError> {
        let row = sqlx::query(
            "SELECT workspace_id, role, party_id, expires_at, used_at FROM invitations WHERE token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Invitation {
                workspace_id: r.try_get("workspace_id")?,
                role: r.try_get("role")?,
                party_id: r.try_get("party_id")?,
                expires_at: r.try_get("expires_at")?,
                used: r.try_get::<Option<i64>, _>("used_at")?.is_some(),
                expired: r.try_get::<i64, _>("expires_at")? < now(),
            })
        })
        .transpose()
    }

    /// Use an invitation: the user joins in its role. Fails if it is used or expired, or if
    /// the user is already a member (a link never changes anyone's role: an owner who opens
    /// a supplier's link stays owner). A token can be used once, even by two requests at the
    /// same moment.
    pub async fn accept_invitation(
        &self,
        token: &str,
        user_id: &str,
    ) -> Result<Invitation, StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let inv = take_invitation(&mut tx, token, user_id).await?;
            Ok(inv)
        }
        .await;
        tx.finish(result).await
    }

    /// Make an account and use an invitation with it, in one transaction: a link that is
    /// used or expired makes no account.
    pub async fn register_with_invitation(
        &self,
        token: &str,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> Result<(crate::User, Invitation), StoreError> {
        let email = crate::people::normalise_email(email);
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let user =
                crate::people::insert_user(&mut tx, &email, name, password_hash, false).await?;
            let inv = take_invitation(&mut tx, token, &user.id).await?;
            Ok((user, inv))
        }
        .await;
        tx.finish(result).await
    }

    /// A new API token; returns its id and the secret (shown once; only its hash is kept).
    pub async fn create_api_token(
        &self,
        workspace_id: &str,
        name: &str,
        role: &str,
        actor: &str,
    ) -> Result<(ApiToken, String), StoreError> {
        let (secret, hash) = new_token()?;
        let token = ApiToken {
            id: new_id()?,
            workspace_id: workspace_id.to_owned(),
            name: name.trim().to_owned(),
            role: role.to_owned(),
            created_at: now(),
            revoked: false,
        };
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            sqlx::query(
                "INSERT INTO api_tokens (token_hash, id, workspace_id, name, role, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&hash)
            .bind(&token.id)
            .bind(workspace_id)
            .bind(&token.name)
            .bind(role)
            .bind(actor)
            .bind(token.created_at)
            .execute(&mut *tx.tx)
            .await?;
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: actor.to_owned(),
                    action: "token.create".into(),
                    target: format!("token:{}", token.id),
                    before: None,
                    after: Some(format!("{} ({role})", token.name)),
                },
            )
            .await?;
            Ok((token, format!("dmt_{secret}")))
        }
        .await;
        tx.finish(result).await
    }

    /// The live token for a secret, if it exists and is not revoked.
    pub async fn api_token(&self, secret: &str) -> Result<Option<ApiToken>, StoreError> {
        let Some(secret) = secret.strip_prefix("dmt_") else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT id, workspace_id, name, role, created_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash(secret))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ApiToken {
                id: r.try_get("id")?,
                workspace_id: r.try_get("workspace_id")?,
                name: r.try_get("name")?,
                role: r.try_get("role")?,
                created_at: r.try_get("created_at")?,
                revoked: false,
            })
        })
        .transpose()
    }

    pub async fn api_tokens(&self, workspace_id: &str) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, workspace_id, name, role, created_at, revoked_at FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at, id",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    workspace_id: r.try_get("workspace_id")?,
                    name: r.try_get("name")?,
                    role: r.try_get("role")?,
                    created_at: r.try_get("created_at")?,
                    revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
                })
            })
            .collect()
    }

    pub async fn revoke_api_token(
        &self,
        workspace_id: &str,
        token_id: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE workspace_id = $2 AND id = $3 AND revoked_at IS NULL",
            )
            .bind(now())
            .bind(workspace_id)
            .bind(token_id)
            .execute(&mut *tx.tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("live token {token_id}")));
            }
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: actor.to_owned(),
                    action: "token.revoke".into(),
                    target: format!("token:{token_id}"),
                    before: None,
                    after: None,
                },
            )
            .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }

    /// Add a comment to a row (and record it in the audit log).
    pub async fn add_comment(
        &self,
        workspace_id: &str,
        service_id: &str,
        responsibility_id: &str,
        user_id: &str,
        kind: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            sqlx::query(
                "INSERT INTO comments (workspace_id, id, service_id, responsibility_id, user_id, kind, body, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(workspace_id)
            .bind(new_id()?)
            .bind(service_id)
            .bind(responsibility_id)
            .bind(user_id)
            .bind(kind)
            .bind(body)
            .bind(now())
            .execute(&mut *tx.tx)
            .await?;
            append(
                &mut tx,
                workspace_id,
                NewAudit {
                    actor: user_id.to_owned(),
                    action: format!("comment.{kind}"),
                    target: format!("cell:{service_id}/{responsibility_id}"),
                    before: None,
                    after: Some(body.to_owned()),
                },
            )
            .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }

    /// The comments on a row, oldest first.
    pub async fn comments(
        &self,
        workspace_id: &str,
        service_id: &str,
        responsibility_id: &str,
    ) -> Result<Vec<Comment>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, c.service_id, c.responsibility_id, c.user_id, u.name, c.kind, c.body, c.at \
             FROM comments c LEFT JOIN users u ON u.id = c.user_id \
             WHERE c.workspace_id = $1 AND c.service_id = $2 AND c.responsibility_id = $3 ORDER BY c.at, c.id",
        )
        .bind(workspace_id)
        .bind(service_id)
        .bind(responsibility_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Comment {
                    id: r.try_get("id")?,
                    service_id: r.try_get("service_id")?,
                    responsibility_id: r.try_get("responsibility_id")?,
                    user_id: r.try_get("user_id")?,
                    user_name: r.try_get::<Option<String>, _>("name")?.unwrap_or_default(),
                    kind: r.try_get("kind")?,
                    body: r.try_get("body")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }
}
