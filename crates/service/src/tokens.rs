//! API tokens: listing, creating (the secret is answered once), revoking.
//!
//! Rules: only organization admins (not customer-bound) manage tokens. A token needs a name (at
//! most 255 characters) and at least one known role, and may be bound to one customer of the
//! organization. Revoking is immediate: the token's API calls and console sessions stop at once.

use plumb_store::tokens::{ApiToken, Role};
use plumb_store::StoreError;
use uuid::Uuid;

use crate::{Caller, FieldErrors, ServiceError, Services};

/// `Forbidden` unless an organization admin calls.
pub fn require_admin(caller: &Caller) -> Result<(), ServiceError> {
    if caller.customer_id.is_some() || !caller.roles.contains(&Role::Admin) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// Whether the caller manages tokens (pages show the section).
pub fn may_manage_tokens(caller: &Caller) -> bool {
    require_admin(caller).is_ok()
}

/// A new token (`customer`: `Some(None)` when given but undecodable).
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    /// A name to recognize it by.
    pub name: String,
    /// Role names (`admin`, `designer`, `deployer`, `viewer`).
    pub roles: Vec<String>,
    /// Bind it to this customer.
    pub customer: Option<Option<Uuid>>,
}

impl Services {
    /// The organization's tokens, revoked ones included, oldest first.
    pub async fn tokens(&self, caller: &Caller) -> Result<Vec<ApiToken>, ServiceError> {
        require_admin(caller)?;
        Ok(self.store.list_tokens(caller.org_id).await?)
    }

    /// Creates a token; answers its record and its secret (shown once, never stored).
    pub async fn create_token(
        &self,
        caller: &Caller,
        new: NewToken,
    ) -> Result<(ApiToken, String), ServiceError> {
        require_admin(caller)?;
        let mut errors = FieldErrors::default();
        let name = new.name.trim();
        if name.is_empty() {
            errors.add("name", "must not be empty");
        } else if name.chars().count() > 255 {
            errors.add("name", "must be at most 255 characters");
        }
        let mut roles = vec![];
        for r in &new.roles {
            match r.parse::<Role>() {
                Ok(role) => roles.push(role),
                Err(e) => errors.add("roles", e),
            }
        }
        if new.roles.is_empty() {
            errors.add("roles", "at least one role is required");
        }
        let customer = match new.customer {
            None => None,
            Some(Some(c)) => Some(c),
            Some(None) => {
                errors.add("customer", "customer not found");
                None
            }
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        match self
            .store
            .create_token(caller.org_id, name, &roles, customer)
            .await
        {
            Ok(t) => Ok(t),
            Err(StoreError::NotFound) => {
                Err(ServiceError::invalid("customer", "customer not found"))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Revokes a token: it stops working at once (its console sessions end too).
    pub async fn revoke_token(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<ApiToken, ServiceError> {
        require_admin(caller)?;
        let missing = || ServiceError::invalid("id", "API token not found");
        let id = id.ok_or_else(missing)?;
        match self.store.revoke_token(caller.org_id, id).await {
            Ok(t) => {
                self.store.delete_token_sessions(t.id).await?;
                Ok(t)
            }
            Err(StoreError::NotFound) => Err(missing()),
            Err(e) => Err(e.into()),
        }
    }
}
