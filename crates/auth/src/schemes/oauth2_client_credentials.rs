//! `oauth2ClientCredentials`: the client credentials grant (RFC 6749 §4.4) with
//! `client_secret_post` (default) or `client_secret_basic`, `scopes` and `audience`.

use async_trait::async_trait;
use plumb_core::action::Connection;

use super::oauth2_common::OAuthSettings;
use crate::egress::EgressClient;
use crate::error::AuthError;
use crate::fields::Fields;
use crate::token::{TokenSet, TokenSource};
use plumb_core::secret::SecretString;

/// Obtains tokens with the client credentials grant.
#[derive(Debug, Clone)]
pub(crate) struct ClientCredentials {
    pub(crate) settings: OAuthSettings,
}

impl ClientCredentials {
    pub(crate) fn from_connection(conn: &Connection) -> Result<Self, AuthError> {
        Ok(ClientCredentials {
            settings: OAuthSettings::from_fields(&Fields::new(conn), None)?,
        })
    }
}

#[async_trait]
impl TokenSource for ClientCredentials {
    fn fingerprint(&self) -> String {
        self.settings.fingerprint("client_credentials", &[])
    }

    fn seed(&self) -> Option<TokenSet> {
        self.settings.seed()
    }

    async fn fetch(&self, http: &EgressClient) -> Result<TokenSet, AuthError> {
        self.settings
            .grant(http, &[("grant_type", "client_credentials")])
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
