//! Bearer-token authentication: `Authorization: Bearer <token>` → a [`Caller`].

use axum::http::HeaderMap;

use crate::AppState;

pub use plumb_service::Caller;

/// Authenticates the request's bearer token; `None` for a missing, malformed, unknown or
/// revoked token (the caller answers 401 without saying which).
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    match state.store.authenticate_token(token.trim()).await {
        Ok(t) => t.map(Caller::from),
        Err(e) => {
            tracing::error!(error = %e, "token lookup failed");
            None
        }
    }
}
