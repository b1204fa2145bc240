//! `authenticatedUser`: who the calling token is (Prismatic's `prism me` asks this first).
//!
//! plumb authenticates API tokens, not people: the user is the token (its name; no email), in
//! its organization; a customer-bound token is a customer user (`org` null, `customer` set), as
//! Prismatic answers for its customer users.

use async_graphql::{Context, Object, SimpleObject, ID};
use plumb_service::Services;

use super::caller;
use super::customers::Customer;
use super::errors::{service_error, Result};

/// The organization of an organization user.
#[derive(SimpleObject)]
pub struct UserOrganization {
    /// Global ID.
    pub id: ID,
    /// Name.
    pub name: String,
}

/// The calling user (an API token).
#[derive(SimpleObject)]
pub struct AuthenticatedUser {
    /// Global ID of the token (`ApiToken:<uuid>`).
    pub id: ID,
    /// The token's name.
    pub name: String,
    /// Always "" (tokens have no email address).
    pub email: String,
    /// The organization's global ID (plumb's tenant).
    pub tenant_id: ID,
    /// The organization, for an organization token; null for a customer-bound token.
    pub org: Option<UserOrganization>,
    /// The customer, for a customer-bound token.
    pub customer: Option<Customer>,
}

/// User queries.
#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The calling user.
    async fn authenticated_user(&self, ctx: &Context<'_>) -> Result<AuthenticatedUser> {
        let caller = caller(ctx)?;
        let me = ctx
            .data::<Services>()?
            .me(caller)
            .await
            .map_err(service_error)?;
        let org_id = ID(plumb_core::id::encode(super::org::TYPE, me.org.id));
        Ok(AuthenticatedUser {
            id: ID(plumb_core::id::encode(super::tokens::TYPE, caller.token_id)),
            name: me.name,
            email: String::new(),
            tenant_id: org_id.clone(),
            org: me.customer.is_none().then_some(UserOrganization {
                id: org_id,
                name: me.org.name,
            }),
            customer: me.customer.map(Customer::from),
        })
    }
}
