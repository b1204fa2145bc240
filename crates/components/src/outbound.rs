//! The process-wide [`AuthClient`] the HTTP-backed components send through by default, and
//! `plumb-auth` errors as step failures.

use std::sync::{Arc, OnceLock};

use plumb_auth::{AuthClient, AuthError};
use plumb_core::action::ActionError;

/// The process-wide default client (in-memory token cache): what `plumb run` and tests send
/// through; the server gives [`crate::components`] its store-backed one instead.
pub fn default_auth() -> Arc<AuthClient> {
    static AUTH: OnceLock<Arc<AuthClient>> = OnceLock::new();
    Arc::clone(AUTH.get_or_init(|| Arc::new(AuthClient::in_memory())))
}

/// An auth error as a step failure: bad connection inputs name the `input`; a failed token
/// request carries the token call's envelope; a request that never reached the server says why.
pub(crate) fn auth_error(input: &str, error: AuthError) -> ActionError {
    match error {
        AuthError::MissingInput { .. }
        | AuthError::InvalidInput { .. }
        | AuthError::Unsupported { .. } => ActionError::input(input, error.to_string()),
        other => {
            let details = other.envelope().and_then(|e| serde_json::to_value(e).ok());
            ActionError::Failed {
                message: other.to_string(),
                details,
            }
        }
    }
}
