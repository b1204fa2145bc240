//! OAuth 2.0 authorization-code authorizations of a scoped connection's values: one
//! customer's, or the test credentials. Starting one answers the authorization server's
//! authorize URL (with `state` and the PKCE S256 challenge); `/oauth2/callback` completes it
//! and stores the tokens sealed (`plumb_runtime::complete_authorization`).
//!
//! Rules: the caller must be allowed to write the values it authorizes
//! ([`super::values::may_write`]: deployers for the organization; a customer-bound caller
//! only its own values of a customer-managed connection, never the test credentials). An
//! organization connection's values are authorized as its test credentials or through a
//! customer. Whether a customer's values hold tokens can be asked without opening them.

use plumb_runtime::{AuthorizationError, AuthorizationTarget};
use plumb_store::connection_values::Slot;
use plumb_store::connections::ScopedVar;
use plumb_store::StoreError;
use uuid::Uuid;

use super::values::{may_write, visible};
use crate::{Caller, ServiceError, Services};

/// What to authorize.
#[derive(Debug, Clone, Copy, Default)]
pub struct Authorize {
    /// The scoped config variable (`None`: a malformed ID, reported as not found).
    pub scoped: Option<Uuid>,
    /// The customer whose values to authorize (a customer-bound caller: its own by default).
    pub customer: Option<Option<Uuid>>,
    /// The test credentials instead of a customer's values.
    pub is_test: bool,
}

const VAR: &str = "scopedConfigVariable";

/// Whether a scoped connection's type authorizes by the authorization-code flow (it then
/// needs a person to authorize it in a browser).
pub fn is_authorization_code(var: &ScopedVar) -> bool {
    plumb_core::connection_types::find_by_id(var.connection_type)
        .is_some_and(|t| plumb_runtime::is_authorization_code_type(t.component, t.key))
}

impl Services {
    /// Starts the authorization of `what`; answers the authorize URL. The authorization
    /// server redirects to `{publicUrl}/oauth2/callback`.
    pub async fn authorize_connection(
        &self,
        caller: &Caller,
        what: Authorize,
    ) -> Result<String, ServiceError> {
        let not_found = || ServiceError::invalid(VAR, "scoped config variable not found");
        let var = match what.scoped {
            None => return Err(not_found()),
            Some(id) => match self.store.get_scoped_var(caller.org_id, id).await {
                Ok(v) => v,
                Err(StoreError::NotFound) => return Err(not_found()),
                Err(e) => return Err(e.into()),
            },
        };
        let customer = if what.is_test {
            None
        } else {
            match what.customer {
                Some(Some(c)) => {
                    if !caller.sees_customer(c)
                        || !self.store.customer_exists(caller.org_id, c).await?
                    {
                        return Err(ServiceError::invalid("customer", "customer not found"));
                    }
                    Some(c)
                }
                Some(None) => return Err(ServiceError::invalid("customer", "customer not found")),
                None => caller.customer_id,
            }
        };
        let slot = match customer {
            _ if what.is_test => Slot::Test,
            Some(c) => Slot::Customer(c),
            None => {
                return Err(ServiceError::invalid(
                    "customer",
                    "give a customer, or isTest: true for the test credentials",
                ))
            }
        };
        if !visible(caller, &var) || !may_write(caller, &var, slot) {
            return Err(not_found());
        }
        let vault = self.vault.as_ref().ok_or_else(|| {
            ServiceError::invalid(
                VAR,
                "the server has no master key: connections cannot be authorized",
            )
        })?;
        let redirect_uri = format!(
            "{}/oauth2/callback",
            self.runtime.public_url.trim_end_matches('/')
        );
        let target = AuthorizationTarget {
            org_id: caller.org_id,
            scoped_id: var.id,
            customer_id: customer,
            is_test: what.is_test,
        };
        match plumb_runtime::start_authorization(vault, &target, &redirect_uri).await {
            Ok(url) => Ok(url),
            Err(AuthorizationError::NoValues) => Err(ServiceError::invalid(
                if what.is_test { "isTest" } else { "customer" },
                "the connection has no values to authorize for this customer (or no test \
                 credentials)",
            )),
            Err(e @ AuthorizationError::NotAuthorizationCode(_)) => {
                Err(ServiceError::invalid(VAR, e.to_string()))
            }
            Err(AuthorizationError::Auth(e)) => Err(ServiceError::invalid(VAR, e.to_string())),
            Err(e) => {
                tracing::error!(error = %e, "starting an authorization failed");
                Err(ServiceError::Store(StoreError::Corrupt(
                    "starting the authorization failed".into(),
                )))
            }
        }
    }

    /// Whether `customer`'s values of `var` hold authorized tokens.
    pub async fn connection_authorized(
        &self,
        caller: &Caller,
        var: &ScopedVar,
        customer: Uuid,
    ) -> Result<bool, ServiceError> {
        if !caller.sees_customer(customer) || !visible(caller, var) {
            return Err(ServiceError::NotFound("Connection"));
        }
        let Some(vault) = self.vault.as_ref() else {
            return Ok(false);
        };
        plumb_runtime::connection_has_tokens(vault, caller.org_id, var.id, customer)
            .await
            .map_err(|e| ServiceError::Store(StoreError::Corrupt(e.to_string())))
    }
}
