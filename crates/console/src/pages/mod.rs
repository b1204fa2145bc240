//! The console's pages, one module per resource.

pub mod credentials;
pub mod customer_connections;
pub mod customer_vars;
pub mod customers;
pub mod deploy_wizard;
pub mod executions;
pub mod instances;
pub mod integration;
pub mod integrations;
pub mod login;
pub mod model_integrations;
pub mod models;
pub mod org_connections;
pub mod settings;
pub mod tokens;

use axum::response::Response;

use crate::session::{see_other, Signed};

/// `GET /`: the customers page (signed-in), else the sign-in page.
pub async fn home(_me: Signed) -> Response {
    see_other("/customers")
}

/// The global ID of a customer (its URL segment).
pub fn customer_gid(id: uuid::Uuid) -> String {
    plumb_core::id::encode("Customer", id)
}

/// A customer's UUID from its URL segment.
pub fn customer_uuid(gid: &str) -> Option<uuid::Uuid> {
    plumb_core::id::decode("Customer", gid).ok()
}
