//! Organization data keys and sealing: the [`Vault`] service.
//!
//! Each organization has one or more data keys (versions 1, 2, ...), stored only wrapped by the
//! master key in `org_data_keys`. A [`Vault`] holds the [`MasterKey`], unwraps an
//! organization's keys on first use (creating version 1 when it has none) and caches its
//! [`Keyring`]; it seals values with the newest version and opens them with whichever version
//! sealed them. The associated data of every value is `SealContext{org, record, field}`, so a
//! ciphertext moved to another row, input or organization does not open.
//!
//! Rotation: [`rotate_master`] re-wraps every data key under a new master key in one
//! transaction (values do not change); [`Vault::rotate_org`] adds a data key version and
//! reseals the organization's values with it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use plumb_vault::{
    new_data_key, rewrap, unwrap_data_key, Keyring, MasterKey, SealContext, SecretString,
    VaultError, WrappedKey,
};
use sqlx::Row;
use uuid::Uuid;

use crate::meta::MASTER_KEY_ID;
use crate::{now_ms, Store, StoreError};

/// Why a secret operation failed. Carries no key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// A database failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A cryptographic failure (wrong master key, tampered or misplaced ciphertext, ...).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The database's data keys were re-wrapped under another master key (`plumb keys
    /// rotate-master`) since this process started: restart it with the new key.
    #[error("the master key was rotated: restart with the new master key")]
    MasterKeyRotated,
}

impl From<plumb_core::secret::NotUtf8> for SecretsError {
    fn from(e: plumb_core::secret::NotUtf8) -> Self {
        SecretsError::Vault(e.into())
    }
}

impl From<sqlx::Error> for SecretsError {
    fn from(e: sqlx::Error) -> Self {
        SecretsError::Store(StoreError::Database(e))
    }
}

/// Seals and opens an organization's secret values; cheap to clone (shared cache).
#[derive(Clone)]
pub struct Vault {
    store: Store,
    master: Arc<MasterKey>,
    cache: Arc<RwLock<HashMap<Uuid, Arc<Keyring>>>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("master", &self.master.id())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// A vault over `store` with `master`.
    pub fn new(store: Store, master: MasterKey) -> Vault {
        Vault {
            store,
            master: Arc::new(master),
            cache: Arc::default(),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The key that signs capability URLs of `purpose` (see `plumb_vault::CapabilityKey`).
    pub fn capability_key(&self, purpose: &str) -> plumb_vault::CapabilityKey {
        self.master.capability_key(purpose)
    }

    /// The organization's keyring, unwrapping (and on first use creating) its data keys.
    pub async fn keyring(&self, org_id: Uuid) -> Result<Arc<Keyring>, SecretsError> {
        if let Some(k) = self.cached(org_id) {
            return Ok(k);
        }
        self.reload(org_id).await
    }

    fn cached(&self, org_id: Uuid) -> Option<Arc<Keyring>> {
        self.cache.read().ok()?.get(&org_id).cloned()
    }

    /// Forgets the cached keyring of an organization (after another process rotated it).
    pub fn forget(&self, org_id: Uuid) {
        if let Ok(mut c) = self.cache.write() {
            c.remove(&org_id);
        }
    }

    async fn reload(&self, org_id: Uuid) -> Result<Arc<Keyring>, SecretsError> {
        let org = org_id.to_string();
        let mut ring = load_keyring(&self.store, &self.master, org_id).await?;
        if ring.current().is_none() {
            self.check_master_current().await?;
            let (key, wrapped) = new_data_key(&self.master, &org, 1)?;
            let inserted = sqlx::query(
                "INSERT INTO org_data_keys (org_id, version, wrapped_key, created_at)
                 VALUES ($1, 1, $2, $3) ON CONFLICT (org_id, version) DO NOTHING",
            )
            .bind(&org)
            .bind(wrapped.into_bytes())
            .bind(now_ms())
            .execute(&self.store.write)
            .await?;
            if inserted.rows_affected() == 1 {
                ring.insert(key);
            } else {
                // Another request created it first: use theirs.
                ring = load_keyring(&self.store, &self.master, org_id).await?;
            }
        }
        let ring = Arc::new(ring);
        if let Ok(mut c) = self.cache.write() {
            c.insert(org_id, ring.clone());
        }
        Ok(ring)
    }

    /// Refuses to wrap new keys with a master key the database no longer uses.
    async fn check_master_current(&self) -> Result<(), SecretsError> {
        match self.store.get_meta(MASTER_KEY_ID).await? {
            Some(id) if id != self.master.id().to_string() => Err(SecretsError::MasterKeyRotated),
            _ => Ok(()),
        }
    }

    /// Seals `plaintext` for `(org, record, field)` with the organization's newest data key.
    pub async fn seal(
        &self,
        org_id: Uuid,
        record: Uuid,
        field: &str,
        plaintext: &SecretString,
    ) -> Result<Vec<u8>, SecretsError> {
        let ring = self.keyring(org_id).await?;
        let (org, record) = (org_id.to_string(), record.to_string());
        Ok(ring.seal(
            &SealContext::new(&org, &record, field),
            plaintext.expose().as_bytes(),
        )?)
    }

    /// Opens a value sealed by [`Vault::seal`] with the same `(org, record, field)`.
    pub async fn open(
        &self,
        org_id: Uuid,
        record: Uuid,
        field: &str,
        sealed: &[u8],
    ) -> Result<SecretString, SecretsError> {
        let (org, record) = (org_id.to_string(), record.to_string());
        let ctx = SealContext::new(&org, &record, field);
        let ring = self.keyring(org_id).await?;
        match ring.open(&ctx, sealed) {
            Err(VaultError::MissingDataKey { .. }) => {
                // Rotated by another process since we cached the keyring.
                let ring = self.reload(org_id).await?;
                Ok(ring.open(&ctx, sealed)?.into_secret_string()?)
            }
            other => Ok(other?.into_secret_string()?),
        }
    }

    /// `plumb keys rotate --org`: adds the next data key version and reseals every secret
    /// value of the organization with it (one transaction). Answers the new version and how
    /// many values were resealed.
    pub async fn rotate_org(&self, org_id: Uuid) -> Result<(u32, usize), SecretsError> {
        self.check_master_current().await?;
        let ring = self.reload(org_id).await?;
        let org = org_id.to_string();
        let version = ring.next_version();
        let (key, wrapped) = new_data_key(&self.master, &org, version)?;
        let mut ring = (*ring).clone();
        ring.insert(key);
        let mut tx = self.store.write.begin().await?;
        sqlx::query(
            "INSERT INTO org_data_keys (org_id, version, wrapped_key, created_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&org)
        .bind(i64::from(version))
        .bind(wrapped.into_bytes())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let rows = sqlx::query(
            "SELECT set_id, input, sealed FROM connection_values
             WHERE org_id = $1 AND sealed IS NOT NULL",
        )
        .bind(&org)
        .fetch_all(&mut *tx)
        .await?;
        let mut resealed = 0;
        for row in rows {
            let set_id: String = row.try_get("set_id")?;
            let input: String = row.try_get("input")?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            let ctx = SealContext::new(&org, &set_id, &input);
            if let Some(new) = ring.reseal_to_current(&ctx, &sealed)? {
                sqlx::query(
                    "UPDATE connection_values SET sealed = $1 WHERE set_id = $2 AND input = $3",
                )
                .bind(new)
                .bind(&set_id)
                .bind(&input)
                .execute(&mut *tx)
                .await?;
                resealed += 1;
            }
        }
        // The inline connection inputs of instance bindings (`values`), sealed as one secret
        // under the binding's ID.
        let bindings = sqlx::query(
            "SELECT id, sealed_values FROM instance_config_vars
             WHERE org_id = $1 AND sealed_values IS NOT NULL",
        )
        .bind(&org)
        .fetch_all(&mut *tx)
        .await?;
        for row in bindings {
            let id: String = row.try_get("id")?;
            let text: String = row.try_get("sealed_values")?;
            let sealed = hex::decode(&text)
                .map_err(|_| StoreError::Corrupt(format!("binding {id}: sealed values")))?;
            let ctx = SealContext::new(&org, &id, crate::instances::VALUES_SEAL_FIELD);
            if let Some(new) = ring.reseal_to_current(&ctx, &sealed)? {
                sqlx::query("UPDATE instance_config_vars SET sealed_values = $1 WHERE id = $2")
                    .bind(hex::encode(new))
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                resealed += 1;
            }
        }
        tx.commit().await?;
        if let Ok(mut c) = self.cache.write() {
            c.insert(org_id, Arc::new(ring));
        }
        Ok((version, resealed))
    }
}

async fn load_keyring(
    store: &Store,
    master: &MasterKey,
    org_id: Uuid,
) -> Result<Keyring, SecretsError> {
    let org = org_id.to_string();
    let rows = sqlx::query("SELECT wrapped_key FROM org_data_keys WHERE org_id = $1")
        .bind(&org)
        .fetch_all(&store.write)
        .await?;
    let mut ring = Keyring::default();
    for row in rows {
        let wrapped = WrappedKey::from_bytes(row.try_get("wrapped_key")?)?;
        ring.insert(unwrap_data_key(master, &org, &wrapped)?);
    }
    Ok(ring)
}

/// `plumb keys rotate-master`: re-wraps every organization's data keys from `old` to `new` and
/// records `new` as the database's master key, in one transaction. Sealed values do not change.
/// Answers how many data keys were re-wrapped. Fails, changing nothing, when any key does not
/// unwrap with `old`.
pub async fn rotate_master(
    store: &Store,
    old: &MasterKey,
    new: &MasterKey,
) -> Result<usize, SecretsError> {
    let mut tx = store.write.begin().await?;
    let rows = sqlx::query("SELECT org_id, version, wrapped_key FROM org_data_keys")
        .fetch_all(&mut *tx)
        .await?;
    let mut count = 0;
    for row in rows {
        let org: String = row.try_get("org_id")?;
        let version: i64 = row.try_get("version")?;
        let wrapped = WrappedKey::from_bytes(row.try_get("wrapped_key")?)?;
        let again = rewrap(old, new, &org, &wrapped)?;
        sqlx::query("UPDATE org_data_keys SET wrapped_key = $1 WHERE org_id = $2 AND version = $3")
            .bind(again.into_bytes())
            .bind(&org)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        count += 1;
    }
    sqlx::query(
        "INSERT INTO plumb_meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(MASTER_KEY_ID)
    .bind(new.id().to_string())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(count)
}
