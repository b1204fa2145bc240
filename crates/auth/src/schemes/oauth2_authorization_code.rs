//! `oauth2AuthorizationCode` (and Salesforce `oauth2`): the authorization code grant
//! (RFC 6749 §4.1) with `state` and PKCE S256 (RFC 7636, on unless `pkce` is `false`).
//!
//! [`crate::AuthClient::authorization_url`] builds the URL a user opens and remembers the
//! `state`; the API's `/oauth2/callback` hands the callback's query to
//! [`crate::AuthClient::complete_authorization`], which exchanges the code and saves the
//! tokens. Afterwards the refresh token keeps the access token fresh (with rotation).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine;
use plumb_core::action::Connection;
use rand::RngCore;
use reqwest::Url;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::oauth2_common::OAuthSettings;
use crate::egress::EgressClient;
use crate::error::AuthError;
use crate::fields::Fields;
use crate::token::{request_token, TokenSet, TokenSource};
use plumb_core::secret::SecretString;

/// How long an authorization started here may take to come back.
const PENDING_TTL: Duration = Duration::from_secs(15 * 60);

/// Tokens come from a user's authorization, then from the refresh token.
#[derive(Debug, Clone)]
pub(crate) struct AuthorizationCode {
    settings: OAuthSettings,
    authorize_url: Url,
    pkce: bool,
    connection_id: String,
}

impl AuthorizationCode {
    pub(crate) fn from_connection(conn: &Connection) -> Result<Self, AuthError> {
        let f = Fields::new(conn);
        Ok(AuthorizationCode {
            settings: OAuthSettings::from_fields(&f, None)?,
            authorize_url: f.url("authorizeUrl")?,
            pkce: f.bool("pkce", true)?,
            connection_id: conn.id.clone(),
        })
    }
}

#[async_trait]
impl TokenSource for AuthorizationCode {
    fn fingerprint(&self) -> String {
        self.settings.fingerprint("authorization_code", &[])
    }

    fn seed(&self) -> Option<TokenSet> {
        self.settings.seed()
    }

    async fn fetch(&self, _http: &EgressClient) -> Result<TokenSet, AuthError> {
        Err(AuthError::NotAuthorized(self.connection_id.clone()))
    }

    async fn refresh(
        &self,
        http: &EgressClient,
        rt: &SecretString,
    ) -> Option<Result<TokenSet, AuthError>> {
        Some(self.settings.refresh(http, rt).await)
    }
}

/// The start of an authorization: send the user to `url`.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The authorize URL with `response_type`, `client_id`, `redirect_uri`, `scope`, `state`
    /// and the PKCE challenge.
    pub url: String,
    /// The opaque `state` (also in `url`).
    pub state: String,
}

/// The query of a request to `/oauth2/callback` (`Debug` hides the code).
#[derive(Clone, Default, Deserialize)]
pub struct CallbackParams {
    /// The `state` we issued.
    pub state: Option<String>,
    /// The authorization code.
    pub code: Option<String>,
    /// An error instead of a code.
    pub error: Option<String>,
    /// Its description.
    pub error_description: Option<String>,
}

impl std::fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackParams")
            .field("state", &self.state)
            .field("code", &self.code.as_ref().map(|_| "***"))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish()
    }
}

struct Pending {
    conn: Connection,
    verifier: Option<SecretString>,
    redirect_uri: String,
    created: Instant,
}

/// Authorizations started by this process, by `state`.
#[derive(Default)]
pub(crate) struct PendingAuthorizations {
    map: Mutex<HashMap<String, Pending>>,
}

fn random_b64(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The S256 PKCE challenge of a verifier.
pub(crate) fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl PendingAuthorizations {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Builds the authorize URL and remembers the state.
    pub(crate) fn start(
        &self,
        conn: &Connection,
        redirect_uri: &str,
    ) -> Result<AuthorizationRequest, AuthError> {
        let started = build_authorization(conn, redirect_uri)?;
        let mut map = self.lock();
        map.retain(|_, p| p.created.elapsed() < PENDING_TTL);
        map.insert(
            started.state.clone(),
            Pending {
                conn: conn.clone(),
                verifier: started.verifier,
                redirect_uri: redirect_uri.to_string(),
                created: Instant::now(),
            },
        );
        Ok(AuthorizationRequest {
            url: started.url,
            state: started.state,
        })
    }

    /// Exchanges the callback's code: the connection and its tokens.
    pub(crate) async fn exchange(
        &self,
        http_for: impl FnOnce(&Connection) -> Result<EgressClient, AuthError>,
        params: &CallbackParams,
    ) -> Result<(Connection, AuthorizationCodeSource, TokenSet), AuthError> {
        let state = params.state.as_deref().ok_or(AuthError::UnknownState)?;
        let pending = {
            let mut map = self.lock();
            map.retain(|_, p| p.created.elapsed() < PENDING_TTL);
            map.remove(state).ok_or(AuthError::UnknownState)?
        };
        if let Some(error) = &params.error {
            return Err(AuthError::AuthorizationDenied {
                error: error.clone(),
                description: params.error_description.clone(),
            });
        }
        let code = params
            .code
            .as_deref()
            .ok_or_else(|| AuthError::invalid("code", "the callback has no code"))?;
        let http = http_for(&pending.conn)?;
        let (ac, tokens) = exchange_code(
            &http,
            &pending.conn,
            code,
            pending.verifier.as_ref(),
            &pending.redirect_uri,
        )
        .await?;
        Ok((pending.conn, ac, tokens))
    }
}

/// An authorization started without being remembered by the client: the caller keeps
/// `state`, `verifier` and `redirect_uri` (sealed, e.g. in the database) until the callback,
/// then calls [`crate::AuthClient::exchange_code`]. Several processes can then share the
/// callback.
#[derive(Debug, Clone)]
pub struct StartedAuthorization {
    /// The authorize URL with `response_type`, `client_id`, `redirect_uri`, `scope`, `state`
    /// and the PKCE challenge.
    pub url: String,
    /// The opaque `state` (also in `url`).
    pub state: String,
    /// The PKCE verifier (`None` when the connection sets `pkce: false`).
    pub verifier: Option<SecretString>,
}

/// Builds the authorize URL of a connection with a fresh `state` and PKCE S256 verifier.
pub(crate) fn build_authorization(
    conn: &Connection,
    redirect_uri: &str,
) -> Result<StartedAuthorization, AuthError> {
    let ac = AuthorizationCode::from_connection(conn)?;
    crate::fields::parse_http_url("redirectUri", redirect_uri)?;
    let state = random_b64(24);
    let verifier = ac.pkce.then(|| random_b64(32));
    let mut url = ac.authorize_url.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &ac.settings.client.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", &state);
        if let Some(s) = &ac.settings.scopes {
            q.append_pair("scope", s);
        }
        if let Some(a) = &ac.settings.audience {
            q.append_pair("audience", a);
        }
        if let Some(v) = &verifier {
            q.append_pair("code_challenge", &pkce_challenge(v))
                .append_pair("code_challenge_method", "S256");
        }
    }
    Ok(StartedAuthorization {
        url: url.to_string(),
        state,
        verifier: verifier.map(SecretString::new),
    })
}

/// Exchanges an authorization code (with the PKCE verifier and the same `redirect_uri`).
pub(crate) async fn exchange_code(
    http: &EgressClient,
    conn: &Connection,
    code: &str,
    verifier: Option<&SecretString>,
    redirect_uri: &str,
) -> Result<(AuthorizationCode, TokenSet), AuthError> {
    let ac = AuthorizationCode::from_connection(conn)?;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v.expose()));
    }
    let tokens = request_token(
        http,
        &ac.settings.token_url,
        Some(&ac.settings.client),
        &form,
    )
    .await?;
    Ok((ac, tokens))
}

/// The token source saved after an exchange.
pub(crate) type AuthorizationCodeSource = AuthorizationCode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_challenge() {
        // Expected value computed independently (Python hashlib + base64url, no padding).
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K1uhbF9eTzDRj3XGj8QXMbJwHA"),
            "DF8LLFVa2-kIzLKVx3AGL6WYQMHEUtdn7rest_QkivM"
        );
    }
}
