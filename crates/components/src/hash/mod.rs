//! The `hash` component: Prismatic's Hash actions: `computeHash` and `computeHmac` with a
//! chosen function (`sha256` by default), and one `compute<Function>` action per function.
//! Digests are answered as lowercase hex, as Node's `digest("hex")` gives them; the HMAC is how
//! a flow checks a webhook's signature.
//!
//! - `manifest`: the spec: inputs and examples.
//! - `digests`: the hash functions ([`digests::Function`]) and the actions computing them.

mod digests;
mod manifest;

use std::sync::Arc;

use plumb_core::action::Action;
use plumb_core::component::Component;

pub use digests::Function;
pub use manifest::spec;

/// The component's key.
pub const KEY: &str = "hash";

/// The component: its spec and its actions.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    let mut actions: Vec<(&'static str, Arc<dyn Action>)> = vec![
        ("computeHash", Arc::new(digests::Hash(None))),
        ("computeHmac", Arc::new(digests::Hmac)),
    ];
    for f in Function::ALL {
        actions.push((f.action_key(), Arc::new(digests::Hash(Some(*f)))));
    }
    actions
}

#[cfg(test)]
mod tests;
