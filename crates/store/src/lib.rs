//! plumb's persistence layer: **the only crate with SQL**.
//!
//! [`Store`] opens SQLite (the default, one file) or PostgreSQL (a `postgres://` URL) through
//! sqlx's `Any` driver, applies the embedded migrations of that backend, and offers one module per
//! resource: [`orgs`], [`tokens`], [`customers`], [`config_vars`]. Every query of a resource that
//! belongs to an organization takes the organization's ID, so a row of another organization is
//! simply not found.
//!
//! SQLite runs in WAL mode with foreign keys on and a busy timeout; all writes go through a
//! single-connection writer pool so concurrent API writes queue instead of failing with
//! "database is locked", while reads use a separate pool.

mod db;
mod error;
mod migrate;
mod page;

pub mod config_vars;
pub mod connection_values;
pub mod connections;
pub mod customer_users;
pub mod customers;
mod embedded_origins;
pub mod executions;
pub mod instances;
pub mod integrations;
pub mod marketplace;
pub mod meta;
pub mod model_call_relays;
pub mod model_integrations;
pub mod models;
pub mod oauth_tokens;
pub mod orgs;
pub mod queue;
pub mod resolve;
pub mod schedules;
pub mod secrets;
pub mod sessions;
pub mod signing_keys;
mod step_results;
pub mod testing;
pub mod tokens;

pub use db::{Backend, Store};
pub use error::StoreError;
pub use page::{Page, PageRequest, DEFAULT_PAGE, MAX_PAGE};

/// Milliseconds since the Unix epoch, the store's timestamp format.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Converts a stored timestamp to a UTC date-time.
pub fn to_datetime(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// A fresh, time-ordered ID (UUID v7): ordering by ID is ordering by creation.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
