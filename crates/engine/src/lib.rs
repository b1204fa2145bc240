//! plumb's flow engine.
//!
//! [`Engine::run`] runs one flow of a validated [`Definition`](plumb_core::definition::Definition)
//! from a [`TriggerPayload`] and resolved config vars ([`RunRequest`]): the trigger step's result
//! is built from the payload, then the steps run in order, each an [`Action`](plumb_core::action::Action)
//! looked up in the [`Catalog`] it is given (the engine does not depend on the components
//! crate), with loops, branches, `breakLoop`, `stopExecution` and per-step `errorConfig`
//! (fail, ignore, retry with delay and exponential backoff). Step failures are data
//! ([`StepOutcome::Failed`]), never panics. An [`ExecutionSink`] sees each step's start, record
//! and logs as they happen ([`MemorySink`] keeps them in memory). [`EngineLimits`] bound the
//! execution time, the size of step results and loop iterations; a
//! [`CancellationToken`](tokio_util::sync::CancellationToken) cancels a run.
//!
//! The engine-owned components (`webhook-triggers`, `schedule-triggers`, `management-triggers`,
//! `loop`, `branch`, `stop-execution`, `persist-data`, `cross-flow`, `recursive-flow`) are
//! [`builtin_components`], one module each under `builtins/`. `cross-flow` invokes other flows
//! and `recursive-flow` its own flow again through the request's
//! [`FlowInvoker`](plumb_core::action::FlowInvoker), which the engine passes through unchanged
//! (outside an instance, one that refuses). [`run_local`] is the `plumb run` entry point.
//!
//! Invariant: the engine knows nothing of HTTP routing, GraphQL or SQL.

mod builtins;
mod catalog;
mod conditions;
mod limits;
mod local;
mod plan;
mod record;
mod redact;
mod runner;
mod sink;
mod trigger;

pub use builtins::{components as builtin_components, MemoryStateStore};
pub use catalog::{Catalog, CatalogError, CatalogView};
pub use limits::EngineLimits;
pub use local::{
    require_local_config, resolve_local_config, run_local, run_local_with, RunReport, StepReport,
};
pub use record::{
    ExecutionResult, ExecutionStatus, LogEntry, StepError, StepOutcome, StepRecord, StepStarted,
};
pub use redact::{
    is_secret_field, Redactor, MIN_BASE64_CORE, MIN_DECODED_TEXT, MIN_SECRET_LEN, REDACTED,
};
pub use runner::{Engine, PreparedFlow, RunRequest};
pub use sink::{ExecutionSink, MemorySink, NullSink, Recorded};
pub use tokio_util::sync::CancellationToken;
pub use trigger::TriggerPayload;
