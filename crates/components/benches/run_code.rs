//! The cost of one `runCode` call.
//!
//! - `run_code/action`: the whole action on the shared pool (channel round trip to a worker
//!   thread, a fresh context with the prelude, the seed's Path Helper code, JSON back).
//! - `quickjs/fresh_runtime_context`: a new runtime and context per call (no pool).
//! - `quickjs/fresh_context_on_reused_runtime`: what the pool does per call, minus the channel
//!   and the prelude.
//! - `quickjs/reused_context`: one context for every call (fastest, but globals would leak
//!   between executions, so the pool does not do this).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use plumb_components::code::RunCode;
use plumb_core::action::{
    Action, ActionContext, ActionError, Data, InputValue, Inputs, LogLevel, Logger, StateScope,
    StateStore,
};
use rquickjs::{Context, Runtime};
use serde_json::{json, Value};

const CODE: &str = r#"module.exports = async ({ logger, configVars }, stepResults) => {
  const pokemonUrl = `${configVars.pokeApiBaseUrl}/api/v2/pokemon/${configVars.pokemonAvatar}`;
  const s3ObjectPath = `${configVars.customerName}.png`;
  return { data: { pokemonUrl, s3ObjectPath } };
};"#;

const PLAIN: &str = "(() => { const c = { a: 'https://pokeapi.co', b: 'pikachu', n: 'Smith' }; \
    return JSON.stringify({ pokemonUrl: `${c.a}/api/v2/pokemon/${c.b}`, s3ObjectPath: `${c.n}.png` }); })()";

struct Quiet;
impl Logger for Quiet {
    fn log(&self, _level: LogLevel, _message: &str) {}
}

struct NoState;
#[async_trait::async_trait]
impl StateStore for NoState {
    async fn get(&self, _s: StateScope, _k: &str) -> Result<Option<Value>, ActionError> {
        Ok(None)
    }
    async fn set(&self, _s: StateScope, _k: &str, _v: Value) -> Result<(), ActionError> {
        Ok(())
    }
    async fn remove(&self, _s: StateScope, _k: &str) -> Result<(), ActionError> {
        Ok(())
    }
}

fn context() -> ActionContext {
    let config: BTreeMap<String, Value> = [
        ("pokeApiBaseUrl", json!("https://pokeapi.co")),
        ("pokemonAvatar", json!("pikachu")),
        ("customerName", json!("Smith Rocket Company")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    ActionContext {
        execution_id: "bench".into(),
        flow_name: "Sync".into(),
        step_name: "Path Helper".into(),
        customer: Value::Null,
        instance: Value::Null,
        config_vars: Arc::new(config),
        step_results: Arc::new(BTreeMap::new()),
        webhook_urls: Arc::new(BTreeMap::new()),
        logger: Arc::new(Quiet),
        state: Arc::new(NoState),
        flows: Arc::new(plumb_core::action::NoFlowInvoker),
        deadline: None,
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let ctx = context();
    let action = RunCode::new();
    let inputs = Inputs(BTreeMap::from([(
        "code".to_string(),
        InputValue::Data(Data::Json(json!(CODE))),
    )]));
    // Warm the pool up once so thread start-up is not measured.
    rt.block_on(action.run(&ctx, inputs.clone())).expect("runs");
    c.bench_function("run_code/action", |b| {
        b.to_async(&rt)
            .iter(|| async { action.run(&ctx, inputs.clone()).await.expect("runs") })
    });

    let mut group = c.benchmark_group("quickjs");
    group.bench_function("fresh_runtime_context", |b| {
        b.iter(|| {
            let runtime = Runtime::new().expect("runtime");
            let context = Context::full(&runtime).expect("context");
            context.with(|ctx| ctx.eval::<String, _>(PLAIN).expect("eval"))
        })
    });
    let runtime = Runtime::new().expect("runtime");
    group.bench_function("fresh_context_on_reused_runtime", |b| {
        b.iter(|| {
            let context = Context::full(&runtime).expect("context");
            context.with(|ctx| ctx.eval::<String, _>(PLAIN).expect("eval"))
        })
    });
    let context = Context::full(&runtime).expect("context");
    group.bench_function("reused_context", |b| {
        b.iter(|| context.with(|ctx| ctx.eval::<String, _>(PLAIN).expect("eval")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
