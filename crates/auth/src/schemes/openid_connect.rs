//! `openIdConnect`: the token endpoint is discovered from
//! `{issuer}/.well-known/openid-configuration` (cached per issuer), then tokens come from the
//! client credentials grant (or a pre-populated refresh token).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use plumb_core::action::Connection;
use reqwest::header::ACCEPT;
use reqwest::{Method, Url};

use super::oauth2_common::{fingerprint, OAuthSettings};
use crate::egress::EgressClient;
use crate::error::{describe, redact_url, send_error, AuthError};
use crate::fields::{parse_http_url, Fields};
use crate::token::{failure_envelope, TokenSet, TokenSource};
use plumb_core::secret::SecretString;

/// How long a discovery document is reused.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

/// Discovered token endpoints by issuer.
#[derive(Default)]
pub(crate) struct DiscoveryCache {
    map: Mutex<HashMap<String, (Url, Instant)>>,
}

impl DiscoveryCache {
    /// The token endpoint of an issuer, fetched at most once per hour.
    pub(crate) async fn token_endpoint(
        &self,
        http: &EgressClient,
        issuer: &Url,
    ) -> Result<Url, AuthError> {
        let key = issuer.as_str().trim_end_matches('/').to_string();
        if let Some((u, at)) = self.lock().get(&key) {
            if at.elapsed() < DISCOVERY_TTL {
                return Ok(u.clone());
            }
        }
        let doc_url = format!("{key}/.well-known/openid-configuration");
        let resp = http
            .send(http.get(&doc_url).header(ACCEPT, "application/json"))
            .await
            .map_err(|e| send_error("GET", &doc_url, "OpenID Connect discovery: ", e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(|e| AuthError::Transport {
            method: "GET".into(),
            url: redact_url(&doc_url),
            reason: describe(&e),
        })?;
        if !status.is_success() {
            return Err(failure_envelope(
                &Method::GET,
                &doc_url,
                status,
                &headers,
                &bytes,
            ));
        }
        let doc: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|_| AuthError::TokenResponse {
                method: "GET".into(),
                url: doc_url.clone(),
                reason: "the discovery document is not JSON".into(),
            })?;
        let endpoint = doc
            .get("token_endpoint")
            .and_then(|v| v.as_str())
            .ok_or_else(|| AuthError::TokenResponse {
                method: "GET".into(),
                url: doc_url.clone(),
                reason: "the discovery document has no token_endpoint".into(),
            })?;
        let url = parse_http_url("token_endpoint", endpoint)?;
        self.lock().insert(key, (url.clone(), Instant::now()));
        Ok(url)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Url, Instant)>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Client credentials against a discovered token endpoint.
pub(crate) struct OpenIdConnect {
    issuer: Url,
    conn: Connection,
    discovery: Arc<DiscoveryCache>,
}

impl OpenIdConnect {
    pub(crate) fn from_connection(
        conn: &Connection,
        discovery: Arc<DiscoveryCache>,
    ) -> Result<Self, AuthError> {
        let f = Fields::new(conn);
        let issuer = f.url("issuer")?;
        f.req("clientId")?;
        crate::token::ClientAuthMethod::parse(f.opt("authMethod"))?;
        Ok(OpenIdConnect {
            issuer,
            conn: conn.clone(),
            discovery,
        })
    }

    async fn settings(&self, http: &EgressClient) -> Result<OAuthSettings, AuthError> {
        let token_url = self.discovery.token_endpoint(http, &self.issuer).await?;
        OAuthSettings::from_fields(&Fields::new(&self.conn), Some(token_url))
    }
}

#[async_trait]
impl TokenSource for OpenIdConnect {
    fn fingerprint(&self) -> String {
        let f = Fields::new(&self.conn);
        fingerprint(&[
            "oidc",
            self.issuer.as_str(),
            f.opt("clientId").unwrap_or(""),
            f.opt("scopes").unwrap_or(""),
        ])
    }

    fn seed(&self) -> Option<TokenSet> {
        let f = Fields::new(&self.conn);
        let access = f.opt_secret("accessToken");
        let refresh = f.opt_secret("refreshToken");
        if access.is_none() && refresh.is_none() {
            return None;
        }
        Some(TokenSet {
            expires_at: access
                .is_none()
                .then_some(chrono::DateTime::<chrono::Utc>::MIN_UTC),
            access_token: access.unwrap_or_else(|| SecretString::new("")),
            refresh_token: refresh,
            token_type: Some("Bearer".into()),
            scope: None,
            instance_url: None,
            fingerprint: String::new(),
        })
    }

    async fn fetch(&self, http: &EgressClient) -> Result<TokenSet, AuthError> {
        self.settings(http)
            .await?
            .grant(http, &[("grant_type", "client_credentials")])
            .await
    }

    async fn refresh(
        &self,
        http: &EgressClient,
        rt: &SecretString,
    ) -> Option<Result<TokenSet, AuthError>> {
        Some(match self.settings(http).await {
            Ok(s) => s.refresh(http, rt).await,
            Err(e) => Err(e),
        })
    }
}
