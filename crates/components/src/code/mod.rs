//! The `code` component: `runCode` runs JavaScript on QuickJS (through `rquickjs`).
//!
//! The code is a CommonJS-style module,
//! `module.exports = async (context, stepResults) => ({ data, contentType })`. It has no file
//! system, process or network access; each call runs in a fresh context on a pooled runtime
//! ([`JsPool`]) with a memory limit and a time limit.

mod encoding;
mod pool;
mod sandbox;
mod timers;

use std::sync::Arc;
use std::time::Instant;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::json;

pub use pool::{JsPool, Limits};
pub use sandbox::CodeError;

use sandbox::{Job, StateBridge};

/// The component's key.
pub const KEY: &str = "code";

plumb_core::action_inputs! {
    /// The inputs of `runCode`.
    pub struct RunCodeInputs {
        /// The module to run: `module.exports = async (context, stepResults) => ({ data,
        /// contentType })`. `context` has `logger`, `configVars`, `customer`, `instance`,
        /// `executionId`, `webhookUrls`, `instanceState` / `crossFlowState`; `stepResults` the
        /// earlier steps' results by camelCased name.
        code: String = ("Code", Code, default "module.exports = async ({ logger, configVars }, stepResults) => {\n  return { data: null };\n};"),
    }
}

/// The `code` component's spec.
pub fn spec() -> ComponentSpec {
    ComponentSpec::builtin(
        KEY,
        "Code",
        "Run JavaScript (QuickJS) with the step's context and earlier results.",
    )
    .action(
        ActionSpec::new(
            "runCode",
            "Code Block",
            "Run `module.exports = async (context, stepResults) => ({ data })`.",
            RunCodeInputs::specs(),
        )
        .example(
            ActionExample::values(
                "Add two numbers",
                &[(
                    "code",
                    json!("module.exports = async () => ({ data: 1 + 2 });"),
                )],
            )
            .answers(json!(3)),
        ),
    )
}

/// The component: its spec and `runCode` on the process-wide pool.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The `runCode` action, on a [`JsPool`].
#[derive(Debug)]
pub struct RunCode {
    pool: Option<&'static JsPool>,
}

impl RunCode {
    /// `runCode` on the process-wide pool (started on first use).
    pub fn new() -> Self {
        RunCode { pool: None }
    }

    /// `runCode` on a given pool (tests, custom limits).
    pub fn with_pool(pool: &'static JsPool) -> Self {
        RunCode { pool: Some(pool) }
    }
}

impl Default for RunCode {
    fn default() -> Self {
        RunCode::new()
    }
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![("runCode", Arc::new(RunCode::new()) as Arc<dyn Action>)]
}

#[async_trait::async_trait]
impl Action for RunCode {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let code = RunCodeInputs::from_inputs(&inputs)?.code;
        run_module(ctx, self.pool, code, Arc::clone(&ctx.step_results))
            .await
            .map_err(to_action_error)
    }
}

/// Runs `code`, a module as `runCode` takes it, on `pool` (the process-wide one when `None`)
/// under the pool's limits and the step's deadline, with `step_results` as its `stepResults`
/// (each value under `.results`). Other components that run user JavaScript
/// (`collection-tools`' functions) come through here, so they share `runCode`'s sandbox.
pub(crate) async fn run_module(
    ctx: &ActionContext,
    pool: Option<&'static JsPool>,
    code: String,
    step_results: Arc<std::collections::BTreeMap<String, Data>>,
) -> Result<Data, CodeError> {
    let pool = match pool {
        Some(pool) => pool,
        None => JsPool::shared()?,
    };
    let now = Instant::now();
    let mut deadline = now + pool.limits().time_limit;
    if let Some(step_deadline) = ctx.deadline {
        deadline = deadline.min(step_deadline);
    }
    let limit_ms =
        u64::try_from(deadline.saturating_duration_since(now).as_millis()).unwrap_or(u64::MAX);
    let job = Job {
        code,
        context: json!({
            "customer": ctx.customer,
            "instance": ctx.instance,
            "flow": { "name": ctx.flow_name },
            "executionId": ctx.execution_id,
            "stepId": ctx.step_name,
            "webhookUrls": *ctx.webhook_urls,
            "configVars": *ctx.config_vars,
        }),
        step_results,
        logger: Arc::clone(&ctx.logger),
        state: tokio::runtime::Handle::try_current()
            .ok()
            .map(|handle| StateBridge {
                handle,
                store: Arc::clone(&ctx.state),
            }),
        deadline,
        limit_ms,
    };
    pool.run(job).await.map(|out| out.data)
}

pub(crate) fn to_action_error(error: CodeError) -> ActionError {
    match error {
        CodeError::Timeout(ms) => ActionError::Timeout(ms),
        CodeError::Thrown {
            ref name,
            ref message,
            ref stack,
        } => ActionError::Failed {
            message: format!("code threw {error}"),
            details: Some(json!({ "name": name, "message": message, "stack": stack })),
        },
        CodeError::Syntax { line, ref message } => ActionError::Failed {
            message: error.to_string(),
            details: Some(json!({ "name": "SyntaxError", "line": line, "message": message })),
        },
        other => ActionError::failed(other.to_string()),
    }
}

#[cfg(test)]
mod isolation_tests;
#[cfg(test)]
mod tests;
