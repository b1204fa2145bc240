//! plumb's domain core: global IDs ([`id`]), typed config variable values ([`config`]),
//! the connection type registry ([`connection_types`]), and the integration definition format
//! and expressions (added by the engine work).
//!
//! Invariant: this crate does no IO. No SQL, no HTTP, no file system.

pub mod action;
pub mod component;
pub mod config;
pub mod connection_types;
pub mod definition;
pub mod expr;
pub mod id;
pub mod secret;
