//! Planted secrets through a loopback echo server: an instance whose connections (bearer, basic,
//! an API key in the query, OAuth 2.0 client credentials posted and sent as Basic) call a server
//! that echoes every request header, its URI and body, answered as JSON, text and binary, plus
//! a full response whose binary body plumb base64-encodes, a step whose error echoes the
//! request, and a code step that reverses and spaces out everything it was given. No stored
//! step result (JSON or `result_binary`), log line, execution error or synchronous answer holds
//! a secret in plain, JSON-escaped, base64 (standard, URL-safe, unpadded, inside a longer
//! base64 text), Basic or percent-encoded form: read from the store's own rows, and through
//! GraphQL as a viewer.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{any, post};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use plumb_store::executions::StepValue;
use plumb_store::tokens::Role;
use plumb_store::PageRequest;
use serde_json::{json, Value};

use crate::instance_values::publish;
use crate::instances::{gql_ok, start, wait_done};

const USER: &str = "alice";
const BEARER: &str = "bearer-Pl4nted.tok3n~x1";
const PASSWORD: &str = "pa:ss w0rd/Pl4nted\"q";
const QUERY_KEY: &str = "k3y/Pl4nted+sp ce&=";
const POST_ID: &str = "client post";
const POST_SECRET: &str = "cl1ent/Pl4nted secret+1";
const BASIC_ID: &str = "client-basic";
const BASIC_SECRET: &str = "cl1ent:Pl4nted/basic 2";

/// Every secret, with the user it is paired with in a Basic form.
const SECRETS: &[(&str, &str)] = &[
    ("", BEARER),
    (USER, PASSWORD),
    ("", QUERY_KEY),
    (POST_ID, POST_SECRET),
    (BASIC_ID, BASIC_SECRET),
];

fn form(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                char::from(b).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The forms of every secret no stored byte may contain.
fn forbidden() -> Vec<String> {
    let mut out = Vec::new();
    for (user, secret) in SECRETS {
        let json = Value::String(secret.to_string()).to_string();
        let escaped = json.trim_matches('"').to_string();
        out.extend([
            secret.to_string(),
            escaped,
            form(secret),
            percent(secret),
            secret.chars().rev().collect(),
            secret
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" "),
        ]);
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            out.push(engine.encode(secret));
            if !user.is_empty() {
                out.push(engine.encode(format!("{user}:{secret}")));
                out.push(engine.encode(format!("{}:{}", form(user), form(secret))));
            }
        }
        // Inside a longer base64 text, at each alignment: the characters of the secret alone.
        for align in 0..3usize {
            let mut bytes = vec![b'x'; align];
            bytes.extend_from_slice(secret.as_bytes());
            let start = (8 * align).div_ceil(6);
            let end = 8 * (align + secret.len()) / 6;
            for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
                out.push(engine.encode(&bytes)[start..end].to_string());
            }
        }
    }
    out
}

#[track_caller]
fn assert_clean(what: &str, bytes: &[u8]) {
    for f in forbidden() {
        assert!(
            !bytes.windows(f.len()).any(|w| w == f.as_bytes()),
            "{what} holds {f:?}: {}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// The decoded bytes of every string of `v` that is base64.
fn base64_strings(v: &Value) -> Vec<Vec<u8>> {
    match v {
        Value::String(s) if s.len() >= 16 => [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|e| e.decode(s).ok())
            .into_iter()
            .collect(),
        Value::Array(items) => items.iter().flat_map(base64_strings).collect(),
        Value::Object(map) => map.values().flat_map(base64_strings).collect(),
        _ => Vec::new(),
    }
}

/// What the echo server saw: the Authorization headers and URIs of its requests.
type Seen = Arc<Mutex<Vec<String>>>;

fn echo_body(uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Value {
    let headers: BTreeMap<String, String> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // Like httpbin: the Basic credentials, decoded.
    let basic = headers
        .get("authorization")
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    json!({
        "uri": uri.to_string(),
        "headers": headers,
        "body": String::from_utf8_lossy(body),
        "basic": basic,
    })
}

/// `/echo/{json,text,binary,fail}`: the request back in that shape; `/token`: an access token
/// made of the token request's form body and Authorization header.
async fn echo_server() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let keep = seen.clone();
    let router = axum::Router::new()
        .route(
            "/echo/{shape}",
            any(
                move |Path(shape): Path<String>, uri: Uri, headers: HeaderMap, body: Bytes| {
                    let keep = keep.clone();
                    async move {
                        let echoed = echo_body(&uri, &headers, &body);
                        keep.lock().unwrap().push(echoed.to_string());
                        let text = echoed.to_string();
                        match shape.as_str() {
                            "json" => {
                                (StatusCode::OK, [("content-type", "application/json")], text)
                                    .into_response()
                            }
                            "text" => (StatusCode::OK, [("content-type", "text/plain")], text)
                                .into_response(),
                            "binary" => {
                                let mut bytes = vec![0x89, b'P', b'N', b'G', 0, 0xff];
                                bytes.extend_from_slice(text.as_bytes());
                                (
                                    StatusCode::OK,
                                    [("content-type", "application/octet-stream")],
                                    bytes,
                                )
                                    .into_response()
                            }
                            _ => (
                                StatusCode::INTERNAL_SERVER_ERROR,
                                [("content-type", "application/json")],
                                text,
                            )
                                .into_response(),
                        }
                    }
                },
            ),
        )
        .route(
            "/token",
            post(|headers: HeaderMap, body: String| async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none")
                    .to_string();
                axum::Json(json!({
                    "access_token": format!("{body}|{auth}"),
                    "token_type": "Bearer",
                    "expires_in": 3600,
                }))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (url, seen)
}

fn connection(key: &str, type_key: &str) -> String {
    format!(
        "  - key: {key}\n    dataType: connection\n    connection: {{key: {type_key}, component: {{key: http}}}}\n"
    )
}

fn http_step(name: &str, url: &str, conn: &str, extra: &str) -> String {
    format!(
        "      - name: {name}\n        action: {{key: httpGet, component: {{key: http}}}}\n        inputs:\n          url: {{type: value, value: \"{url}\"}}\n          connection: {{type: configVar, value: {conn}}}\n{extra}"
    )
}

fn definition(base: &str) -> String {
    let code = r#"module.exports = async ({ configVars, logger }, stepResults) => {
  const all = JSON.stringify({ configVars, stepResults });
  logger.info('everything: ' + all);
  return { data: { reversed: all.split('').reverse().join(''), spaced: all.split('').join(' '), configVars } };
};"#;
    let answer = "module.exports = async (context, stepResults) => ({ data: stepResults.bearerJson.results });";
    format!(
        "name: Planted Secrets\ndefinitionVersion: 7\nrequiredConfigVars:\n{}{}{}{}{}flows:\n  - name: Echo\n    steps:\n      - name: Trigger\n        isTrigger: true\n        action: {{key: webhook, component: {{key: webhook-triggers}}}}\n{}{}{}{}{}{}{}      - name: Reverse\n        action: {{key: runCode, component: {{key: code}}}}\n        inputs:\n          code: {{type: value, value: {}}}\n      - name: Answer\n        action: {{key: runCode, component: {{key: code}}}}\n        inputs:\n          code: {{type: value, value: {}}}\n",
        connection("bearer", "bearer"),
        connection("basic", "basic"),
        connection("query", "apiKey"),
        connection("oauthPost", "oauth2ClientCredentials"),
        connection("oauthBasic", "oauth2ClientCredentials"),
        http_step("Bearer Json", &format!("{base}/echo/json"), "bearer", ""),
        http_step(
            "Basic Text",
            &format!("{base}/echo/text"),
            "basic",
            "          responseType: {type: value, value: text}\n"
        ),
        http_step(
            "Query Binary",
            &format!("{base}/echo/binary?page=1"),
            "query",
            "          responseType: {type: value, value: binary}\n"
        ),
        http_step(
            "Basic Full Binary",
            &format!("{base}/echo/binary"),
            "basic",
            "          responseType: {type: value, value: binary}\n          includeFullResponse: {type: value, value: true}\n"
        ),
        http_step("OAuth Post", &format!("{base}/echo/json"), "oauthPost", ""),
        http_step(
            "OAuth Basic",
            &format!("{base}/echo/text"),
            "oauthBasic",
            "          responseType: {type: value, value: text}\n"
        ),
        http_step(
            "Basic Fails",
            &format!("{base}/echo/fail"),
            "basic",
            "        errorConfig: {errorType: ignore}\n"
        ),
        serde_json::to_string(code).unwrap(),
        serde_json::to_string(answer).unwrap(),
    )
}

fn values(base: &str) -> Value {
    let v = |x: Value| x.to_string();
    json!([
        {"key": "bearer", "values": v(json!({"token": BEARER}))},
        {"key": "basic", "values": v(json!({"username": USER, "password": PASSWORD}))},
        {"key": "query", "values": v(json!({"apiKey": QUERY_KEY, "location": "query", "name": "key"}))},
        {"key": "oauthPost", "values": v(json!({"tokenUrl": format!("{base}/token"),
            "clientId": POST_ID, "clientSecret": POST_SECRET, "authMethod": "client_secret_post"}))},
        {"key": "oauthBasic", "values": v(json!({"tokenUrl": format!("{base}/token"),
            "clientId": BASIC_ID, "clientSecret": BASIC_SECRET, "authMethod": "client_secret_basic"}))},
    ])
}

#[tokio::test]
async fn planted_secrets_never_reach_a_stored_result_log_or_answer() {
    for db in plumb_store::testing::TestDb::all().await.unwrap() {
        let running = start(db, 1 << 20).await;
        let s = &running.server;
        let (base, seen) = echo_server().await;
        let version = publish(s, &definition(&base)).await;
        let customer = gql_ok(
            s,
            "mutation { createCustomer(input: {name: \"C\"}) { customer { id } errors { field } } }",
            json!({}),
            "createCustomer",
        )
        .await["customer"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let created = gql_ok(
            s,
            "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
              instance { id flowConfigs { nodes { webhookUrl } } } errors { field messages } } }",
            json!({"input": {"name": "i", "customer": customer, "integration": version,
                "configVariables": values(&base)}}),
            "createInstance",
        )
        .await;
        let instance = created["instance"]["id"].as_str().unwrap().to_string();
        let webhook = created["instance"]["flowConfigs"]["nodes"][0]["webhookUrl"]
            .as_str()
            .unwrap()
            .to_string();
        gql_ok(
            s,
            "mutation($input: InstanceIdInput!) { deployInstance(input: $input) {
              instance { id } errors { field messages } } }",
            json!({"input": {"id": instance}}),
            "deployInstance",
        )
        .await;

        // A synchronous call: the answer is the last step's result.
        let sync = s
            .http
            .post(&webhook)
            .header("plumb-synchronous", "true")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(sync.status(), 200, "{}", s.db.label);
        let answer = sync.bytes().await.unwrap();
        assert_clean("the synchronous answer", &answer);
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(answer["headers"]["authorization"], "Bearer [REDACTED]");

        // Every secret did reach the server, in the forms searched for below.
        let saw = seen.lock().unwrap().join("\n");
        for planted in [
            format!("Bearer {BEARER}"),
            format!("Basic {}", STANDARD.encode(format!("{USER}:{PASSWORD}"))),
            format!("key={}", form(QUERY_KEY)),
            format!("client_secret={}", form(POST_SECRET)),
            format!(
                "Basic {}",
                STANDARD.encode(format!("{}:{}", form(BASIC_ID), form(BASIC_SECRET)))
            ),
        ] {
            let escaped = Value::String(planted.clone()).to_string();
            assert!(
                saw.contains(escaped.trim_matches('"')),
                "{planted} not sent: {saw}"
            );
        }

        // The raw rows: the execution, its step results (JSON and binary) and its logs.
        let org = s.org;
        let page = PageRequest {
            first: Some(100),
            ..Default::default()
        };
        let executions =
            s.db.store
                .list_executions(org, &Default::default(), &page)
                .await
                .unwrap();
        assert_eq!(executions.items.len(), 1);
        let e = &executions.items[0];
        assert_clean("the execution row", format!("{:?}", e.error).as_bytes());
        let steps =
            s.db.store
                .list_step_results(org, e.id, &page)
                .await
                .unwrap()
                .items;
        assert_eq!(steps.len(), 10, "{steps:?}");
        let mut redacted = Vec::new();
        for step in &steps {
            let mut bytes = Vec::new();
            match &step.value {
                Some(StepValue::Json(j)) => {
                    bytes.extend_from_slice(j.as_bytes());
                    // A base64 text in a result is checked decoded too.
                    for decoded in base64_strings(&serde_json::from_str(j).unwrap()) {
                        assert_clean(&format!("base64 in step `{}`", step.step_name), &decoded);
                        bytes.push(b'\n');
                        bytes.extend_from_slice(&decoded);
                    }
                }
                Some(StepValue::Binary {
                    bytes: b,
                    content_type,
                }) => {
                    bytes.extend_from_slice(b);
                    bytes.extend_from_slice(content_type.as_bytes());
                }
                None => {}
            }
            for text in [&step.error, &step.error_details].into_iter().flatten() {
                bytes.extend_from_slice(text.as_bytes());
            }
            assert_clean(&format!("step `{}`", step.step_name), &bytes);
            // `Reverse` holds what it was given reversed: `]DETCADER[`.
            if bytes
                .windows(10)
                .any(|w| w == b"[REDACTED]" || w == b"]DETCADER[")
            {
                redacted.push(step.step_name.as_str());
            }
        }
        // Each echo (and the error, and the code steps' copies) had something redacted.
        for name in [
            "Bearer Json",
            "Basic Text",
            "Query Binary",
            "Basic Full Binary",
            "OAuth Post",
            "OAuth Basic",
            "Basic Fails",
            "Reverse",
            "Answer",
        ] {
            assert!(
                redacted.contains(&name),
                "{name} not redacted: {redacted:?}"
            );
        }
        let binary = steps
            .iter()
            .find(|x| x.step_name == "Query Binary")
            .unwrap();
        assert!(
            matches!(&binary.value, Some(StepValue::Binary { bytes, .. }) if bytes.starts_with(&[0x89, b'P', b'N', b'G'])),
            "{binary:?}"
        );
        let ignored = steps.iter().find(|x| x.step_name == "Basic Fails").unwrap();
        assert!(ignored.error.is_some(), "{ignored:?}");
        // The code step was given no secret input of any connection.
        let reverse = steps.iter().find(|x| x.step_name == "Reverse").unwrap();
        let Some(StepValue::Json(reverse)) = &reverse.value else {
            panic!("{reverse:?}");
        };
        let reverse: Value = serde_json::from_str(reverse).unwrap();
        assert_eq!(reverse["configVars"]["basic"]["username"], USER);
        for conn in ["bearer", "basic", "query", "oauthPost", "oauthBasic"] {
            let fields = reverse["configVars"][conn].as_object().unwrap();
            for secret in ["token", "password", "apiKey", "clientSecret"] {
                assert!(!fields.contains_key(secret), "{conn}.{secret}: {fields:?}");
            }
        }

        let logs =
            s.db.store
                .list_execution_logs(
                    org,
                    e.id,
                    None,
                    &PageRequest {
                        first: Some(1000),
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .items;
        let mut all = Vec::new();
        for l in &logs {
            all.extend_from_slice(l.message.as_bytes());
            all.push(b'\n');
        }
        assert_clean("the logs", &all);
        let warned: Vec<&str> = logs
            .iter()
            .filter(|l| l.severity == "WARN" && l.message.contains("contained a connection secret"))
            .map(|l| l.message.as_str())
            .collect();
        assert!(
            warned.iter().any(|w| w.contains("step `Query Binary`")),
            "{warned:?}"
        );

        // And what a viewer reads through GraphQL.
        let viewer = s.token(&[Role::Viewer], None).await;
        let read = s
            .gql_as(
                &viewer,
                "query($id: ID!) { executionResult(id: $id) { status error
                   stepResults { nodes { stepName results } } logs { nodes { severity message } } } }",
                json!({"id": plumb_core::id::encode("InstanceExecutionResult", e.id)}),
            )
            .await;
        assert_clean("the viewer's read", read.to_string().as_bytes());
        let done = wait_done(s, &plumb_core::id::encode("InstanceExecutionResult", e.id)).await;
        assert_eq!(done["status"], "SUCCESS", "{done}");
        assert_clean("the admin's read", done.to_string().as_bytes());
    }
}
