//! Integration models (seed 003): an OpenAPI document imported once, named
//! `info.title:info.version`, whose operations become the actions of an organization-scoped
//! component.
//!
//! - [`document`]: the text (JSON or YAML, positions kept) and its OpenAPI version;
//! - [`swagger2`]: 2.0 converted to 3.0;
//! - [`refs`]: `$ref`s within the document checked and resolved, cycles cut;
//! - [`model`]: [`Model::import`]: servers, security schemes and one [`Operation`] per path and
//!   method (key = `operationId`, or [`model::generated_key`] with `_2`, `_3` on collisions), or
//!   every [`Problem`] with its JSON pointer;
//! - [`configuration`]: the configuration of an integration of a model (the "Advanced View"),
//!   its JSON Schema, its checks and its secret leaves; [`configuration::roles`];
//! - [`call`]: a call of an operation prepared from its inputs (checked against the
//!   operation's schemas), ready to send;
//! - [`spec`]: the model as a [`plumb_core::component::ComponentSpec`] (one action per operation,
//!   inputs with their JSON Schemas).
//!
//! Invariant: no IO. Storing models and calling their operations belong to the store and the
//! runtime.

pub mod call;
pub mod configuration;
pub mod document;
pub mod model;
pub mod problems;
pub mod refs;
pub mod spec;
pub mod swagger2;

pub use call::{CompiledOperation, PreparedBody, PreparedCall};
pub use configuration::{Configuration, LogLevel};
pub use model::{Location, MediaType, Model, Operation, Parameter, RequestBody, Server};
pub use problems::{Problem, Problems};
pub use spec::component_spec;

#[cfg(test)]
mod tests;
