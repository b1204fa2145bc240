//! plumb's HTTP surface: [`app`] builds the axum [`Router`] (GraphQL at `/api`, health, readiness
//! and metrics), so tests drive it in-process and the binary serves it.
//!
//! Invariant: handlers never echo database text; a store failure is logged and answered as a
//! generic internal error.

pub mod graphql;
pub mod http;

use std::sync::Arc;

use axum::Router;
use plumb_runtime::Runtime;
use plumb_store::Store;

pub use http::metrics::Metrics;

/// Settings of the API layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest accepted request body, in bytes (413 beyond).
    pub body_limit: usize,
    /// Base URL clients reach this server at (webhook and callback URLs).
    pub public_url: String,
    /// Largest accepted webhook payload, in bytes (413 beyond).
    pub webhook_body_limit: usize,
    /// How long a synchronous webhook call waits for its execution to end.
    pub sync_timeout: std::time::Duration,
    /// Bounds on one GraphQL request (depth, aliases, fields, cost, response size).
    pub graphql_limits: graphql::GraphqlLimits,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            body_limit: 2 * 1024 * 1024,
            public_url: "http://127.0.0.1:8080".to_string(),
            webhook_body_limit: 6 * 1024 * 1024,
            sync_timeout: std::time::Duration::from_secs(60),
            graphql_limits: graphql::GraphqlLimits::default(),
        }
    }
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The GraphQL schema.
    pub schema: graphql::PlumbSchema,
    /// API settings.
    pub config: Arc<ApiConfig>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Seals and opens connection secrets; `None` until [`AppState::with_master_key`] (then
    /// writing a secret connection input is an internal error).
    pub vault: Option<plumb_store::secrets::Vault>,
    /// Queues and runs executions (webhooks, manual runs, replays); shared with this process's
    /// workers and scheduler.
    pub runtime: Arc<Runtime>,
    /// The web console (its pages call the same services as GraphQL).
    pub console: plumb_console::Console,
}

impl axum::extract::FromRef<AppState> for plumb_console::Console {
    fn from_ref(state: &AppState) -> Self {
        state.console.clone()
    }
}

fn console(
    store: &Store,
    vault: Option<plumb_store::secrets::Vault>,
    runtime: &Arc<Runtime>,
    config: &ApiConfig,
) -> plumb_console::Console {
    plumb_console::Console::new(
        plumb_service::Services::new(store.clone(), vault, runtime.clone()),
        &config.public_url,
    )
}

impl AppState {
    /// Builds the state for a store.
    pub fn new(store: Store, config: ApiConfig) -> AppState {
        let runtime = Arc::new(Runtime::new(
            store.clone(),
            None,
            plumb_runtime::engine(),
            &config.public_url,
        ));
        AppState {
            schema: graphql::build_schema_with_vault(
                store.clone(),
                None,
                runtime.clone(),
                config.graphql_limits,
            ),
            console: console(&store, None, &runtime, &config),
            store,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            vault: None,
            runtime,
        }
    }

    /// Gives the API the master key, so connection secrets can be sealed and opened (call it
    /// right after [`AppState::new`]; `plumb serve` passes the key it checked at start-up).
    pub fn with_master_key(mut self, master: plumb_vault::MasterKey) -> AppState {
        let vault = plumb_store::secrets::Vault::new(self.store.clone(), master);
        let engine = plumb_engine::Engine::new(plumb_runtime::catalog_with_vault(vault.clone()));
        self.runtime = Arc::new(Runtime::new(
            self.store.clone(),
            Some(vault.clone()),
            engine,
            &self.config.public_url,
        ));
        self.schema = graphql::build_schema_with_vault(
            self.store.clone(),
            Some(vault.clone()),
            self.runtime.clone(),
            self.config.graphql_limits,
        );
        self.console = console(
            &self.store,
            Some(vault.clone()),
            &self.runtime,
            &self.config,
        );
        self.vault = Some(vault);
        self
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    http::router(state)
}
