//! The engine's own overhead per step: flows of N steps whose action does nothing, so the
//! measured time is resolution of inputs, context building, records, sink calls and the
//! time-limit/cancellation guard. Per-step overhead = (time(N=101) - time(N=1)) / 100. `run`
//! compiles the flow on every call; `run_prepared` reuses a `PreparedFlow`.
//!
//! Two measurements: wall time (criterion's default) and the CPU time of the benchmark thread
//! (the runtime is current-thread, so every poll runs there). On a shared, loaded machine the
//! CPU time is the figure to read.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::{ActionSpec, Component, ComponentSpec, InputKind, InputSpec};
use plumb_core::definition;
use plumb_engine::{Catalog, Engine, RunRequest, TriggerPayload};
use serde_json::{json, Value};

struct Noop;

#[async_trait::async_trait]
impl Action for Noop {
    async fn run(&self, _ctx: &ActionContext, _inputs: Inputs) -> Result<Data, ActionError> {
        Ok(Data::Json(Value::Null))
    }
}

fn flow(steps: usize) -> String {
    let mut text = String::from(
        "name: Bench\nflows:\n  - name: F\n    steps:\n      - name: Trigger\n        isTrigger: true\n        action: {key: webhook, component: {key: webhook-triggers}}\n",
    );
    for i in 0..steps {
        text.push_str(&format!(
            "      - name: Step {i}\n        action: {{key: noop, component: {{key: bench}}}}\n        inputs:\n          value: {{type: reference, value: trigger.results.body.data.id}}\n"
        ));
    }
    text
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is always supported
    // on Linux.
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn bench(c: &mut Criterion) {
    let spec = ComponentSpec::builtin("bench", "Bench", "").action(ActionSpec::new(
        "noop",
        "No-op",
        "",
        vec![InputSpec::new(
            "value",
            "Value",
            InputKind::Data,
            false,
            None,
            "",
        )],
    ));
    let mut all = plumb_engine::builtin_components();
    all.push(Component::new(spec).with_action("noop", Arc::new(Noop)));
    let registry = Arc::new(Catalog::new(all).expect("a consistent catalog"));
    let engine = Engine::new(registry.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("engine_noop_steps");
    for steps in [1usize, 101] {
        let def = definition::load(&flow(steps), &registry.view(None)).expect("valid bench flow");
        group.throughput(Throughput::Elements(steps as u64));
        group.bench_with_input(BenchmarkId::from_parameter(steps), &def, |b, def| {
            b.to_async(&rt).iter(|| async {
                let mut req = RunRequest::new("F");
                req.trigger = TriggerPayload::json(&json!({"id": 7}));
                let res = engine.run(def, req).await;
                assert!(res.is_success());
                res
            })
        });
    }
    group.finish();
    for (name, prepared) in [
        ("engine_noop_steps_cpu", false),
        ("engine_noop_steps_prepared_cpu", true),
    ] {
        let mut group = c.benchmark_group(name);
        for steps in [1usize, 101] {
            let def =
                definition::load(&flow(steps), &registry.view(None)).expect("valid bench flow");
            let flow = engine.prepare(&def, "F").expect("flow F");
            group.throughput(Throughput::Elements(steps as u64));
            group.bench_with_input(BenchmarkId::from_parameter(steps), &def, |b, def| {
                b.iter_custom(|iters| {
                    let start = thread_cpu();
                    for _ in 0..iters {
                        rt.block_on(async {
                            let mut req = RunRequest::new("F");
                            req.trigger = TriggerPayload::json(&json!({"id": 7}));
                            let res = if prepared {
                                engine.run_prepared(&flow, req).await
                            } else {
                                engine.run(def, req).await
                            };
                            assert!(res.is_success());
                        });
                    }
                    thread_cpu() - start
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
