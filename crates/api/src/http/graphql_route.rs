//! `POST /api` (GraphQL, authenticated) and `GET /api` (GraphiQL).

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::auth::authenticate;
use crate::AppState;

/// The GraphiQL page.
pub async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/api").finish())
}

/// Executes a GraphQL request for an authenticated caller. The token is checked before the
/// body is looked at: an unauthenticated request gets a bare 401 whatever it contains.
pub async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> Response {
    let Some(caller) = authenticate(&state, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let request = match request {
        Ok(r) => r.into_inner(),
        Err(rejection) => return rejection_response(rejection),
    };
    let response = state.schema.execute(request.data(caller)).await;
    GraphQLResponse::from(response).into_response()
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
