//! A store with a cross-process lease (as the PostgreSQL store does with a row lock): two
//! `AuthClient`s standing for two processes refresh an expired token exactly once between them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use plumb_auth::{
    AuthClient, MemoryTokenStore, RequestParts, TokenLease, TokenSet, TokenStore, TokenStoreError,
};

use crate::support::{conn, token_server, TokenState};

#[derive(Default)]
struct LeasingStore {
    inner: Arc<MemoryTokenStore>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    leases: AtomicUsize,
}

struct Lease {
    store: Arc<MemoryTokenStore>,
    id: String,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

#[async_trait]
impl TokenLease for Lease {
    async fn load(&mut self) -> Result<Option<TokenSet>, TokenStoreError> {
        self.store.load(&self.id).await
    }
    async fn save(&mut self, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        self.store.save(&self.id, tokens).await
    }
    async fn release(self: Box<Self>) -> Result<(), TokenStoreError> {
        Ok(())
    }
}

#[async_trait]
impl TokenStore for LeasingStore {
    async fn load(&self, id: &str) -> Result<Option<TokenSet>, TokenStoreError> {
        self.inner.load(id).await
    }
    async fn save(&self, id: &str, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        self.inner.save(id, tokens).await
    }
    async fn delete(&self, id: &str) -> Result<(), TokenStoreError> {
        self.inner.delete(id).await
    }
    async fn lease(&self, id: &str) -> Result<Option<Box<dyn TokenLease>>, TokenStoreError> {
        self.leases.fetch_add(1, Ordering::SeqCst);
        let lock = self
            .locks
            .lock()
            .unwrap()
            .entry(id.to_string())
            .or_default()
            .clone();
        let guard = lock.lock_owned().await;
        Ok(Some(Box::new(Lease {
            store: self.inner.clone(),
            id: id.to_string(),
            _guard: guard,
        })))
    }
}

#[tokio::test]
async fn two_processes_refresh_once_under_the_lease() {
    let state = TokenState::new();
    *state.delay_ms.lock().unwrap() = 100;
    let addr = token_server(state.clone()).await;
    let store = Arc::new(LeasingStore::default());
    let token_url = format!("http://{addr}/token");
    let c = conn(
        "http",
        "oauth2ClientCredentials",
        &[
            ("tokenUrl", &token_url),
            ("clientId", "c"),
            ("clientSecret", "s"),
        ],
    );
    let process_a = AuthClient::new(store.clone());
    let process_b = AuthClient::new(store.clone());
    let mut tasks = Vec::new();
    for i in 0..40 {
        let auth = if i % 2 == 0 {
            process_a.clone()
        } else {
            process_b.clone()
        };
        let c = c.clone();
        let url = format!("http://{addr}/api");
        tasks.push(tokio::spawn(async move {
            auth.send(&c, &RequestParts::get(url)).await
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap().unwrap().ok);
    }
    assert_eq!(state.count(), 1, "one token request across both processes");
    assert_eq!(
        store.leases.load(Ordering::SeqCst),
        2,
        "one lease per process"
    );
}
