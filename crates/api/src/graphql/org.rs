//! `organization`: the caller's organization, and who the caller is.

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject, ID};
use plumb_service::Services;
use plumb_store::Store;

use super::caller;
use super::errors::{internal, present, service_error, FieldError, Result};
use super::relay::present_items;

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

    /// The web origins allowed to embed the organization's screens and call its embedded
    /// sign-in and API from a browser (organization admins only).
    async fn embedded_allowed_origins(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        ctx.data::<Services>()?
            .embedded_origins(caller(ctx)?)
            .await
            .map_err(service_error)
    }
}

/// Input of `updateOrganization`.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// A new name.
    pub name: Option<String>,
    /// Replace the allowed embedding origins (`https://app.example.com`; null items left out).
    pub embedded_allowed_origins: Option<Vec<Option<String>>>,
}

/// The answer of `updateOrganization`.
#[derive(SimpleObject, Default)]
pub struct OrganizationPayload {
    /// The organization.
    pub organization: Option<Organization>,
    /// What was wrong with the input.
    pub errors: Vec<FieldError>,
}

/// Organization mutations.
#[derive(Default)]
pub struct OrgMutation;

#[Object]
impl OrgMutation {
    /// Changes the organization's name and allowed embedding origins (admins). An invalid name
    /// changes nothing; a valid name is kept even if the origins that follow are invalid.
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> Result<OrganizationPayload> {
        let caller = caller(ctx)?;
        let services = ctx.data::<Services>()?;
        if let Some(name) = &input.name {
            let answer = services.rename_organization(caller, name).await;
            if let Some(errors) = present(answer, |_| None, Some)? {
                return Ok(OrganizationPayload {
                    organization: None,
                    errors,
                });
            }
        }
        if let Some(origins) = present_items(input.embedded_allowed_origins) {
            let answer = services.set_embedded_origins(caller, &origins).await;
            if let Some(errors) = present(answer, |_| None, Some)? {
                return Ok(OrganizationPayload {
                    organization: None,
                    errors,
                });
            }
        }
        Ok(OrganizationPayload {
            organization: Some(organization(ctx).await?),
            errors: vec![],
        })
    }
}

async fn organization(ctx: &Context<'_>) -> Result<Organization> {
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

/// Organization queries.
#[derive(Default)]
pub struct OrgQuery;

#[Object]
impl OrgQuery {
    /// The organization the calling token belongs to.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        organization(ctx).await
    }
}
