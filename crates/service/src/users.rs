//! Who the caller is: the token behind the request, its organization and, for a customer-bound
//! token, its customer (`authenticatedUser` in GraphQL, `prism me`).
//!
//! Rules: every caller may read who it is; a customer-bound caller sees its customer, never the
//! organization's other customers. plumb authenticates API tokens, not people: the "user" is the
//! token, named by its name; it has no email address.

use plumb_store::customers::Customer;
use plumb_store::orgs::Organization;
use plumb_store::StoreError;

use crate::{Caller, ServiceError, Services};

/// The caller as a user.
#[derive(Debug, Clone)]
pub struct Me {
    /// The token's name.
    pub name: String,
    /// The caller's organization.
    pub org: Organization,
    /// The customer a customer-bound token acts for.
    pub customer: Option<Customer>,
}

impl Services {
    /// Who the caller is.
    pub async fn me(&self, caller: &Caller) -> Result<Me, ServiceError> {
        let org = self.store.get_org(caller.org_id).await?;
        let name = self
            .store
            .list_tokens(caller.org_id)
            .await?
            .into_iter()
            .find(|t| t.id == caller.token_id)
            .map(|t| t.name);
        // A customer user signed in with an embedded JWT is not a token.
        let name = match name {
            Some(n) => n,
            None => match self
                .store
                .get_customer_user(caller.org_id, caller.token_id)
                .await
            {
                Ok(u) => u.name,
                Err(StoreError::NotFound) => String::new(),
                Err(e) => return Err(e.into()),
            },
        };
        let customer = match caller.customer_id {
            None => None,
            Some(id) => match self.store.get_customer(caller.org_id, id).await {
                Ok(c) => Some(c),
                Err(StoreError::NotFound) => return Err(ServiceError::NotFound("Customer")),
                Err(e) => return Err(e.into()),
            },
        };
        Ok(Me {
            name,
            org,
            customer,
        })
    }
}
