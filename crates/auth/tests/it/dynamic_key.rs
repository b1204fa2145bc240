//! `apiKeyDynamic`: fetch, RFC 6901 pointer, cache, one re-fetch and one retry after a 401.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use plumb_auth::{AuthClient, AuthError, RequestParts};
use serde_json::{json, Value};

use crate::support::{closed_port, conn, serve};

#[derive(Default)]
struct KeyState {
    fetches: AtomicUsize,
    valid: Mutex<Option<String>>,
    last_body: Mutex<Option<Value>>,
    last_query: Mutex<Option<String>>,
    api_calls: AtomicUsize,
}

async fn key_server() -> (std::net::SocketAddr, Arc<KeyState>) {
    let state = Arc::new(KeyState::default());
    let router = Router::new()
        .route(
            "/login",
            post(
                |State(s): State<Arc<KeyState>>, Json(body): Json<Value>| async move {
                    let n = s.fetches.fetch_add(1, Ordering::SeqCst) + 1;
                    *s.last_body.lock().unwrap() = Some(body.clone());
                    if body["password"] != "pw" {
                        return (
                            StatusCode::UNAUTHORIZED,
                            Json(json!({"error": "bad_credentials"})),
                        )
                            .into_response();
                    }
                    let key = format!("key-{n}");
                    *s.valid.lock().unwrap() = Some(key.clone());
                    Json(json!({"data": {"token": key}})).into_response()
                },
            ),
        )
        .route(
            "/login-get",
            get(
                |State(s): State<Arc<KeyState>>, uri: axum::http::Uri| async move {
                    s.fetches.fetch_add(1, Ordering::SeqCst);
                    *s.last_query.lock().unwrap() = uri.query().map(str::to_string);
                    *s.valid.lock().unwrap() = Some("plain-key".into());
                    "plain-key"
                },
            ),
        )
        .route(
            "/resource",
            get(|State(s): State<Arc<KeyState>>, h: HeaderMap| async move {
                s.api_calls.fetch_add(1, Ordering::SeqCst);
                let got = h
                    .get("x-auth")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                if got.is_some() && got == *s.valid.lock().unwrap() {
                    (StatusCode::OK, Json(json!({"ok": true})))
                } else {
                    (StatusCode::UNAUTHORIZED, Json(json!({"error": "expired"})))
                }
            }),
        )
        .with_state(state.clone());
    (serve(router).await, state)
}

#[tokio::test]
async fn dynamic_key_is_fetched_cached_and_refetched_once_after_401() {
    let (addr, state) = key_server().await;
    let auth = AuthClient::in_memory();
    let c = conn(
        "http",
        "apiKeyDynamic",
        &[
            ("method", "POST"),
            ("url", &format!("http://{addr}/login")),
            ("responsePointer", "/data/token"),
            ("parameters", r#"{"username":"u","password":"pw"}"#),
            ("name", "X-Auth"),
        ],
    );
    let url = format!("http://{addr}/resource");
    for _ in 0..3 {
        assert!(auth.send(&c, &RequestParts::get(&url)).await.unwrap().ok);
    }
    assert_eq!(state.fetches.load(Ordering::SeqCst), 1);
    assert_eq!(
        state.last_body.lock().unwrap().clone().unwrap()["username"],
        "u"
    );

    // The server invalidates the key: one re-fetch, one retry.
    *state.valid.lock().unwrap() = None;
    let env = auth.send(&c, &RequestParts::get(&url)).await.unwrap();
    assert!(env.ok);
    assert_eq!(state.fetches.load(Ordering::SeqCst), 2);

    // A resource that keeps refusing: exactly one re-fetch and one retry.
    let calls_before = state.api_calls.load(Ordering::SeqCst);
    let fetches_before = state.fetches.load(Ordering::SeqCst);
    let c2 = conn(
        "http",
        "apiKeyDynamic",
        &[
            ("method", "POST"),
            ("url", &format!("http://{addr}/login")),
            ("responsePointer", "/data/token"),
            ("parameters", r#"{"password":"pw"}"#),
            ("name", "X-Other"),
        ],
    );
    let env = auth.send(&c2, &RequestParts::get(&url)).await.unwrap();
    assert_eq!(env.status, 401);
    assert_eq!(state.api_calls.load(Ordering::SeqCst) - calls_before, 2);
    assert_eq!(state.fetches.load(Ordering::SeqCst) - fetches_before, 2);
}

#[tokio::test]
async fn dynamic_key_whole_body_get_parameters_in_query() {
    let (addr, state) = key_server().await;
    let auth = AuthClient::in_memory();
    let c = conn(
        "http",
        "apiKeyDynamic",
        &[
            ("url", &format!("http://{addr}/login-get")),
            ("parameters", r#"{"tenant":"t1"}"#),
            ("name", "X-Auth"),
        ],
    );
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/resource")))
        .await
        .unwrap();
    assert!(env.ok);
    assert_eq!(
        state.last_query.lock().unwrap().as_deref(),
        Some("tenant=t1")
    );
}

#[tokio::test]
async fn dynamic_key_refusal_and_bad_configuration() {
    let (addr, _state) = key_server().await;
    let auth = AuthClient::in_memory();
    let c = conn(
        "http",
        "apiKeyDynamic",
        &[
            ("method", "POST"),
            ("url", &format!("http://{addr}/login")),
            ("parameters", r#"{"password":"WRONGPW"}"#),
        ],
    );
    let err = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/resource")))
        .await
        .unwrap_err();
    let env = err.envelope().unwrap();
    assert_eq!((env.method.as_str(), env.status), ("POST", 401));
    assert_eq!(env.body.as_ref().unwrap()["error"], "bad_credentials");
    assert!(!format!("{err} {err:?}").contains("WRONGPW"));

    // Pointer to nothing.
    let c = conn(
        "http",
        "apiKeyDynamic",
        &[
            ("method", "POST"),
            ("url", &format!("http://{addr}/login")),
            ("responsePointer", "/nope"),
            ("parameters", r#"{"password":"pw"}"#),
        ],
    );
    let err = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/resource")))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::TokenResponse { .. }), "{err}");
    assert!(err.to_string().contains("/nope"));

    let port = closed_port();
    let c = conn(
        "http",
        "apiKeyDynamic",
        &[("url", &format!("http://127.0.0.1:{port}/k"))],
    );
    let err = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/resource")))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("API key request: could not connect"),
        "{err}"
    );

    for (fields, input) in [
        (vec![("method", "GET")], "`url`"),
        (vec![("url", "http://x/"), ("method", "DELETE")], "`method`"),
        (
            vec![("url", "http://x/"), ("responsePointer", "data")],
            "`responsePointer`",
        ),
        (
            vec![("url", "http://x/"), ("parameters", "[1]")],
            "`parameters`",
        ),
        (
            vec![("url", "http://x/"), ("location", "body")],
            "`location`",
        ),
    ] {
        let e = auth
            .connect(&conn("http", "apiKeyDynamic", &fields))
            .unwrap_err();
        assert!(e.to_string().contains(input), "{e}");
    }
}
