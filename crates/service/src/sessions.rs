//! Console sessions: signing in with an API token, the caller of a session, signing out.
//!
//! Rules: a session is opened only for a live (unrevoked) token and carries exactly that token's
//! organization, roles and customer binding; it lasts [`SESSION_TTL_MS`] and ends earlier at
//! sign-out or when the token is revoked. An unknown or revoked token is refused without saying
//! which.

use plumb_store::sessions::Session;

use crate::{Caller, ServiceError, Services};

/// How long a console session lasts: 12 hours.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// Most characters of a token typed into the sign-in form.
const MAX_TOKEN: usize = 512;

/// A signed-in session as the console sees it.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Who is calling.
    pub caller: Caller,
    /// The token's name.
    pub token_name: String,
    /// The session's form token.
    pub csrf: String,
}

impl From<Session> for SignedIn {
    fn from(s: Session) -> Self {
        SignedIn {
            token_name: s.token.name.clone(),
            csrf: s.csrf,
            caller: Caller::from(s.token),
        }
    }
}

impl Services {
    /// Opens a session for the API token `token`; answers the cookie secret and the session.
    pub async fn sign_in(&self, token: &str) -> Result<(String, SignedIn), ServiceError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(ServiceError::invalid("token", "is required"));
        }
        let refused = || ServiceError::invalid("token", "unknown or revoked token");
        if token.len() > MAX_TOKEN {
            return Err(refused());
        }
        let record = self
            .store
            .authenticate_token(token)
            .await?
            .ok_or_else(refused)?;
        let (secret, session) = self.store.create_session(&record, SESSION_TTL_MS).await?;
        Ok((secret, session.into()))
    }

    /// The live session with cookie secret `secret`.
    pub async fn session(&self, secret: &str) -> Result<Option<SignedIn>, ServiceError> {
        if secret.is_empty() || secret.len() > MAX_TOKEN {
            return Ok(None);
        }
        Ok(self.store.session(secret).await?.map(SignedIn::from))
    }

    /// Ends the session with cookie secret `secret`.
    pub async fn sign_out(&self, secret: &str) -> Result<(), ServiceError> {
        Ok(self.store.delete_session(secret).await?)
    }
}
