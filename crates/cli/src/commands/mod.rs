//! One module per command group.

pub mod config_vars;
pub mod customers;
pub mod org;
pub mod tokens;
