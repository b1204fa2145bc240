//! The web origins an organization allows to embed it (table `organization_embedded_origins`).

use sqlx::{Acquire, Row};
use uuid::Uuid;

use crate::{Store, StoreError};

impl Store {
    /// The organization's allowed origins, sorted.
    pub async fn embedded_origins(&self, org_id: Uuid) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT origin FROM organization_embedded_origins WHERE org_id = $1 ORDER BY origin",
        )
        .bind(org_id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("origin").map_err(StoreError::from))
            .collect()
    }

    /// Replaces the organization's allowed origins (already checked and normalized), in one
    /// transaction.
    pub async fn set_embedded_origins(
        &self,
        org_id: Uuid,
        origins: &[String],
    ) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query("DELETE FROM organization_embedded_origins WHERE org_id = $1")
            .bind(org_id.to_string())
            .execute(&mut *tx)
            .await?;
        for origin in origins {
            sqlx::query(
                "INSERT INTO organization_embedded_origins (org_id, origin) VALUES ($1, $2)",
            )
            .bind(org_id.to_string())
            .bind(origin)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether some organization allows `origin` (a browser's preflight names no organization).
    pub async fn embedded_origin_known(&self, origin: &str) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM organization_embedded_origins WHERE origin = $1 LIMIT 1",
        )
        .bind(origin)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.is_some())
    }

    /// Every organization's allowed origins (the `frame-ancestors` of a screen loaded before
    /// it knows its organization), sorted, each once.
    pub async fn all_embedded_origins(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT origin FROM organization_embedded_origins ORDER BY origin LIMIT 1000",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("origin").map_err(StoreError::from))
            .collect()
    }
}
