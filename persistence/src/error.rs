//! The persistence layer's one error type.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use ekinerja_domain::field::Field;

/// A field-level reason, naming the field in the request's own words (the HTTP layer writes it
/// as a JSON pointer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The offending field; [`Field::whole`] for the request as a whole.
    pub field: Field,
    /// Why it was refused, in words a user understands.
    pub detail: String,
}

impl FieldError {
    /// A reason for one field.
    pub fn new(field: impl Into<Field>, detail: impl Into<String>) -> Self {
        FieldError { field: field.into(), detail: detail.into() }
    }
}

/// Everything that can go wrong storing or loading.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record, or one the caller may not see (the two are never told apart).
    #[error("not found")]
    NotFound,
    /// The caller may see the record but not do this to it.
    #[error("{0}")]
    Forbidden(String),
    /// The change contradicts the data: a rule over stored records refused it.
    #[error("the request breaks a rule")]
    Invalid(Vec<FieldError>),
    /// The change clashes with another record (a duplicate code or NIP).
    #[error("{0}")]
    Conflict(String),
    /// The record changed since the version the caller edits (a stale ETag).
    #[error("the record has changed since it was read")]
    Stale,
    /// The database could not be reached.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A stored value the code cannot read (an unknown word in a status or role column): a
    /// bug or a hand-edited database, never turned into a plausible default.
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    /// Any other database error: a bug or an outage, never the caller's fault.
    #[error("database error: {0}")]
    Database(DieselError),
}

impl StoreError {
    /// One invalid field.
    pub fn invalid(field: impl Into<Field>, detail: impl Into<String>) -> Self {
        StoreError::Invalid(vec![FieldError::new(field, detail)])
    }
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => StoreError::NotFound,
            // The database's own words name tables and constraints: they go to the log, never
            // to the client.
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                log::warn!("unique constraint refused a write: {}", info.message());
                StoreError::Conflict("a record with the same value already exists".into())
            }
            DieselError::DatabaseError(
                kind @ (DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::NotNullViolation),
                info,
            ) => {
                // A check the code should have made first slipped through: still the request's
                // fault, never an internal error.
                log::warn!("constraint refused a write ({kind:?}): {}", info.message());
                let detail = match kind {
                    DatabaseErrorKind::ForeignKeyViolation => "names a record that does not exist here",
                    _ => "holds a value that cannot be stored",
                };
                StoreError::invalid(Field::whole(), detail)
            }
            // A stored value the code cannot read, such as a word no enum knows.
            DieselError::DeserializationError(e) => StoreError::Corrupt(e.to_string()),
            other => StoreError::Database(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}
