//! The engine-owned components. Triggers, `loop`, `branch` and `stop-execution` steps are run by
//! the engine itself (they shape the control flow); `persist-data` actions are ordinary
//! [`Action`]s over the context's state store.

mod manifests;
mod persist;
mod state;

use std::sync::Arc;

use plumb_core::action::{Action, StateScope};

pub use manifests::builtin_manifests;
pub use state::MemoryStateStore;

use persist::{Op, Persist};

/// The `(component, action, implementation)` of the engine-owned actions that are plain
/// actions (`persist-data`).
pub fn builtin_actions() -> Vec<(&'static str, &'static str, Arc<dyn Action>)> {
    let p = |op, scope| -> Arc<dyn Action> { Arc::new(Persist { op, scope }) };
    vec![
        (
            "persist-data",
            "saveInstanceValue",
            p(Op::Save, StateScope::Instance),
        ),
        (
            "persist-data",
            "getInstanceValue",
            p(Op::Get, StateScope::Instance),
        ),
        (
            "persist-data",
            "removeInstanceValue",
            p(Op::Remove, StateScope::Instance),
        ),
        (
            "persist-data",
            "saveCrossFlowValue",
            p(Op::Save, StateScope::CrossFlow),
        ),
        (
            "persist-data",
            "getCrossFlowValue",
            p(Op::Get, StateScope::CrossFlow),
        ),
    ]
}

/// Whether the engine runs this step itself (control flow and triggers).
pub(crate) fn is_engine_step(component: &str) -> bool {
    matches!(
        component,
        "webhook-triggers"
            | "schedule-triggers"
            | "management-triggers"
            | "loop"
            | "branch"
            | "stop-execution"
    )
}
