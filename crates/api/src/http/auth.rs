//! Bearer-token authentication: `Authorization: Bearer <token>` → a [`Caller`]: an API token,
//! or an embedded sign-in JWT of a customer user (`plumb_service::embedded`).

use axum::http::HeaderMap;

use crate::AppState;

pub use plumb_service::Caller;

/// The token of an `Authorization: Bearer <token>` header, trimmed; `None` without one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Authenticates the request's bearer token; `None` for a missing, malformed, unknown or
/// revoked token (the caller answers 401 without saying which).
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    let token = bearer_token(headers)?;
    // An embedded sign-in JWT stands for a customer user (plumb's own tokens are never JWTs).
    if plumb_service::embedded::looks_like_jwt(token) {
        return state.console.services.embedded_caller(token).await.ok();
    }
    match state.store.authenticate_token(token).await {
        Ok(t) => t.map(Caller::from),
        Err(e) => {
            tracing::error!(error = %e, "token lookup failed");
            None
        }
    }
}
