//! Binary downloads (`responseType: binary`) through connections whose credential is not a
//! plain header: `apiKeyDynamic` (a fetched key, re-fetched once after a 401) and `awsSigV4`
//! (a request signature, checked by the server).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method as AxMethod, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::{Json, Router};
use plumb_auth::{AuthClient, AwsSigV4, SecretString};
use plumb_core::action::{Action, ActionError, Connection, Data, InputValue};
use serde_json::{json, Value};

use super::actions_with;
use crate::testing::{context, inputs, serve};

/// A PNG signature followed by bytes that are not UTF-8.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0x01, 0x02,
];

fn http_get(auth: &Arc<AuthClient>) -> Arc<dyn Action> {
    actions_with(Arc::clone(auth))
        .into_iter()
        .find(|(k, _)| *k == "httpGet")
        .map(|(_, a)| a)
        .expect("httpGet")
}

fn connection(id: &str, key: &str, fields: &[(&str, String)]) -> Connection {
    Connection::new(
        id.into(),
        "http".into(),
        key.into(),
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

async fn get_binary(
    action: &Arc<dyn Action>,
    url: String,
    query: Value,
    conn: Connection,
) -> Result<Data, ActionError> {
    let t = context(json!({}), vec![]);
    let mut i = inputs(vec![
        ("url", json!(url)),
        ("responseType", json!("binary")),
        ("queryParams", query),
    ]);
    i.0.insert("connection".into(), InputValue::Connection(conn));
    action.run(&t.ctx, i).await
}

fn png() -> Data {
    Data::Binary {
        bytes: PNG.to_vec(),
        content_type: "image/png".into(),
    }
}

fn failed_status(err: &ActionError) -> Option<u64> {
    match err {
        ActionError::Failed {
            details: Some(d), ..
        } => d["status"].as_u64(),
        _ => None,
    }
}

// ---------------------------------------------------------------- apiKeyDynamic

/// The key server: `POST /key` issues `key-N` (N counts the fetches) when the parameters are
/// right; `GET /avatar.png` answers the PNG only with the valid key in `X-Avatar-Key`.
#[derive(Default)]
struct KeyServer {
    fetches: AtomicU32,
    downloads: AtomicU32,
    /// The key `/avatar.png` accepts.
    valid: Mutex<String>,
    /// The keys `/avatar.png` was sent, in order.
    seen: Mutex<Vec<String>>,
}

async fn issue_key(State(s): State<Arc<KeyServer>>, Json(params): Json<Value>) -> Response {
    if params != json!({"client": "plumb", "secret": "s3cret"}) {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"error": "bad parameters"})),
        )
            .into_response();
    }
    let n = s.fetches.fetch_add(1, Ordering::SeqCst) + 1;
    Json(json!({"data": {"apiKey": format!("key-{n}")}})).into_response()
}

async fn avatar(State(s): State<Arc<KeyServer>>, headers: HeaderMap) -> Response {
    s.downloads.fetch_add(1, Ordering::SeqCst);
    let key = headers
        .get("x-avatar-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    s.seen.lock().expect("seen").push(key.clone());
    if key == *s.valid.lock().expect("valid") {
        ([("content-type", "image/png")], PNG).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad key"}))).into_response()
    }
}

async fn key_server() -> (String, Arc<KeyServer>) {
    let state = Arc::new(KeyServer::default());
    *state.valid.lock().expect("valid") = "key-1".into();
    let router = Router::new()
        .route("/key", post(issue_key))
        .route("/avatar.png", any(avatar))
        .with_state(Arc::clone(&state));
    (serve(router).await, state)
}

fn dynamic_connection(base: &str, id: &str) -> Connection {
    connection(
        id,
        "apiKeyDynamic",
        &[
            ("method", "POST".into()),
            ("url", format!("{base}/key")),
            ("responsePointer", "/data/apiKey".into()),
            (
                "parameters",
                json!({"client": "plumb", "secret": "s3cret"}).to_string(),
            ),
            ("location", "header".into()),
            ("name", "X-Avatar-Key".into()),
        ],
    )
}

#[tokio::test]
async fn api_key_dynamic_downloads_binary_and_refetches_the_key_once_after_a_401() {
    let (base, server) = key_server().await;
    let auth = Arc::new(AuthClient::in_memory());
    let action = http_get(&auth);
    let url = format!("{base}/avatar.png");
    let conn = dynamic_connection(&base, "dyn-binary");

    // First call: the key is fetched once and placed in the configured header.
    let out = get_binary(&action, url.clone(), json!({}), conn.clone()).await;
    assert_eq!(out, Ok(png()));
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1);
    assert_eq!(*server.seen.lock().expect("seen"), vec!["key-1"]);

    // Cached: a second download fetches no key.
    let out = get_binary(&action, url.clone(), json!({}), conn.clone()).await;
    assert_eq!(out, Ok(png()));
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1);

    // The server rotates the key: the cached key gets a 401, the key is fetched again and
    // the download retried once with the new key.
    *server.valid.lock().expect("valid") = "key-2".into();
    let out = get_binary(&action, url.clone(), json!({}), conn.clone()).await;
    assert_eq!(out, Ok(png()));
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2);
    assert_eq!(
        *server.seen.lock().expect("seen"),
        vec!["key-1", "key-1", "key-1", "key-2"]
    );

    // A key the server never accepts: one re-fetch, one retry, then the 401 envelope.
    *server.valid.lock().expect("valid") = "never".into();
    let err = get_binary(&action, url, json!({}), conn)
        .await
        .expect_err("401");
    assert_eq!(failed_status(&err), Some(401), "{err:?}");
    assert_eq!(server.fetches.load(Ordering::SeqCst), 3);
    assert_eq!(server.downloads.load(Ordering::SeqCst), 6);
    let seen = server.seen.lock().expect("seen").clone();
    assert_eq!(seen[4..], ["key-2".to_string(), "key-3".to_string()]);
}

#[tokio::test]
async fn api_key_dynamic_key_request_failure_fails_the_download() {
    let (base, server) = key_server().await;
    let auth = Arc::new(AuthClient::in_memory());
    let action = http_get(&auth);
    let mut conn = dynamic_connection(&base, "dyn-bad-params");
    conn.set(
        "parameters".into(),
        json!({"client": "plumb", "secret": "wrong"}).to_string(),
    );
    let err = get_binary(&action, format!("{base}/avatar.png"), json!({}), conn)
        .await
        .expect_err("key request refused");
    assert!(matches!(err, ActionError::Failed { .. }), "{err:?}");
    assert_eq!(server.downloads.load(Ordering::SeqCst), 0);
    assert_eq!(server.fetches.load(Ordering::SeqCst), 0);
}

// ---------------------------------------------------------------- awsSigV4

const AKID: &str = "AKIDPLUMBTEST";
const SECRET: &str = "plumb-sigv4-secret";
const REGION: &str = "eu-west-2";
const SERVICE: &str = "execute-api";

/// What the SigV4 server saw of the last request.
#[derive(Default)]
struct SigServer {
    /// `(credential scope, signed headers)` of each request.
    scopes: Mutex<Vec<(String, String)>>,
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
fn parse_authorization(value: &str) -> Option<BTreeMap<String, String>> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    rest.split(',')
        .map(|part| {
            let (k, v) = part.trim().split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

/// `20261126T013000Z` as a time.
fn parse_amz_date(s: &str) -> Option<SystemTime> {
    if s.len() != 16 || &s[8..9] != "T" || !s.ends_with('Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// Checks the request's signature: the `Authorization` header's structure, `x-amz-date`, the
/// credential scope, and the signature recomputed from what arrived with the server's copy of
/// the secret (`aws-sigv4` through `plumb_auth::AwsSigV4`).
fn verify(
    method: &AxMethod,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(String, String), String> {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let auth = header("authorization").ok_or("no authorization header")?;
    let parts = parse_authorization(auth).ok_or("not an AWS4-HMAC-SHA256 authorization")?;
    let credential = parts.get("Credential").ok_or("no Credential")?;
    let signed = parts.get("SignedHeaders").ok_or("no SignedHeaders")?;
    let signature = parts.get("Signature").ok_or("no Signature")?;
    let amz_date = header("x-amz-date").ok_or("no x-amz-date")?;
    let time = parse_amz_date(amz_date).ok_or("bad x-amz-date")?;
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5 || scope[0] != AKID || scope[4] != "aws4_request" {
        return Err(format!("bad credential {credential}"));
    }
    if scope[1] != &amz_date[..8] {
        return Err("scope date differs from x-amz-date".into());
    }
    let names: Vec<&str> = signed.split(';').collect();
    if !names.contains(&"host") || !names.contains(&"x-amz-date") {
        return Err(format!("host and x-amz-date must be signed: {signed}"));
    }
    let host = header("host").ok_or("no host")?;
    let url = format!("http://{host}{uri}");
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .filter(|n| !matches!(**n, "host" | "x-amz-date"))
        .map(|&n| Ok((n, header(n).ok_or(format!("signed header {n} missing"))?)))
        .collect::<Result<_, String>>()?;
    let signer = AwsSigV4::new(AKID, &SecretString::new(SECRET), None, scope[2], scope[3]);
    let expected = signer
        .sign(method.as_str(), &url, &pairs, body, time, None)
        .map_err(|e| e.to_string())?;
    if expected.signature != *signature {
        return Err("signature does not match".into());
    }
    Ok((scope[2..4].join("/"), signed.clone()))
}

async fn signed_avatar(
    State(s): State<Arc<SigServer>>,
    method: AxMethod,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match verify(&method, &uri, &headers, &body) {
        Ok(seen) => {
            s.scopes.lock().expect("scopes").push(seen);
            ([("content-type", "image/png")], PNG).into_response()
        }
        Err(why) => (StatusCode::FORBIDDEN, Json(json!({"message": why}))).into_response(),
    }
}

async fn sig_server() -> (String, Arc<SigServer>) {
    let state = Arc::new(SigServer::default());
    let router = Router::new()
        .route("/prod/avatars/{name}", any(signed_avatar))
        .with_state(Arc::clone(&state));
    (serve(router).await, state)
}

fn sigv4_connection(id: &str, secret: &str) -> Connection {
    connection(
        id,
        "awsSigV4",
        &[
            ("accessKeyId", AKID.into()),
            ("secretAccessKey", secret.into()),
            ("region", REGION.into()),
            ("service", SERVICE.into()),
        ],
    )
}

#[tokio::test]
async fn aws_sigv4_downloads_binary_with_a_signature_the_server_verifies() {
    let (base, server) = sig_server().await;
    let auth = Arc::new(AuthClient::in_memory());
    let action = http_get(&auth);
    let out = get_binary(
        &action,
        format!("{base}/prod/avatars/pikachu.png"),
        json!({"size": "large", "shiny": "no"}),
        sigv4_connection("sig-ok", SECRET),
    )
    .await;
    assert_eq!(out, Ok(png()));
    let scopes = server.scopes.lock().expect("scopes").clone();
    assert_eq!(scopes.len(), 1);
    assert_eq!(scopes[0].0, format!("{REGION}/{SERVICE}"));
}

#[tokio::test]
async fn aws_sigv4_with_a_wrong_secret_fails_with_the_servers_answer() {
    let (base, server) = sig_server().await;
    let auth = Arc::new(AuthClient::in_memory());
    let action = http_get(&auth);
    let err = get_binary(
        &action,
        format!("{base}/prod/avatars/onix.png"),
        json!({}),
        sigv4_connection("sig-wrong", "not-the-secret"),
    )
    .await
    .expect_err("403");
    assert_eq!(failed_status(&err), Some(403), "{err:?}");
    let ActionError::Failed {
        details: Some(d), ..
    } = &err
    else {
        panic!("envelope expected: {err:?}")
    };
    assert_eq!(d["body"]["message"], "signature does not match");
    assert!(server.scopes.lock().expect("scopes").is_empty());
}

#[test]
fn amz_dates_parse_to_unix_time() {
    let t = parse_amz_date("20261126T013000Z").expect("date");
    assert_eq!(
        t.duration_since(UNIX_EPOCH).expect("after epoch").as_secs(),
        1_795_656_600
    );
    assert_eq!(parse_amz_date("2026-11-26"), None);
}
