//! Passwords (argon2id), server-side sessions in the database, CSRF tokens and login rate
//! limiting.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use demarc_store::{Session, Store};

use crate::{AppState, Error};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "demarc_session";
/// The cookie that carries the CSRF token of the forms shown before login.
pub const LOGIN_CSRF_COOKIE: &str = "demarc_login_csrf";
/// How long a session lasts without logging in again.
pub const SESSION_SECS: i64 = 12 * 3600;
/// Failed logins allowed per email in [`LOGIN_WINDOW_SECS`].
pub const LOGIN_ATTEMPTS: i64 = 5;
pub const LOGIN_WINDOW_SECS: i64 = 15 * 60;
/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hash a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Internal(format!("random: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Internal(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("hashing: {e}")))
}

/// Whether `password` matches a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A password a person may choose, or why not.
pub fn check_new_password(password: &str) -> Result<(), Error> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(Error::BadRequest(format!(
            "the password must be at least {MIN_PASSWORD} characters long"
        )));
    }
    Ok(())
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when served over TLS.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The person behind a request, from the session cookie.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub session: Session,
    pub token: String,
}

impl LoggedIn {
    /// Refuse a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), Error> {
        if constant_time_eq(given.as_bytes(), self.session.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "the form has expired or did not come from this site: reload the page and try again"
                    .into(),
            ))
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn session_of(store: &Store, headers: &HeaderMap) -> Result<Option<LoggedIn>, Error> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(store
        .session(&token)
        .await?
        .map(|session| LoggedIn { session, token }))
}

impl FromRequestParts<AppState> for LoggedIn {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        match session_of(&state.store, &parts.headers).await? {
            Some(s) => Ok(s),
            None => Err(Error::LoginRequired(
                parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_else(|| "/".into()),
            )),
        }
    }
}

/// Check a login, counting failures per email: after [`LOGIN_ATTEMPTS`] failures in
/// [`LOGIN_WINDOW_SECS`], refuse without checking the password.
pub async fn login(
    store: &Store,
    email: &str,
    password: &str,
) -> Result<demarc_store::User, Error> {
    if store
        .recent_login_failures(email, LOGIN_WINDOW_SECS)
        .await?
        >= LOGIN_ATTEMPTS
    {
        return Err(Error::TooManyRequests(format!(
            "too many failed logins for this email: wait {} minutes and try again",
            LOGIN_WINDOW_SECS / 60
        )));
    }
    let found = store.user_for_login(email).await?;
    let ok = match &found {
        Some(u) => verify_password(password, &u.password_hash),
        None => {
            // Spend the same time as a real check, so timing does not tell who has an account.
            let _ = verify_password(password, DUMMY_HASH);
            false
        }
    };
    match (ok, found) {
        (true, Some(u)) => {
            store.clear_login_failures(email).await?;
            Ok(u.user)
        }
        _ => {
            store.record_login_failure(email).await?;
            Err(Error::BadRequest(
                "that email and password do not match an account".into(),
            ))
        }
    }
}

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZHVtbXlzYWx0ZHVtbXk$0v2kRWqB7u6h1wQ0a0sJm7QmS2lq3v7mK1bQy6n3b0A";
