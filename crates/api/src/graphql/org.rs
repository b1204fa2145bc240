//! `organization`: the caller's organization, and who the caller is.

use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use plumb_store::Store;

use super::caller;
use super::errors::{internal, Result};

/// The global ID type name of organizations.
pub const TYPE: &str = "Organization";

/// The caller's organization.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Organization {
    /// Global ID.
    pub id: ID,
    /// Name.
    pub name: String,
    /// The calling token's roles.
    pub roles: Vec<String>,
    /// The customer the calling token is bound to, if any.
    pub customer: Option<ID>,
}

#[ComplexObject]
impl Organization {
    /// The signing keys of embedded sign-in (organization admins only).
    async fn signing_keys(
        &self,
        ctx: &Context<'_>,
    ) -> Result<super::signing_keys::OrganizationSigningKeyConnection> {
        super::signing_keys::signing_keys(ctx).await
    }
}

/// Organization queries.
#[derive(Default)]
pub struct OrgQuery;

#[Object]
impl OrgQuery {
    /// The organization the calling token belongs to.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        let caller = caller(ctx)?;
        let org = ctx
            .data::<Store>()?
            .get_org(caller.org_id)
            .await
            .map_err(internal)?;
        Ok(Organization {
            id: ID(plumb_core::id::encode(TYPE, org.id)),
            name: org.name,
            roles: caller
                .roles
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            customer: caller
                .customer_id
                .map(|c| ID(plumb_core::id::encode(super::customers::TYPE, c))),
        })
    }
}
