//! `authorizeConnection(input: {scopedConfigVariable, customer, isTest})`: starts an OAuth 2.0
//! authorization-code authorization of one customer's values (or the test credentials) of a
//! scoped `oauth2AuthorizationCode` connection and answers `authorizeUrl` (with `state` and the
//! PKCE S256 challenge). The state is kept in the database for 10 minutes (its hash; the
//! verifier sealed); `/oauth2/callback` (`crate::http::oauth_callback`) completes it.
//!
//! Who may: the rules are the service's (`plumb_service::connections::authorize`).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_service::connections::authorize::Authorize;
use plumb_service::Services;

use super::errors::{present, FieldError, Result};
use super::{caller, connections, customers, decode_id};

/// What to authorize.
#[derive(InputObject)]
pub struct AuthorizeConnectionInput {
    /// The scoped config variable (an `oauth2AuthorizationCode` connection).
    pub scoped_config_variable: ID,
    /// The customer whose values to authorize (a customer-bound token: its own customer).
    pub customer: Option<ID>,
    /// Authorize the test credentials instead of a customer's values.
    #[graphql(default)]
    pub is_test: bool,
}

/// The answer of `authorizeConnection`.
#[derive(SimpleObject, Default)]
pub struct AuthorizeConnectionPayload {
    /// Where to send the user: the authorization server's authorize URL with `state` and the
    /// PKCE challenge. Its callback is `{publicUrl}/oauth2/callback`.
    pub authorize_url: Option<String>,
    /// Invalid input (nothing was started).
    pub errors: Vec<FieldError>,
}

/// OAuth 2.0 authorization mutations.
#[derive(Default)]
pub struct OAuthMutation;

#[Object]
impl OAuthMutation {
    /// Starts the authorization of a scoped `oauth2AuthorizationCode` connection's values: one
    /// customer's, or the test credentials (`isTest: true`). Answers the authorize URL; the
    /// authorization server redirects to `/oauth2/callback`, which stores the tokens sealed.
    async fn authorize_connection(
        &self,
        ctx: &Context<'_>,
        input: AuthorizeConnectionInput,
    ) -> Result<AuthorizeConnectionPayload> {
        let caller = caller(ctx)?;
        let what = Authorize {
            scoped: decode_id(connections::TYPE, &input.scoped_config_variable),
            customer: input
                .customer
                .as_ref()
                .map(|c| decode_id(customers::TYPE, c)),
            is_test: input.is_test,
        };
        present(
            ctx.data::<Services>()?
                .authorize_connection(caller, what)
                .await,
            |url| AuthorizeConnectionPayload {
                authorize_url: Some(url),
                errors: Vec::new(),
            },
            |errors| AuthorizeConnectionPayload {
                authorize_url: None,
                errors,
            },
        )
    }
}
