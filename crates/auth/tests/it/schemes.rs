//! basic, bearer, apiKey (header, query, cookie), none; the envelope; bad configuration.

use plumb_auth::{AuthClient, AuthError, RequestParts};
use serde_json::json;

use crate::support::{closed_port, conn, echo_server};

#[tokio::test]
async fn basic_sends_authorization_header() {
    let addr = echo_server().await;
    let auth = AuthClient::in_memory();
    let c = conn(
        "http",
        "basic",
        &[("username", "alice"), ("password", "s3cret")],
    );
    let env = auth
        .send(
            &c,
            &RequestParts::get(format!("http://{addr}/echo/x")).query("a", "1"),
        )
        .await
        .unwrap();
    assert!(env.ok);
    assert_eq!(env.status, 200);
    assert_eq!(env.status_text, "OK");
    assert_eq!(env.method, "GET");
    assert_eq!(env.url, format!("http://{addr}/echo/x?a=1"));
    let body = env.body.unwrap();
    assert_eq!(body["headers"]["authorization"], "Basic YWxpY2U6czNjcmV0");
    assert_eq!(body["query"], "a=1");
}

#[tokio::test]
async fn basic_missing_username_is_clear() {
    let auth = AuthClient::in_memory();
    let c = conn("http", "basic", &[("password", "s3cret")]);
    let err = auth.connect(&c).unwrap_err();
    assert!(matches!(err, AuthError::MissingInput { .. }));
    assert_eq!(
        err.to_string(),
        "connection input `username` is required for connection type `basic`"
    );
}

#[tokio::test]
async fn bearer_token_is_the_whole_credential() {
    let addr = echo_server().await;
    let auth = AuthClient::in_memory();
    let c = conn("http", "bearer", &[("token", "tok-123")]);
    let env = auth
        .send(
            &c,
            &RequestParts::post(format!("http://{addr}/echo")).json(&json!({"x": 1})),
        )
        .await
        .unwrap();
    let body = env.body.unwrap();
    assert_eq!(body["headers"]["authorization"], "Bearer tok-123");
    assert_eq!(body["method"], "POST");
    assert_eq!(body["body"], "{\"x\":1}");
    assert_eq!(body["headers"]["content-type"], "application/json");

    let err = auth.connect(&conn("http", "bearer", &[])).unwrap_err();
    assert!(err.to_string().contains("`token`"), "{err}");
    let err = auth
        .connect(&conn("http", "bearer", &[("token", "bad\ntoken")]))
        .unwrap()
        .send(&RequestParts::get(format!("http://{addr}/echo")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("token"), "{err}");
    assert!(!err.to_string().contains("bad\ntoken"));
}

#[tokio::test]
async fn api_key_in_header_query_and_cookie() {
    let addr = echo_server().await;
    let auth = AuthClient::in_memory();
    let url = format!("http://{addr}/echo");

    let c = conn("http", "apiKey", &[("apiKey", "k1")]);
    let body = auth
        .send(&c, &RequestParts::get(&url))
        .await
        .unwrap()
        .body
        .unwrap();
    assert_eq!(body["headers"]["x-api-key"], "k1");

    let c = conn(
        "http",
        "apiKey",
        &[
            ("apiKey", "k 2"),
            ("location", "query"),
            ("name", "api_key"),
        ],
    );
    let env = auth
        .send(&c, &RequestParts::get(&url).query("q", "1"))
        .await
        .unwrap();
    assert_eq!(env.body.as_ref().unwrap()["query"], "q=1&api_key=k+2");
    assert_eq!(
        env.url,
        format!("{url}?q=1"),
        "the envelope URL does not show the key"
    );

    let c = conn(
        "http",
        "apiKey",
        &[("apiKey", "k3"), ("location", "cookie"), ("name", "sid")],
    );
    let body = auth
        .send(&c, &RequestParts::get(&url).header("cookie", "a=b"))
        .await
        .unwrap()
        .body
        .unwrap();
    assert_eq!(body["headers"]["cookie"], "a=b; sid=k3");
}

#[tokio::test]
async fn api_key_bad_configuration() {
    let auth = AuthClient::in_memory();
    let e = auth.connect(&conn("http", "apiKey", &[])).unwrap_err();
    assert!(e.to_string().contains("`apiKey`"), "{e}");
    let e = auth
        .connect(&conn(
            "http",
            "apiKey",
            &[("apiKey", "k"), ("location", "body")],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`location`"), "{e}");
    let e = auth
        .connect(&conn(
            "http",
            "apiKey",
            &[("apiKey", "k"), ("name", "bad name")],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`name`"), "{e}");
}

#[tokio::test]
async fn refusal_is_an_envelope_not_an_error() {
    let addr = echo_server().await;
    let auth = AuthClient::in_memory();
    let c = conn("http", "none", &[]);
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/status/403")))
        .await
        .unwrap();
    assert!(!env.ok);
    assert_eq!(env.status, 403);
    assert_eq!(env.status_text, "Forbidden");
    assert_eq!(env.body.clone().unwrap()["code"], 403);
    assert!(env.clone().into_result().is_err());

    let env = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/text")))
        .await
        .unwrap();
    assert_eq!(env.text.as_deref(), Some("<html>hi</html>"));
    assert_eq!(env.parse_error.as_ref().unwrap()["name"], "JSONError");
    assert_eq!(
        env.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
}

#[tokio::test]
async fn unreachable_and_malformed_urls_fail_clearly() {
    let auth = AuthClient::in_memory();
    let c = conn(
        "http",
        "apiKey",
        &[("apiKey", "SECRETKEY"), ("location", "query")],
    );
    let port = closed_port();
    let err = auth
        .send(&c, &RequestParts::get(format!("http://127.0.0.1:{port}/x")))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, AuthError::Transport { .. }));
    assert!(
        msg.starts_with(&format!(
            "GET http://127.0.0.1:{port}/x failed: could not connect"
        )),
        "{msg}"
    );
    assert!(!msg.contains("SECRETKEY"), "{msg}");

    let err = auth
        .send(&c, &RequestParts::get("not a url"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`url`"), "{err}");
    let err = auth
        .send(
            &conn("http", "nope", &[]),
            &RequestParts::get("http://127.0.0.1/"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Unsupported { .. }));
}

#[tokio::test]
async fn timeout_input_applies() {
    use axum::routing::get;
    let router = axum::Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
            "late"
        }),
    );
    let addr = crate::support::serve(router).await;
    let auth = AuthClient::in_memory();
    let c = conn("http", "none", &[("timeout", "200")]);
    let start = std::time::Instant::now();
    let err = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/slow")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(start.elapsed() < std::time::Duration::from_millis(1500));
}

#[tokio::test]
async fn secrets_never_in_debug() {
    let c = conn(
        "http",
        "basic",
        &[("username", "u"), ("password", "p4ssw0rd")],
    );
    let auth = AuthClient::in_memory();
    let connected = auth.connect(&c).unwrap();
    let dbg = format!("{connected:?} {auth:?} {c:?}");
    assert!(!dbg.contains("p4ssw0rd"), "{dbg}");
    let req = RequestParts::get("http://h/x?key=s3").header("authorization", "Bearer zzz");
    let dbg = format!("{req:?}");
    assert!(!dbg.contains("zzz") && !dbg.contains("s3"), "{dbg}");
}

#[tokio::test]
async fn send_raw_returns_the_unread_response() {
    let addr = echo_server().await;
    let auth = AuthClient::in_memory();
    let c = conn("http", "bearer", &[("token", "raw-tok")]);
    let raw = auth
        .connect(&c)
        .unwrap()
        .send_raw(&RequestParts::get(format!("http://{addr}/echo/bin")))
        .await
        .unwrap();
    assert_eq!(raw.url, format!("http://{addr}/echo/bin"));
    let bytes = raw.response.bytes().await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["headers"]["authorization"], "Bearer raw-tok");
}
