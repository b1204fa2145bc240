//! The sealed, store-backed token store under load, against a counting token endpoint stand-in
//! on 127.0.0.1: single-flight refresh within a process and, on PostgreSQL, across two
//! `AuthClient`s (two processes) sharing the database; rotation persisted before use; a refresh
//! answer without `refresh_token` keeps the old one. Every test runs on SQLite, and on
//! PostgreSQL when `DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use plumb_auth::{AuthClient, RequestParts, TokenSet, TokenStore};
use plumb_core::action::Connection;
use plumb_runtime::SealedTokenStore;
use plumb_store::connections::{ManagedBy, ScopedVar, VariableScope};
use plumb_store::secrets::Vault;
use plumb_store::testing::TestDb;
use plumb_store::{new_id, now_ms, Backend, Store};
use plumb_vault::MasterKey;
use serde_json::{json, Value};
use uuid::Uuid;

/// (presented access token, stored access token, stored refresh token) of one `/api` call.
type Observed = (String, Option<String>, Option<String>);

/// The token endpoint stand-in: counts token requests, issues `{prefix}-at-N` / `{prefix}-rt-N`,
/// rotates refresh tokens when asked, and records what the store held when `/api` was called.
struct Tokens {
    prefix: String,
    requests: AtomicUsize,
    valid_access: Mutex<HashSet<String>>,
    valid_refresh: Mutex<HashSet<String>>,
    rotate: Mutex<bool>,
    grants: Mutex<Vec<String>>,
    /// When set, `/api` loads the connection's stored tokens and records (presented access
    /// token, stored access token, stored refresh token).
    observe: Mutex<Option<(Arc<SealedTokenStore>, String)>>,
    observed: Mutex<Vec<Observed>>,
}

impl Tokens {
    fn new() -> Arc<Tokens> {
        Arc::new(Tokens {
            prefix: new_id().simple().to_string(),
            requests: AtomicUsize::new(0),
            valid_access: Mutex::default(),
            valid_refresh: Mutex::default(),
            rotate: Mutex::new(true),
            grants: Mutex::default(),
            observe: Mutex::default(),
            observed: Mutex::default(),
        })
    }

    fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn issue(&self, refresh: bool) -> Value {
        let n = self.count();
        let access = format!("{}-at-{n}", self.prefix);
        self.valid_access.lock().unwrap().insert(access.clone());
        let mut body = json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600});
        if refresh {
            let rt = format!("{}-rt-{n}", self.prefix);
            self.valid_refresh.lock().unwrap().insert(rt.clone());
            body["refresh_token"] = json!(rt);
        }
        body
    }
}

async fn token(
    State(s): State<Arc<Tokens>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    // Slow enough that 100 concurrent callers all arrive while the first refresh is in flight.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    s.grants.lock().unwrap().push(grant.clone());
    match grant.as_str() {
        "client_credentials" => Json(s.issue(false)).into_response(),
        "password" => Json(s.issue(true)).into_response(),
        "refresh_token" => {
            let rt = form.get("refresh_token").cloned().unwrap_or_default();
            if !s.valid_refresh.lock().unwrap().contains(&rt) {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"error": "invalid_grant"})),
                )
                    .into_response();
            }
            let rotate = *s.rotate.lock().unwrap();
            if rotate {
                s.valid_refresh.lock().unwrap().remove(&rt);
            }
            Json(s.issue(rotate)).into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response(),
    }
}

async fn api(State(s): State<Arc<Tokens>>, headers: HeaderMap) -> Response {
    let presented = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string();
    let observe = s.observe.lock().unwrap().clone();
    if let Some((store, id)) = observe {
        let stored = store.load(&id).await.unwrap();
        s.observed.lock().unwrap().push((
            presented.clone(),
            stored.as_ref().map(|t| t.access_token.expose().to_string()),
            stored.and_then(|t| t.refresh_token.map(|r| r.expose().to_string())),
        ));
    }
    if s.valid_access.lock().unwrap().contains(&presented) {
        Json(json!({"ok": true})).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_token"})),
        )
            .into_response()
    }
}

async fn token_server(state: Arc<Tokens>) -> SocketAddr {
    let router = Router::new()
        .route("/token", post(token))
        .route("/api", get(api))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// A stored connection: a scoped config variable whose ID is the connection's ID (what
/// resolution answers when only global values apply).
async fn stored_connection(store: &Store, org: Uuid) -> Uuid {
    let var = ScopedVar {
        id: new_id(),
        org_id: org,
        key: "Acme OAuth".into(),
        stable_key: format!("acme-{}", new_id().simple()),
        description: String::new(),
        variable_scope: VariableScope::Org,
        managed_by: ManagedBy::Org,
        connection_type: plumb_core::connection_types::http::BASIC.id(),
        input_scopes: BTreeMap::new(),
        created_at: now_ms(),
        updated_at: now_ms(),
    };
    store.create_scoped_var(&var).await.unwrap();
    var.id
}

fn connection(id: Uuid, key: &str, addr: SocketAddr, extra: &[(&str, &str)]) -> Connection {
    let mut fields = BTreeMap::from([
        ("tokenUrl".to_string(), format!("http://{addr}/token")),
        ("clientId".to_string(), "client-1".to_string()),
        ("clientSecret".to_string(), "secret-1".to_string()),
    ]);
    for (k, v) in extra {
        fields.insert(k.to_string(), v.to_string());
    }
    Connection::new(id.to_string(), "http".into(), key.into(), fields)
}

fn expired(t: &TokenSet) -> TokenSet {
    TokenSet {
        expires_at: Some(Utc::now() - chrono::Duration::seconds(10)),
        ..t.clone()
    }
}

async fn dbs() -> Vec<TestDb> {
    TestDb::all().await.expect("test databases")
}

fn assert_not_in_sqlite_file(db: &TestDb, needle: &str) {
    let Some(path) = db.sqlite_path() else {
        return;
    };
    for p in [path.clone(), path.with_extension("db-wal")] {
        if let Ok(bytes) = std::fs::read(&p) {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "plaintext token found in {}",
                p.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_calls_with_an_expired_token_make_one_token_request() {
    for db in dbs().await {
        let master = MasterKey::generate().unwrap();
        let key_b64 = master.to_base64();
        let vault = Vault::new(db.store.clone(), master);
        let org = db.store.create_org("acme").await.unwrap().id;
        let id = stored_connection(&db.store, org).await;
        let server = Tokens::new();
        let addr = token_server(server.clone()).await;
        let c = connection(id, "oauth2ClientCredentials", addr, &[]);
        let api_url = format!("http://{addr}/api");

        // A first call stores a token (sealed); expire it in the store.
        let store = Arc::new(SealedTokenStore::new(vault.clone()));
        let first = AuthClient::new(store.clone());
        assert!(
            first
                .send(&c, &RequestParts::get(&api_url))
                .await
                .unwrap()
                .ok
        );
        assert_eq!(server.count(), 1);
        let stored = store.load(&c.id).await.unwrap().expect("stored");
        assert_not_in_sqlite_file(&db, stored.access_token.expose());
        store.save(&c.id, &expired(&stored)).await.unwrap();

        // Fresh clients (empty in-memory caches). On PostgreSQL two of them, each with its own
        // pool and vault on the same database, as two processes would have; SQLite is one
        // process's file, so one client.
        let mut clients = vec![AuthClient::new(Arc::new(SealedTokenStore::new(
            vault.clone(),
        )))];
        let mut other_store = None;
        if db.store.backend() == Backend::Postgres {
            let s2 = Store::open(&db.url).await.unwrap();
            let v2 = Vault::new(
                s2.clone(),
                MasterKey::from_base64(key_b64.expose()).unwrap(),
            );
            clients.push(AuthClient::new(Arc::new(SealedTokenStore::new(v2))));
            other_store = Some(s2);
        }
        let before = server.count();
        let mut tasks = Vec::new();
        for i in 0..100 {
            let auth = clients[i % clients.len()].clone();
            let (c, url) = (c.clone(), api_url.clone());
            tasks.push(tokio::spawn(async move {
                auth.send(&c, &RequestParts::get(url)).await
            }));
        }
        for t in tasks {
            let env = t.await.unwrap().unwrap();
            assert!(env.ok, "{}: {env:?}", db.label);
        }
        assert_eq!(
            server.count() - before,
            1,
            "{}: exactly one token request for 100 concurrent calls over {} client(s)",
            db.label,
            clients.len()
        );
        let now = store.load(&c.id).await.unwrap().unwrap();
        assert_ne!(
            now.access_token, stored.access_token,
            "the new token is stored"
        );
        assert!(now.expires_at.unwrap() > Utc::now());
        if let Some(s2) = other_store {
            s2.close().await;
        }
    }
}

#[tokio::test]
async fn rotated_refresh_token_is_persisted_before_use_and_a_missing_one_keeps_the_old() {
    for db in dbs().await {
        let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
        let org = db.store.create_org("acme").await.unwrap().id;
        let id = stored_connection(&db.store, org).await;
        let server = Tokens::new();
        let addr = token_server(server.clone()).await;
        let c = connection(
            id,
            "oauth2Password",
            addr,
            &[("username", "svc"), ("password", "pw")],
        );
        let api_url = format!("http://{addr}/api");
        // The store the API stand-in reads: the one organization's rows.
        let store = Arc::new(SealedTokenStore::for_org(vault.clone(), org));
        *server.observe.lock().unwrap() = Some((store.clone(), c.id.clone()));
        let auth = AuthClient::new(store.clone());

        assert!(
            auth.send(&c, &RequestParts::get(&api_url))
                .await
                .unwrap()
                .ok
        );
        let t1 = store.load(&c.id).await.unwrap().unwrap();
        let rt1 = t1.refresh_token.clone().expect("a refresh token");
        assert_not_in_sqlite_file(&db, rt1.expose());

        // Expired: the refresh rotates the refresh token, and the store holds the new access
        // and refresh tokens by the time the API sees the new access token.
        store.save(&c.id, &expired(&t1)).await.unwrap();
        let auth = AuthClient::new(store.clone());
        assert!(
            auth.send(&c, &RequestParts::get(&api_url))
                .await
                .unwrap()
                .ok
        );
        let t2 = store.load(&c.id).await.unwrap().unwrap();
        let rt2 = t2.refresh_token.clone().unwrap();
        assert_ne!(rt2, rt1, "{}: rotated", db.label);
        assert_eq!(
            server.grants.lock().unwrap().last().map(String::as_str),
            Some("refresh_token")
        );
        let (presented, stored_access, stored_refresh) =
            server.observed.lock().unwrap().last().cloned().unwrap();
        assert_eq!(presented, t2.access_token.expose());
        assert_eq!(stored_access.as_deref(), Some(presented.as_str()));
        assert_eq!(stored_refresh.as_deref(), Some(rt2.expose()));

        // A refresh answer without refresh_token keeps the old one.
        *server.rotate.lock().unwrap() = false;
        store.save(&c.id, &expired(&t2)).await.unwrap();
        let auth = AuthClient::new(store.clone());
        assert!(
            auth.send(&c, &RequestParts::get(&api_url))
                .await
                .unwrap()
                .ok
        );
        let t3 = store.load(&c.id).await.unwrap().unwrap();
        assert_ne!(t3.access_token, t2.access_token);
        assert_eq!(t3.refresh_token, Some(rt2.clone()), "{}: kept", db.label);
        assert_eq!(server.count(), 3, "password, refresh, refresh");
    }
}

#[tokio::test]
async fn a_definition_connection_is_not_persisted() {
    let db = TestDb::sqlite().await.unwrap();
    let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
    let server = Tokens::new();
    let addr = token_server(server.clone()).await;
    let mut c = connection(Uuid::nil(), "oauth2ClientCredentials", addr, &[]);
    c.id = "myConnection".into();
    let store = Arc::new(SealedTokenStore::new(vault.clone()));
    let auth = AuthClient::new(store.clone());
    assert!(
        auth.send(&c, &RequestParts::get(format!("http://{addr}/api")))
            .await
            .unwrap()
            .ok
    );
    // Kept in process memory only: another store over the same database has nothing.
    assert!(store.load(&c.id).await.unwrap().is_some());
    let other = SealedTokenStore::new(vault);
    assert!(other.load(&c.id).await.unwrap().is_none());
}
