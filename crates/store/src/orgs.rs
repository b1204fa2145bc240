//! Organizations: the tenants. Everything else belongs to exactly one.

use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::{new_id, now_ms, Store, StoreError};

/// An organization.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    /// Its ID.
    pub id: Uuid,
    /// Its display name.
    pub name: String,
    /// Its data key, wrapped by the master key (set by the vault layer).
    pub wrapped_key: Option<Vec<u8>>,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
}

pub(crate) fn parse_uuid(row: &AnyRow, col: &str) -> Result<Uuid, StoreError> {
    let s: String = row.try_get(col)?;
    Uuid::parse_str(&s).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

pub(crate) fn parse_opt_uuid(row: &AnyRow, col: &str) -> Result<Option<Uuid>, StoreError> {
    let s: Option<String> = row.try_get(col)?;
    s.map(|s| Uuid::parse_str(&s).map_err(|e| StoreError::Corrupt(format!("{col}: {e}"))))
        .transpose()
}

fn from_row(row: &AnyRow) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: parse_uuid(row, "id")?,
        name: row.try_get("name")?,
        wrapped_key: row.try_get("wrapped_key")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Creates an organization.
    pub async fn create_org(&self, name: &str) -> Result<Organization, StoreError> {
        let org = Organization {
            id: new_id(),
            name: name.to_string(),
            wrapped_key: None,
            created_at: now_ms(),
        };
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(org.id.to_string())
            .bind(&org.name)
            .bind(org.created_at)
            .execute(&self.write)
            .await?;
        Ok(org)
    }

    /// Reads an organization.
    pub async fn get_org(&self, id: Uuid) -> Result<Organization, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, wrapped_key, created_at FROM organizations WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// Lists every organization (for operators' commands).
    pub async fn list_orgs(&self) -> Result<Vec<Organization>, StoreError> {
        let rows =
            sqlx::query("SELECT id, name, wrapped_key, created_at FROM organizations ORDER BY id")
                .fetch_all(&self.read)
                .await?;
        rows.iter().map(from_row).collect()
    }

    /// Stores an organization's wrapped data key.
    pub async fn set_org_wrapped_key(&self, id: Uuid, wrapped: &[u8]) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE organizations SET wrapped_key = $1 WHERE id = $2")
            .bind(wrapped.to_vec())
            .bind(id.to_string())
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Renames an organization.
    pub async fn rename_org(&self, id: Uuid, name: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE organizations SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id.to_string())
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
