//! Against a small axum stand-in of OpenAI's chat completions and embeddings endpoints.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use plumb_core::action::{ActionError, Connection, Data, InputValue, Inputs};
use serde_json::{json, Value};

use super::actions;
use crate::testing::{context, inputs, serve};

const KEY: &str = "sk-test-key-123456";

/// One request the stand-in saw.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    authorization: Option<String>,
    organization: Option<String>,
    content_type: Option<String>,
    body: Value,
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// An action, its inputs and the input its error must name.
type Case<'a> = (&'a str, Vec<(&'a str, Value)>, &'a str);

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn record(log: &Log, uri: &Uri, headers: &HeaderMap, body: &Value) -> Option<Response> {
    let authorization = header(headers, "authorization");
    log.lock().expect("lock").push(Seen {
        path: uri.path().to_string(),
        authorization: authorization.clone(),
        organization: header(headers, "openai-organization"),
        content_type: header(headers, "content-type"),
        body: body.clone(),
    });
    if authorization.as_deref() != Some(&format!("Bearer {KEY}")) {
        return Some(
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": {
                    "message": "Incorrect API key provided: sk-wrong***ey12. You can find your API key at https://platform.openai.com/account/api-keys.",
                    "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})),
            )
                .into_response(),
        );
    }
    if body["model"] == "no-such-model" {
        return Some(
            (
                StatusCode::NOT_FOUND,
                Json(
                    json!({"error": {"message": "The model `no-such-model` does not exist",
                    "type": "invalid_request_error", "param": null, "code": "model_not_found"}}),
                ),
            )
                .into_response(),
        );
    }
    None
}

async fn chat(
    State(log): State<Log>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = record(&log, &uri, &headers, &body) {
        return refused;
    }
    Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1677652288,
        "model": body["model"],
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "Arlington, Texas."}}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}
    }))
    .into_response()
}

async fn embeddings(
    State(log): State<Log>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = record(&log, &uri, &headers, &body) {
        return refused;
    }
    let n = body["input"].as_array().map_or(1, Vec::len);
    let data: Vec<Value> = (0..n)
        .map(|i| json!({"object": "embedding", "index": i, "embedding": [0.25, -0.5]}))
        .collect();
    Json(
        json!({"object": "list", "data": data, "model": body["model"],
                "usage": {"prompt_tokens": 8, "total_tokens": 8}}),
    )
    .into_response()
}

async fn stand_in() -> (String, Log) {
    let log: Log = Arc::default();
    let router = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/embeddings", post(embeddings))
        .with_state(Arc::clone(&log));
    (serve(router).await, log)
}

fn conn(base: &str, key: &str, organization: Option<&str>) -> Connection {
    let mut values = BTreeMap::from([
        ("apiKey".to_string(), key.to_string()),
        ("baseUrl".to_string(), base.to_string()),
    ]);
    if let Some(org) = organization {
        values.insert("organization".into(), org.into());
    }
    Connection::new(
        "openai-1".into(),
        "openai".into(),
        "openAiApiKey".into(),
        values,
    )
}

async fn run(conn: Connection, key: &str, pairs: Vec<(&str, Value)>) -> Result<Data, ActionError> {
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
async fn chat_completion_sends_the_key_and_prismatics_body() {
    let (base, log) = stand_in().await;
    let messages = json!([{"role": "user", "content": "Where was the 2020 World Series played?"}]);
    let out = run(
        conn(&base, KEY, Some("org-9AeeV8Yj8WK9tW6QEZNHDI8Z")),
        "createChatCompletion",
        vec![
            ("model", json!("gpt-4.1-2025-04-14")),
            ("messages", messages.clone()),
            ("temperature", json!("0.2")),
            ("numChoices", json!(2)),
        ],
    )
    .await
    .expect("completion");
    let Data::Json(reply) = out else {
        panic!("json")
    };
    assert_eq!(
        reply["choices"][0]["message"]["content"],
        "Arlington, Texas."
    );
    let seen = log.lock().expect("lock")[0].clone();
    assert_eq!(seen.path, "/v1/chat/completions");
    assert_eq!(
        seen.authorization.as_deref(),
        Some("Bearer sk-test-key-123456")
    );
    assert_eq!(
        seen.organization.as_deref(),
        Some("org-9AeeV8Yj8WK9tW6QEZNHDI8Z")
    );
    assert!(seen
        .content_type
        .as_deref()
        .unwrap_or("")
        .starts_with("application/json"));
    assert_eq!(
        seen.body,
        json!({"model": "gpt-4.1-2025-04-14", "messages": messages, "temperature": 0.2,
               "top_p": 1.0, "n": 2})
    );
}

#[tokio::test]
async fn chat_completion_defaults_are_prismatics() {
    let (base, log) = stand_in().await;
    run(conn(&base, KEY, None), "createChatCompletion", vec![])
        .await
        .expect("completion");
    let seen = log.lock().expect("lock")[0].clone();
    assert_eq!(seen.organization, None);
    assert_eq!(seen.body["model"], "gpt-3.5-turbo");
    assert_eq!(seen.body["messages"].as_array().map(Vec::len), Some(4));
    assert_eq!(seen.body["messages"][3]["content"], "Where was it played?");
    assert_eq!(
        (seen.body["temperature"].clone(), seen.body["n"].clone()),
        (json!(1.0), json!(1))
    );
}

#[tokio::test]
async fn messages_may_be_json_text() {
    let (base, log) = stand_in().await;
    run(
        conn(&base, KEY, None),
        "createChatCompletion",
        vec![("messages", json!(r#"[{"role":"user","content":"hi"}]"#))],
    )
    .await
    .expect("completion");
    let seen = log.lock().expect("lock")[0].clone();
    assert_eq!(
        seen.body["messages"],
        json!([{"role": "user", "content": "hi"}])
    );
}

#[tokio::test]
async fn embeddings_of_a_string_and_of_a_list() {
    let (base, log) = stand_in().await;
    let out = run(
        conn(&base, KEY, None),
        "createEmbedding",
        vec![("input", json!("The food was delicious."))],
    )
    .await
    .expect("embedding");
    let Data::Json(reply) = out else {
        panic!("json")
    };
    assert_eq!(reply["data"][0]["embedding"], json!([0.25, -0.5]));
    let out = run(
        conn(&base, KEY, None),
        "createEmbedding",
        vec![
            ("model", json!("text-embedding-3-large")),
            ("input", json!(["a", "b"])),
            ("dimensions", json!(256)),
        ],
    )
    .await
    .expect("embeddings");
    let Data::Json(reply) = out else {
        panic!("json")
    };
    assert_eq!(reply["data"].as_array().map(Vec::len), Some(2));
    let seen = log.lock().expect("lock").clone();
    assert_eq!(seen[0].path, "/v1/embeddings");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer sk-test-key-123456")
    );
    assert_eq!(
        seen[0].body,
        json!({"model": "text-embedding-3-small", "input": "The food was delicious."})
    );
    assert_eq!(
        seen[1].body,
        json!({"model": "text-embedding-3-large", "input": ["a", "b"], "dimensions": 256})
    );
}

#[tokio::test]
async fn api_errors_fail_with_openais_message_and_never_the_key() {
    let (base, _) = stand_in().await;
    let msg = failure(
        run(
            conn(&base, "sk-wrong-key12", None),
            "createChatCompletion",
            vec![],
        )
        .await,
    );
    assert!(
        msg.starts_with("OpenAI answered 401: Incorrect API key provided: sk-…"),
        "{msg}"
    );
    assert!(!msg.contains("sk-wrong"), "{msg}");
    let msg = failure(
        run(
            conn(&base, KEY, None),
            "createEmbedding",
            vec![("model", json!("no-such-model")), ("input", json!("x"))],
        )
        .await,
    );
    assert_eq!(
        msg,
        "OpenAI answered 404: The model `no-such-model` does not exist"
    );
}

#[tokio::test]
async fn bad_input_names_the_input() {
    let (base, _) = stand_in().await;
    let c = conn(&base, KEY, None);
    let cases: Vec<Case> = vec![
        (
            "createChatCompletion",
            vec![("messages", json!({"role": "user"}))],
            "messages",
        ),
        (
            "createChatCompletion",
            vec![("messages", json!([{"content": "x"}]))],
            "messages",
        ),
        (
            "createChatCompletion",
            vec![("messages", json!("not json"))],
            "messages",
        ),
        (
            "createChatCompletion",
            vec![("temperature", json!(3))],
            "temperature",
        ),
        (
            "createChatCompletion",
            vec![("numChoices", json!(500))],
            "numChoices",
        ),
        (
            "createChatCompletion",
            vec![("timeout", json!(0))],
            "timeout",
        ),
        ("createEmbedding", vec![], "input"),
        ("createEmbedding", vec![("input", json!(" "))], "input"),
        ("createEmbedding", vec![("input", json!([1, 2]))], "input"),
        (
            "createEmbedding",
            vec![("input", json!(vec!["a"; 2049]))],
            "input",
        ),
        (
            "createEmbedding",
            vec![("input", json!("a")), ("dimensions", json!(-1))],
            "dimensions",
        ),
    ];
    for (action, pairs, key) in cases {
        let err = run(c.clone(), action, pairs.clone())
            .await
            .expect_err("bad input");
        assert!(
            matches!(&err, ActionError::InvalidInput { input, .. } if input == key),
            "{action} {pairs:?}: {err:?}"
        );
    }
    let slack = Connection::new("s".into(), "slack".into(), "bearer".into(), BTreeMap::new());
    let err = run(slack, "createEmbedding", vec![("input", json!("x"))])
        .await
        .expect_err("wrong connection");
    assert!(matches!(&err, ActionError::InvalidInput { input, .. } if input == "connection"));
}

#[tokio::test]
async fn calls_obey_the_egress_policy() {
    let hits = Arc::new(Mutex::new(0u32));
    let h = Arc::clone(&hits);
    let url = crate::testing::serve_on(
        "127.0.0.2",
        Router::new().fallback(move || {
            let h = Arc::clone(&h);
            async move {
                *h.lock().expect("lock") += 1;
                "{}"
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
    let action = super::actions_with(auth)
        .into_iter()
        .find(|(k, _)| *k == "createEmbedding")
        .map(|(_, a)| a)
        .expect("action");
    let mut i: Inputs = inputs(vec![("input", json!("x"))]);
    i.0.insert(
        "connection".into(),
        InputValue::Connection(conn(&url, KEY, None)),
    );
    let msg = failure(action.run(&context(json!({}), vec![]).ctx, i).await);
    assert!(msg.contains("egress policy refused 127.0.0.2:"), "{msg}");
    assert!(!msg.contains(KEY), "{msg}");
    assert_eq!(*hits.lock().expect("lock"), 0);
}
