//! Connections at organization and customer scope (scoped config variables): defining one,
//! listing the organization's credentials, and testing a credential.
//!
//! Rules: organization designers and admins define them. A definition names a connection type
//! (global ID or `component/key`), a stable key unique in the organization, a variable scope
//! (`org`: one set of values every customer shares, complete at creation; `customer`: values per
//! customer, with the inputs marked global given once) and who manages it. Secret inputs are
//! sealed before they are stored and never answered back. A test resolves the stored values and
//! obtains a token (token schemes) under the egress policy; its answer never holds a secret.
//! `values`: one customer's (or the test) values of a connection. (Updating and deleting
//! definitions are still the API's.)

pub mod authorize;
pub mod input;
pub mod values;

use std::collections::{BTreeMap, BTreeSet};

use plumb_store::connection_values::{SaveConnection, Slot};
use plumb_store::connections::{ManagedBy, ScopedVar, VariableScope};
use plumb_store::tokens::Role;
use plumb_store::{new_id, now_ms, StoreError};
use uuid::Uuid;

use crate::{Caller, FieldErrors, ServiceError, Services};
use input::ConnInput;

/// Most characters of a key or stable key.
pub const MAX_KEY: usize = 255;

/// A new scoped config variable.
#[derive(Debug, Clone, Default)]
pub struct NewScopedVar {
    /// Display key.
    pub key: String,
    /// Unique in the organization and immutable.
    pub stable_key: String,
    /// `org` or `customer` (default `customer`).
    pub variable_scope: Option<String>,
    /// `org` or `customer` (default `org`).
    pub managed_by: Option<String>,
    /// The connection type: its global ID, or `component/key`.
    pub connection: String,
    /// Free text.
    pub description: Option<String>,
    /// Input scopes (`meta`) and global values.
    pub inputs: Vec<ConnInput>,
}

/// The outcome of a credential test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialTest {
    /// A token was obtained.
    Passed,
    /// The scheme has no token to obtain; the values are complete.
    NothingToTest,
    /// The test failed: why (no secret in it).
    Failed(String),
}

/// `Forbidden` unless an organization designer (or admin) calls.
pub fn require_designer(caller: &Caller) -> Result<(), ServiceError> {
    if caller.customer_id.is_some() {
        return Err(ServiceError::Forbidden);
    }
    caller.require(Role::Designer)
}

/// Whether the caller may define connections and credentials (pages hide the buttons).
pub fn may_define(caller: &Caller) -> bool {
    require_designer(caller).is_ok()
}

fn check_text(errors: &mut FieldErrors, field: &str, value: &str) {
    if value.trim().is_empty() {
        errors.add(field, "must not be empty");
    } else if value.chars().count() > MAX_KEY {
        errors.add(field, format!("must be at most {MAX_KEY} characters"));
    }
}

fn taken() -> ServiceError {
    ServiceError::invalid(
        "stableKey",
        "a scoped config variable with this stable key already exists",
    )
}

impl Services {
    /// Defines a connection: its type, who fills it in, which inputs are global (with their
    /// values), matched across tenants by `stableKey`.
    pub async fn create_scoped_var(
        &self,
        caller: &Caller,
        new: NewScopedVar,
    ) -> Result<ScopedVar, ServiceError> {
        require_designer(caller)?;
        let mut errors = FieldErrors::default();
        check_text(&mut errors, "key", &new.key);
        check_text(&mut errors, "stableKey", &new.stable_key);
        let scope = match new.variable_scope.as_deref() {
            None => VariableScope::Customer,
            Some(s) => VariableScope::parse(s).unwrap_or_else(|| {
                errors.add("variableScope", "must be \"org\" or \"customer\"");
                VariableScope::Customer
            }),
        };
        let managed_by = match new.managed_by.as_deref() {
            None => ManagedBy::Org,
            Some(s) => ManagedBy::parse(s).unwrap_or_else(|| {
                errors.add("managedBy", "must be \"org\" or \"customer\"");
                ManagedBy::Org
            }),
        };
        let Some(ty) = input::find_connection_type(new.connection.trim()) else {
            errors.add("connection", "unknown connection type");
            return Err(ServiceError::Invalid(errors));
        };
        if ty.oauth2 && managed_by == ManagedBy::Org && scope == VariableScope::Customer {
            errors.add(
                "connection",
                "OAuth 2.0 authorization-code connections cannot be organization-activated",
            );
        }
        let parsed = input::parse(ty, &new.inputs, &mut errors);
        let now = now_ms();
        let var = ScopedVar {
            id: new_id(),
            org_id: caller.org_id,
            key: new.key.trim().to_string(),
            stable_key: new.stable_key.trim().to_string(),
            description: new.description.unwrap_or_default(),
            variable_scope: scope,
            managed_by,
            connection_type: ty.id(),
            input_scopes: BTreeMap::new(),
            created_at: now,
            updated_at: now,
        };
        let var = ScopedVar {
            input_scopes: input::merged_scopes(&var, &parsed.scopes),
            ..var
        };
        let globals = input::global_inputs(&var, parsed.values, &mut errors);
        if scope == VariableScope::Org {
            input::check_complete(ty, &BTreeSet::new(), &globals, |_| true, &mut errors);
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        if self
            .store
            .find_scoped_var(caller.org_id, &var.stable_key)
            .await?
            .is_some()
        {
            return Err(taken());
        }
        let mut save = SaveConnection {
            create_var: Some(&var),
            ..Default::default()
        };
        if !globals.is_empty() {
            let vault = self.vault.as_ref().ok_or_else(|| {
                tracing::error!("no master key configured: cannot seal connection secrets");
                ServiceError::Store(StoreError::Corrupt("no master key".into()))
            })?;
            let set = input::new_set(&var, Slot::Global);
            let stored = input::to_stored(vault, ty, var.org_id, set.id, globals).await?;
            save.sets.push((set, stored));
        }
        match self.store.save_connection(save).await {
            Ok(()) => Ok(var),
            Err(StoreError::Conflict(_)) => Err(taken()),
            Err(e) => Err(e.into()),
        }
    }

    /// The organization's credentials: its scoped config variables of `org` scope.
    pub async fn credentials(&self, caller: &Caller) -> Result<Vec<ScopedVar>, ServiceError> {
        Ok(self
            .scoped_config_vars(caller)
            .await?
            .into_iter()
            .filter(|v| v.variable_scope == VariableScope::Org)
            .collect())
    }

    /// Tests an organization credential (or a customer-scoped connection's test credentials):
    /// resolves its stored values and obtains a token.
    pub async fn test_scoped_var(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<CredentialTest, ServiceError> {
        require_designer(caller)?;
        let id = id.ok_or(ServiceError::NotFound("Credential"))?;
        let var = match self.store.get_scoped_var(caller.org_id, id).await {
            Ok(v) => v,
            Err(StoreError::NotFound) => return Err(ServiceError::NotFound("Credential")),
            Err(e) => return Err(e.into()),
        };
        let Some(vault) = self.vault.as_ref() else {
            return Ok(CredentialTest::Failed(
                "the server has no master key: stored secrets cannot be read".into(),
            ));
        };
        let test = var.variable_scope == VariableScope::Customer;
        let conn = plumb_store::resolve::resolve_scoped_connection_by_id(
            vault,
            caller.org_id,
            var.id,
            None,
            test,
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "resolving a credential failed");
            ServiceError::Store(StoreError::Corrupt("resolving a credential failed".into()))
        })?;
        let Some(conn) = conn else {
            return Ok(CredentialTest::Failed(
                "the credential has no values yet".into(),
            ));
        };
        Ok(match plumb_runtime::test_connection(&conn).await {
            Ok(true) => CredentialTest::Passed,
            Ok(false) => CredentialTest::NothingToTest,
            Err(e) => CredentialTest::Failed(e.to_string()),
        })
    }
}

impl Services {
    /// Deletes a scoped config variable with its values.
    pub async fn delete_scoped_var(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<ScopedVar, ServiceError> {
        require_designer(caller)?;
        match self.store.delete_scoped_var(caller.org_id, id).await {
            Ok(v) => Ok(v),
            Err(StoreError::NotFound) => Err(ServiceError::invalid(
                "id",
                "scoped config variable not found",
            )),
            Err(e) => Err(e.into()),
        }
    }
}
