//! CORS for Prismatic's embedding SDK, which calls `POST /embedded/authenticate` and `POST /api`
//! from the organization's own app (another origin) with `Authorization: Bearer <jwt>`.
//!
//! Only those two paths answer cross-origin, and only to an origin some organization allows
//! (`updateOrganization(input: {embeddedAllowedOrigins})`): a preflight (`OPTIONS` with
//! `Access-Control-Request-Method`) answers 204 allowing `POST` with headers `authorization` and
//! `content-type`; the call itself gets `Access-Control-Allow-Origin: <origin>`. Any other origin
//! gets no CORS header at all (its preflight 403 with a JSON error body like the other routes'
//! refusals), so a browser keeps the answer from its page.
//! No credentials (cookies) are ever allowed: the bearer is the credential.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// The paths that answer cross-origin.
const PATHS: &[&str] = &["/api", "/embedded/authenticate"];

/// The middleware.
pub async fn cors(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    if !PATHS.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string)
    else {
        return next.run(req).await;
    };
    let allowed = state
        .console
        .services
        .embedded_origin_allowed(&origin)
        .await;
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        if !allowed {
            return super::trigger::error(
                StatusCode::FORBIDDEN,
                "forbidden: this origin is not among the organization's allowed embedding \
                 origins (updateOrganization(input: {embeddedAllowedOrigins}))",
            );
        }
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        return r;
    }
    let mut r = next.run(req).await;
    if allowed {
        if let Ok(v) = HeaderValue::from_str(&origin) {
            r.headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        r.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    r
}
