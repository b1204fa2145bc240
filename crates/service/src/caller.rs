//! The caller of a service: an API token's organization, roles and bound customer.

use plumb_store::tokens::{ApiToken, Role};
use uuid::Uuid;

use crate::ServiceError;

/// Who is calling: the token's organization, roles and bound customer.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's ID.
    pub token_id: Uuid,
    /// The organization every read and write is scoped to.
    pub org_id: Uuid,
    /// The token's roles.
    pub roles: Vec<Role>,
    /// Set when the token is bound to one customer.
    pub customer_id: Option<Uuid>,
}

impl From<ApiToken> for Caller {
    fn from(t: ApiToken) -> Self {
        Caller {
            token_id: t.id,
            org_id: t.org_id,
            roles: t.roles,
            customer_id: t.customer_id,
        }
    }
}

impl Caller {
    /// Whether the caller holds `role` (admins hold every role).
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&Role::Admin) || self.roles.contains(&role)
    }

    /// `Forbidden` unless the caller holds `role`.
    pub fn require(&self, role: Role) -> Result<(), ServiceError> {
        if self.has(role) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Whether the caller may see the customer `id` (customer-bound tokens see only theirs).
    pub fn sees_customer(&self, id: Uuid) -> bool {
        self.customer_id.is_none_or(|c| c == id)
    }
}
