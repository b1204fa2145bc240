//! The store's error type.

/// What can go wrong in the store. Database text is never shown to API clients: the API maps
/// [`StoreError::Database`] to a generic internal error and logs it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or belongs to another organization).
    #[error("not found")]
    NotFound,
    /// A uniqueness constraint was violated; the string names what must be unique.
    #[error("{0} already exists")]
    Conflict(String),
    /// The database URL is not one plumb supports.
    #[error("unsupported database URL (use sqlite://PATH or postgres://...)")]
    UnsupportedUrl,
    /// Stored data could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// A database failure.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A file system failure while preparing the database location.
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`] naming `what`.
    pub(crate) fn unique(err: sqlx::Error, what: &str) -> StoreError {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return StoreError::Conflict(what.to_string());
            }
        }
        StoreError::Database(err)
    }
}
