//! The engine-owned components, one module each: the triggers (`webhook-triggers`,
//! `schedule-triggers`, `management-triggers`), `loop`, `branch` and `stop-execution` (run by
//! the engine itself: they shape the control flow), `persist-data` (ordinary [`Action`]s
//! over the context's state store), `cross-flow` and `recursive-flow` (over the context's flow
//! invoker; `recursive-flow`'s trigger adds the cursor to the payload in the engine).
//!
//! [`Action`]: plumb_core::action::Action

mod branch;
mod cross_flow;
mod loops;
mod persist_data;
pub(crate) mod recursive_flow;
mod state;
mod stop_execution;
mod triggers;

use plumb_core::component::Component;

pub use state::MemoryStateStore;

/// The engine-owned components; one line per component.
pub fn components() -> Vec<Component> {
    vec![
        triggers::webhook(),
        triggers::schedule(),
        triggers::management(),
        loops::component(),
        branch::component(),
        stop_execution::component(),
        persist_data::component(),
        cross_flow::component(),
        recursive_flow::component(),
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
