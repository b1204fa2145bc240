//! `POST /api` (GraphQL, authenticated) and `GET /api` (GraphiQL, see [`super::graphiql`]).

use async_graphql::BatchResponse;
use async_graphql_axum::GraphQLRequest;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::auth::authenticate;
use crate::graphql::limits::{response_too_large, ResponseCap};
use crate::AppState;

/// Executes a GraphQL request for an authenticated caller. The token is checked before the
/// body is looked at: an unauthenticated request gets a 401 whatever it contains, with a
/// GraphQL-shaped JSON error (`extensions.code` `UNAUTHENTICATED`) saying what is expected.
pub async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> Response {
    let Some(caller) = authenticate(&state, &headers).await else {
        return unauthenticated();
    };
    let request = match request {
        Ok(r) => r.into_inner(),
        Err(rejection) => return rejection_response(rejection),
    };
    let response = state.schema.execute(request.data(caller)).await;
    capped_response(
        BatchResponse::Single(response),
        state.config.graphql_limits.response_bytes,
    )
}

/// The 401 answer: a JSON error body naming the header to send.
fn unauthenticated() -> Response {
    let body = serde_json::json!({ "errors": [{
        "message": "unauthorized: the API token is missing, invalid or revoked; send \
                    `Authorization: Bearer <token>` (`plumb org create` prints the first one)",
        "extensions": { "code": "UNAUTHENTICATED" }
    }] });
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

/// Serializes a GraphQL answer of at most `cap` bytes; a larger one is replaced by a
/// `LIMIT_EXCEEDED` error (the serialization stops at the cap).
fn capped_response(response: BatchResponse, cap: usize) -> Response {
    let mut out = ResponseCap::new(cap);
    let body = match serde_json::to_writer(&mut out, &response) {
        Ok(()) => out.into_inner(),
        Err(_) => {
            tracing::warn!(cap, "a GraphQL response exceeded the response size limit");
            let refused = async_graphql::Response::from_errors(vec![response_too_large(cap)]);
            serde_json::to_vec(&refused).unwrap_or_default()
        }
    };
    let mut http = Response::new(Body::from(body));
    http.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/graphql-response+json"),
    );
    if response.is_ok() {
        if let Some(value) = response
            .cache_control()
            .value()
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            http.headers_mut().insert(header::CACHE_CONTROL, value);
        }
    }
    http.headers_mut().extend(response.http_headers());
    http
}

fn rejection_response(rejection: async_graphql_axum::rejection::GraphQLRejection) -> Response {
    let text = rejection.0.to_string();
    // An oversized body surfaces as a parse error from the limited reader.
    if text.contains("length limit") || text.contains("too large") {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let body = serde_json::json!({ "errors": [{ "message": format!("invalid GraphQL request: {text}") }] });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}
