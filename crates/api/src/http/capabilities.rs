//! The capability URLs of Prismatic's clients (`plumb_service::capabilities`):
//!
//! - `GET /step-results/{token}`: one step's result as MessagePack, the way `prism` decodes
//!   what a `resultsUrl` answers: a map `{data, contentType}`. A JSON result is `data` as the
//!   value itself with no `contentType`; a binary result is `data` as MessagePack binary with
//!   its `contentType`. A step with no result is `{data: nil}`.
//! - `POST|PUT|PATCH|GET /trigger/test/{token}`: a draft flow's `testUrl`. Runs the flow now
//!   with the draft's test values and the request as its trigger payload (as
//!   `testIntegrationFlow` does, recording a test execution) and answers
//!   `{"executionId": "..."}` with header `prismatic-executionid` (and `plumb-execution-id`).
//!
//! A token that does not check out, has expired or names something gone answers 404
//! `{"error": "not found"}`, whatever the reason.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use plumb_service::capabilities::TestTriggerCall;
use plumb_service::ServiceError;
use plumb_store::executions::StepValue;
use serde_json::{json, Value};

use super::trigger::{error, kept_headers, read_limited};
use crate::graphql::EXECUTION_TYPE;
use crate::AppState;

fn failed(e: ServiceError) -> Response {
    match e {
        ServiceError::Invalid(errors) => {
            let errors: Vec<Value> = errors
                .0
                .into_iter()
                .map(|(field, messages)| json!({ "field": field, "messages": messages }))
                .collect();
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": "the test run was refused", "errors": errors })),
            )
                .into_response()
        }
        ServiceError::NotFound(_) | ServiceError::Forbidden => {
            error(StatusCode::NOT_FOUND, "not found")
        }
        ServiceError::Store(e) => {
            tracing::error!(error = %e, "capability URL failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// A JSON value as MessagePack.
fn msgpack_of(value: &Value) -> rmpv::Value {
    match value {
        Value::Null => rmpv::Value::Nil,
        Value::Bool(b) => rmpv::Value::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => rmpv::Value::from(i),
            (None, Some(u), _) => rmpv::Value::from(u),
            (None, None, Some(f)) => rmpv::Value::F64(f),
            (None, None, None) => rmpv::Value::Nil,
        },
        Value::String(s) => rmpv::Value::from(s.as_str()),
        Value::Array(items) => rmpv::Value::Array(items.iter().map(msgpack_of).collect()),
        Value::Object(map) => rmpv::Value::Map(
            map.iter()
                .map(|(k, v)| (rmpv::Value::from(k.as_str()), msgpack_of(v)))
                .collect(),
        ),
    }
}

/// The MessagePack document of a step's result.
pub(crate) fn result_document(value: Option<StepValue>) -> Vec<u8> {
    let doc = match value {
        None => vec![(rmpv::Value::from("data"), rmpv::Value::Nil)],
        Some(StepValue::Json(text)) => {
            let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
            vec![(rmpv::Value::from("data"), msgpack_of(&v))]
        }
        Some(StepValue::Binary {
            bytes,
            content_type,
        }) => vec![
            (rmpv::Value::from("data"), rmpv::Value::Binary(bytes)),
            (
                rmpv::Value::from("contentType"),
                rmpv::Value::from(content_type.as_str()),
            ),
        ],
    };
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, &rmpv::Value::Map(doc));
    out
}

/// `GET /step-results/{token}`.
pub async fn step_result(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let services = &state.console.services;
    match services
        .step_result_by_token(&token, plumb_store::now_ms())
        .await
    {
        Ok(step) => (
            [
                (header::CONTENT_TYPE, "application/x-msgpack"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            result_document(step.value),
        )
            .into_response(),
        Err(e) => failed(e),
    }
}

/// `/trigger/test/{token}`.
pub async fn test_trigger(
    State(state): State<AppState>,
    method: Method,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !matches!(
        method,
        Method::POST | Method::PUT | Method::PATCH | Method::GET
    ) {
        return error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    }
    let body = match read_limited(body, &headers, state.config.webhook_body_limit).await {
        Ok(b) => b,
        Err(response) => return response,
    };
    let call = TestTriggerCall {
        payload: (!body.is_empty()).then(|| String::from_utf8_lossy(&body).into_owned()),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        headers: kept_headers(&headers),
    };
    match state.console.services.run_test_trigger(&token, call).await {
        Ok(execution) => {
            let id = plumb_core::id::encode(EXECUTION_TYPE, execution.id);
            let mut response = Json(json!({ "executionId": id })).into_response();
            if let Ok(v) = id.parse::<header::HeaderValue>() {
                response
                    .headers_mut()
                    .insert("prismatic-executionid", v.clone());
                response.headers_mut().insert("plumb-execution-id", v);
            }
            response
        }
        Err(e) => failed(e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn json_and_binary_results_read_back_as_prism_decodes_them() {
        let doc = result_document(Some(StepValue::Json(r#"{"a":[1,2.5,"x",null]}"#.into())));
        let v = rmpv::decode::read_value(&mut doc.as_slice()).unwrap();
        let map = v.as_map().unwrap();
        assert_eq!(map.len(), 1, "no contentType for JSON: {v}");
        assert_eq!(map[0].0.as_str(), Some("data"));
        assert_eq!(map[0].1["a"][1].as_f64(), Some(2.5));

        let doc = result_document(Some(StepValue::Binary {
            bytes: vec![0, 159, 255],
            content_type: "image/png".into(),
        }));
        let v = rmpv::decode::read_value(&mut doc.as_slice()).unwrap();
        assert_eq!(v["data"].as_slice(), Some(&[0u8, 159, 255][..]));
        assert_eq!(v["contentType"].as_str(), Some("image/png"));
    }
}
