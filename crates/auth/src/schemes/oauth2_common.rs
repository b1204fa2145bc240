//! Settings shared by the OAuth 2.0 schemes: client, token URL, scopes, audience, the
//! refresh grant and pre-populated tokens.

use reqwest::Url;
use sha2::{Digest, Sha256};

use crate::egress::EgressClient;
use crate::error::AuthError;
use crate::fields::Fields;
use crate::token::{request_token, ClientAuthMethod, OAuthClient, TokenSet};
use plumb_core::secret::SecretString;

/// A stable, non-secret fingerprint of token settings.
pub(crate) fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..16])
}

/// The common inputs of OAuth 2.0 connection types.
#[derive(Debug, Clone)]
pub(crate) struct OAuthSettings {
    pub(crate) token_url: Url,
    pub(crate) refresh_url: Option<Url>,
    pub(crate) client: OAuthClient,
    pub(crate) scopes: Option<String>,
    pub(crate) audience: Option<String>,
    access_token: Option<SecretString>,
    refresh_token: Option<SecretString>,
}

impl OAuthSettings {
    /// Reads the inputs; `token_url` is given when discovered (OpenID Connect).
    pub(crate) fn from_fields(f: &Fields<'_>, token_url: Option<Url>) -> Result<Self, AuthError> {
        let token_url = match token_url {
            Some(u) => u,
            None => f.url("tokenUrl")?,
        };
        Ok(OAuthSettings {
            token_url,
            refresh_url: f.opt_url("refreshUrl")?,
            client: OAuthClient {
                client_id: f.req("clientId")?.to_string(),
                client_secret: f.opt_secret("clientSecret"),
                method: ClientAuthMethod::parse(f.opt("authMethod"))?,
            },
            scopes: f.opt("scopes").map(normalize_scopes),
            audience: f.opt("audience").map(str::to_string),
            access_token: f
                .opt_secret("accessToken")
                .or_else(|| f.opt_secret("access_token")),
            refresh_token: f
                .opt_secret("refreshToken")
                .or_else(|| f.opt_secret("refresh_token")),
        })
    }

    pub(crate) fn fingerprint(&self, grant: &str, extra: &[&str]) -> String {
        let mut parts = vec![
            grant,
            self.token_url.as_str(),
            &self.client.client_id,
            self.scopes.as_deref().unwrap_or(""),
            self.audience.as_deref().unwrap_or(""),
        ];
        parts.extend_from_slice(extra);
        fingerprint(&parts)
    }

    /// Tokens pre-populated by the organization.
    pub(crate) fn seed(&self) -> Option<TokenSet> {
        if self.access_token.is_none() && self.refresh_token.is_none() {
            return None;
        }
        Some(TokenSet {
            // An empty access token is never accepted by a server: with only a refresh
            // token, the first 401 (or the empty check below) leads to a refresh.
            access_token: self
                .access_token
                .clone()
                .unwrap_or_else(|| SecretString::new("")),
            refresh_token: self.refresh_token.clone(),
            token_type: Some("Bearer".into()),
            expires_at: if self.access_token.is_some() {
                None
            } else {
                Some(chrono::DateTime::<chrono::Utc>::MIN_UTC)
            },
            scope: None,
            instance_url: None,
            fingerprint: String::new(),
        })
    }

    /// A token request with this client and `params` plus scope and audience.
    pub(crate) async fn grant(
        &self,
        http: &EgressClient,
        params: &[(&str, &str)],
    ) -> Result<TokenSet, AuthError> {
        let mut all: Vec<(&str, &str)> = params.to_vec();
        if let Some(s) = &self.scopes {
            all.push(("scope", s));
        }
        if let Some(a) = &self.audience {
            all.push(("audience", a));
        }
        request_token(http, &self.token_url, Some(&self.client), &all).await
    }

    /// The refresh grant (RFC 6749 §6) at `refreshUrl` or the token URL.
    pub(crate) async fn refresh(
        &self,
        http: &EgressClient,
        refresh_token: &SecretString,
    ) -> Result<TokenSet, AuthError> {
        let url = self.refresh_url.as_ref().unwrap_or(&self.token_url);
        let mut params = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        if let Some(s) = &self.scopes {
            params.push(("scope", s));
        }
        request_token(http, url, Some(&self.client), &params).await
    }
}

/// Scopes separated by spaces (commas accepted).
pub(crate) fn normalize_scopes(s: &str) -> String {
    s.split([' ', ','])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
