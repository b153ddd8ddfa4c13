use thiserror::Error;

/// What can go wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the database URL {0:?} is neither sqlite:PATH, a path, nor postgres://...")]
    BadUrl(String),
    #[error(
        "the database schema is at version {found}, newer than this demarc knows ({known}): run a newer demarc"
    )]
    TooNew { found: i64, known: i64 },
    #[error("{0}")]
    Conflict(Box<Conflict>),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already exists: {0}")]
    Exists(String),
    #[error("cannot make a random token: {0}")]
    Random(String),
    #[error("{0}")]
    Invalid(String),
}

/// A save made against a version that is no longer current: what is there now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// What was being saved ("cell email/patching", "file parties.yaml").
    pub target: String,
    /// The version the save expected (`None`: expected nothing to be there).
    pub expected: Option<i64>,
    /// The version there now (`None`: nothing is there now).
    pub current_version: Option<i64>,
    /// The content there now.
    pub current_body: Option<String>,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} was changed by someone else since it was opened (expected version {}, now {})",
            self.target,
            self.expected.map_or("none".to_owned(), |v| v.to_string()),
            self.current_version
                .map_or("deleted".to_owned(), |v| v.to_string())
        )
    }
}
