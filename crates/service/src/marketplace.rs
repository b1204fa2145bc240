//! The embedded marketplace: which integrations an organization offers its customers
//! (`updateIntegrationMarketplaceConfiguration`) and what a customer user sees of them.
//!
//! Rules:
//! - designers (and admins) set an integration's listing: `marketplaceConfiguration` one of
//!   [`CONFIGURATIONS`], an overview (plain text, at most [`MAX_OVERVIEW`] characters), whether
//!   a customer may deploy it more than once; the listing belongs to the integration (its
//!   draft), so every version shares it;
//! - the marketplace lists integrations listed `AVAILABLE_*` that have a published version (the
//!   latest is the one deployed), with the caller's customer's instances of each; a search
//!   matches name, description or overview, any case;
//! - `AVAILABLE_NOT_DEPLOYABLE` is shown but cannot be deployed from the marketplace.

use plumb_store::instances::{Instance, InstanceFilter};
use plumb_store::integrations::{Integration, IntegrationFilter};
use plumb_store::marketplace::Listing;
use plumb_store::{PageRequest, StoreError};
use uuid::Uuid;

use crate::integrations::{require_designer, require_reader};
use crate::{Caller, FieldErrors, ServiceError, Services};

/// The values of `marketplaceConfiguration`.
pub const CONFIGURATIONS: [&str; 3] = [
    "AVAILABLE_AND_DEPLOYABLE",
    "AVAILABLE_NOT_DEPLOYABLE",
    "NOT_AVAILABLE_IN_MARKETPLACE",
];

/// Most characters of an overview.
pub const MAX_OVERVIEW: usize = 10_000;

/// A change of an integration's listing (`None` keeps a field, or takes its default the first
/// time: not available, no overview, one instance per customer).
#[derive(Debug, Clone, Default)]
pub struct MarketplaceInput {
    /// The integration (its draft or any version; `None`: given but undecodable).
    pub id: Option<Uuid>,
    /// One of [`CONFIGURATIONS`].
    pub configuration: Option<String>,
    /// The overview.
    pub overview: Option<String>,
    /// Whether a customer may deploy it more than once.
    pub allow_multiple: Option<bool>,
}

/// One integration of the marketplace as a customer user sees it.
#[derive(Debug, Clone)]
pub struct MarketplaceItem {
    /// Its latest published version (what a new instance runs).
    pub version: Integration,
    /// Its listing.
    pub listing: Listing,
    /// The caller's customer's instances of it (none for an organization caller).
    pub instances: Vec<Instance>,
}

impl MarketplaceItem {
    /// Whether the marketplace may deploy it (`AVAILABLE_AND_DEPLOYABLE`, and a second instance
    /// only when multiple are allowed).
    pub fn deployable(&self) -> bool {
        self.listing.configuration == CONFIGURATIONS[0]
            && (self.instances.is_empty() || self.listing.allow_multiple)
    }
}

impl Services {
    /// Sets the marketplace listing of an integration.
    pub async fn update_marketplace_configuration(
        &self,
        caller: &Caller,
        input: MarketplaceInput,
    ) -> Result<(Integration, Listing), ServiceError> {
        require_designer(caller)?;
        let id = input
            .id
            .ok_or_else(|| ServiceError::invalid("id", "integration not found"))?;
        let row = match self.store.get_integration(caller.org_id, id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => {
                return Err(ServiceError::invalid("id", "integration not found"))
            }
            Err(e) => return Err(e.into()),
        };
        let current = self
            .store
            .marketplace_listing(caller.org_id, row.integration_id)
            .await?;
        let mut errors = FieldErrors::default();
        let configuration = match input.configuration {
            Some(c) if CONFIGURATIONS.contains(&c.as_str()) => c,
            Some(_) => {
                errors.add(
                    "marketplaceConfiguration",
                    format!("must be one of {}", CONFIGURATIONS.join(", ")),
                );
                String::new()
            }
            None => current
                .as_ref()
                .map(|l| l.configuration.clone())
                .unwrap_or_else(|| CONFIGURATIONS[2].to_string()),
        };
        let overview = match input.overview {
            Some(o) if o.chars().count() > MAX_OVERVIEW => {
                errors.add(
                    "overview",
                    format!("must be at most {MAX_OVERVIEW} characters"),
                );
                String::new()
            }
            Some(o) => o,
            None => current
                .as_ref()
                .map(|l| l.overview.clone())
                .unwrap_or_default(),
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let allow_multiple = input
            .allow_multiple
            .or(current.as_ref().map(|l| l.allow_multiple))
            .unwrap_or(false);
        let listing = self
            .store
            .set_marketplace_listing(
                caller.org_id,
                row.integration_id,
                &configuration,
                &overview,
                allow_multiple,
            )
            .await?;
        Ok((row, listing))
    }

    /// The listing of the integration of `row` (a draft or a version), if it has one.
    pub async fn marketplace_listing(
        &self,
        caller: &Caller,
        row: &Integration,
    ) -> Result<Option<Listing>, ServiceError> {
        require_reader(caller)?;
        Ok(self
            .store
            .marketplace_listing(caller.org_id, row.integration_id)
            .await?)
    }

    /// The marketplace: integrations listed available with a published version, by name,
    /// matching `search` (empty: all). Never a definition: names, descriptions, overviews.
    pub async fn marketplace(
        &self,
        caller: &Caller,
        search: &str,
    ) -> Result<Vec<MarketplaceItem>, ServiceError> {
        // Customer users and organization callers alike: it shows only what the organization
        // lists for every customer.
        let listings = self.store.marketplace_listings(caller.org_id).await?;
        let search = search.trim().to_lowercase();
        let mut out = vec![];
        for listing in listings {
            if listing.configuration == CONFIGURATIONS[2] {
                continue;
            }
            let Some(version) = self
                .latest_published(caller.org_id, listing.integration_id)
                .await?
            else {
                continue;
            };
            if !search.is_empty()
                && ![&version.name, &version.description, &listing.overview]
                    .iter()
                    .any(|t| t.to_lowercase().contains(&search))
            {
                continue;
            }
            let instances = match caller.customer_id {
                Some(customer) => {
                    let filter = InstanceFilter {
                        customer_id: Some(customer),
                        integration_id: Some(listing.integration_id),
                        ..InstanceFilter::default()
                    };
                    let all = PageRequest {
                        first: Some(100),
                        ..PageRequest::default()
                    };
                    self.store
                        .list_instances(caller.org_id, &filter, &all)
                        .await?
                        .items
                }
                None => vec![],
            };
            out.push(MarketplaceItem {
                version,
                listing,
                instances,
            });
        }
        out.sort_by(|a, b| {
            a.version
                .name
                .to_lowercase()
                .cmp(&b.version.name.to_lowercase())
        });
        Ok(out)
    }

    /// The latest published version of integration `integration_id`.
    pub(crate) async fn latest_published(
        &self,
        org: Uuid,
        integration_id: Uuid,
    ) -> Result<Option<Integration>, ServiceError> {
        let filter = IntegrationFilter {
            integration_id: Some(integration_id),
            published_only: true,
            ..IntegrationFilter::default()
        };
        let all = PageRequest {
            first: Some(1000),
            ..PageRequest::default()
        };
        Ok(self
            .store
            .list_integrations(org, &filter, &all)
            .await?
            .items
            .into_iter()
            .max_by_key(|v| v.version_number))
    }
}
