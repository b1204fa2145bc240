//! One module per command group.

pub mod config_vars;
pub mod connections;
pub mod customers;
pub mod keys;
pub mod org;
pub mod tokens;
