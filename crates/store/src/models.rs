//! Integration models: imported OpenAPI documents, unique by name (`info.title:info.version`)
//! in their organization. The store keeps the document as imported and what lists need
//! (name, title, version, operation count); reading the operations is `plumb-models`' job.

use sqlx::any::AnyRow;
use sqlx::{Acquire, Row};
use uuid::Uuid;

use crate::orgs::parse_uuid;
use crate::{new_id, now_ms, Store, StoreError};

/// A stored integration model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredModel {
    /// Its ID.
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// `info.title:info.version`, unique in the organization.
    pub name: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// The document as imported (JSON or YAML text).
    pub document: String,
    /// How many operations it has.
    pub operations: i64,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last replacement (ms).
    pub updated_at: i64,
}

/// What an import stores.
#[derive(Debug, Clone)]
pub struct NewModel<'a> {
    /// `info.title:info.version`.
    pub name: &'a str,
    /// `info.title`.
    pub title: &'a str,
    /// `info.version`.
    pub version: &'a str,
    /// The document text.
    pub document: &'a str,
    /// Its operation count.
    pub operations: i64,
}

const COLUMNS: &str =
    "id, org_id, name, title, version, document, operations, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<StoredModel, StoreError> {
    Ok(StoredModel {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        name: row.try_get("name")?,
        title: row.try_get("title")?,
        version: row.try_get("version")?,
        document: row.try_get("document")?,
        operations: row.try_get("operations")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Stores an imported model. A model of the same name is [`StoreError::Conflict`]`("name")`
    /// unless `replace`, which replaces its document and keeps its ID.
    pub async fn save_model(
        &self,
        org_id: Uuid,
        model: NewModel<'_>,
        replace: bool,
    ) -> Result<StoredModel, StoreError> {
        let now = now_ms();
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let existing = sqlx::query(
            "SELECT id, created_at FROM integration_models WHERE org_id = $1 AND name = $2",
        )
        .bind(org_id.to_string())
        .bind(model.name)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, created_at) = match existing {
            Some(_) if !replace => return Err(StoreError::Conflict("name".into())),
            Some(row) => {
                let id = parse_uuid(&row, "id")?;
                let created_at: i64 = row.try_get("created_at")?;
                sqlx::query(
                    "UPDATE integration_models SET title = $1, version = $2, document = $3,
                     operations = $4, updated_at = $5 WHERE id = $6 AND org_id = $7",
                )
                .bind(model.title)
                .bind(model.version)
                .bind(model.document)
                .bind(model.operations)
                .bind(now)
                .bind(id.to_string())
                .bind(org_id.to_string())
                .execute(&mut *tx)
                .await?;
                (id, created_at)
            }
            None => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO integration_models
                     (id, org_id, name, title, version, document, operations, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(id.to_string())
                .bind(org_id.to_string())
                .bind(model.name)
                .bind(model.title)
                .bind(model.version)
                .bind(model.document)
                .bind(model.operations)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::unique(e, "name"))?;
                (id, now)
            }
        };
        tx.commit().await?;
        Ok(StoredModel {
            id,
            org_id,
            name: model.name.to_string(),
            title: model.title.to_string(),
            version: model.version.to_string(),
            document: model.document.to_string(),
            operations: model.operations,
            created_at,
            updated_at: now,
        })
    }

    /// One model of the organization.
    pub async fn get_model(&self, org_id: Uuid, id: Uuid) -> Result<StoredModel, StoreError> {
        self.fetch_scoped(
            &self.read,
            &format!("SELECT {COLUMNS} FROM integration_models WHERE id = $1 AND org_id = $2"),
            id,
            org_id,
            from_row,
        )
        .await
    }

    /// The organization's models by name (only the one named `name` when given).
    pub async fn list_models(
        &self,
        org_id: Uuid,
        name: Option<&str>,
    ) -> Result<Vec<StoredModel>, StoreError> {
        let rows = match name {
            Some(n) => {
                sqlx::query(
                    "SELECT id, org_id, name, title, version, document, operations, created_at,
                     updated_at FROM integration_models WHERE org_id = $1 AND name = $2
                     ORDER BY name",
                )
                .bind(org_id.to_string())
                .bind(n)
                .fetch_all(&self.read)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT id, org_id, name, title, version, document, operations, created_at,
                     updated_at FROM integration_models WHERE org_id = $1 ORDER BY name",
                )
                .bind(org_id.to_string())
                .fetch_all(&self.read)
                .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    /// Deletes a model; answers what was deleted. A model with integrations is
    /// [`StoreError::Conflict`]`("integrations")`: delete them first.
    pub async fn delete_model(&self, org_id: Uuid, id: Uuid) -> Result<StoredModel, StoreError> {
        let model = self.get_model(org_id, id).await?;
        if self.count_model_integrations(org_id, id).await? > 0 {
            return Err(StoreError::Conflict("integrations".into()));
        }
        sqlx::query("DELETE FROM integration_models WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(model)
    }
}
