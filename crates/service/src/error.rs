//! The errors of service calls.

use plumb_store::StoreError;

/// Invalid input: messages per field, in the order found. The field names are those of the
/// API's input (`name`, `configVariables`, `schedule`, ...).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<(String, Vec<String>)>);

impl FieldErrors {
    /// Adds a message for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        let message = message.into();
        match self.0.iter_mut().find(|(f, _)| *f == field) {
            Some((_, m)) => m.push(message),
            None => self.0.push((field, vec![message])),
        }
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One message for one field.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> FieldErrors {
        let mut e = FieldErrors::default();
        e.add(field, message);
        e
    }
}

/// Why a service call did nothing.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Invalid input (including an unknown or foreign ID given as input): nothing changed.
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// The object does not exist, belongs to another organization or is hidden from a
    /// customer-bound caller (never "forbidden": no existence leak).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's roles do not allow the operation.
    #[error("your token's roles do not allow this operation")]
    Forbidden,
    /// The store failed (its text is for the log, never for a client).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    /// Invalid input of one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid(FieldErrors::one(field, message))
    }
}
