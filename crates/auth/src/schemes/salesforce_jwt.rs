//! Salesforce `jwtBearer`: the OAuth 2.0 JWT bearer flow (RFC 7523). An RS256 assertion
//! `{iss: clientId, sub: username, aud: loginUrl, exp: now + 3 min}` signed with `privateKey`
//! (PEM text or `data:` URL) is posted to `{loginUrl}/services/oauth2/token` (`tokenUrl`
//! overrides). `loginUrl` defaults to `https://login.salesforce.com`. No refresh token: the
//! token is re-requested after a 401.

use async_trait::async_trait;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use plumb_core::action::Connection;
use reqwest::Url;
use serde::Serialize;

use super::oauth2_common::fingerprint;
use crate::egress::EgressClient;
use crate::error::AuthError;
use crate::fields::{parse_http_url, Fields};
use crate::token::{request_token, TokenSet, TokenSource};

/// Salesforce JWT bearer settings.
pub(crate) struct SalesforceJwt {
    client_id: String,
    username: String,
    audience: String,
    token_url: Url,
    key: EncodingKey,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
}

impl SalesforceJwt {
    pub(crate) fn from_connection(conn: &Connection) -> Result<Self, AuthError> {
        let f = Fields::new(conn);
        let login = f
            .opt_url("loginUrl")?
            .map(|u| u.as_str().trim_end_matches('/').to_string())
            .unwrap_or_else(|| "https://login.salesforce.com".to_string());
        let token_url = match f.opt_url("tokenUrl")? {
            Some(u) => u,
            None => parse_http_url("loginUrl", &format!("{login}/services/oauth2/token"))?,
        };
        let pem = f
            .opt_pem("privateKey")?
            .ok_or_else(|| AuthError::missing(&conn.key, "privateKey"))?;
        let key = EncodingKey::from_rsa_pem(&pem)
            .map_err(|_| AuthError::invalid("privateKey", "not an RSA private key in PEM"))?;
        Ok(SalesforceJwt {
            client_id: f.req("clientId")?.to_string(),
            username: f.req("username")?.to_string(),
            audience: f.opt("audience").map(str::to_string).unwrap_or(login),
            token_url,
            key,
        })
    }

    fn assertion(&self) -> Result<String, AuthError> {
        let claims = Claims {
            iss: &self.client_id,
            sub: &self.username,
            aud: &self.audience,
            exp: chrono::Utc::now().timestamp() + 180,
        };
        encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map_err(|e| AuthError::Signing(format!("JWT assertion: {e}")))
    }
}

#[async_trait]
impl TokenSource for SalesforceJwt {
    fn fingerprint(&self) -> String {
        fingerprint(&[
            "sf_jwt",
            self.token_url.as_str(),
            &self.client_id,
            &self.username,
            &self.audience,
        ])
    }

    async fn fetch(&self, http: &EgressClient) -> Result<TokenSet, AuthError> {
        let assertion = self.assertion()?;
        request_token(
            http,
            &self.token_url,
            None,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &assertion),
            ],
        )
        .await
    }
}
