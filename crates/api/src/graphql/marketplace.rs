//! `updateIntegrationMarketplaceConfiguration`: whether and how an integration appears in the
//! embedded marketplace (rules: `plumb_service::marketplace`).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_service::marketplace::MarketplaceInput;
use plumb_service::Services;

use super::errors::{present, FieldError, Result};
use super::integrations::{Integration, TYPE};
use super::{caller, decode_id};

/// Input of `updateIntegrationMarketplaceConfiguration`.
#[derive(InputObject)]
pub struct UpdateIntegrationMarketplaceConfigurationInput {
    /// The integration (its draft or any version).
    pub id: ID,
    /// `AVAILABLE_AND_DEPLOYABLE`, `AVAILABLE_NOT_DEPLOYABLE` or
    /// `NOT_AVAILABLE_IN_MARKETPLACE`.
    pub marketplace_configuration: Option<String>,
    /// The overview customers read in the marketplace.
    pub overview: Option<String>,
    /// Whether a customer may deploy it more than once.
    pub allow_multiple_marketplace_instances: Option<bool>,
}

/// The answer of `updateIntegrationMarketplaceConfiguration`.
#[derive(SimpleObject, Default)]
pub struct UpdateIntegrationMarketplaceConfigurationPayload {
    /// The integration.
    pub integration: Option<Integration>,
    /// What was wrong with the input.
    pub errors: Vec<FieldError>,
}

/// Marketplace mutations.
#[derive(Default)]
pub struct MarketplaceMutation;

#[Object]
impl MarketplaceMutation {
    /// Sets how an integration appears in the embedded marketplace (designers).
    async fn update_integration_marketplace_configuration(
        &self,
        ctx: &Context<'_>,
        input: UpdateIntegrationMarketplaceConfigurationInput,
    ) -> Result<UpdateIntegrationMarketplaceConfigurationPayload> {
        let answer = ctx
            .data::<Services>()?
            .update_marketplace_configuration(
                caller(ctx)?,
                MarketplaceInput {
                    id: decode_id(TYPE, &input.id),
                    configuration: input.marketplace_configuration,
                    overview: input.overview,
                    allow_multiple: input.allow_multiple_marketplace_instances,
                },
            )
            .await;
        present(
            answer,
            |(row, _)| UpdateIntegrationMarketplaceConfigurationPayload {
                integration: Some(Integration::from(row)),
                errors: vec![],
            },
            |errors| UpdateIntegrationMarketplaceConfigurationPayload {
                integration: None,
                errors,
            },
        )
    }
}
