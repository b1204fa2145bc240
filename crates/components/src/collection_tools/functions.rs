//! The actions that take a JavaScript function.

use std::sync::Arc;

use plumb_core::action::Action;
use plumb_core::component::ActionSpec;

/// The specs of the function actions.
pub fn specs() -> Vec<ActionSpec> {
    Vec::new()
}

/// The function actions, by key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    Vec::new()
}
