//! The `aws-s3` component: `putObject, getObject, listObjects, deleteObject, copyObject` on
//! Amazon S3 or an S3-compatible store (path-style, through the connection's `endpoint`).
//!
//! - `manifest`: action and input names (Prismatic's Amazon S3 component).
//! - `client`: the `apiKeySecret` connection and the step's region/bucket → an `object_store`
//!   client.
//! - one file per action: `put`, `get`, `list`, `delete`, `copy`.

mod client;
mod copy;
mod delete;
mod get;
mod list;
mod manifest;
mod put;

use std::sync::Arc;

use plumb_core::action::Action;

pub use manifest::manifest;

/// The component's key.
pub const KEY: &str = "aws-s3";

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![
        ("putObject", Arc::new(put::PutObject) as Arc<dyn Action>),
        ("getObject", Arc::new(get::GetObject)),
        ("listObjects", Arc::new(list::ListObjects)),
        ("deleteObject", Arc::new(delete::DeleteObject)),
        ("copyObject", Arc::new(copy::CopyObject)),
    ]
}

#[cfg(test)]
mod tests;
