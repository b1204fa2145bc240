//! Errors: payload errors (`errors {field messages}`) for invalid input, and GraphQL errors for
//! what is not the caller's input (authorization, internal failures). Database text never
//! reaches a client.

use async_graphql::{ErrorExtensions, SimpleObject};
use plumb_service::ServiceError;
use plumb_store::StoreError;

/// One invalid input field and what is wrong with it.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
#[graphql(name = "ErrorType")]
pub struct FieldError {
    /// The input field's name (`externalId`, `value`, `inputs.apiKey`, ...).
    pub field: String,
    /// What is wrong with it.
    pub messages: Vec<String>,
}

/// The errors of one mutation's input, collected before anything is written.
#[derive(Debug, Default, Clone)]
pub struct PayloadErrors(pub Vec<FieldError>);

impl PayloadErrors {
    /// Adds a message for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        let message = message.into();
        match self.0.iter_mut().find(|e| e.field == field) {
            Some(e) => e.messages.push(message),
            None => self.0.push(FieldError {
                field,
                messages: vec![message],
            }),
        }
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A single-field error list.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Vec<FieldError> {
        let mut e = PayloadErrors::default();
        e.add(field, message);
        e.0
    }
}

/// A GraphQL error with an extension `code`.
pub fn gql_error(code: &str, message: &str) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
}

/// "Not found" (also for IDs of another type or organization: no existence leak).
pub fn not_found(what: &str) -> async_graphql::Error {
    gql_error("NOT_FOUND", &format!("{what} not found"))
}

/// The caller lacks a role.
pub fn forbidden() -> async_graphql::Error {
    gql_error(
        "FORBIDDEN",
        "your token's roles do not allow this operation",
    )
}

/// Maps a store failure to a GraphQL error, logging internal ones.
pub fn internal(err: StoreError) -> async_graphql::Error {
    match err {
        StoreError::NotFound => not_found("object"),
        other => {
            tracing::error!(error = %other, "store failure");
            gql_error("INTERNAL", "internal error")
        }
    }
}

/// What a mutation resolver returns: a payload, or (for non-input failures) a GraphQL error.
pub type Result<T> = std::result::Result<T, async_graphql::Error>;

/// The payload errors of a service's invalid-input answer.
pub fn field_errors(errors: plumb_service::FieldErrors) -> Vec<FieldError> {
    errors
        .0
        .into_iter()
        .map(|(field, messages)| FieldError { field, messages })
        .collect()
}

/// Presents a service answer as a mutation payload: `ok` for a result, `invalid` for invalid
/// input (payload `errors`); not found, forbidden and store failures become GraphQL errors
/// (mapped here once for every resolver).
pub fn present<T, P>(
    answer: std::result::Result<T, ServiceError>,
    ok: impl FnOnce(T) -> P,
    invalid: impl FnOnce(Vec<FieldError>) -> P,
) -> Result<P> {
    match answer {
        Ok(t) => Ok(ok(t)),
        Err(ServiceError::Invalid(e)) => Ok(invalid(field_errors(e))),
        Err(e) => Err(service_error(e)),
    }
}

/// A service failure as a GraphQL error (invalid input, outside a payload, as `BAD_USER_INPUT`).
pub fn service_error(err: ServiceError) -> async_graphql::Error {
    match err {
        ServiceError::NotFound(what) => not_found(what),
        ServiceError::Forbidden => forbidden(),
        ServiceError::Store(e) => internal(e),
        ServiceError::Invalid(e) => {
            let text =
                e.0.iter()
                    .map(|(f, m)| format!("{f}: {}", m.join("; ")))
                    .collect::<Vec<_>>()
                    .join(", ");
            gql_error("BAD_USER_INPUT", &text)
        }
    }
}
