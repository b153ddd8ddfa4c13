//! Users, server-side sessions and failed logins.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{WriteTx, now};
use crate::error::StoreError;
use crate::{Store, new_id, new_token, token_hash};

/// Someone who can log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    /// Can create workspaces and see the server's settings.
    pub is_admin: bool,
}

/// A user with the password hash to check a login against.
#[derive(Debug, Clone)]
pub struct LoginUser {
    pub user: User,
    pub password_hash: String,
}

/// A live session: who, and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub expires_at: i64,
}

fn user(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        is_admin: row.try_get::<i64, _>("is_admin")? != 0,
    })
}

/// Add a user inside a write transaction; the email must be normalised and not yet taken.
pub(crate) async fn insert_user(
    tx: &mut WriteTx,
    email: &str,
    name: &str,
    password_hash: &str,
    is_admin: bool,
) -> Result<User, StoreError> {
    let existing = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut *tx.tx)
        .await?;
    if existing.is_some() {
        return Err(StoreError::Exists(format!("a user with email {email}")));
    }
    let id = new_id()?;
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(email)
    .bind(name.trim())
    .bind(password_hash)
    .bind(i64::from(is_admin))
    .bind(now())
    .execute(&mut *tx.tx)
    .await?;
    Ok(User {
        id,
        email: email.to_owned(),
        name: name.trim().to_owned(),
        is_admin,
    })
}

/// Emails are compared without case and surrounding space.
pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Add a user with an already hashed password.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        is_admin: bool,
    ) -> Result<User, StoreError> {
        let email = normalise_email(email);
        let mut tx = self.begin().await?;
        let result = insert_user(&mut tx, &email, name, password_hash, is_admin).await;
        tx.finish(result).await
    }

    /// The first admin, only while there are no users at all (the one-time setup). Returns
    /// `None` if someone got there first.
    pub async fn create_first_admin(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> Result<Option<User>, StoreError> {
        let email = normalise_email(email);
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let id = new_id()?;
            // Inserted only if the table is empty, in one statement, so two setups cannot both win.
            let done = sqlx::query(
                "INSERT INTO users (id, email, name, password_hash, is_admin, created_at) \
             SELECT $1, $2, $3, $4, 1, $5 WHERE NOT EXISTS (SELECT 1 FROM users)",
            )
            .bind(&id)
            .bind(&email)
            .bind(name.trim())
            .bind(password_hash)
            .bind(now())
            .execute(&mut *tx.tx)
            .await?;
            Ok((done.rows_affected() == 1).then(|| User {
                id,
                email,
                name: name.trim().to_owned(),
                is_admin: true,
            }))
        }
        .await;
        tx.finish(result).await
    }

    pub async fn user_for_login(&self, email: &str) -> Result<Option<LoginUser>, StoreError> {
        let row = sqlx::query(
            "SELECT id, email, name, is_admin, password_hash FROM users WHERE email = $1",
        )
        .bind(normalise_email(email))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(LoginUser {
                user: user(&r)?,
                password_hash: r.try_get("password_hash")?,
            })
        })
        .transpose()
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query("SELECT id, email, name, is_admin FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| user(&r)).transpose()?)
    }

    pub async fn set_password(&self, user_id: &str, password_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(user_id)
                .execute(&mut *tx.tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("user {user_id}")));
            }
            // A new password ends every session.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx.tx)
                .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }

    /// Start a session; returns the token for the cookie (only its hash is stored).
    pub async fn create_session(
        &self,
        user_id: &str,
        lifetime_secs: i64,
    ) -> Result<String, StoreError> {
        let (token, hash) = new_token()?;
        let (csrf, _) = new_token()?;
        let at = now();
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&hash)
            .bind(user_id)
            .bind(&csrf)
            .bind(at)
            .bind(at + lifetime_secs)
            .execute(&mut *tx.tx)
            .await?;
            // Expired sessions go when new ones come.
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(at)
                .execute(&mut *tx.tx)
                .await?;
            Ok(token)
        }
        .await;
        tx.finish(result).await
    }

    /// The live session of a cookie token, if any.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.is_admin, s.csrf, s.expires_at FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at >= $2",
        )
        .bind(token_hash(token))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Session {
                user: user(&r)?,
                csrf: r.try_get("csrf")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    pub async fn end_session(&self, token: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash(token))
                .execute(&mut *tx.tx)
                .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }

    /// Record a failed login for an email.
    pub async fn record_login_failure(&self, email: &str) -> Result<(), StoreError> {
        let at = now();
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            sqlx::query("INSERT INTO login_failures (email, at) VALUES ($1, $2)")
                .bind(normalise_email(email))
                .bind(at)
                .execute(&mut *tx.tx)
                .await?;
            sqlx::query("DELETE FROM login_failures WHERE at < $1")
                .bind(at - 86_400)
                .execute(&mut *tx.tx)
                .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }

    /// Failed logins for an email in the last `window_secs`.
    pub async fn recent_login_failures(
        &self,
        email: &str,
        window_secs: i64,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at >= $2")
            .bind(normalise_email(email))
            .bind(now() - window_secs)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn clear_login_failures(&self, email: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let result: Result<_, StoreError> = async {
            sqlx::query("DELETE FROM login_failures WHERE email = $1")
                .bind(normalise_email(email))
                .execute(&mut *tx.tx)
                .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await
    }
}
