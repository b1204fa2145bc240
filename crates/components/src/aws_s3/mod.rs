//! The `aws-s3` component: `putObject, getObject, listObjects, deleteObject, copyObject` on
//! Amazon S3 or an S3-compatible store (path-style, through the connection's `endpoint`).
//!
//! - `manifest`: its spec: action and input names (Prismatic's Amazon S3 component), typed.
//! - `client`: the `apiKeySecret` connection and the step's region/bucket → an `object_store`
//!   client; `egress`: its HTTP connector, under the process's egress policy.
//! - one file per action: `put`, `get`, `list`, `delete`, `copy`.

mod client;
mod copy;
mod delete;
mod egress;
mod get;
mod list;
mod manifest;
mod put;

use std::sync::Arc;

use plumb_auth::{AuthClient, EgressPolicy};
use plumb_core::action::Action;
use plumb_core::component::Component;

pub use manifest::spec;

/// The component's key.
pub const KEY: &str = "aws-s3";

/// The component: its spec and its actions, under `auth`'s egress policy.
pub fn component(auth: &AuthClient) -> Component {
    crate::assemble(spec(), actions_with(auth))
}

/// The actions of this component on the default [`AuthClient`]'s egress policy, keyed by
/// action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    actions_with(&crate::outbound::default_auth())
}

/// The actions of this component, their requests checked against `auth`'s egress policy.
pub fn actions_with(auth: &AuthClient) -> Vec<(&'static str, Arc<dyn Action>)> {
    let e = || -> Arc<EgressPolicy> { Arc::clone(auth.egress()) };
    vec![
        (
            "putObject",
            Arc::new(put::PutObject { egress: e() }) as Arc<dyn Action>,
        ),
        ("getObject", Arc::new(get::GetObject { egress: e() })),
        ("listObjects", Arc::new(list::ListObjects { egress: e() })),
        (
            "deleteObject",
            Arc::new(delete::DeleteObject { egress: e() }),
        ),
        ("copyObject", Arc::new(copy::CopyObject { egress: e() })),
    ]
}

#[cfg(test)]
mod tests;
