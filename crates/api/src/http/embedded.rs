//! `POST /embedded/authenticate`: embedded sign-in, as Prismatic's SDK calls it
//! (`prismatic.authenticate({token})`): the JWT as bearer, no body. Answers 200 (empty) once the
//! customer user is signed in (its customer created the first time); the JWT is then its bearer
//! credential on `/api` until it expires. A refusal is 401 with a plain-text reason the SDK
//! shows (`plumb_service::embedded::EmbeddedRefusal`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use plumb_service::embedded::EmbeddedRefusal;

use crate::AppState;

/// `POST /embedded/authenticate`.
pub async fn authenticate(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = super::auth::bearer_token(&headers).unwrap_or_default();
    match state.console.services.sign_in_embedded(token).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(EmbeddedRefusal::Internal) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            EmbeddedRefusal::Internal.to_string(),
        )
            .into_response(),
        Err(refusal) => (StatusCode::UNAUTHORIZED, refusal.to_string()).into_response(),
    }
}
