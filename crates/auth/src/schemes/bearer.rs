//! `bearer`: the `token` input is the whole credential, sent as `Authorization: Bearer`.

use plumb_core::action::Connection;

use crate::error::AuthError;
use crate::fields::Fields;
use crate::request::Outgoing;
use plumb_core::secret::SecretString;

/// A static bearer token.
#[derive(Debug, Clone)]
pub(crate) struct Bearer {
    token: SecretString,
}

impl Bearer {
    pub(crate) fn from_connection(conn: &Connection) -> Result<Self, AuthError> {
        Ok(Bearer {
            token: Fields::new(conn).secret("token")?,
        })
    }

    pub(crate) fn apply(&self, req: &mut Outgoing) -> Result<(), AuthError> {
        apply_bearer(req, &self.token)
    }
}

/// Sets `Authorization: Bearer <token>`.
pub(crate) fn apply_bearer(req: &mut Outgoing, token: &SecretString) -> Result<(), AuthError> {
    req.set_header("authorization", &format!("Bearer {}", token.expose()), true)
        .map_err(|_| AuthError::invalid("token", "the token is not a valid header value"))
}
