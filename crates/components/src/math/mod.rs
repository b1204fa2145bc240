//! The `math` component: Prismatic's Math actions (`add`, `subtract`, `multiply`, `divide`,
//! `abs`, `round`, `pow`, `log`, `evaluate`, ...), computed on `f64` as JavaScript's `Math`
//! does, results answered as JSON numbers (whole numbers as integers).
//!
//! - `manifest`: the spec: every action with its inputs and examples.
//! - `ops`: what each action computes, and the readers of its number inputs.
//! - `expr`: the bounded arithmetic expression evaluator behind `evaluate`.

mod expr;
mod manifest;
mod ops;

use std::sync::Arc;

use plumb_core::action::Action;
use plumb_core::component::Component;

pub use manifest::spec;

/// The component's key.
pub const KEY: &str = "math";

/// The component: its spec and its actions.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    manifest::ACTIONS
        .iter()
        .map(|a| (a.key, Arc::new(ops::Math(a.op)) as Arc<dyn Action>))
        .collect()
}

#[cfg(test)]
mod tests;
