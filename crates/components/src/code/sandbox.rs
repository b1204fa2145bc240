//! Runs one `runCode` job inside a fresh QuickJS context on the calling (worker) thread.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use plumb_core::action::{Data, LogLevel, Logger, StateScope, StateStore};
use rquickjs::context::EvalOptions;
use rquickjs::function::{IntoJsFunc, Opt};
use rquickjs::{Context, Ctx, Function, Object, Runtime, Value};

use super::encoding;
use super::pool::Limits;
use super::timers::{self, Shared};

/// The prelude evaluated in every context (console, logger, Buffer, state proxies).
const PRELUDE: &str = include_str!("prelude.js");

/// The file name syntax errors and stacks refer to.
const FILE_NAME: &str = "code.js";

/// Why a `runCode` call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CodeError {
    /// The code does not parse.
    #[error("syntax error at line {}: {message}", line.map_or("?".to_string(), |l| l.to_string()))]
    Syntax {
        /// The line of the error (1-based), when QuickJS reports one.
        line: Option<u32>,
        /// QuickJS's message.
        message: String,
    },
    /// The code threw (or its promise rejected).
    #[error("{name}: {message}")]
    Thrown {
        /// The error's name (`Error`, `TypeError`, ...).
        name: String,
        /// The error's message.
        message: String,
        /// The JavaScript stack, when there is one.
        stack: Option<String>,
    },
    /// The code ran past its time limit.
    #[error("code ran past its time limit of {0} ms and was stopped")]
    Timeout(u64),
    /// The code used more memory than allowed.
    #[error("code ran out of memory (limit {0} MiB) and was stopped")]
    OutOfMemory(usize),
    /// The code ran but did not produce a usable result.
    #[error("{0}")]
    Invalid(String),
    /// The JavaScript engine itself failed.
    #[error("JavaScript engine error: {0}")]
    Engine(String),
}

/// Access to the step's state store from the worker thread (blocking on the async runtime).
pub(crate) struct StateBridge {
    /// The async runtime the store's futures run on.
    pub handle: tokio::runtime::Handle,
    /// The store.
    pub store: Arc<dyn StateStore>,
}

/// One call: the code, what it sees, and where its logs go.
pub(crate) struct Job {
    /// The user's source (`module.exports = async (context, stepResults) => ...`).
    pub code: String,
    /// The JSON part of the context (`customer`, `configVars`, `flow`, ...).
    pub context: serde_json::Value,
    /// Earlier steps' results by camelCased step name.
    pub step_results: Arc<BTreeMap<String, Data>>,
    /// The execution log.
    pub logger: Arc<dyn Logger>,
    /// Instance / cross-flow / execution state, when available.
    pub state: Option<StateBridge>,
    /// When the call must stop.
    pub deadline: Instant,
    /// The limit that deadline stands for, in ms (for the error message).
    pub limit_ms: u64,
}

/// What a call produced.
#[derive(Debug)]
pub(crate) struct JobOutput {
    /// The returned `data` (JSON or binary).
    pub data: Data,
}

impl CodeError {
    fn engine(e: rquickjs::Error) -> Self {
        CodeError::Engine(e.to_string())
    }
}

/// How a call ended, and whether its runtime can serve another call.
pub(crate) struct Ran {
    /// The call's result.
    pub result: Result<JobOutput, CodeError>,
    /// False when the call left jobs queued on the runtime (they cannot be removed from its
    /// queue, so the runtime must be replaced).
    pub reusable: bool,
}

/// Runs `job` in a fresh context of `runtime`.
///
/// When the call succeeds, the jobs it still has queued (promise reactions, microtasks) run
/// before it returns, under the same deadline and memory limit: work left behind never runs
/// on another call's time. A call that fails, or whose queued work outlives its deadline,
/// leaves its runtime unusable ([`Ran::reusable`] is false) so the pool replaces it.
pub(crate) fn run(runtime: &Runtime, job: Job, limits: Limits) -> Ran {
    let (deadline, limit_ms) = (job.deadline, job.limit_ms);
    let context = match Context::full(runtime) {
        Ok(context) => context,
        Err(e) => {
            return Ran {
                result: Err(oom_or(e, limits)),
                reusable: false,
            }
        }
    };
    let mut result = context.with(|ctx| run_in(&ctx, job, limits));
    if result.is_ok() {
        if let Err(e) = drain(runtime, deadline, limit_ms, limits) {
            result = Err(e);
        }
    }
    let reusable = !runtime.is_job_pending();
    drop(context);
    Ran { result, reusable }
}

/// Runs the jobs a successful call left queued until none is left, or the deadline passes
/// (a timeout), or one runs out of memory. Other exceptions of these jobs are dropped, as an
/// unhandled rejection would be: the step's result is already known.
fn drain(
    runtime: &Runtime,
    deadline: Instant,
    limit_ms: u64,
    limits: Limits,
) -> Result<(), CodeError> {
    while runtime.is_job_pending() {
        if Instant::now() >= deadline {
            return Err(CodeError::Timeout(limit_ms));
        }
        if let Err(exception) = runtime.execute_pending_job() {
            // The context the failed job ran in.
            let oom = exception.0.with(|ctx| {
                let thrown = ctx.catch();
                thrown.is_null()
                    || thrown
                        .as_object()
                        .and_then(|obj| obj.get::<_, String>("message").ok())
                        .is_some_and(|m| m.contains("out of memory"))
            });
            if oom {
                return Err(CodeError::OutOfMemory(limits.memory_bytes / (1024 * 1024)));
            }
        }
    }
    Ok(())
}

/// A host function whose prototype is this context's `Function.prototype`.
///
/// rquickjs gives every Rust function the prototype it cached on the *runtime* when the first
/// one was made, that is a `Function.prototype` of an earlier context: code that gets hold of
/// a host function (an error's call sites expose the frames' functions) would reach that
/// context's `Function` constructor and so its globals.
pub(crate) fn host_fn<'js, P, F>(ctx: &Ctx<'js>, f: F) -> rquickjs::Result<Function<'js>>
where
    F: IntoJsFunc<'js, P> + 'js,
{
    let function = Function::new(ctx.clone(), f)?;
    function.set_prototype(Some(&Function::prototype(ctx.clone())))?;
    Ok(function)
}

fn oom_or(e: rquickjs::Error, limits: Limits) -> CodeError {
    if matches!(e, rquickjs::Error::Allocation) {
        CodeError::OutOfMemory(limits.memory_bytes / (1024 * 1024))
    } else {
        CodeError::engine(e)
    }
}

fn run_in<'js>(ctx: &Ctx<'js>, job: Job, limits: Limits) -> Result<JobOutput, CodeError> {
    let Job {
        code,
        context,
        step_results,
        logger,
        state,
        deadline,
        limit_ms,
    } = job;
    let host = host_object(ctx, &context, &step_results, logger, state)
        .map_err(|e| caught(ctx, e, limits))?;
    let timers = timers::install(ctx, &host).map_err(|e| caught(ctx, e, limits))?;
    let result = evaluate(ctx, host, &code, &timers, deadline, limit_ms, limits);
    timers::close(&timers);
    clear_exception(ctx);
    result
}

/// Runs the prelude and the user's code, settles the promise and reads the result.
fn evaluate<'js>(
    ctx: &Ctx<'js>,
    host: Object<'js>,
    code: &str,
    timers: &Shared<'js>,
    deadline: Instant,
    limit_ms: u64,
    limits: Limits,
) -> Result<JobOutput, CodeError> {
    ctx.globals()
        .set("__plumb", host)
        .map_err(|e| caught(ctx, e, limits))?;
    let mut options = EvalOptions::default();
    options.global = true;
    options.filename = Some("prelude.js".into());
    ctx.eval_with_options::<(), _>(PRELUDE, options)
        .map_err(|e| caught(ctx, e, limits))?;

    // No newline before the user's code, so its line numbers are the reported ones.
    let wrapped = format!("(function (module, exports, require) {{{code}\n;}})");
    let mut options = EvalOptions::default();
    options.global = true;
    options.filename = Some(FILE_NAME.into());
    let main: Function = ctx
        .eval_with_options(wrapped, options)
        .map_err(|e| syntax(caught(ctx, e, limits)))?;
    let start: Function = ctx
        .globals()
        .get("__plumbStart")
        .map_err(|e| caught(ctx, e, limits))?;
    let returned: Value = start.call((main,)).map_err(|e| caught(ctx, e, limits))?;
    let value = settle(ctx, returned, timers, deadline, limit_ms, limits)?;
    let data = returned_data(ctx, value).map_err(|e| caught(ctx, e, limits))?;
    Ok(JobOutput { data })
}

/// A parse failure reported by `eval` is a syntax error; keep other kinds as they are.
fn syntax(error: CodeError) -> CodeError {
    match error {
        CodeError::Thrown {
            name,
            message,
            stack,
        } if name == "SyntaxError" => CodeError::Syntax {
            line: stack.as_deref().and_then(line_of),
            message,
        },
        other => other,
    }
}

/// The first `code.js:LINE` in a stack.
fn line_of(stack: &str) -> Option<u32> {
    let at = stack.find(&format!("{FILE_NAME}:"))? + FILE_NAME.len() + 1;
    let digits: String = stack[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Drives the promise (if any) to completion: the job queue first, then due timers.
fn settle<'js>(
    ctx: &Ctx<'js>,
    value: Value<'js>,
    timers: &Shared<'js>,
    deadline: Instant,
    limit_ms: u64,
    limits: Limits,
) -> Result<Value<'js>, CodeError> {
    let Some(promise) = value.as_promise().cloned() else {
        return Ok(value);
    };
    loop {
        if let Some(result) = promise.result::<Value>() {
            return result.map_err(|e| caught(ctx, e, limits));
        }
        // A chain of short jobs never trips the interrupt handler on its own.
        if Instant::now() >= deadline {
            return Err(CodeError::Timeout(limit_ms));
        }
        if ctx.execute_pending_job() {
            continue;
        }
        let Some((due, callback)) = timers::take_next(timers) else {
            return Err(CodeError::Invalid(
                "the code's promise never settled (network access is not available)".into(),
            ));
        };
        if due >= deadline {
            return Err(CodeError::Timeout(limit_ms));
        }
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        callback
            .call::<_, ()>(())
            .map_err(|e| caught(ctx, e, limits))?;
    }
}

/// `{ data, contentType }` → [`Data`]; binary when `data` is a Uint8Array or ArrayBuffer.
fn returned_data<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> rquickjs::Result<Data> {
    let (data, content_type) = match value.as_object() {
        Some(obj) if obj.contains_key("data")? && !is_binary(obj) => {
            let ct: Option<String> = obj.get("contentType")?;
            (obj.get::<_, Value>("data")?, ct)
        }
        _ => (value, None),
    };
    encoding::to_data(ctx, data, content_type)
}

fn is_binary(obj: &Object<'_>) -> bool {
    obj.as_typed_array::<u8>().is_some() || encoding::is_array_buffer(obj)
}

/// Drops the runtime's pending exception, if any. QuickJS keeps it on the *runtime*: one left
/// pending (a failed `JS_GetArrayBuffer` throws "not an ArrayBuffer" without an error result)
/// would keep its context, and everything that context's code kept, alive until another
/// exception replaced it, in a later call.
fn clear_exception(ctx: &Ctx<'_>) {
    if ctx.has_exception() {
        drop(ctx.catch());
    }
}

/// Turns a failed call into a [`CodeError`], reading the pending exception.
fn caught(ctx: &Ctx<'_>, error: rquickjs::Error, limits: Limits) -> CodeError {
    if !matches!(error, rquickjs::Error::Exception) {
        return oom_or(error, limits);
    }
    let thrown = ctx.catch();
    let (name, message, stack) = if let Some(obj) = thrown.as_object() {
        let name: Option<String> = obj.get("name").ok();
        let message: Option<String> = obj.get("message").ok();
        let stack: Option<String> = obj.get("stack").ok();
        match message {
            Some(m) => (name.unwrap_or_else(|| "Error".into()), m, stack),
            None => ("Error".into(), encoding::show(ctx, &thrown), None),
        }
    } else if thrown.is_null() {
        ("InternalError".into(), "out of memory".into(), None)
    } else {
        ("Error".into(), encoding::show(ctx, &thrown), None)
    };
    if message.contains("out of memory") {
        return CodeError::OutOfMemory(limits.memory_bytes / (1024 * 1024));
    }
    CodeError::Thrown {
        name,
        message,
        stack: stack.filter(|s| !s.trim().is_empty()),
    }
}

/// The `__plumb` object the prelude takes its host functions from.
fn host_object<'js>(
    ctx: &Ctx<'js>,
    context: &serde_json::Value,
    step_results: &BTreeMap<String, Data>,
    logger: Arc<dyn Logger>,
    state: Option<StateBridge>,
) -> rquickjs::Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;
    host.set("context", context.to_string())?;
    let results = Object::new(ctx.clone())?;
    for (name, data) in step_results {
        let entry = Object::new(ctx.clone())?;
        entry.set("results", encoding::from_data(ctx, data)?)?;
        results.set(name.as_str(), entry)?;
    }
    host.set("stepResults", results)?;
    host.set(
        "log",
        host_fn(ctx, move |level: String, message: String| {
            logger.log(level_of(&level), &message);
        })?,
    )?;
    host.set("encode", host_fn(ctx, encoding::encode)?)?;
    host.set("decode", host_fn(ctx, encoding::decode)?)?;
    let state = state.map(Arc::new);
    let s = state.clone();
    host.set(
        "stateGet",
        host_fn(ctx, move |ctx: Ctx<'js>, scope: String, key: String| {
            state_get(&ctx, s.as_deref(), &scope, &key)
        })?,
    )?;
    let s = state.clone();
    host.set(
        "stateSet",
        host_fn(
            ctx,
            move |ctx: Ctx<'js>, scope: String, key: String, json: Opt<String>| {
                let value = json
                    .0
                    .and_then(|j| serde_json::from_str(&j).ok())
                    .unwrap_or(serde_json::Value::Null);
                state_call(&ctx, s.as_deref(), &scope, |store, scope| async move {
                    store.set(scope, &key, value).await
                })
            },
        )?,
    )?;
    let s = state;
    host.set(
        "stateRemove",
        host_fn(ctx, move |ctx: Ctx<'js>, scope: String, key: String| {
            state_call(&ctx, s.as_deref(), &scope, |store, scope| async move {
                store.remove(scope, &key).await
            })
        })?,
    )?;
    Ok(host)
}

fn level_of(level: &str) -> LogLevel {
    match level {
        "trace" => LogLevel::Trace,
        "debug" => LogLevel::Debug,
        "warn" => LogLevel::Warn,
        "error" => LogLevel::Error,
        "metric" => LogLevel::Metric,
        _ => LogLevel::Info,
    }
}

fn scope_of(scope: &str) -> StateScope {
    match scope {
        "crossFlow" => StateScope::CrossFlow,
        "execution" => StateScope::Execution,
        _ => StateScope::Instance,
    }
}

fn state_get(
    ctx: &Ctx<'_>,
    bridge: Option<&StateBridge>,
    scope: &str,
    key: &str,
) -> rquickjs::Result<Option<String>> {
    let Some(bridge) = bridge else {
        return Ok(None);
    };
    let store = Arc::clone(&bridge.store);
    let scope = scope_of(scope);
    match bridge
        .handle
        .block_on(async move { store.get(scope, key).await })
    {
        Ok(value) => Ok(value.map(|v| v.to_string())),
        Err(e) => Err(rquickjs::Exception::throw_message(ctx, &e.to_string())),
    }
}

fn state_call<F, Fut>(
    ctx: &Ctx<'_>,
    bridge: Option<&StateBridge>,
    scope: &str,
    call: F,
) -> rquickjs::Result<()>
where
    F: FnOnce(Arc<dyn StateStore>, StateScope) -> Fut,
    Fut: std::future::Future<Output = Result<(), plumb_core::action::ActionError>>,
{
    let Some(bridge) = bridge else {
        return Err(rquickjs::Exception::throw_message(
            ctx,
            "state is not available in this run",
        ));
    };
    bridge
        .handle
        .block_on(call(Arc::clone(&bridge.store), scope_of(scope)))
        .map_err(|e| rquickjs::Exception::throw_message(ctx, &e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::line_of;

    #[test]
    fn finds_the_line_in_a_stack() {
        assert_eq!(line_of("    at code.js:3:7\n"), Some(3));
        assert_eq!(line_of("    at prelude.js:3:7\n"), None);
    }
}
