//! One module per connection type. [`Scheme::from_connection`] picks the scheme of a
//! connection by component and key and validates its inputs.
//!
//! | component | key | module |
//! | --- | --- | --- |
//! | any | `basic` | [`basic`] |
//! | any | `bearer` | [`bearer`] |
//! | any | `apiKey` | [`api_key`] |
//! | any | `apiKeyDynamic` | [`api_key_dynamic`] |
//! | any | `awsSigV4`; `aws-s3` `apiKeySecret` | [`aws_sigv4`] |
//! | any | `oauth2ClientCredentials` | [`oauth2_client_credentials`] |
//! | any | `oauth2Password` | [`oauth2_password`] |
//! | any | `oauth2AuthorizationCode`; `salesforce` `oauth2` | [`oauth2_authorization_code`] |
//! | any | `openIdConnect` | [`openid_connect`] |
//! | any | `mutualTls` | [`mutual_tls`] (transport only) |
//! | `salesforce` | `clientCredentials` | [`salesforce`] |
//! | `salesforce` | `jwtBearer` | [`salesforce_jwt`] |
//! | `salesforce` | `basic` (SOAP `login()`) | [`salesforce_basic`] |
//! | any | `none` | no auth |

pub(crate) mod api_key;
pub(crate) mod api_key_dynamic;
pub mod aws_sigv4;
pub(crate) mod basic;
pub(crate) mod bearer;
pub(crate) mod mutual_tls;
pub(crate) mod oauth2_authorization_code;
pub(crate) mod oauth2_client_credentials;
pub(crate) mod oauth2_common;
pub(crate) mod oauth2_password;
pub(crate) mod openid_connect;
pub(crate) mod salesforce;
pub(crate) mod salesforce_basic;
pub(crate) mod salesforce_jwt;

use std::sync::Arc;

use plumb_core::action::Connection;

use crate::error::AuthError;
use crate::request::Outgoing;
use crate::token::{TokenSet, TokenSource};

/// How a token from a [`TokenSource`] goes on a request.
pub(crate) enum TokenPlacement {
    Bearer,
    ApiKey(api_key::Placement),
}

/// The authentication of one connection.
pub(crate) enum Scheme {
    None,
    Basic(basic::Basic),
    Bearer(bearer::Bearer),
    ApiKey(api_key::ApiKey),
    SigV4(aws_sigv4::AwsSigV4),
    Token {
        source: Box<dyn TokenSource>,
        placement: TokenPlacement,
    },
}

impl Scheme {
    pub(crate) fn from_connection(
        conn: &Connection,
        discovery: &Arc<openid_connect::DiscoveryCache>,
    ) -> Result<Scheme, AuthError> {
        let token = |source: Box<dyn TokenSource>| Scheme::Token {
            source,
            placement: TokenPlacement::Bearer,
        };
        Ok(match (conn.component.as_str(), conn.key.as_str()) {
            ("salesforce", "clientCredentials") => token(Box::new(
                salesforce::SalesforceClientCredentials::from_connection(conn)?,
            )),
            ("salesforce", "jwtBearer") => token(Box::new(
                salesforce_jwt::SalesforceJwt::from_connection(conn)?,
            )),
            ("salesforce", "basic") => token(Box::new(
                salesforce_basic::SalesforceBasic::from_connection(conn)?,
            )),
            ("salesforce", "oauth2") => token(Box::new(
                oauth2_authorization_code::AuthorizationCode::from_connection(conn)?,
            )),
            ("aws-s3", "apiKeySecret") => {
                Scheme::SigV4(aws_sigv4::AwsSigV4::from_connection(conn, true)?)
            }
            (_, "none") => Scheme::None,
            (_, "basic") => Scheme::Basic(basic::Basic::from_connection(conn)?),
            (_, "bearer") => Scheme::Bearer(bearer::Bearer::from_connection(conn)?),
            (_, "apiKey") => Scheme::ApiKey(api_key::ApiKey::from_connection(conn)?),
            (_, "apiKeyDynamic") => {
                let d = api_key_dynamic::DynamicApiKey::from_connection(conn)?;
                let placement = TokenPlacement::ApiKey(d.placement.clone());
                Scheme::Token {
                    source: Box::new(d),
                    placement,
                }
            }
            (_, "awsSigV4") => Scheme::SigV4(aws_sigv4::AwsSigV4::from_connection(conn, false)?),
            (_, "oauth2ClientCredentials") => token(Box::new(
                oauth2_client_credentials::ClientCredentials::from_connection(conn)?,
            )),
            (_, "oauth2Password") => {
                token(Box::new(oauth2_password::Password::from_connection(conn)?))
            }
            (_, "oauth2AuthorizationCode") => token(Box::new(
                oauth2_authorization_code::AuthorizationCode::from_connection(conn)?,
            )),
            (_, "openIdConnect") => token(Box::new(
                openid_connect::OpenIdConnect::from_connection(conn, discovery.clone())?,
            )),
            (_, "mutualTls") => {
                mutual_tls::validate(conn)?;
                Scheme::None
            }
            (component, key) => {
                return Err(AuthError::Unsupported {
                    component: component.to_string(),
                    key: key.to_string(),
                })
            }
        })
    }

    /// Adds the credential to a request (`token` for token schemes).
    pub(crate) fn apply(
        &self,
        req: &mut Outgoing,
        token: Option<&TokenSet>,
    ) -> Result<(), AuthError> {
        match self {
            Scheme::None => Ok(()),
            Scheme::Basic(b) => b.apply(req),
            Scheme::Bearer(b) => b.apply(req),
            Scheme::ApiKey(k) => k.apply(req),
            Scheme::SigV4(s) => s.apply(req),
            Scheme::Token { placement, .. } => {
                let Some(t) = token else { return Ok(()) };
                match placement {
                    TokenPlacement::Bearer => bearer::apply_bearer(req, &t.access_token),
                    TokenPlacement::ApiKey(p) => p.apply(req, &t.access_token),
                }
            }
        }
    }

    pub(crate) fn token_source(&self) -> Option<&dyn TokenSource> {
        match self {
            Scheme::Token { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}
