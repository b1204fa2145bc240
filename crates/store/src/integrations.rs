//! Integrations: one editable draft per integration (its definition YAML as imported, name,
//! description, test config values) and immutable, numbered published versions. A published
//! version has its own ID (what instances use); the draft's ID names the integration.
//!
//! Both kinds read as an [`Integration`]: `is_published` tells them apart.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{Acquire, Row};
use uuid::Uuid;

use crate::orgs::parse_uuid;
use crate::page::{Arg, Where};
use crate::{new_id, now_ms, Page, PageRequest, Store, StoreError};

/// A draft or a published version of an integration.
#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    /// The draft's ID, or the published version's own ID.
    pub id: Uuid,
    /// The organization.
    pub org_id: Uuid,
    /// The integration (the draft's ID; equal to `id` for a draft).
    pub integration_id: Uuid,
    /// Name (the definition's `name`).
    pub name: String,
    /// Description.
    pub description: String,
    /// The definition, YAML text as imported.
    pub definition: String,
    /// A published version's number; for a draft, the latest published number (0 when none).
    pub version_number: i64,
    /// Whether this is a published (immutable) version.
    pub is_published: bool,
    /// The publish comment (empty for a draft).
    pub comment: String,
    /// Creation (draft) or publish (version) time, ms.
    pub created_at: i64,
    /// Last change, ms (the publish time for a version).
    pub updated_at: i64,
}

/// Filters of an integration list.
#[derive(Debug, Clone, Default)]
pub struct IntegrationFilter {
    /// Exact name.
    pub name: Option<String>,
    /// Names containing this text, any case.
    pub name_contains: Option<String>,
    /// Include published versions (not only drafts).
    pub all_versions: bool,
    /// Published versions only (no drafts); implies `all_versions`.
    pub published_only: bool,
    /// Only rows of this integration (its draft and versions).
    pub integration_id: Option<Uuid>,
}

/// One select over drafts and versions alike.
const UNION: &str = "(SELECT d.id, d.org_id, d.id AS integration_id, d.name, d.description,
        d.definition,
        (SELECT COALESCE(MAX(v.version_number), 0) FROM integration_versions v
          WHERE v.integration_id = d.id) AS version_number,
        CAST(0 AS BIGINT) AS is_published, '' AS comment, d.created_at, d.updated_at
      FROM integrations d
    UNION ALL
    SELECT v.id, v.org_id, v.integration_id, v.name, v.description, v.definition,
        v.version_number, CAST(1 AS BIGINT) AS is_published, v.comment, v.published_at AS created_at,
        v.published_at AS updated_at
      FROM integration_versions v) i";

const COLUMNS: &str = "i.id, i.org_id, i.integration_id, i.name, i.description, i.definition, \
     i.version_number, i.is_published, i.comment, i.created_at, i.updated_at";

fn from_row(row: &AnyRow) -> Result<Integration, StoreError> {
    let published: i64 = row.try_get("is_published")?;
    Ok(Integration {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        integration_id: parse_uuid(row, "integration_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        definition: row.try_get("definition")?,
        version_number: row.try_get("version_number")?,
        is_published: published != 0,
        comment: row.try_get("comment")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Creates an integration with its draft.
    pub async fn create_integration(
        &self,
        org_id: Uuid,
        name: &str,
        description: &str,
        definition: &str,
    ) -> Result<Integration, StoreError> {
        let id = new_id();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO integrations (id, org_id, name, description, definition, created_at,
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(name)
        .bind(description)
        .bind(definition)
        .bind(now)
        .bind(now)
        .execute(&self.write)
        .await?;
        self.get_integration(org_id, id).await
    }

    /// Replaces the draft of an integration (`id` is the draft's ID).
    pub async fn update_integration_draft(
        &self,
        org_id: Uuid,
        id: Uuid,
        name: &str,
        description: &str,
        definition: &str,
    ) -> Result<Integration, StoreError> {
        let done = sqlx::query(
            "UPDATE integrations SET name = $1, description = $2, definition = $3,
             updated_at = $4 WHERE id = $5 AND org_id = $6",
        )
        .bind(name)
        .bind(description)
        .bind(definition)
        .bind(now_ms())
        .bind(id.to_string())
        .bind(org_id.to_string())
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_integration(org_id, id).await
    }

    /// Reads a draft or a published version by its ID.
    pub async fn get_integration(&self, org_id: Uuid, id: Uuid) -> Result<Integration, StoreError> {
        self.fetch_scoped(
            &self.read,
            &format!("SELECT {COLUMNS} FROM {UNION} WHERE i.id = $1 AND i.org_id = $2"),
            id,
            org_id,
            from_row,
        )
        .await
    }

    /// Reads a published version by its ID (what instances use); a draft ID is not found.
    pub async fn get_integration_version(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<Integration, StoreError> {
        let i = self.get_integration(org_id, id).await?;
        if i.is_published {
            Ok(i)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Lists drafts (and, with `all_versions`, published versions), in creation order.
    pub async fn list_integrations(
        &self,
        org_id: Uuid,
        filter: &IntegrationFilter,
        page: &PageRequest,
    ) -> Result<Page<Integration>, StoreError> {
        let mut w = Where::default().and("i.org_id = ?", [Arg::Text(org_id.to_string())]);
        if let Some(n) = &filter.name {
            w = w.and("i.name = ?", [Arg::Text(n.clone())]);
        }
        if let Some(n) = &filter.name_contains {
            let pattern = crate::page::contains_pattern(n);
            w = w.and("LOWER(i.name) LIKE ? ESCAPE '\\'", [Arg::Text(pattern)]);
        }
        if filter.published_only {
            w = w.and("i.is_published = 1", []);
        } else if !filter.all_versions {
            w = w.and("i.is_published = 0", []);
        }
        if let Some(id) = filter.integration_id {
            w = w.and("i.integration_id = ?", [Arg::Text(id.to_string())]);
        }
        self.paginate(COLUMNS, UNION, "i.id", w, page, from_row)
            .await
    }

    /// Publishes the draft `id`: a new immutable version numbered one past the latest, with a
    /// copy of the draft's definition. Answers the version.
    pub async fn publish_integration(
        &self,
        org_id: Uuid,
        id: Uuid,
        comment: &str,
    ) -> Result<Integration, StoreError> {
        let version_id = new_id();
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let draft = sqlx::query(
            "SELECT name, description, definition FROM integrations WHERE id = $1 AND org_id = $2",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let latest: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version_number), 0) FROM integration_versions
             WHERE integration_id = $1",
        )
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let name: String = draft.try_get("name")?;
        let description: String = draft.try_get("description")?;
        let definition: String = draft.try_get("definition")?;
        sqlx::query(
            "INSERT INTO integration_versions (id, org_id, integration_id, version_number, name,
             description, definition, comment, published_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(version_id.to_string())
        .bind(org_id.to_string())
        .bind(id.to_string())
        .bind(latest + 1)
        .bind(name)
        .bind(description)
        .bind(definition)
        .bind(comment)
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "versionNumber"))?;
        tx.commit().await?;
        drop(conn);
        self.get_integration(org_id, version_id).await
    }

    /// The test config values of an integration's draft (key → value).
    pub async fn integration_test_config(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<BTreeMap<String, String>, StoreError> {
        let text: String = sqlx::query_scalar(
            "SELECT test_config FROM integrations WHERE id = $1 AND org_id = $2",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Sets test config values of an integration's draft (merged over the current ones; an
    /// empty value removes the key). Values must not be secrets.
    pub async fn set_integration_test_config(
        &self,
        org_id: Uuid,
        id: Uuid,
        values: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, StoreError> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let text: String = sqlx::query_scalar(
            "SELECT test_config FROM integrations WHERE id = $1 AND org_id = $2",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut current: BTreeMap<String, String> =
            serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for (k, v) in values {
            if v.is_empty() {
                current.remove(k);
            } else {
                current.insert(k.clone(), v.clone());
            }
        }
        let text =
            serde_json::to_string(&current).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE integrations SET test_config = $1 WHERE id = $2 AND org_id = $3")
            .bind(text)
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(current)
    }

    /// Deletes an integration with its versions and executions.
    pub async fn delete_integration(&self, org_id: Uuid, id: Uuid) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM integrations WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
