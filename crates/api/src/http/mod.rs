//! Routes outside GraphQL's resolvers: the `/api` endpoint itself and its GraphiQL page,
//! webhooks (`/trigger/{id}`), the capability URLs of Prismatic's clients (`/trigger/test/…`,
//! `/step-results/…`), health, metrics, the web console (`plumb_console`, at `/`); the
//! security headers of every response.

pub mod auth;
mod capabilities;
mod cors;
mod embedded;
pub mod graphiql;
mod graphql_route;
pub mod headers;
mod health;
pub mod metrics;
mod not_found;
mod oauth_callback;
mod trigger;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit;
    // Webhooks have their own payload limit (6 MB by default), larger than the API's, enforced
    // by the handler so an oversized call still reads its 413.
    let hooks = Router::new()
        .route("/trigger/{id}", any(trigger::handle))
        .route("/trigger/test/{token}", any(capabilities::test_trigger));
    Router::new()
        .route("/api", get(graphiql::page).post(graphql_route::graphql))
        .route("/api/assets/{tag}/{file}", get(graphiql::asset))
        .route("/oauth2/callback", get(oauth_callback::handle))
        .route("/step-results/{token}", get(capabilities::step_result))
        .route("/embedded/authenticate", post(embedded::authenticate))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .merge(plumb_console::router::<AppState>())
        .fallback(not_found::handle)
        .layer(RequestBodyLimitLayer::new(limit))
        .merge(hooks)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cors::cors,
        ))
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<axum::body::Body>| {
                    // Method and path only: headers carry tokens and are never logged.
                    tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
                })
                // One line per request at `info`: method, path, status and latency.
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        )
        .with_state(state)
}
