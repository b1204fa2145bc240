//! Test servers on 127.0.0.1: the npm `oauth2-mock-server`, an echo server, a counting token
//! endpoint stand-in, and helpers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use plumb_core::action::Connection;
use serde_json::{json, Value};

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// A connection with a unique ID.
pub fn conn(component: &str, key: &str, fields: &[(&str, &str)]) -> Connection {
    Connection::new(
        format!("conn-{}", NEXT_ID.fetch_add(1, Ordering::SeqCst)),
        component.into(),
        key.into(),
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// Serves a router on a free port of 127.0.0.1.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// An echo server: `/echo/...` answers `{method, path, query, headers, body}`; `/text` answers
/// HTML; `/status/{code}` answers that status.
pub async fn echo_server() -> SocketAddr {
    async fn echo(req: axum::extract::Request) -> Json<Value> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20)
            .await
            .unwrap_or_default();
        let headers: HashMap<String, String> = parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        Json(json!({
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "query": parts.uri.query(),
            "headers": headers,
            "body": String::from_utf8_lossy(&bytes),
        }))
    }
    let router = Router::new()
        .route("/echo", any(echo))
        .route("/echo/{*rest}", any(echo))
        .route("/text", get(|| async { "<html>hi</html>" }))
        .route(
            "/status/{code}",
            get(
                |axum::extract::Path(code): axum::extract::Path<u16>| async move {
                    (
                        StatusCode::from_u16(code).unwrap(),
                        Json(json!({"code": code})),
                    )
                },
            ),
        );
    serve(router).await
}

/// The npm `oauth2-mock-server`, killed on drop.
pub struct MockOAuth {
    child: Child,
    pub port: u16,
}

impl MockOAuth {
    pub fn binary() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../testsupport/node_modules/.bin/oauth2-mock-server")
    }

    /// Starts it on a free port and waits until discovery answers.
    pub async fn start() -> MockOAuth {
        let bin = Self::binary();
        assert!(
            bin.exists(),
            "oauth2-mock-server is not installed at {}: run `npm install --prefix testsupport` \
             at the repository root (scripts/test does it)",
            bin.display()
        );
        let port = closed_port();
        let child = Command::new(&bin)
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let server = MockOAuth { child, port };
        let url = format!("{}/.well-known/openid-configuration", server.issuer());
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = http.get(&url).send().await {
                if r.status().is_success() {
                    return server;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("oauth2-mock-server did not answer on port {port} within 10 s");
    }

    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for MockOAuth {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A token endpoint stand-in that counts and controls what it issues.
#[derive(Default)]
pub struct TokenState {
    pub token_requests: AtomicUsize,
    pub forms: Mutex<Vec<HashMap<String, String>>>,
    pub auth_headers: Mutex<Vec<Option<String>>>,
    pub valid_access: Mutex<HashSet<String>>,
    pub valid_refresh: Mutex<HashSet<String>>,
    pub api_calls: AtomicUsize,
    /// `expires_in` of issued tokens (`None`: omitted, as Salesforce does).
    pub expires_in: Mutex<Option<i64>>,
    /// Whether refresh answers carry a new refresh token.
    pub rotate_refresh: Mutex<bool>,
    /// Whether the primary grant issues a refresh token.
    pub issue_refresh: Mutex<bool>,
    /// Answer `instance_url` pointing at this server.
    pub instance_url: Mutex<Option<String>>,
    /// The 401 body of `/api` (Salesforce uses `[{"errorCode":"INVALID_SESSION_ID"}]`).
    pub unauthorized_body: Mutex<Option<Value>>,
    /// Delay of the token endpoint.
    pub delay_ms: Mutex<u64>,
    /// Checks applied to the assertion of a JWT bearer grant.
    pub jwt_public_pem: Mutex<Option<String>>,
}

impl TokenState {
    pub fn new() -> Arc<Self> {
        let s = TokenState::default();
        *s.expires_in.lock().unwrap() = Some(3600);
        *s.rotate_refresh.lock().unwrap() = true;
        *s.issue_refresh.lock().unwrap() = true;
        Arc::new(s)
    }

    pub fn count(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }

    pub fn revoke_access(&self) {
        self.valid_access.lock().unwrap().clear();
    }

    pub fn last_form(&self) -> HashMap<String, String> {
        self.forms
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or_default()
    }
}

fn issue(state: &TokenState, refresh: bool) -> Value {
    let n = state.token_requests.load(Ordering::SeqCst);
    let access = format!("at-{n}");
    state.valid_access.lock().unwrap().insert(access.clone());
    let mut body = json!({"access_token": access, "token_type": "Bearer"});
    if let Some(e) = *state.expires_in.lock().unwrap() {
        body["expires_in"] = json!(e);
    }
    if refresh {
        let rt = format!("rt-{n}");
        state.valid_refresh.lock().unwrap().insert(rt.clone());
        body["refresh_token"] = json!(rt);
    }
    if let Some(u) = state.instance_url.lock().unwrap().clone() {
        body["instance_url"] = json!(u);
    }
    body
}

async fn token_handler(
    State(state): State<Arc<TokenState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    let delay = *state.delay_ms.lock().unwrap();
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    state.forms.lock().unwrap().push(form.clone());
    state.auth_headers.lock().unwrap().push(auth.clone());
    let secret_ok = match (form.get("client_secret"), &auth) {
        (Some(s), _) => s != "wrong",
        (None, Some(a)) => !a.contains("d3Jvbmc"), // base64 of "wrong" within the credentials
        (None, None) => true,
    };
    if !secret_ok {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client", "error_description": "Client authentication failed", "echo": form.get("client_secret")})),
        )
            .into_response();
    }
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    match grant.as_str() {
        "refresh_token" => {
            let rt = form.get("refresh_token").cloned().unwrap_or_default();
            let known = state.valid_refresh.lock().unwrap().contains(&rt);
            if !known {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"error": "invalid_grant", "error_description": "unknown refresh token"})),
                )
                    .into_response();
            }
            let rotate = *state.rotate_refresh.lock().unwrap();
            if rotate {
                state.valid_refresh.lock().unwrap().remove(&rt);
            }
            Json(issue(&state, rotate)).into_response()
        }
        "urn:ietf:params:oauth:grant-type:jwt-bearer" => {
            let pem = state
                .jwt_public_pem
                .lock()
                .unwrap()
                .clone()
                .unwrap_or_default();
            let assertion = form.get("assertion").cloned().unwrap_or_default();
            let key = jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
            let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            v.set_audience(&["https://login.salesforce.com"]);
            v.set_issuer(&["consumer-key"]);
            match jsonwebtoken::decode::<Value>(&assertion, &key, &v) {
                Ok(data) if data.claims["sub"] == "user@example.com" => {
                    Json(issue(&state, false)).into_response()
                }
                _ => (
                    StatusCode::BAD_REQUEST,
                    Json(
                        json!({"error": "invalid_grant", "error_description": "invalid assertion"}),
                    ),
                )
                    .into_response(),
            }
        }
        "client_credentials" | "password" => {
            let refresh = *state.issue_refresh.lock().unwrap();
            Json(issue(&state, refresh)).into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response(),
    }
}

async fn api_handler(State(state): State<Arc<TokenState>>, headers: HeaderMap) -> Response {
    state.api_calls.fetch_add(1, Ordering::SeqCst);
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string();
    if state.valid_access.lock().unwrap().contains(&token) {
        Json(json!({"ok": true, "token": token})).into_response()
    } else {
        let body = state
            .unauthorized_body
            .lock()
            .unwrap()
            .clone()
            .unwrap_or(json!({"error": "invalid_token"}));
        (StatusCode::UNAUTHORIZED, Json(body)).into_response()
    }
}

/// Starts the token endpoint stand-in: `POST /token`, `POST /services/oauth2/token`,
/// `GET /api`, `GET /services/data/v60.0/limits`.
pub async fn token_server(state: Arc<TokenState>) -> SocketAddr {
    let router = Router::new()
        .route("/token", post(token_handler))
        .route("/services/oauth2/token", post(token_handler))
        .route("/api", get(api_handler))
        .route(
            "/always401",
            get(|State(s): State<Arc<TokenState>>| async move {
                s.api_calls.fetch_add(1, Ordering::SeqCst);
                (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"error": "invalid_token"})),
                )
            }),
        )
        .route("/services/data/v60.0/limits", get(api_handler))
        .with_state(state);
    serve(router).await
}
