//! `/trigger/{id}`: the webhook of one instance flow (`id` is the global ID of its flow config).
//!
//! POST, PUT, PATCH, DELETE and GET queue an execution with the request as its trigger payload
//! (body and content type, headers, query parameters) and answer `{"executionId": "..."}` once
//! it is durably queued; with header `plumb-synchronous: true` (or a synchronous flow) they wait
//! for the run and answer its final result with its content type. Flows secured with API keys
//! need header `Api-Key`. A disabled or undeployed instance answers 409 and queues nothing.
//!
//! The flow is looked up before the body is read: an unknown webhook answers 404 (and a wrong
//! method 405, a missing key 401, a disabled instance 409) whatever the body's size; only a call
//! that will run reads its body, up to the webhook limit (413 beyond).

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;
use plumb_core::action::Data;
use plumb_runtime::{TriggerInput, FLOW_CONFIG_TYPE};
use plumb_store::executions::{ExecutionStatus, StepValue};
use plumb_store::{PageRequest, StoreError};
use serde_json::json;

use crate::graphql::EXECUTION_TYPE;
use crate::AppState;

/// Headers never stored with a trigger payload (credentials).
const DROPPED_HEADERS: &[&str] = &["api-key", "authorization", "cookie", "proxy-authorization"];

/// A JSON error answer `{"error": message}`.
pub(super) fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "webhook failed");
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

/// Whether the caller's `Api-Key` header opens a flow with `security` and these key hashes.
fn authorized(security: &str, hashes: &[String], headers: &HeaderMap) -> Result<(), &'static str> {
    let needs_key = !hashes.is_empty() || matches!(security, "customer_required" | "organization");
    if !needs_key {
        return Ok(());
    }
    let Some(given) = headers.get("api-key").and_then(|v| v.to_str().ok()) else {
        return Err("this webhook requires an Api-Key header");
    };
    let hash = plumb_store::tokens::hash_token(given);
    if hashes.iter().any(|h| h == &hash) {
        Ok(())
    } else {
        Err("the Api-Key is not valid for this webhook")
    }
}

/// The request headers kept with a trigger payload: names lowercased, credentials
/// ([`DROPPED_HEADERS`]) and values that are not text left out.
pub(super) fn kept_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut kept = BTreeMap::new();
    for (name, value) in headers {
        let name = name.as_str().to_ascii_lowercase();
        if DROPPED_HEADERS.contains(&name.as_str()) {
            continue;
        }
        if let Ok(v) = value.to_str() {
            kept.insert(name, v.to_string());
        }
    }
    kept
}

/// How much of a body over `limit` is read (and thrown away) so the caller gets the answer.
fn drain_cap(limit: usize) -> usize {
    limit.saturating_mul(4)
}

/// Whether the request's `Content-Length` declares more than `cap` bytes.
fn declares_more_than(headers: &HeaderMap, cap: usize) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > cap)
}

/// Reads a webhook body of at most `limit` bytes. A larger body is refused with 413 after it was
/// read (up to four times the limit), so the caller gets the answer instead of a broken
/// connection; a declared length beyond that is refused at once.
pub(super) async fn read_limited(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, Response> {
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the payload is larger than the webhook limit of {limit} bytes"),
        )
    };
    let drain_cap = drain_cap(limit);
    if declares_more_than(headers, drain_cap) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            )
        })?;
        seen = seen.saturating_add(chunk.len());
        if seen > drain_cap {
            break;
        }
        if seen <= limit {
            out.extend_from_slice(&chunk);
        }
    }
    if seen > limit {
        return Err(too_large());
    }
    Ok(Bytes::from(out))
}

/// Answers `response` to a call refused before its body was read. The body is read and thrown
/// away (up to four times the limit, as [`read_limited`] does) so the caller reads the answer
/// rather than a reset connection; a declared length beyond that is not read at all.
async fn refuse(response: Response, body: Body, headers: &HeaderMap, limit: usize) -> Response {
    let drain_cap = drain_cap(limit);
    if declares_more_than(headers, drain_cap) {
        return response;
    }
    let mut stream = body.into_data_stream();
    let mut seen = 0usize;
    while let Some(Ok(chunk)) = stream.next().await {
        seen = seen.saturating_add(chunk.len());
        if seen > drain_cap {
            break;
        }
    }
    response
}

/// Handles one webhook call.
pub async fn handle(
    State(state): State<AppState>,
    method: Method,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let limit = state.config.webhook_body_limit;
    // The flow is looked up (and the caller's key checked) before the body is read: an unknown
    // webhook answers 404 and a refused call its own status whatever the body's size, and no
    // payload is kept for them (the body is drained, not stored, so the caller reads the answer).
    if !matches!(
        method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE | Method::GET
    ) {
        let refused = error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        return refuse(refused, body, &headers, limit).await;
    }
    let Ok(flow_id) = plumb_core::id::decode(FLOW_CONFIG_TYPE, &id) else {
        let refused = error(StatusCode::NOT_FOUND, "unknown webhook");
        return refuse(refused, body, &headers, limit).await;
    };
    let (flow, instance) = match state.store.flow_config_for_trigger(flow_id).await {
        Ok(x) => x,
        Err(StoreError::NotFound) => {
            let refused = error(StatusCode::NOT_FOUND, "unknown webhook");
            return refuse(refused, body, &headers, limit).await;
        }
        Err(e) => return internal(e),
    };
    if let Err(message) = authorized(&flow.security, &flow.api_key_hashes, &headers) {
        let refused = error(StatusCode::UNAUTHORIZED, message);
        return refuse(refused, body, &headers, limit).await;
    }
    let refused = if !instance.enabled {
        Some("the instance is disabled")
    } else if instance.deployed_at.is_none() {
        Some("the instance is not deployed")
    } else {
        None
    };
    if let Some(message) = refused {
        let refused = error(StatusCode::CONFLICT, message);
        return refuse(refused, body, &headers, limit).await;
    }
    let body = match read_limited(body, &headers, limit).await {
        Ok(b) => b,
        Err(response) => return response,
    };
    let stored_headers = kept_headers(&headers);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let trigger = TriggerInput {
        body: (!body.is_empty()).then(|| body.to_vec()),
        content_type,
        headers: stored_headers,
        query,
    };
    let runtime = &state.runtime;
    let synchronous = headers
        .get("plumb-synchronous")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || is_synchronous_flow(&state, &instance, &flow.flow_name).await;
    let execution = match runtime.enqueue(&instance, &flow, trigger, "webhook").await {
        Ok(e) => e,
        Err(e) => return internal(e),
    };
    let execution_id = plumb_core::id::encode(EXECUTION_TYPE, execution.id);
    if !synchronous {
        return Json(json!({ "executionId": execution_id })).into_response();
    }
    let done = match runtime
        .completions
        .wait(&state.store, execution.id, state.config.sync_timeout)
        .await
    {
        Ok(d) => d,
        Err(e) => return internal(e),
    };
    let Some(done) = done else {
        return (
            StatusCode::GATEWAY_TIMEOUT,
            Json(json!({
                "executionId": execution_id,
                "error": "the execution did not end in time; read its result later",
            })),
        )
            .into_response();
    };
    if done.status == ExecutionStatus::Error {
        let error = match done.error {
            Some(e) => e,
            None => state
                .store
                .get_execution(instance.org_id, execution.id)
                .await
                .ok()
                .and_then(|e| e.error)
                .unwrap_or_else(|| "the execution failed".into()),
        };
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "executionId": execution_id, "error": error })),
        )
            .into_response();
    }
    let result = match done.result {
        Some(r) => Some(r),
        None => match last_result(&state, instance.org_id, execution.id).await {
            Ok(r) => r,
            Err(e) => return internal(e),
        },
    };
    let mut response = match result {
        Some(Data::Binary {
            bytes,
            content_type,
        }) => Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes))
            .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "bad content type")),
        Some(Data::Json(v)) => Json(v).into_response(),
        None => Json(serde_json::Value::Null).into_response(),
    };
    if let Ok(v) = execution_id.parse() {
        response.headers_mut().insert("plumb-execution-id", v);
    }
    response
}

async fn is_synchronous_flow(
    state: &AppState,
    instance: &plumb_store::instances::Instance,
    flow: &str,
) -> bool {
    match state
        .runtime
        .version_definition(instance.org_id, instance.integration_version_id)
        .await
    {
        Ok(def) => def
            .flows
            .iter()
            .any(|f| f.name == flow && f.is_synchronous == Some(true)),
        Err(_) => false,
    }
}

/// The last step result of an execution run by another node.
async fn last_result(
    state: &AppState,
    org_id: uuid::Uuid,
    execution_id: uuid::Uuid,
) -> Result<Option<Data>, StoreError> {
    let page = PageRequest {
        last: Some(1),
        ..Default::default()
    };
    let steps = state
        .store
        .list_step_results(org_id, execution_id, &page)
        .await?;
    Ok(steps
        .items
        .into_iter()
        .last()
        .and_then(|s| s.value)
        .map(|v| match v {
            StepValue::Json(text) => {
                Data::Json(serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
            }
            StepValue::Binary {
                bytes,
                content_type,
            } => Data::Binary {
                bytes,
                content_type,
            },
        }))
}
