//! The organizations' signing keys of embedded sign-in (table `organization_signing_keys`):
//! public keys only (PEM), with a generated key's private-key preview.

use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::orgs::parse_uuid;
use crate::{new_id, now_ms, Store, StoreError};

/// One signing key of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// Its ID.
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// The public key, SPKI PEM.
    pub public_key: String,
    /// The last characters of a generated key's private key (`None` for an imported key).
    pub private_key_preview: Option<String>,
    /// Whether the organization imported it (rather than having plumb generate it).
    pub imported: bool,
    /// When it was added (ms).
    pub issued_at: i64,
}

/// Most signing keys an organization keeps.
pub const MAX_SIGNING_KEYS: i64 = 20;

fn from_row(row: &AnyRow) -> Result<SigningKey, StoreError> {
    let imported: i64 = row.try_get("imported")?;
    Ok(SigningKey {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        public_key: row.try_get("public_key")?,
        private_key_preview: row.try_get("private_key_preview")?,
        imported: imported != 0,
        issued_at: row.try_get("issued_at")?,
    })
}

const COLUMNS: &str = "id, org_id, public_key, private_key_preview, imported, issued_at";

impl Store {
    /// Adds a signing key; `Conflict` when the organization has [`MAX_SIGNING_KEYS`].
    pub async fn add_signing_key(
        &self,
        org_id: Uuid,
        public_key: &str,
        private_key_preview: Option<&str>,
        imported: bool,
    ) -> Result<SigningKey, StoreError> {
        let have = self.list_signing_keys(org_id).await?;
        if have.len() as i64 >= MAX_SIGNING_KEYS {
            return Err(StoreError::Conflict(format!(
                "an organization keeps at most {MAX_SIGNING_KEYS} signing keys"
            )));
        }
        let key = SigningKey {
            id: new_id(),
            org_id,
            public_key: public_key.to_string(),
            private_key_preview: private_key_preview.map(str::to_string),
            imported,
            issued_at: now_ms(),
        };
        sqlx::query(
            "INSERT INTO organization_signing_keys
                 (id, org_id, public_key, private_key_preview, imported, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(key.id.to_string())
        .bind(org_id.to_string())
        .bind(&key.public_key)
        .bind(key.private_key_preview.clone())
        .bind(i64::from(imported))
        .bind(key.issued_at)
        .execute(&self.write)
        .await?;
        Ok(key)
    }

    /// The organization's signing keys, oldest first.
    pub async fn list_signing_keys(&self, org_id: Uuid) -> Result<Vec<SigningKey>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM organization_signing_keys WHERE org_id = $1 ORDER BY id"
        )))
        .bind(org_id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Deletes a signing key of the organization; answers it.
    pub async fn delete_signing_key(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<SigningKey, StoreError> {
        let key = self
            .list_signing_keys(org_id)
            .await?
            .into_iter()
            .find(|k| k.id == id)
            .ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM organization_signing_keys WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(key)
    }
}
