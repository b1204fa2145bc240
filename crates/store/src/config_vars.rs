//! Plain config variables at organization and customer scope: a key, a typed value.
//! (Values are validated against their type by the caller, before they get here.)

use sqlx::any::AnyRow;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use uuid::Uuid;

use crate::orgs::parse_uuid;
use crate::page::{Arg, Where};
use crate::{new_id, now_ms, Page, PageRequest, Store, StoreError};

/// A config variable of an organization (`customer_id` is `None`) or of a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigVar {
    /// Its ID.
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// The customer it belongs to (customer scope).
    pub customer_id: Option<Uuid>,
    /// Its key, unique in its scope.
    pub key: String,
    /// Its value, as text.
    pub value: String,
    /// Its data type's name (`string`, `number`, ...).
    pub data_type: String,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last update (ms).
    pub updated_at: i64,
}

fn org_row(row: &AnyRow) -> Result<ConfigVar, StoreError> {
    Ok(ConfigVar {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        customer_id: None,
        key: row.try_get("key")?,
        value: row.try_get("value")?,
        data_type: row.try_get("data_type")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn customer_row(row: &AnyRow) -> Result<ConfigVar, StoreError> {
    let mut v = org_row(row)?;
    v.customer_id = Some(parse_uuid(row, "customer_id")?);
    Ok(v)
}

const ORG_COLUMNS: &str = "id, org_id, key, value, data_type, created_at, updated_at";
const CUSTOMER_COLUMNS: &str =
    "id, org_id, customer_id, key, value, data_type, created_at, updated_at";

impl Store {
    /// Creates or replaces the organization config var `key`.
    pub async fn set_org_config_var(
        &self,
        org_id: Uuid,
        key: &str,
        value: &str,
        data_type: &str,
    ) -> Result<ConfigVar, StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO org_config_vars (id, org_id, key, value, data_type, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)
             ON CONFLICT (org_id, key) DO UPDATE SET value = excluded.value,
                 data_type = excluded.data_type, updated_at = excluded.updated_at",
        )
        .bind(new_id().to_string())
        .bind(org_id.to_string())
        .bind(key)
        .bind(value)
        .bind(data_type)
        .bind(now)
        .execute(&self.write)
        .await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM org_config_vars WHERE org_id = $1 AND key = $2"
        )))
        .bind(org_id.to_string())
        .bind(key)
        .fetch_one(&self.write)
        .await?;
        org_row(&row)
    }

    /// Reads an organization config var by ID.
    pub async fn get_org_config_var(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<ConfigVar, StoreError> {
        self.fetch_scoped(
            &self.read,
            &format!("SELECT {ORG_COLUMNS} FROM org_config_vars WHERE id = $1 AND org_id = $2"),
            id,
            org_id,
            org_row,
        )
        .await
    }

    /// Reads an organization config var by key.
    pub async fn find_org_config_var(
        &self,
        org_id: Uuid,
        key: &str,
    ) -> Result<Option<ConfigVar>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM org_config_vars WHERE org_id = $1 AND key = $2"
        )))
        .bind(org_id.to_string())
        .bind(key)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(org_row).transpose()
    }

    /// Lists the organization's config vars.
    pub async fn list_org_config_vars(
        &self,
        org_id: Uuid,
        key: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<ConfigVar>, StoreError> {
        let mut w = Where::default().and("org_id = ?", [Arg::Text(org_id.to_string())]);
        if let Some(k) = key {
            w = w.and("key = ?", [Arg::Text(k.to_string())]);
        }
        self.paginate(ORG_COLUMNS, "org_config_vars", "id", w, page, org_row)
            .await
    }

    /// Deletes an organization config var.
    pub async fn delete_org_config_var(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<ConfigVar, StoreError> {
        let v = self.get_org_config_var(org_id, id).await?;
        sqlx::query("DELETE FROM org_config_vars WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(v)
    }

    /// Creates a customer config var; a taken key is [`StoreError::Conflict`]`("key")`.
    pub async fn create_customer_config_var(
        &self,
        org_id: Uuid,
        customer_id: Uuid,
        key: &str,
        value: &str,
        data_type: &str,
    ) -> Result<ConfigVar, StoreError> {
        self.get_customer(org_id, customer_id).await?;
        let now = now_ms();
        let v = ConfigVar {
            id: new_id(),
            org_id,
            customer_id: Some(customer_id),
            key: key.to_string(),
            value: value.to_string(),
            data_type: data_type.to_string(),
            created_at: now,
            updated_at: now,
        };
        sqlx::query(
            "INSERT INTO customer_config_vars
             (id, org_id, customer_id, key, value, data_type, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(v.id.to_string())
        .bind(org_id.to_string())
        .bind(customer_id.to_string())
        .bind(key)
        .bind(value)
        .bind(data_type)
        .bind(now)
        .execute(&self.write)
        .await
        .map_err(|e| StoreError::unique(e, "key"))?;
        Ok(v)
    }

    /// Changes a customer config var's value and type.
    pub async fn update_customer_config_var(
        &self,
        org_id: Uuid,
        id: Uuid,
        value: &str,
        data_type: &str,
    ) -> Result<ConfigVar, StoreError> {
        let done = sqlx::query(
            "UPDATE customer_config_vars SET value = $1, data_type = $2, updated_at = $3
             WHERE id = $4 AND org_id = $5",
        )
        .bind(value)
        .bind(data_type)
        .bind(now_ms())
        .bind(id.to_string())
        .bind(org_id.to_string())
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_customer_config_var(org_id, id).await
    }

    /// Reads a customer config var by ID.
    pub async fn get_customer_config_var(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<ConfigVar, StoreError> {
        self.fetch_scoped(
            &self.write,
            &format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customer_config_vars WHERE id = $1 AND org_id = $2"
            ),
            id,
            org_id,
            customer_row,
        )
        .await
    }

    /// Lists a customer's config vars (all customers' when `customer_id` is `None`).
    pub async fn list_customer_config_vars(
        &self,
        org_id: Uuid,
        customer_id: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<ConfigVar>, StoreError> {
        let mut w = Where::default().and("org_id = ?", [Arg::Text(org_id.to_string())]);
        if let Some(c) = customer_id {
            w = w.and("customer_id = ?", [Arg::Text(c.to_string())]);
        }
        self.paginate(
            CUSTOMER_COLUMNS,
            "customer_config_vars",
            "id",
            w,
            page,
            customer_row,
        )
        .await
    }

    /// Deletes a customer config var.
    pub async fn delete_customer_config_var(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<ConfigVar, StoreError> {
        let v = self.get_customer_config_var(org_id, id).await?;
        sqlx::query("DELETE FROM customer_config_vars WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(v)
    }
}
