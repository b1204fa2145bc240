use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method as AxMethod, StatusCode};
use axum::routing::{any, get};
use axum::{Json, Router};
use plumb_core::action::{Action, ActionError, Connection, Data, InputValue, Inputs};
use serde_json::{json, Value};

use super::actions;
use crate::testing::{closed_port_url, context, inputs, serve};

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3];

async fn echo(
    method: AxMethod,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
    body: Bytes,
) -> Json<Value> {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    Json(json!({
        "method": method.as_str(),
        "query": query,
        "contentType": header("content-type"),
        "authorization": header("authorization"),
        "xTrace": header("x-trace"),
        "apiKey": header("x-api-key"),
        "body": String::from_utf8_lossy(&body),
    }))
}

async fn app() -> String {
    let flaky = Arc::new(AtomicU32::new(0));
    let router = Router::new()
        .route(
            "/json",
            get(|| async { Json(json!({"name": "pikachu", "id": 25})) }),
        )
        .route("/text", get(|| async { "plain words" }))
        .route("/notjson", get(|| async { "{oops" }))
        .route(
            "/png",
            get(|| async { ([("content-type", "image/png")], PNG) }),
        )
        .route("/echo", any(echo))
        .route(
            "/token",
            axum::routing::post(|| async {
                Json(json!({"access_token": "tok-cc", "token_type": "Bearer", "expires_in": 3600}))
            }),
        )
        .route(
            "/private.png",
            get(|headers: HeaderMap| async move {
                if headers.get("authorization").and_then(|v| v.to_str().ok())
                    == Some("Bearer tok-cc")
                {
                    ([("content-type", "image/png")], PNG).into_response_parts()
                } else {
                    StatusCode::UNAUTHORIZED.into_response_parts()
                }
            }),
        )
        .route(
            "/fail",
            get(|| async {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({"error": "boom"})),
                )
            }),
        )
        .route(
            "/missing",
            get(|| async { (StatusCode::NOT_FOUND, "no such pokemon") }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                "late"
            }),
        )
        .route(
            "/flaky",
            get(|State(n): State<Arc<AtomicU32>>| async move {
                if n.fetch_add(1, Ordering::SeqCst) < 2 {
                    (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response_parts()
                } else {
                    (StatusCode::OK, "finally").into_response_parts()
                }
            }),
        )
        .with_state(flaky);
    serve(router).await
}

trait IntoParts {
    fn into_response_parts(self) -> axum::response::Response;
}
impl<T: axum::response::IntoResponse> IntoParts for T {
    fn into_response_parts(self) -> axum::response::Response {
        self.into_response()
    }
}

fn action(key: &str) -> Arc<dyn Action> {
    actions()
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, a)| a)
        .expect("action")
}

async fn call(key: &str, pairs: Vec<(&str, Value)>) -> Result<Data, ActionError> {
    let t = context(json!({}), vec![]);
    action(key).run(&t.ctx, inputs(pairs)).await
}

#[tokio::test]
async fn get_json_text_and_binary() {
    let base = app().await;
    let out = call("httpGet", vec![("url", json!(format!("{base}/json")))]).await;
    assert_eq!(out, Ok(Data::Json(json!({"name": "pikachu", "id": 25}))));
    let out = call(
        "httpGet",
        vec![
            ("url", json!(format!("{base}/text"))),
            ("responseType", json!("text")),
        ],
    )
    .await;
    assert_eq!(out, Ok(Data::Json(json!("plain words"))));
    let out = call(
        "httpGet",
        vec![
            ("url", json!(format!("{base}/png"))),
            ("responseType", json!("binary")),
        ],
    )
    .await;
    assert_eq!(
        out,
        Ok(Data::Binary {
            bytes: PNG.to_vec(),
            content_type: "image/png".into()
        })
    );
}

#[tokio::test]
async fn post_json_with_headers_and_query_as_list_or_object() {
    let base = app().await;
    let out = call(
        "httpPost",
        vec![
            ("url", json!(format!("{base}/echo?fixed=1"))),
            ("data", json!({"a": [1, 2]})),
            ("headers", json!([{"key": "X-Trace", "value": "t-1"}])),
            ("queryParams", json!({"page": 2})),
        ],
    )
    .await
    .expect("ok");
    let Data::Json(v) = out else { panic!("json") };
    assert_eq!(v["method"], "POST");
    assert_eq!(v["query"], json!({"fixed": "1", "page": "2"}));
    assert_eq!(v["xTrace"], "t-1");
    assert_eq!(v["contentType"], "application/json");
    assert_eq!(v["body"], r#"{"a":[1,2]}"#);
    // Headers given as a JSON-encoded string of an object.
    let out = call(
        "httpRequest",
        vec![
            ("url", json!(format!("{base}/echo"))),
            ("method", json!("patch")),
            ("headers", json!(r#"{"X-Trace": "t-2"}"#)),
            ("data", json!("raw text")),
        ],
    )
    .await
    .expect("ok");
    let Data::Json(v) = out else { panic!("json") };
    assert_eq!(
        (v["method"].clone(), v["xTrace"].clone(), v["body"].clone()),
        (json!("PATCH"), json!("t-2"), json!("raw text"))
    );
}

#[tokio::test]
async fn put_binary_and_delete() {
    let base = app().await;
    let t = context(json!({}), vec![]);
    let mut i = inputs(vec![("url", json!(format!("{base}/echo")))]);
    i.0.insert(
        "data".into(),
        InputValue::Data(Data::Binary {
            bytes: b"bytes!".to_vec(),
            content_type: "application/pdf".into(),
        }),
    );
    let Data::Json(v) = action("httpPut").run(&t.ctx, i).await.expect("ok") else {
        panic!("json")
    };
    assert_eq!(
        (
            v["method"].clone(),
            v["contentType"].clone(),
            v["body"].clone()
        ),
        (json!("PUT"), json!("application/pdf"), json!("bytes!"))
    );
    let Data::Json(v) = call("httpDelete", vec![("url", json!(format!("{base}/echo")))])
        .await
        .expect("ok")
    else {
        panic!("json")
    };
    assert_eq!(v["method"], "DELETE");
}

#[tokio::test]
async fn full_response_envelope() {
    let base = app().await;
    let out = call(
        "httpGet",
        vec![
            ("url", json!(format!("{base}/json?key=secret"))),
            ("includeFullResponse", json!(true)),
        ],
    )
    .await
    .expect("ok");
    let Data::Json(env) = out else { panic!("json") };
    assert_eq!(env["ok"], true);
    assert_eq!(env["method"], "GET");
    assert_eq!(env["url"], format!("{base}/json"));
    assert_eq!(env["status"], 200);
    assert_eq!(env["statusText"], "OK");
    assert_eq!(env["headers"]["content-type"], "application/json");
    assert_eq!(env["body"], json!({"name": "pikachu", "id": 25}));
    assert_eq!(env["text"], Value::Null);
    assert_eq!(env["parseError"], Value::Null);
    let Data::Json(env) = call(
        "httpGet",
        vec![
            ("url", json!(format!("{base}/notjson"))),
            ("includeFullResponse", json!("true")),
        ],
    )
    .await
    .expect("ok") else {
        panic!("json")
    };
    assert_eq!(
        (env["body"].clone(), env["text"].clone()),
        (Value::Null, json!("{oops"))
    );
    assert_eq!(env["parseError"]["name"], "JSONError");
}

#[tokio::test]
async fn failure_status_fails_with_the_envelope() {
    let base = app().await;
    let err = call("httpGet", vec![("url", json!(format!("{base}/fail")))])
        .await
        .expect_err("500");
    let ActionError::Failed { message, details } = err else {
        panic!("failed")
    };
    assert!(
        message.contains("answered 500 Internal Server Error"),
        "{message}"
    );
    let env = details.expect("envelope");
    assert_eq!(
        (
            env["ok"].clone(),
            env["status"].clone(),
            env["body"].clone()
        ),
        (json!(false), json!(500), json!({"error": "boom"}))
    );
    let err = call("httpGet", vec![("url", json!(format!("{base}/missing")))])
        .await
        .expect_err("404");
    let ActionError::Failed { details, .. } = err else {
        panic!("failed")
    };
    assert_eq!(details.expect("envelope")["text"], "no such pokemon");
}

#[tokio::test]
async fn server_down_fails_with_a_reason() {
    let url = closed_port_url().await;
    let err = call(
        "httpGet",
        vec![("url", json!(format!("{url}/x?apiKey=hunter2")))],
    )
    .await
    .expect_err("down");
    let text = err.to_string();
    assert!(
        text.contains("could not connect (is the server down?)"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert!(matches!(err, ActionError::Failed { details: None, .. }));
}

#[tokio::test]
async fn slow_server_times_out() {
    let base = app().await;
    let started = std::time::Instant::now();
    let err = call(
        "httpGet",
        vec![
            ("url", json!(format!("{base}/slow"))),
            ("timeout", json!(200)),
        ],
    )
    .await
    .expect_err("timeout");
    assert!(err.to_string().contains("timed out after 200 ms"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn retries_with_backoff_until_success() {
    let base = app().await;
    let t = context(json!({}), vec![]);
    let out = action("httpGet")
        .run(
            &t.ctx,
            inputs(vec![
                ("url", json!(format!("{base}/flaky"))),
                ("responseType", json!("text")),
                ("maxRetries", json!(3)),
                ("retryDelayMS", json!(10)),
                ("useExponentialBackoff", json!(true)),
            ]),
        )
        .await;
    assert_eq!(out, Ok(Data::Json(json!("finally"))));
    let warnings: Vec<String> = t.lines.all().into_iter().map(|(_, m)| m).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[1].contains("in 20 ms"), "{warnings:?}");
    // 404 is not retried unless retryOnAllErrors.
    let t = context(json!({}), vec![]);
    let _ = action("httpGet")
        .run(
            &t.ctx,
            inputs(vec![
                ("url", json!(format!("{base}/missing"))),
                ("maxRetries", json!(2)),
            ]),
        )
        .await;
    assert!(t.lines.all().is_empty());
    let t = context(json!({}), vec![]);
    let _ = action("httpGet")
        .run(
            &t.ctx,
            inputs(vec![
                ("url", json!(format!("{base}/missing"))),
                ("maxRetries", json!(2)),
                ("retryOnAllErrors", json!(true)),
            ]),
        )
        .await;
    assert_eq!(t.lines.all().len(), 2);
}

#[tokio::test]
async fn connection_authenticates_the_request() {
    let base = app().await;
    let t = context(json!({}), vec![]);
    let conn = |key: &str, fields: &[(&str, &str)]| {
        Connection::new(
            "c".into(),
            "http".into(),
            key.into(),
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    };
    for (connection, field, expected) in [
        (
            conn("bearer", &[("token", "tok")]),
            "authorization",
            json!("Bearer tok"),
        ),
        (
            conn("basic", &[("username", "ash"), ("password", "pika")]),
            "authorization",
            json!("Basic YXNoOnBpa2E="),
        ),
        (conn("apiKey", &[("apiKey", "k-1")]), "apiKey", json!("k-1")),
    ] {
        let mut i = inputs(vec![("url", json!(format!("{base}/echo")))]);
        i.0.insert("connection".into(), InputValue::Connection(connection));
        let Data::Json(v) = action("httpGet").run(&t.ctx, i).await.expect("ok") else {
            panic!("json")
        };
        assert_eq!(v[field], expected);
    }
    let mut i = inputs(vec![("url", json!(format!("{base}/echo")))]);
    i.0.insert(
        "connection".into(),
        InputValue::Connection(conn("oauth2Password", &[])),
    );
    let err = action("httpGet")
        .run(&t.ctx, i)
        .await
        .expect_err("unsupported");
    assert!(err.to_string().contains("oauth2Password"), "{err}");
}

#[tokio::test]
async fn bad_inputs_name_the_input() {
    let err = call("httpGet", vec![]).await.expect_err("no url");
    assert_eq!(err, ActionError::input("url", "is required"));
    let err = call("httpGet", vec![("url", json!("ftp://x"))])
        .await
        .expect_err("scheme");
    assert!(matches!(err, ActionError::InvalidInput { ref input, .. } if input == "url"));
    let err = call(
        "httpGet",
        vec![("url", json!("http://x")), ("responseType", json!("xml"))],
    )
    .await
    .expect_err("type");
    assert!(matches!(err, ActionError::InvalidInput { ref input, .. } if input == "responseType"));
    let err = call(
        "httpGet",
        vec![("url", json!("http://x")), ("headers", json!(5))],
    )
    .await
    .expect_err("headers");
    assert!(matches!(err, ActionError::InvalidInput { ref input, .. } if input == "headers"));
    let _ = Inputs::default();
}

#[tokio::test]
async fn oauth2_client_credentials_through_plumb_auth_for_json_and_binary() {
    let base = app().await;
    let t = context(json!({}), vec![]);
    let conn = Connection::new(
        "http-cc".into(),
        "http".into(),
        "oauth2ClientCredentials".into(),
        [
            ("tokenUrl", format!("{base}/token")),
            ("clientId", "plumb".to_string()),
            ("clientSecret", "shh".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    );
    let mut i = inputs(vec![("url", json!(format!("{base}/echo")))]);
    i.0.insert("connection".into(), InputValue::Connection(conn.clone()));
    let Data::Json(v) = action("httpGet").run(&t.ctx, i).await.expect("json") else {
        panic!("json")
    };
    assert_eq!(v["authorization"], "Bearer tok-cc");
    let mut i = inputs(vec![
        ("url", json!(format!("{base}/private.png"))),
        ("responseType", json!("binary")),
    ]);
    i.0.insert("connection".into(), InputValue::Connection(conn));
    let out = action("httpGet").run(&t.ctx, i).await;
    assert_eq!(
        out,
        Ok(Data::Binary {
            bytes: PNG.to_vec(),
            content_type: "image/png".into()
        })
    );
}
