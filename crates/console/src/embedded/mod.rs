//! The embedded screens Prismatic's SDK (`@prismatic-io/embedded`) frames in an
//! organization's own app, at the paths the SDK loads.
//!
//! How a screen works:
//! - `GET /integration-marketplace/` (and the SDK's other paths) answers a *shell*: an empty page
//!   with the screen's script, `Content-Security-Policy: frame-ancestors <allowed origins>` (the
//!   origins some organization allows: the page is loaded before it knows its organization;
//!   `'none'` when no organization allows any). It shows nothing by itself.
//! - The script posts `PRISMATIC_INITIALIZED` to its parent; the SDK answers `SET_TOKEN` (the
//!   customer user's embedded JWT) and the screen's settings. The script keeps the token in
//!   memory only (no cookie) and loads the screen's content from `/embedded/screens/...` with
//!   `Authorization: Bearer <jwt>` and `X-Plumb-Embed-Origin: <the parent's origin>`: the
//!   server renders it only when the JWT's organization allows that origin ([`Embedder`]).
//!   So a page framed by another origin is refused by the browser (frame-ancestors) and, were
//!   it not, gets nothing rendered.
//! - Content is server-rendered HTML (maud, every text escaped); the script swaps it in, posts
//!   the SDK's events to the parent (only to the origin that sent the token) and applies
//!   `SET_CONFIG_VAR` / `SET_FILTERS`. Fragment requests carry no cookie, so CSRF does not apply:
//!   the bearer header is the credential.
//!
//! Screens served: the marketplace (`/integration-marketplace/`, `/embedded`), the
//! configuration wizard (`/find-integration-marketplace/`, `/configure-instance/{id}/`) and the
//! customer's connections (`/customer-connections/`). The SDK's other paths (`/logs/`,
//! `/dashboard/`, `/integrations/`) answer the shell, which says the screen is not available.

mod connections;
mod marketplace;
mod wizard;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_FRAME_OPTIONS};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use maud::{html, Markup, DOCTYPE};
use plumb_service::{Caller, ServiceError};

use crate::{assets, Console};

/// The header naming the origin of the page that frames the screen (the origin the SDK's
/// `SET_TOKEN` came from).
pub const ORIGIN_HEADER: &str = "x-plumb-embed-origin";

/// The screens' routes.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Console: FromRef<S>,
{
    Router::new()
        .route("/embedded", get(shell_marketplace))
        .route("/integration-marketplace/", get(shell_marketplace))
        .route("/find-integration-marketplace/", get(shell_wizard))
        .route("/configure-instance/{id}/", get(shell_instance))
        .route("/customer-connections/", get(shell_connections))
        .route("/logs/", get(shell_other))
        .route("/dashboard/", get(shell_other))
        .route("/integrations/", get(shell_other))
        .route("/embedded/screens/marketplace", get(marketplace::screen))
        .route("/embedded/screens/wizard", get(wizard::screen))
        .route("/embedded/screens/wizard/check", post(wizard::check))
        .route("/embedded/screens/wizard/deploy", post(wizard::deploy))
        .route("/embedded/screens/wizard/remove", post(wizard::remove))
        .route("/embedded/screens/connections", get(connections::screen))
        .route(
            "/embedded/screens/connections/save",
            post(connections::save),
        )
        .route(
            "/embedded/screens/connections/authorize",
            post(connections::authorize),
        )
        .route(
            "/embedded/screens/connections/state",
            get(connections::state),
        )
}

/// The Content-Security-Policy of a screen: the console's strict policy, framed only by
/// `origins` (`'none'` without any; never `*`).
fn policy(origins: &[String]) -> String {
    let ancestors = if origins.is_empty() {
        "'none'".to_string()
    } else {
        origins.join(" ")
    };
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors {ancestors}"
    )
}

async fn shell(console: &Console, screen: &str, instance: Option<&str>) -> Response {
    let origins = console.services.embedding_origins().await;
    let page: Markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "plumb" }
                link rel="stylesheet" href=(assets::css_url());
                link rel="stylesheet" href=(assets::embedded_url("embedded.css"));
                script src=(assets::embedded_url("embedded.js")) defer {}
            }
            body.embedded data-screen=(screen) data-instance=[instance] {
                main id="screen" aria-live="polite" {}
            }
        }
    };
    let mut r = (StatusCode::OK, page.into_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&policy(&origins)) {
        h.insert(CONTENT_SECURITY_POLICY, v);
    }
    if origins.is_empty() {
        h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    r
}

async fn shell_marketplace(
    axum::extract::State(console): axum::extract::State<Console>,
) -> Response {
    shell(&console, "marketplace", None).await
}

async fn shell_wizard(axum::extract::State(console): axum::extract::State<Console>) -> Response {
    shell(&console, "wizard", None).await
}

async fn shell_instance(
    axum::extract::State(console): axum::extract::State<Console>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    shell(&console, "wizard", Some(&id)).await
}

async fn shell_connections(
    axum::extract::State(console): axum::extract::State<Console>,
) -> Response {
    shell(&console, "connections", None).await
}

async fn shell_other(axum::extract::State(console): axum::extract::State<Console>) -> Response {
    shell(&console, "unavailable", None).await
}

/// The customer user a screen request is for: its embedded JWT (bearer) checked, and the
/// framing origin it names allowed by the JWT's organization.
pub struct Embedder {
    /// The customer user as a caller (confined to its customer).
    pub caller: Caller,
}

/// A refusal of a screen request: a status and a JSON error body.
fn refusal(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

impl<S> FromRequestParts<S> for Embedder
where
    S: Send + Sync,
    Console: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let console = Console::from_ref(state);
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_string())
            .unwrap_or_default();
        let caller = match console.services.embedded_caller(&token).await {
            Ok(c) => c,
            Err(e) => return Err(refusal(StatusCode::UNAUTHORIZED, &e.to_string())),
        };
        let origin = parts
            .headers
            .get(ORIGIN_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !console.services.embeds_from(&caller, origin).await {
            return Err(refusal(
                StatusCode::FORBIDDEN,
                "forbidden: this page is not among the organization's allowed embedding origins",
            ));
        }
        Ok(Embedder { caller })
    }
}

/// A fragment of a screen.
fn fragment(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// A service failure as a fragment.
fn failed(e: ServiceError) -> Response {
    let (status, text) = match e {
        ServiceError::NotFound(what) => (
            StatusCode::NOT_FOUND,
            format!("This {} does not exist.", what.to_lowercase()),
        ),
        ServiceError::Forbidden => (
            StatusCode::FORBIDDEN,
            "Your account may not do this.".to_string(),
        ),
        ServiceError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .0
                .iter()
                .map(|(f, m)| format!("{f}: {}", m.join("; ")))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ServiceError::Store(e) => {
            tracing::error!(error = %e, "store failure");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong. Try again in a moment.".to_string(),
            )
        }
    };
    fragment(status, html! { div.notice.error role="alert" { (text) } })
}

#[cfg(test)]
mod tests {
    use super::policy;

    #[test]
    fn frame_ancestors_are_the_allowed_origins_or_none() {
        assert!(policy(&[]).ends_with("frame-ancestors 'none'"));
        let p = policy(&["https://a.example".into(), "http://127.0.0.2:9".into()]);
        assert!(p.ends_with("frame-ancestors https://a.example http://127.0.0.2:9"));
        assert!(!p.contains('*'));
    }
}
