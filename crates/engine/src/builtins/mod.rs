//! The engine-owned components, one module each: the triggers (`webhook-triggers`,
//! `schedule-triggers`, `management-triggers`), `loop`, `branch` and `stop-execution` (run by
//! the engine itself: they shape the control flow), `persist-data` (ordinary [`Action`]s
//! over the context's state store) and `cross-flow` (over the context's flow invoker).
//!
//! [`Action`]: plumb_core::action::Action

mod branch;
mod cross_flow;
mod loops;
mod persist_data;
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
