//! Token lifecycle: [`TokenSet`], the [`TokenStore`] trait (with an optional cross-process
//! [`TokenLease`]), the in-memory [`MemoryTokenStore`], and the single-flight token manager.

mod endpoint;
mod manager;

pub(crate) use endpoint::{failure_envelope, request_token, ClientAuthMethod, OAuthClient};
pub(crate) use manager::{TokenManager, TokenSource};

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use plumb_core::secret::SecretString;

/// The tokens of one connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenSet {
    /// The access token (or the dynamic API key). Serialized in plaintext only for a
    /// [`crate::TokenStore`], which seals what it writes.
    #[serde(serialize_with = "plumb_core::secret::serialize_exposed")]
    pub access_token: SecretString,
    /// The refresh token, when the server gave one.
    #[serde(default, serialize_with = "plumb_core::secret::serialize_exposed_opt")]
    pub refresh_token: Option<SecretString>,
    /// `token_type` of the answer (`Bearer` usually).
    #[serde(default)]
    pub token_type: Option<String>,
    /// When the access token expires; `None` = until the server answers 401.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Granted scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// Salesforce's `instance_url`: the API base of the org.
    #[serde(default)]
    pub instance_url: Option<String>,
    /// A hash of the non-secret settings that obtained the token (token URL, client ID,
    /// scopes, ...): a stored token whose fingerprint differs is ignored.
    #[serde(default)]
    pub fingerprint: String,
}

/// An error of a [`TokenStore`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TokenStoreError(pub Box<dyn std::error::Error + Send + Sync>);

impl TokenStoreError {
    /// Wraps any error.
    pub fn new(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TokenStoreError(err.into())
    }
}

/// Where token sets live between requests and processes.
///
/// A persistent store must encrypt what it writes ([`TokenSet`] serializes its secrets in
/// plaintext). The in-process single-flight lives in the manager; a store shared by several
/// processes implements [`TokenStore::lease`] to make refresh single-flight across them.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The saved tokens of a connection.
    async fn load(&self, connection_id: &str) -> Result<Option<TokenSet>, TokenStoreError>;

    /// Saves (replaces) the tokens of a connection.
    async fn save(&self, connection_id: &str, tokens: &TokenSet) -> Result<(), TokenStoreError>;

    /// Forgets the tokens of a connection.
    async fn delete(&self, connection_id: &str) -> Result<(), TokenStoreError>;

    /// Takes an exclusive, cross-process lease on a connection's tokens before a refresh
    /// (PostgreSQL: `SELECT ... FOR UPDATE` in a transaction the lease holds). The manager
    /// re-reads the tokens through the lease, refreshes only if they are still stale, saves
    /// through the lease and releases it. `None` (the default) = no cross-process locking.
    async fn lease(
        &self,
        connection_id: &str,
    ) -> Result<Option<Box<dyn TokenLease>>, TokenStoreError> {
        let _ = connection_id;
        Ok(None)
    }
}

/// An exclusive hold on one connection's tokens, from [`TokenStore::lease`].
#[async_trait]
pub trait TokenLease: Send {
    /// The tokens as they are now, read under the lease.
    async fn load(&mut self) -> Result<Option<TokenSet>, TokenStoreError>;
    /// Saves under the lease (visible to others at the latest on release).
    async fn save(&mut self, tokens: &TokenSet) -> Result<(), TokenStoreError>;
    /// Commits and releases the lease. Dropping without release must roll back and release.
    async fn release(self: Box<Self>) -> Result<(), TokenStoreError>;
}

/// A [`TokenStore`] in process memory (for `plumb run` and tests).
#[derive(Default)]
pub struct MemoryTokenStore {
    map: Mutex<HashMap<String, TokenSet>>,
}

impl std::fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTokenStore").finish_non_exhaustive()
    }
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, TokenSet>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self, connection_id: &str) -> Result<Option<TokenSet>, TokenStoreError> {
        Ok(self.map().get(connection_id).cloned())
    }

    async fn save(&self, connection_id: &str, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        self.map().insert(connection_id.to_string(), tokens.clone());
        Ok(())
    }

    async fn delete(&self, connection_id: &str) -> Result<(), TokenStoreError> {
        self.map().remove(connection_id);
        Ok(())
    }
}
