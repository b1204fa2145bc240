//! `oauth2Password`: the resource owner password grant (RFC 6749 §4.3), refreshed with the
//! refresh token when the server gives one (at `refreshUrl` when set).

use async_trait::async_trait;
use plumb_core::action::Connection;

use super::oauth2_common::OAuthSettings;
use crate::egress::EgressClient;
use crate::error::AuthError;
use crate::fields::Fields;
use crate::token::{TokenSet, TokenSource};
use plumb_core::secret::SecretString;

/// Obtains tokens with the password grant.
#[derive(Debug, Clone)]
pub(crate) struct Password {
    settings: OAuthSettings,
    username: String,
    password: SecretString,
}

impl Password {
    pub(crate) fn from_connection(conn: &Connection) -> Result<Self, AuthError> {
        let f = Fields::new(conn);
        Ok(Password {
            settings: OAuthSettings::from_fields(&f, None)?,
            username: f.req("username")?.to_string(),
            password: f.secret("password")?,
        })
    }
}

#[async_trait]
impl TokenSource for Password {
    fn fingerprint(&self) -> String {
        self.settings.fingerprint("password", &[&self.username])
    }

    fn seed(&self) -> Option<TokenSet> {
        self.settings.seed()
    }

    async fn fetch(&self, http: &EgressClient) -> Result<TokenSet, AuthError> {
        self.settings
            .grant(
                http,
                &[
                    ("grant_type", "password"),
                    ("username", &self.username),
                    ("password", self.password.expose()),
                ],
            )
            .await
    }

    async fn refresh(
        &self,
        http: &EgressClient,
        rt: &SecretString,
    ) -> Option<Result<TokenSet, AuthError>> {
        Some(self.settings.refresh(http, rt).await)
    }
}
