//! The token manager: per-connection in-memory cache, single-flight refresh within the process
//! (and across processes through [`super::TokenLease`]), refresh-token rotation and the
//! "a 401 forces one refresh" rule.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;

use super::{TokenLease, TokenSet, TokenStore};
use crate::egress::EgressClient;
use crate::error::AuthError;
use plumb_core::secret::SecretString;

/// Something that obtains tokens for one connection (one per token-based scheme).
#[async_trait]
pub(crate) trait TokenSource: Send + Sync {
    /// A hash of the non-secret settings that obtain the tokens.
    fn fingerprint(&self) -> String;

    /// Tokens pre-populated in the connection's inputs (`accessToken`, `refreshToken`).
    fn seed(&self) -> Option<TokenSet> {
        None
    }

    /// Obtains a new token without a refresh token.
    async fn fetch(&self, http: &EgressClient) -> Result<TokenSet, AuthError>;

    /// Uses a refresh token; `None` when the scheme has no refresh.
    async fn refresh(
        &self,
        http: &EgressClient,
        refresh_token: &SecretString,
    ) -> Option<Result<TokenSet, AuthError>> {
        let _ = (http, refresh_token);
        None
    }
}

#[derive(Default)]
struct Slot {
    flight: tokio::sync::Mutex<()>,
    cached: Mutex<Option<TokenSet>>,
}

/// Caches tokens and makes refresh single-flight per connection.
pub(crate) struct TokenManager {
    store: Arc<dyn TokenStore>,
    skew: Duration,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

impl TokenManager {
    pub(crate) fn new(store: Arc<dyn TokenStore>, skew: Duration) -> Self {
        TokenManager {
            store,
            skew,
            slots: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    fn slot(&self, id: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(id.to_string()).or_default().clone()
    }

    fn usable(&self, t: &TokenSet, fp: &str, rejected: Option<&SecretString>) -> bool {
        t.fingerprint == fp
            && rejected != Some(&t.access_token)
            && t.expires_at.is_none_or(|exp| {
                Utc::now() + chrono::Duration::from_std(self.skew).unwrap_or_default() < exp
            })
    }

    /// Forgets the in-memory token of a connection.
    pub(crate) fn forget(&self, id: &str) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.remove(id);
    }

    /// Saves tokens obtained outside a refresh (the authorization-code exchange).
    pub(crate) async fn put(
        &self,
        id: &str,
        source: &dyn TokenSource,
        mut tokens: TokenSet,
    ) -> Result<(), AuthError> {
        tokens.fingerprint = source.fingerprint();
        let slot = self.slot(id);
        let _flight = slot.flight.lock().await;
        self.store.save(id, &tokens).await?;
        *slot.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens);
        Ok(())
    }

    /// A usable token for the connection. `rejected` is the access token a server just
    /// refused with 401: it is replaced (once, whoever gets here first) instead of reused.
    pub(crate) async fn token(
        &self,
        id: &str,
        source: &dyn TokenSource,
        http: &EgressClient,
        rejected: Option<&SecretString>,
    ) -> Result<TokenSet, AuthError> {
        let fp = source.fingerprint();
        let slot = self.slot(id);
        if let Some(t) = self.cached(&slot, &fp, rejected) {
            return Ok(t);
        }
        let _flight = slot.flight.lock().await;
        if let Some(t) = self.cached(&slot, &fp, rejected) {
            return Ok(t);
        }
        let mut lease = self.store.lease(id).await?;
        let result = self
            .obtain(id, source, http, rejected, &fp, lease.as_mut())
            .await;
        if let Some(lease) = lease {
            if let Err(e) = lease.release().await {
                tracing::warn!(connection = %id, error = %e, "releasing the token lease failed");
                if result.is_ok() {
                    return Err(e.into());
                }
            }
        }
        let tokens = result?;
        *slot.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens.clone());
        Ok(tokens)
    }

    fn cached(&self, slot: &Slot, fp: &str, rejected: Option<&SecretString>) -> Option<TokenSet> {
        let cached = slot.cached.lock().unwrap_or_else(|e| e.into_inner());
        cached
            .as_ref()
            .filter(|t| self.usable(t, fp, rejected))
            .cloned()
    }

    async fn obtain(
        &self,
        id: &str,
        source: &dyn TokenSource,
        http: &EgressClient,
        rejected: Option<&SecretString>,
        fp: &str,
        mut lease: Option<&mut Box<dyn TokenLease>>,
    ) -> Result<TokenSet, AuthError> {
        let stored = match lease.as_mut() {
            Some(l) => l.load().await?,
            None => self.store.load(id).await?,
        };
        let current = stored.filter(|t| t.fingerprint == fp).or_else(|| {
            source.seed().map(|mut t| {
                t.fingerprint = fp.to_string();
                t
            })
        });
        if let Some(t) = &current {
            if self.usable(t, fp, rejected) {
                return Ok(t.clone());
            }
        }
        let old_refresh = current.as_ref().and_then(|t| t.refresh_token.clone());
        let mut fresh = match &old_refresh {
            Some(rt) => match source.refresh(http, rt).await {
                Some(Ok(t)) => t,
                Some(Err(refresh_err)) => {
                    tracing::info!(connection = %id, error = %refresh_err, "refresh failed, requesting a new token");
                    match source.fetch(http).await {
                        Err(AuthError::NotAuthorized(_)) => return Err(refresh_err),
                        other => other?,
                    }
                }
                None => source.fetch(http).await?,
            },
            None => source.fetch(http).await?,
        };
        if fresh.refresh_token.is_none() {
            fresh.refresh_token = old_refresh;
        }
        fresh.fingerprint = fp.to_string();
        // Persist (a rotated refresh token included) before anyone uses the new token.
        match lease {
            Some(l) => l.save(&fresh).await?,
            None => self.store.save(id, &fresh).await?,
        }
        tracing::debug!(connection = %id, "obtained a new token");
        Ok(fresh)
    }
}
