//! Salesforce `clientCredentials`: the client credentials flow against
//! `https://{externalCustomerId}.my.salesforce.com/services/oauth2/token` (`tokenUrl` overrides
//! it, e.g. in tests). The answer has no `expires_in`: the token is used until a 401
//! (`INVALID_SESSION_ID`), then fetched again once. Its `instance_url` is the API base for
//! relative request URLs.

use async_trait::async_trait;
use plumb_core::action::Connection;
use reqwest::Url;

use super::oauth2_common::fingerprint;
use crate::egress::EgressClient;
use crate::error::AuthError;
use crate::fields::{parse_http_url, Fields};
use crate::token::{request_token, ClientAuthMethod, OAuthClient, TokenSet, TokenSource};
use plumb_core::secret::SecretString;

/// Salesforce client credentials.
#[derive(Debug, Clone)]
pub(crate) struct SalesforceClientCredentials {
    token_url: Url,
    client: OAuthClient,
}

/// The token URL of a My Domain subdomain.
pub(crate) fn my_domain_token_url(external_customer_id: &str) -> Result<Url, AuthError> {
    let ok = !external_customer_id.is_empty()
        && external_customer_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !ok {
        return Err(AuthError::invalid(
            "externalCustomerId",
            "expected a My Domain subdomain (letters, digits and dashes)",
        ));
    }
    parse_http_url(
        "externalCustomerId",
        &format!("https://{external_customer_id}.my.salesforce.com/services/oauth2/token"),
    )
}

impl SalesforceClientCredentials {
    pub(crate) fn from_connection(conn: &Connection) -> Result<Self, AuthError> {
        let f = Fields::new(conn);
        let token_url = match f.opt_url("tokenUrl")? {
            Some(u) => u,
            None => my_domain_token_url(f.req("externalCustomerId")?)?,
        };
        let secret = f
            .opt_secret("clientSecret")
            .or_else(|| f.opt_secret("keyId"))
            .ok_or_else(|| AuthError::missing(&conn.key, "clientSecret"))?;
        Ok(SalesforceClientCredentials {
            token_url,
            client: OAuthClient {
                client_id: f.req("clientId")?.to_string(),
                client_secret: Some(secret),
                method: ClientAuthMethod::Post,
            },
        })
    }
}

#[async_trait]
impl TokenSource for SalesforceClientCredentials {
    fn fingerprint(&self) -> String {
        fingerprint(&["sf_cc", self.token_url.as_str(), &self.client.client_id])
    }

    async fn fetch(&self, http: &EgressClient) -> Result<TokenSet, AuthError> {
        request_token(
            http,
            &self.token_url,
            Some(&self.client),
            &[("grant_type", "client_credentials")],
        )
        .await
    }

    async fn refresh(
        &self,
        _http: &EgressClient,
        _rt: &SecretString,
    ) -> Option<Result<TokenSet, AuthError>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn my_domain_url() {
        assert_eq!(
            my_domain_token_url("acme-dev").unwrap().as_str(),
            "https://acme-dev.my.salesforce.com/services/oauth2/token"
        );
        assert!(my_domain_token_url("evil.com/x").is_err());
        assert!(my_domain_token_url("").is_err());
    }
}
