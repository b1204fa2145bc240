//! Customer users: list, add, remove (`customer { users }`, `createCustomerUser`, `deleteUser`,
//! `customerRoles`; prism's `customers:users:*`).
//!
//! Rules: those who manage customers (organization deployers and admins) add and remove their
//! users; a customer-bound caller reads its own customer's users only. Roles are `admin` (may deploy and
//! configure the customer's instances) and `user` (reads). A new user needs an email (at most 255
//! characters, with an `@`), which is also how an embedded JWT names it (`sub`); its name is
//! at most 255 characters (default: the email). plumb sends no invitation: the user signs in
//! through the organization's app.

use plumb_store::customer_users::CustomerUser;
use plumb_store::StoreError;
use uuid::Uuid;

use crate::customers::require_manager;
use crate::{Caller, FieldErrors, ServiceError, Services};

/// The roles of customer users: (key, name, description).
pub const CUSTOMER_ROLES: [(&str, &str, &str); 2] = [
    (
        "admin",
        "Admin",
        "Deploys and configures the customer's instances and its connections",
    ),
    (
        "user",
        "User",
        "Reads the customer's instances and executions",
    ),
];

/// A new customer user (`customer`/`role`: `None` when given but not understood).
#[derive(Debug, Clone, Default)]
pub struct NewCustomerUser {
    /// The customer.
    pub customer: Option<Uuid>,
    /// Its email.
    pub email: String,
    /// Its name.
    pub name: Option<String>,
    /// `admin` or `user`.
    pub role: Option<String>,
}

impl Services {
    /// The users of a customer the caller sees.
    pub async fn customer_users(
        &self,
        caller: &Caller,
        customer: Uuid,
    ) -> Result<Vec<CustomerUser>, ServiceError> {
        let customer = self.customer(caller, Some(customer)).await?;
        Ok(self
            .store
            .list_customer_users(caller.org_id, customer.id)
            .await?)
    }

    /// Adds a user to a customer.
    pub async fn create_customer_user(
        &self,
        caller: &Caller,
        new: NewCustomerUser,
    ) -> Result<CustomerUser, ServiceError> {
        require_manager(caller)?;
        let mut errors = FieldErrors::default();
        let email = new.email.trim().to_string();
        if email.is_empty() || email.len() > 255 || !email.contains('@') {
            errors.add(
                "email",
                "must be an email address of at most 255 characters",
            );
        }
        let name = new
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| email.clone());
        if name.chars().count() > 255 {
            errors.add("name", "must be at most 255 characters");
        }
        let role = match new.role.as_deref() {
            Some(r) if CUSTOMER_ROLES.iter().any(|(k, _, _)| *k == r) => r.to_string(),
            _ => {
                errors.add("role", "must be one of customerRoles (admin, user)");
                String::new()
            }
        };
        let customer = match new.customer.filter(|c| caller.sees_customer(*c)) {
            Some(c) if self.store.customer_exists(caller.org_id, c).await? => Some(c),
            _ => {
                errors.add("customer", "customer not found");
                None
            }
        };
        let (Some(customer), true) = (customer, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        match self
            .store
            .create_customer_user(caller.org_id, customer, &email, &name, &role)
            .await
        {
            Ok(u) => Ok(u),
            Err(StoreError::Conflict(_)) => Err(ServiceError::invalid(
                "email",
                "the customer already has a user with this email",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes a customer user (`None`: an ID that did not decode).
    pub async fn delete_customer_user(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<CustomerUser, ServiceError> {
        require_manager(caller)?;
        let not_found = || ServiceError::invalid("id", "user not found");
        let id = id.ok_or_else(not_found)?;
        let user = match self.store.get_customer_user(caller.org_id, id).await {
            Ok(u) if caller.sees_customer(u.customer_id) => u,
            Ok(_) | Err(StoreError::NotFound) => return Err(not_found()),
            Err(e) => return Err(e.into()),
        };
        match self
            .store
            .delete_customer_user(caller.org_id, user.id)
            .await
        {
            Ok(u) => Ok(u),
            Err(StoreError::NotFound) => Err(not_found()),
            Err(e) => Err(e.into()),
        }
    }
}
