//! The `text-manipulation` component: Prismatic's Text Manipulation actions (`upperCase`,
//! `lowerCase`, `trim`, `split`, `join`, `joinLines`, `replace`, `match`, base64 and HTML
//! encodings, ...). Pure functions of their inputs; every result is bounded by
//! [`ops::MAX_OUTPUT`].
//!
//! - `manifest`: the spec: inputs and examples of every action.
//! - `ops`: what each action computes.
//! - `html`: HTML entity encoding and decoding.

mod html;
mod manifest;
mod ops;

use std::sync::Arc;

use plumb_core::action::Action;
use plumb_core::component::Component;

pub use manifest::spec;

/// The component's key.
pub const KEY: &str = "text-manipulation";

/// The component: its spec and its actions.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    ops::ACTIONS
        .iter()
        .map(|(key, f)| (*key, Arc::new(crate::util::Pure(*f)) as Arc<dyn Action>))
        .collect()
}

#[cfg(test)]
mod tests;
