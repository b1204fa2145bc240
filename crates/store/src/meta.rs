//! Installation facts: small key/value pairs such as the master key's fingerprint.

use sqlx::Row;

use crate::{Store, StoreError};

/// The meta key holding the fingerprint of the master key the data is encrypted under.
pub const MASTER_KEY_ID: &str = "master_key_id";

impl Store {
    /// Reads a meta value.
    pub async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT value FROM plumb_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.write)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    /// Writes a meta value.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO plumb_meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.write)
        .await?;
        Ok(())
    }
}
