//! `authorizeConnection(input: {scopedConfigVariable, customer, isTest})`: starts an OAuth 2.0
//! authorization-code authorization of one customer's values (or the test credentials) of a
//! scoped `oauth2AuthorizationCode` connection and answers `authorizeUrl` (with `state` and the
//! PKCE S256 challenge). The state is kept in the database for 10 minutes (its hash; the
//! verifier sealed); `/oauth2/callback` (`crate::http::oauth_callback`) completes it.
//!
//! Who may: callers who may write the values (deployers for the organization; a
//! customer-bound token only its own values of a customer-managed connection).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_runtime::{AuthorizationError, AuthorizationTarget};
use plumb_store::connections::ManagedBy;
use plumb_store::secrets::Vault;
use plumb_store::tokens::Role;
use plumb_store::{Store, StoreError};

use super::errors::{gql_error, internal, FieldError, PayloadErrors, Result};
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

fn failed(field: &str, message: &str) -> AuthorizeConnectionPayload {
    AuthorizeConnectionPayload {
        authorize_url: None,
        errors: PayloadErrors::one(field, message),
    }
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
        let store = ctx.data::<Store>()?;
        let var = match decode_id(connections::TYPE, &input.scoped_config_variable) {
            None => None,
            Some(id) => match store.get_scoped_var(caller.org_id, id).await {
                Ok(v) => Some(v),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(internal(e)),
            },
        };
        let customer = if input.is_test {
            None
        } else {
            match (&input.customer, caller.customer_id) {
                (Some(c), _) => match decode_id(customers::TYPE, c) {
                    Some(c) if caller.sees_customer(c) => {
                        if !store
                            .customer_exists(caller.org_id, c)
                            .await
                            .map_err(internal)?
                        {
                            return Ok(failed("customer", "customer not found"));
                        }
                        Some(c)
                    }
                    _ => return Ok(failed("customer", "customer not found")),
                },
                (None, bound) => bound,
            }
        };
        let allowed = |v: &plumb_store::connections::ScopedVar| match caller.customer_id {
            _ if !caller.has(Role::Deployer) => false,
            None => true,
            Some(c) => v.managed_by == ManagedBy::Customer && !input.is_test && customer == Some(c),
        };
        let Some(var) = var.filter(|v| allowed(v)) else {
            return Ok(failed(
                "scopedConfigVariable",
                "scoped config variable not found",
            ));
        };
        if !input.is_test && customer.is_none() && caller.customer_id.is_none() {
            // An organization-scoped connection's values are authorized as its test
            // credentials or through a customer; say what is missing.
            return Ok(failed(
                "customer",
                "give a customer, or isTest: true for the test credentials",
            ));
        }
        let Ok(vault) = ctx.data::<Vault>() else {
            return Err(gql_error(
                "INTERNAL",
                "the server has no master key: connections cannot be authorized",
            ));
        };
        let public_url = &ctx
            .data::<std::sync::Arc<plumb_runtime::Runtime>>()?
            .public_url;
        let redirect_uri = format!("{}/oauth2/callback", public_url.trim_end_matches('/'));
        let target = AuthorizationTarget {
            org_id: caller.org_id,
            scoped_id: var.id,
            customer_id: customer,
            is_test: input.is_test,
        };
        match plumb_runtime::start_authorization(vault, &target, &redirect_uri).await {
            Ok(url) => Ok(AuthorizeConnectionPayload {
                authorize_url: Some(url),
                errors: Vec::new(),
            }),
            Err(AuthorizationError::NoValues) => Ok(failed(
                if input.is_test { "isTest" } else { "customer" },
                "the connection has no values to authorize for this customer (or no test \
                 credentials)",
            )),
            Err(e @ AuthorizationError::NotAuthorizationCode(_)) => {
                Ok(failed("scopedConfigVariable", &e.to_string()))
            }
            Err(AuthorizationError::Auth(e)) => Ok(failed("scopedConfigVariable", &e.to_string())),
            Err(e) => {
                tracing::error!(error = %e, "starting an authorization failed");
                Err(gql_error("INTERNAL", "internal error"))
            }
        }
    }
}
