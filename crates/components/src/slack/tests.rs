//! Against a small axum stand-in of Slack's Web API and an incoming webhook.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use plumb_core::action::{ActionError, Connection, Data, InputValue, Inputs};
use serde_json::{json, Value};

use super::actions;
use crate::testing::{context, inputs, serve};

const TOKEN: &str = "xoxb-test-token-1";

/// What the stand-in saw: (path, authorization, content-type, body).
type Seen = Arc<Mutex<Vec<(String, Option<String>, Option<String>, Value)>>>;

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn post_message(
    State(seen): State<Seen>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let auth = header(&headers, "authorization");
    seen.lock().expect("lock").push((
        "/api/chat.postMessage".into(),
        auth.clone(),
        header(&headers, "content-type"),
        body.clone(),
    ));
    if auth.as_deref() != Some(&format!("Bearer {TOKEN}")) {
        return Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
    }
    if body["channel"] == "nowhere" {
        return Json(json!({"ok": false, "error": "channel_not_found"})).into_response();
    }
    Json(json!({
        "ok": true,
        "channel": "C011B7U3R9U",
        "ts": "1646951430.367539",
        "message": {"type": "message", "subtype": "bot_message", "text": body["text"],
                    "ts": "1646951430.367539", "bot_id": "B036D2DCT54"}
    }))
    .into_response()
}

async fn webhook(
    State(seen): State<Seen>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    seen.lock().expect("lock").push((
        "/services/T1/B2/secretpart".into(),
        header(&headers, "authorization"),
        header(&headers, "content-type"),
        body.clone(),
    ));
    if body["text"] == "bad" {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    }
    "ok".into_response()
}

async fn stand_in() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let router = Router::new()
        .route("/api/chat.postMessage", post(post_message))
        .route("/services/T1/B2/secretpart", post(webhook))
        .with_state(Arc::clone(&seen));
    (serve(router).await, seen)
}

fn bearer(base: &str, token: &str) -> Connection {
    Connection::new(
        "slack-1".into(),
        "slack".into(),
        "bearer".into(),
        BTreeMap::from([
            ("token".to_string(), token.to_string()),
            ("apiUrl".to_string(), format!("{base}/api")),
        ]),
    )
}

fn hook(url: &str) -> Connection {
    Connection::new(
        "slack-hook".into(),
        "slack".into(),
        "webhookUrl".into(),
        BTreeMap::from([("webhookUrl".to_string(), url.to_string())]),
    )
}

async fn call(conn: Connection, key: &str, pairs: Vec<(&str, Value)>) -> Result<Data, ActionError> {
    let action = actions()
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, a)| a)
        .expect("action");
    let mut i: Inputs = inputs(pairs);
    i.0.insert("connection".into(), InputValue::Connection(conn));
    let t = context(json!({}), vec![]);
    action.run(&t.ctx, i).await
}

fn failure(out: Result<Data, ActionError>) -> String {
    match out {
        Err(ActionError::Failed { message, .. }) => message,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn post_message_sends_bearer_token_and_json_body() {
    let (base, seen) = stand_in().await;
    let out = call(
        bearer(&base, TOKEN),
        "postMessage",
        vec![
            ("channelName", json!("general")),
            ("message", json!("Hello from Acme!")),
            ("username", json!("Acme Bot")),
            ("messageId", json!("1503435956.000247")),
        ],
    )
    .await
    .expect("posted");
    let Data::Json(reply) = out else {
        panic!("json")
    };
    assert_eq!(reply["ok"], true);
    assert_eq!(reply["ts"], "1646951430.367539");
    assert_eq!(reply["message"]["text"], "Hello from Acme!");
    let seen = seen.lock().expect("lock").clone();
    let (path, auth, ctype, body) = &seen[0];
    assert_eq!(path, "/api/chat.postMessage");
    assert_eq!(auth.as_deref(), Some("Bearer xoxb-test-token-1"));
    assert!(ctype
        .as_deref()
        .unwrap_or("")
        .starts_with("application/json"));
    assert_eq!(
        body,
        &json!({"channel": "general", "text": "Hello from Acme!", "username": "Acme Bot",
                "thread_ts": "1503435956.000247"})
    );
}

#[tokio::test]
async fn post_message_leaves_out_blank_optional_inputs() {
    let (base, seen) = stand_in().await;
    call(
        bearer(&base, TOKEN),
        "postMessage",
        vec![
            ("channelName", json!("general")),
            ("message", json!("hi")),
            ("username", json!("")),
        ],
    )
    .await
    .expect("posted");
    let body = seen.lock().expect("lock")[0].3.clone();
    assert_eq!(body, json!({"channel": "general", "text": "hi"}));
}

#[tokio::test]
async fn slack_errors_fail_with_slacks_code_and_never_the_token() {
    let (base, _) = stand_in().await;
    let msg = failure(
        call(
            bearer(&base, TOKEN),
            "postMessage",
            vec![("channelName", json!("nowhere")), ("message", json!("x"))],
        )
        .await,
    );
    assert_eq!(msg, "Slack chat.postMessage failed: channel_not_found");
    let msg = failure(
        call(
            bearer(&base, "xoxb-wrong-secret"),
            "postMessage",
            vec![("channelName", json!("general")), ("message", json!("x"))],
        )
        .await,
    );
    assert_eq!(msg, "Slack chat.postMessage failed: invalid_auth");
    assert!(!msg.contains("xoxb"));
}

#[tokio::test]
async fn bad_input_names_the_input() {
    let (base, _) = stand_in().await;
    let conn = bearer(&base, TOKEN);
    let err = call(conn.clone(), "postMessage", vec![("message", json!("x"))])
        .await
        .expect_err("no channel");
    assert_eq!(err, ActionError::input("channelName", "is required"));
    let err = call(
        conn.clone(),
        "postMessage",
        vec![("channelName", json!("general"))],
    )
    .await
    .expect_err("no message");
    assert_eq!(err, ActionError::input("message", "is required"));
    let err = call(
        conn.clone(),
        "postMessage",
        vec![
            ("channelName", json!("general")),
            ("message", json!("x".repeat(40_001))),
        ],
    )
    .await
    .expect_err("too long");
    assert_eq!(
        err,
        ActionError::input("message", "is longer than 40000 characters")
    );
    let err = call(
        hook(&format!("{base}/services/T1/B2/secretpart")),
        "postMessage",
        vec![("channelName", json!("general")), ("message", json!("x"))],
    )
    .await
    .expect_err("webhook connection");
    assert!(matches!(err, ActionError::InvalidInput { ref input, .. } if input == "connection"));
    let err = call(conn, "postSlackMessage", vec![("message", json!("x"))])
        .await
        .expect_err("token connection");
    assert!(matches!(err, ActionError::InvalidInput { ref input, .. } if input == "connection"));
}

#[tokio::test]
async fn webhook_posts_text_and_answers_the_reply() {
    let (base, seen) = stand_in().await;
    let url = format!("{base}/services/T1/B2/secretpart");
    let out = call(
        hook(&url),
        "postSlackMessage",
        vec![("message", json!("Hello from Acme!"))],
    )
    .await;
    assert_eq!(out, Ok(Data::Json(json!({"text": "ok"}))));
    let seen = seen.lock().expect("lock").clone();
    let (_, auth, ctype, body) = &seen[0];
    assert_eq!(auth, &None);
    assert!(ctype
        .as_deref()
        .unwrap_or("")
        .starts_with("application/json"));
    assert_eq!(body, &json!({"text": "Hello from Acme!"}));
}

#[tokio::test]
async fn webhook_errors_never_show_the_url() {
    let (base, _) = stand_in().await;
    let url = format!("{base}/services/T1/B2/secretpart");
    let msg = failure(
        call(
            hook(&url),
            "postSlackMessage",
            vec![("message", json!("bad"))],
        )
        .await,
    );
    assert_eq!(msg, "the Slack webhook answered 400: invalid_payload");
    let msg = failure(
        call(
            hook(&format!("{base}/services/T1/B2/wrongsecret")),
            "postSlackMessage",
            vec![("message", json!("x"))],
        )
        .await,
    );
    assert!(msg.starts_with("the Slack webhook answered 404"), "{msg}");
    assert!(!msg.contains("wrongsecret"), "{msg}");
    let err = call(
        hook("not a url"),
        "postSlackMessage",
        vec![("message", json!("x"))],
    )
    .await
    .expect_err("bad url");
    assert!(matches!(err, ActionError::InvalidInput { ref input, .. } if input == "connection"));
}

#[tokio::test]
async fn oauth2_connection_uses_its_token_and_the_token_urls_api() {
    let (base, seen) = stand_in().await;
    let conn = Connection::new(
        "slack-oauth".into(),
        "slack".into(),
        "oauth2".into(),
        BTreeMap::from([
            (
                "authorizeUrl".to_string(),
                format!("{base}/oauth/v2/authorize"),
            ),
            (
                "tokenUrl".to_string(),
                format!("{base}/api/oauth.v2.access"),
            ),
            ("clientId".to_string(), "cid".to_string()),
            ("clientSecret".to_string(), "csecret".to_string()),
            ("signingSecret".to_string(), "ssecret".to_string()),
            // The access token an authorization left (seeded here instead of the sign-in).
            ("accessToken".to_string(), TOKEN.to_string()),
        ]),
    );
    let out = call(
        conn,
        "postMessage",
        vec![("channelName", json!("general")), ("message", json!("hi"))],
    )
    .await
    .expect("posted");
    let Data::Json(reply) = out else {
        panic!("json")
    };
    assert_eq!(reply["ok"], true);
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen[0].1.as_deref(), Some("Bearer xoxb-test-token-1"));
}

/// An `AuthClient` whose egress policy denies 127.0.0.2, and a server there counting hits.
async fn denied_server() -> (String, Arc<plumb_auth::AuthClient>, Arc<Mutex<u32>>) {
    let hits = Arc::new(Mutex::new(0u32));
    let h = Arc::clone(&hits);
    let url = crate::testing::serve_on(
        "127.0.0.2",
        Router::new().fallback(move || {
            let h = Arc::clone(&h);
            async move {
                *h.lock().expect("lock") += 1;
                "ok"
            }
        }),
    )
    .await;
    let policy = plumb_auth::EgressPolicy::builtin()
        .deny("--egress-deny", &["127.0.0.2".to_string()])
        .expect("entry");
    let auth = Arc::new(plumb_auth::AuthClient::with_egress(
        Arc::new(plumb_auth::MemoryTokenStore::new()),
        Arc::new(policy),
    ));
    (url, auth, hits)
}

#[tokio::test]
async fn both_actions_obey_the_egress_policy() {
    let (url, auth, hits) = denied_server().await;
    let run = |key: &'static str, conn: Connection, pairs: Vec<(&'static str, Value)>| {
        let auth = Arc::clone(&auth);
        async move {
            let action = super::actions_with(auth)
                .into_iter()
                .find(|(k, _)| *k == key)
                .map(|(_, a)| a)
                .expect("action");
            let mut i: Inputs = inputs(pairs);
            i.0.insert("connection".into(), InputValue::Connection(conn));
            action.run(&context(json!({}), vec![]).ctx, i).await
        }
    };
    let msg = failure(
        run(
            "postSlackMessage",
            hook(&format!("{url}/services/T1/B2/topsecret")),
            vec![("message", json!("x"))],
        )
        .await,
    );
    assert!(msg.contains("egress policy refused 127.0.0.2:"), "{msg}");
    assert!(!msg.contains("topsecret"), "{msg}");
    let msg = failure(
        run(
            "postMessage",
            bearer(&url, TOKEN),
            vec![("channelName", json!("general")), ("message", json!("x"))],
        )
        .await,
    );
    assert!(msg.contains("egress policy refused 127.0.0.2:"), "{msg}");
    assert!(!msg.contains("xoxb"), "{msg}");
    assert_eq!(*hits.lock().expect("lock"), 0);
}
