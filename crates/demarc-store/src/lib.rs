//! The demarc store: the only crate that knows SQL.
//!
//! One code path serves SQLite (the embedded default: a file, no server) and PostgreSQL (for
//! several `demarc serve` nodes), chosen by the database URL. Queries are plain SQL that both
//! accept; the two differ only in a few migrations.
//!
//! - [`Store::open`] connects; [`Store::migrate`] brings the schema up to date under a lock, so
//!   two nodes starting at once do not race.
//! - People: users, server-side sessions (only a token's hash is stored), failed logins.
//! - Workspaces: members with roles, invitations, API tokens.
//! - The model: its files, and one row per explicit allocation with a version, so a save made
//!   against an old version is refused with the current state ([`Conflict`]).
//! - The audit log: written in the same transaction as each change, append-only, hash-chained
//!   per workspace; [`Store::verify_audit`] finds an edited or deleted entry.
//! - Sign-offs: frozen versions of the model with their hash, and signatures.

mod audit;
mod db;
mod error;
mod model;
mod people;
mod signoff;
mod workspace;

pub use audit::{AuditEntry, AuditProblem, NewAudit};
pub use db::{Backend, MIGRATIONS, Readiness, Store};
pub use error::{Conflict, StoreError};
pub use model::{CellRow, FileRow, ModelRows, NewCell, NewFile};
pub use people::{LoginUser, Session, User};
pub use signoff::{Signature, Signoff};
pub use workspace::{ApiToken, Comment, Invitation, Member, Membership, Workspace};

/// A random token (URL-safe hex, 256 bits) and the SHA-256 under which it is stored.
pub fn new_token() -> Result<(String, String), StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// The SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// A new random id (128 bits, hex).
pub fn new_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}
