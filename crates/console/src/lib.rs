//! plumb's web console: the organization's pages, server-rendered from the binary (HTML from
//! `maud` templates, one stylesheet and one small script served from the binary; no CDN, no
//! front-end build).
//!
//! Every page is a thin adapter over `plumb_service`: it parses a form, calls a service with the
//! session's [`plumb_service::Caller`] and presents the answer. Rules (roles, customer
//! confinement, validation) are the services'; pages only hide the buttons a caller may not use,
//! and the services refuse the requests anyway.
//!
//! Invariants:
//! - sign-in exchanges an API token for a session cookie (`HttpOnly`, `SameSite=Strict`,
//!   `Secure` behind HTTPS); only the cookie secret's hash is stored;
//! - every POST carries the session's CSRF token (the sign-in form a cookie-bound one) and is
//!   refused without it, before anything is read or written;
//! - every text is escaped by the templates (no raw HTML from data), and a secret is never
//!   rendered back;
//! - pages set no inline script or style, so the server's strict Content-Security-Policy holds.

mod assets;
mod embedded;
mod form;
mod layout;
mod pages;
mod session;

use axum::extract::FromRef;
use axum::routing::{get, post};
use axum::Router;
use plumb_service::Services;

/// What the console's handlers need.
#[derive(Clone)]
pub struct Console {
    /// The service layer every page calls.
    pub services: Services,
    /// Whether cookies get `Secure` (the server is reached over HTTPS).
    pub secure_cookies: bool,
}

impl Console {
    /// The console over `services`; `public_url` decides whether cookies are `Secure`.
    pub fn new(services: Services, public_url: &str) -> Console {
        Console {
            services,
            secure_cookies: public_url.starts_with("https://"),
        }
    }
}

/// The console's routes, for a server state `S` that holds a [`Console`].
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Console: FromRef<S>,
{
    Router::new()
        .merge(embedded::routes())
        .route("/", get(pages::home))
        .route("/login", get(pages::login::page).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/console/assets/{tag}/{file}", get(assets::serve))
        .route(
            "/customers",
            get(pages::customers::list).post(pages::customers::create),
        )
        .route(
            "/customers/{id}",
            get(pages::customers::show).post(pages::customers::update),
        )
        .route("/customers/{id}/delete", post(pages::customers::delete))
        .route(
            "/customers/{id}/config-vars",
            post(pages::customer_vars::create),
        )
        .route(
            "/customers/{id}/config-vars/{var}",
            post(pages::customer_vars::update),
        )
        .route(
            "/customers/{id}/connections/{scoped}",
            post(pages::customer_connections::save),
        )
        .route(
            "/customers/{id}/config-vars/{var}/delete",
            post(pages::customer_vars::delete),
        )
        .route(
            "/integrations",
            get(pages::integrations::list).post(pages::integrations::import),
        )
        .route("/integrations/{id}", get(pages::integration::show))
        .route(
            "/integrations/{id}/definition",
            post(pages::integration::save_definition),
        )
        .route(
            "/integrations/{id}/test-values",
            post(pages::integration::save_test_values),
        )
        .route(
            "/integrations/{id}/test",
            post(pages::integration::test_run),
        )
        .route(
            "/integrations/{id}/publish",
            post(pages::integration::publish),
        )
        .route(
            "/instances",
            get(pages::instances::list).post(pages::deploy_wizard::create),
        )
        .route("/instances/new", get(pages::deploy_wizard::wizard))
        .route("/instances/{id}", get(pages::instances::show))
        .route("/instances/{id}/deploy", post(pages::instances::deploy))
        .route("/instances/{id}/run", post(pages::instances::run))
        .route(
            "/instances/{id}/enabled",
            post(pages::instances::set_enabled),
        )
        .route("/instances/{id}/delete", post(pages::instances::delete))
        .route("/executions", get(pages::executions::list))
        .route("/executions/{id}", get(pages::executions::show))
        .route("/executions/{id}/replay", post(pages::executions::replay))
        .route(
            "/models",
            get(pages::models::list).post(pages::models::import),
        )
        .route("/models/{id}", get(pages::models::show))
        .route("/models/{id}/delete", post(pages::models::delete))
        .route(
            "/models/{id}/integrations",
            post(pages::model_integrations::create),
        )
        .route(
            "/model-integrations/{id}",
            get(pages::model_integrations::show).post(pages::model_integrations::save),
        )
        .route(
            "/model-integrations/{id}/call",
            post(pages::model_integrations::call),
        )
        .route(
            "/model-integrations/{id}/clone",
            post(pages::model_integrations::clone),
        )
        .route(
            "/model-integrations/{id}/delete",
            post(pages::model_integrations::delete),
        )
        .route("/settings", get(pages::settings::page_handler))
        .route("/settings/config-vars", post(pages::settings::set_var))
        .route("/settings/tokens", post(pages::tokens::create))
        .route(
            "/settings/connections/new",
            get(pages::org_connections::new),
        )
        .route(
            "/settings/connections",
            post(pages::org_connections::create),
        )
        .route(
            "/settings/connections/{id}/test-values",
            get(pages::org_connections::test_values).post(pages::org_connections::save_test_values),
        )
        .route("/settings/tokens/{id}/revoke", post(pages::tokens::revoke))
        .route(
            "/settings/credentials/new",
            get(pages::credentials::start).post(pages::credentials::step),
        )
        .route(
            "/settings/credentials/{id}/test",
            post(pages::credentials::test),
        )
        .route(
            "/settings/config-vars/{id}/delete",
            post(pages::settings::delete_var),
        )
}
