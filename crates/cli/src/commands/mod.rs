//! One module per command group.

pub mod bench;
pub mod bindings;
pub mod config_vars;
pub mod connections;
pub mod customers;
pub mod executions;
pub mod instances;
pub mod integrations;
pub mod keys;
pub mod model_integrations;
pub mod models;
pub mod org;
pub mod run;
pub mod tokens;
