//! `basic`: HTTP basic authentication (`username`, `password`).

use base64::Engine;
use plumb_core::action::Connection;

use crate::error::AuthError;
use crate::fields::Fields;
use crate::request::Outgoing;
use plumb_core::secret::SecretString;

/// HTTP basic credentials.
#[derive(Debug, Clone)]
pub(crate) struct Basic {
    header: SecretString,
}

impl Basic {
    pub(crate) fn from_connection(conn: &Connection) -> Result<Self, AuthError> {
        let f = Fields::new(conn);
        let user = f.req("username")?;
        let pass = f.opt_secret("password");
        Ok(Self::new(
            user,
            pass.as_ref().map(|p| p.expose()).unwrap_or(""),
        ))
    }

    pub(crate) fn new(user: &str, pass: &str) -> Self {
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        Basic {
            header: SecretString::new(format!("Basic {b64}")),
        }
    }

    pub(crate) fn apply(&self, req: &mut Outgoing) -> Result<(), AuthError> {
        req.set_header("authorization", self.header.expose(), true)
    }
}
