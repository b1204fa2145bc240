//! How integrations appear in the embedded marketplace (table `integration_marketplace`): one
//! row per integration (its draft's ID), set by `updateIntegrationMarketplaceConfiguration`.

use sqlx::Row;
use uuid::Uuid;

use crate::{now_ms, Store, StoreError};

/// An integration's marketplace listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The integration (its draft's ID).
    pub integration_id: Uuid,
    /// `AVAILABLE_AND_DEPLOYABLE`, `AVAILABLE_NOT_DEPLOYABLE` or `NOT_AVAILABLE_IN_MARKETPLACE`.
    pub configuration: String,
    /// The overview shown to customers (plain text).
    pub overview: String,
    /// Whether a customer may deploy it more than once.
    pub allow_multiple: bool,
    /// Last change, ms.
    pub updated_at: i64,
}

fn listing(r: &sqlx::any::AnyRow) -> Result<Listing, StoreError> {
    let id: String = r.try_get("integration_id")?;
    Ok(Listing {
        integration_id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        configuration: r.try_get("configuration")?,
        overview: r.try_get("overview")?,
        allow_multiple: r.try_get::<i64, _>("allow_multiple")? != 0,
        updated_at: r.try_get("updated_at")?,
    })
}

impl Store {
    /// Sets (creates or replaces) the listing of integration `integration_id`.
    pub async fn set_marketplace_listing(
        &self,
        org_id: Uuid,
        integration_id: Uuid,
        configuration: &str,
        overview: &str,
        allow_multiple: bool,
    ) -> Result<Listing, StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO integration_marketplace
               (org_id, integration_id, configuration, overview, allow_multiple, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (org_id, integration_id) DO UPDATE SET
               configuration = excluded.configuration, overview = excluded.overview,
               allow_multiple = excluded.allow_multiple, updated_at = excluded.updated_at",
        )
        .bind(org_id.to_string())
        .bind(integration_id.to_string())
        .bind(configuration)
        .bind(overview)
        .bind(i64::from(allow_multiple))
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(Listing {
            integration_id,
            configuration: configuration.to_string(),
            overview: overview.to_string(),
            allow_multiple,
            updated_at: now,
        })
    }

    /// The listing of integration `integration_id`, if it has one.
    pub async fn marketplace_listing(
        &self,
        org_id: Uuid,
        integration_id: Uuid,
    ) -> Result<Option<Listing>, StoreError> {
        let row = sqlx::query(
            "SELECT integration_id, configuration, overview, allow_multiple, updated_at
             FROM integration_marketplace WHERE org_id = $1 AND integration_id = $2",
        )
        .bind(org_id.to_string())
        .bind(integration_id.to_string())
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(listing).transpose()
    }

    /// Every listing of the organization.
    pub async fn marketplace_listings(&self, org_id: Uuid) -> Result<Vec<Listing>, StoreError> {
        let rows = sqlx::query(
            "SELECT integration_id, configuration, overview, allow_multiple, updated_at
             FROM integration_marketplace WHERE org_id = $1 ORDER BY integration_id",
        )
        .bind(org_id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(listing).collect()
    }
}
