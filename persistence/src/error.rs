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
    /// The database could not be reached, or went away during the work (PostgreSQL restarting):
    /// nothing was written, and the same request may succeed shortly.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The disk holding the SQLite database is full: the write was rolled back whole, and the
    /// database is intact.
    #[error("the database's disk is full: {0}")]
    StorageFull(String),
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
    /// Whether a read failed for a hot standby's sake rather than its own: a query the standby
    /// cancelled in conflict with its recovery (SQLSTATE 40001 there), or the connection lost.
    /// Run on the primary, the same read succeeds.
    pub fn is_standby_trouble(&self) -> bool {
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Database(DieselError::DatabaseError(kind, info)) => {
                matches!(kind, DatabaseErrorKind::SerializationFailure)
                    || info.message().contains("conflict with recovery")
            }
            _ => false,
        }
    }

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
            // The message names the field and, from the error's sources, the value and why.
            DieselError::DeserializationError(e) => {
                let mut text = e.to_string();
                let mut source = e.source();
                while let Some(s) = source {
                    text.push_str(&format!(": {s}"));
                    source = s.source();
                }
                StoreError::Corrupt(text)
            }
            DieselError::DatabaseError(kind, info) if lost_connection(&kind, info.message()) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(_, info) if disk_full(info.message()) => {
                StoreError::StorageFull(info.message().to_owned())
            }
            // The commit failed (the server went away, the disk filled), and so did the rollback:
            // what counts is why the commit failed.
            DieselError::RollbackErrorOnCommit { commit_error, .. } => StoreError::from(*commit_error),
            // A transaction left half-done on a connection that broke under it.
            DieselError::BrokenTransactionManager => {
                StoreError::Unavailable("the connection broke during a transaction".into())
            }
            other => StoreError::Database(other),
        }
    }
}

/// Whether a database error means the connection is gone: closed, unable to send, or ended by
/// the server shutting down or starting up (SQLSTATE classes 08 and 57P, which diesel reports by
/// message only).
fn lost_connection(kind: &DatabaseErrorKind, message: &str) -> bool {
    matches!(kind, DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand)
        || [
            "terminating connection due to administrator command",
            "server closed the connection unexpectedly",
            "the database system is shutting down",
            "the database system is starting up",
            "the database system is in recovery mode",
            "no connection to the server",
        ]
        .iter()
        .any(|m| message.contains(m))
}

/// Whether a database error is SQLite's SQLITE_FULL (a full disk, or the page limit).
fn disk_full(message: &str) -> bool {
    message.contains("database or disk is full")
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(kind: DatabaseErrorKind, message: &str) -> StoreError {
        StoreError::from(DieselError::DatabaseError(kind, Box::new(message.to_owned())))
    }

    #[test]
    fn a_database_gone_is_unavailable_and_a_full_disk_is_storage_full() {
        for (kind, message) in [
            (DatabaseErrorKind::ClosedConnection, "server closed the connection"),
            (DatabaseErrorKind::UnableToSendCommand, "no connection to the server"),
            (DatabaseErrorKind::Unknown, "FATAL:  terminating connection due to administrator command"),
            (DatabaseErrorKind::Unknown, "FATAL:  the database system is shutting down"),
        ] {
            assert!(matches!(db(kind, message), StoreError::Unavailable(_)), "{message}");
        }
        assert!(matches!(db(DatabaseErrorKind::Unknown, "database or disk is full"), StoreError::StorageFull(_)));
        let commit = DieselError::RollbackErrorOnCommit {
            commit_error: Box::new(DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection,
                Box::new("server closed the connection unexpectedly".to_owned()),
            )),
            rollback_error: Box::new(DieselError::BrokenTransactionManager),
        };
        assert!(matches!(StoreError::from(commit), StoreError::Unavailable(_)));
        // Anything else stays a database error (a 500 with the details in the log).
        assert!(matches!(db(DatabaseErrorKind::Unknown, "syntax error at or near"), StoreError::Database(_)));
    }
}
