//! Integrations of a model: a model's server, authentication, TLS, timeout, proxy, worker-group
//! and logging settings, unique by name in the organization. The store keeps the configuration
//! without its secret leaves, and those leaves as one value sealed by the caller (the vault);
//! and the model-integration roles granted to API tokens.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use crate::orgs::parse_uuid;
use crate::{new_id, now_ms, Store, StoreError};

/// A stored model integration.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredModelIntegration {
    /// Its ID.
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// The model it is an integration of.
    pub model_id: Uuid,
    /// Its name, unique in the organization.
    pub name: String,
    /// The configuration's JSON text, without secret leaves.
    pub configuration: String,
    /// The sealed secret leaves (a JSON object pointer → value), if any.
    pub secrets: Option<Vec<u8>>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
}

impl std::fmt::Debug for StoredModelIntegration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredModelIntegration")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("model_id", &self.model_id)
            .finish_non_exhaustive()
    }
}

/// What a create or update writes. The ID is the caller's (secrets are sealed to it first).
#[derive(Debug, Clone)]
pub struct ModelIntegrationWrite<'a> {
    /// The ID (new for a create).
    pub id: Uuid,
    /// The model.
    pub model_id: Uuid,
    /// The name.
    pub name: &'a str,
    /// The configuration without secrets.
    pub configuration: &'a str,
    /// The sealed secrets.
    pub secrets: Option<&'a [u8]>,
}

const COLUMNS: &str = "id, org_id, model_id, name, configuration, secrets, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<StoredModelIntegration, StoreError> {
    Ok(StoredModelIntegration {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        model_id: parse_uuid(row, "model_id")?,
        name: row.try_get("name")?,
        configuration: row.try_get("configuration")?,
        secrets: row.try_get("secrets")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// A new ID for a model integration (its secrets are sealed to it before the insert).
    pub fn new_model_integration_id(&self) -> Uuid {
        new_id()
    }

    /// Creates a model integration; the name taken is [`StoreError::Conflict`]`("name")`, a
    /// model of another organization [`StoreError::NotFound`].
    pub async fn create_model_integration(
        &self,
        org_id: Uuid,
        w: ModelIntegrationWrite<'_>,
    ) -> Result<StoredModelIntegration, StoreError> {
        self.get_model(org_id, w.model_id).await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO model_integrations
             (id, org_id, model_id, name, configuration, secrets, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(w.id.to_string())
        .bind(org_id.to_string())
        .bind(w.model_id.to_string())
        .bind(w.name)
        .bind(w.configuration)
        .bind(w.secrets.map(<[u8]>::to_vec))
        .bind(now)
        .bind(now)
        .execute(&self.write)
        .await
        .map_err(|e| StoreError::unique(e, "name"))?;
        self.get_model_integration(org_id, w.id).await
    }

    /// Replaces a model integration's name, configuration and secrets.
    pub async fn update_model_integration(
        &self,
        org_id: Uuid,
        w: ModelIntegrationWrite<'_>,
    ) -> Result<StoredModelIntegration, StoreError> {
        let done = sqlx::query(
            "UPDATE model_integrations SET name = $1, configuration = $2, secrets = $3,
             updated_at = $4 WHERE id = $5 AND org_id = $6",
        )
        .bind(w.name)
        .bind(w.configuration)
        .bind(w.secrets.map(<[u8]>::to_vec))
        .bind(now_ms())
        .bind(w.id.to_string())
        .bind(org_id.to_string())
        .execute(&self.write)
        .await
        .map_err(|e| StoreError::unique(e, "name"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_model_integration(org_id, w.id).await
    }

    /// One model integration of the organization.
    pub async fn get_model_integration(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<StoredModelIntegration, StoreError> {
        self.fetch_scoped(
            &self.read,
            &format!("SELECT {COLUMNS} FROM model_integrations WHERE id = $1 AND org_id = $2"),
            id,
            org_id,
            from_row,
        )
        .await
    }

    /// The model integration named `name`.
    pub async fn find_model_integration(
        &self,
        org_id: Uuid,
        name: &str,
    ) -> Result<StoredModelIntegration, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM model_integrations WHERE org_id = $1 AND name = $2"
        )))
        .bind(org_id.to_string())
        .bind(name)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// The organization's model integrations by name (of one model when given).
    pub async fn list_model_integrations(
        &self,
        org_id: Uuid,
        model_id: Option<Uuid>,
    ) -> Result<Vec<StoredModelIntegration>, StoreError> {
        let rows = match model_id {
            Some(m) => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM model_integrations WHERE org_id = $1 AND model_id = $2
                     ORDER BY name"
                )))
                .bind(org_id.to_string())
                .bind(m.to_string())
                .fetch_all(&self.read)
                .await?
            }
            None => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM model_integrations WHERE org_id = $1 ORDER BY name"
                )))
                .bind(org_id.to_string())
                .fetch_all(&self.read)
                .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    /// How many integrations a model has.
    pub async fn count_model_integrations(
        &self,
        org_id: Uuid,
        model_id: Uuid,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM model_integrations WHERE org_id = $1 AND model_id = $2",
        )
        .bind(org_id.to_string())
        .bind(model_id.to_string())
        .fetch_one(&self.read)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Deletes a model integration (and its grants); answers what was deleted.
    pub async fn delete_model_integration(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<StoredModelIntegration, StoreError> {
        let found = self.get_model_integration(org_id, id).await?;
        sqlx::query("DELETE FROM model_integrations WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(found)
    }

    /// Grants the role `role` (`admin` or a verb) of integration `integration_id` to a token
    /// of the organization (granting twice is one grant).
    pub async fn grant_model_integration_role(
        &self,
        org_id: Uuid,
        token_id: Uuid,
        integration_id: Uuid,
        role: &str,
    ) -> Result<(), StoreError> {
        self.get_model_integration(org_id, integration_id).await?;
        let row = sqlx::query("SELECT id FROM api_tokens WHERE id = $1 AND org_id = $2")
            .bind(token_id.to_string())
            .bind(org_id.to_string())
            .fetch_optional(&self.read)
            .await?;
        if row.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO model_integration_grants (token_id, integration_id, role, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (token_id, integration_id, role) DO NOTHING",
        )
        .bind(token_id.to_string())
        .bind(integration_id.to_string())
        .bind(role)
        .bind(now_ms())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Takes a granted role back; answers whether it was granted.
    pub async fn revoke_model_integration_role(
        &self,
        org_id: Uuid,
        token_id: Uuid,
        integration_id: Uuid,
        role: &str,
    ) -> Result<bool, StoreError> {
        self.get_model_integration(org_id, integration_id).await?;
        let done = sqlx::query(
            "DELETE FROM model_integration_grants
             WHERE token_id = $1 AND integration_id = $2 AND role = $3",
        )
        .bind(token_id.to_string())
        .bind(integration_id.to_string())
        .bind(role)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The roles (`admin`, verbs) of integration `integration_id` a token holds.
    pub async fn model_integration_roles_of(
        &self,
        org_id: Uuid,
        token_id: Uuid,
        integration_id: Uuid,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT g.role FROM model_integration_grants g
             JOIN model_integrations m ON m.id = g.integration_id
             WHERE g.token_id = $1 AND g.integration_id = $2 AND m.org_id = $3
             ORDER BY g.role",
        )
        .bind(token_id.to_string())
        .bind(integration_id.to_string())
        .bind(org_id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("role").map_err(StoreError::from))
            .collect()
    }

    /// The tokens holding a role of an integration: (token ID, role), by role.
    pub async fn model_integration_grants(
        &self,
        org_id: Uuid,
        integration_id: Uuid,
    ) -> Result<Vec<(Uuid, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT g.token_id, g.role FROM model_integration_grants g
             JOIN model_integrations m ON m.id = g.integration_id
             WHERE g.integration_id = $1 AND m.org_id = $2 ORDER BY g.role, g.token_id",
        )
        .bind(integration_id.to_string())
        .bind(org_id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((parse_uuid(r, "token_id")?, r.try_get("role")?)))
            .collect()
    }
}
