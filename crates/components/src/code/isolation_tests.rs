//! Tenant isolation of the code sandbox. Every test runs on its own pool of ONE runtime, so the
//! steps of two organizations must share it one after the other: work org A's step leaves
//! behind (microtasks, timers, intervals, unresolved promises, garbage) and globals it sets
//! must never reach org B's step.

use std::time::{Duration, Instant};

use plumb_core::action::{Action, ActionError, Data, LogLevel};
use serde_json::json;

use super::{JsPool, Limits, RunCode};
use crate::testing::{context, inputs, TestContext};

/// The time limit of the test pools (short, so a step that loops ends soon).
const LIMIT: Duration = Duration::from_secs(1);

/// A pool of one runtime (a thread) for one test.
fn one_runtime(limits: Limits) -> RunCode {
    let pool = JsPool::new(1, limits).expect("pool");
    RunCode::with_pool(Box::leak(Box::new(pool)))
}

fn pool_of_one() -> RunCode {
    one_runtime(Limits {
        time_limit: LIMIT,
        ..Limits::default()
    })
}

/// A step context of organization `name` (its own customer, execution, log and state).
fn org(name: &str) -> TestContext {
    let mut t = context(json!({ "org": name }), vec![]);
    t.ctx.customer = json!({ "id": name, "name": name, "externalId": name });
    t.ctx.execution_id = format!("exec-{name}");
    t
}

async fn step(action: &RunCode, t: &TestContext, code: &str) -> Result<Data, ActionError> {
    action
        .run(&t.ctx, inputs(vec![("code", json!(code))]))
        .await
}

/// Org B's trivial step (it awaits once, as real code does, so the runtime's job queue runs
/// while it is pending) gets its own answer, within a generous bound, and nothing of A's in
/// its log.
async fn b_is_quick_and_right(action: &RunCode) {
    let b = org("org-b");
    let started = Instant::now();
    let out = step(
        action,
        &b,
        "module.exports = async ({ configVars, logger }) => { await null; logger.info('b ran'); return { data: `hello ${configVars.org}` }; }",
    )
    .await;
    let took = started.elapsed();
    assert_eq!(out, Ok(Data::Json(json!("hello org-b"))));
    assert!(took < Duration::from_secs(5), "org B's step took {took:?}");
    assert_eq!(b.lines.all(), vec![(LogLevel::Info, "b ran".to_string())]);
}

#[tokio::test]
async fn a_microtask_loop_left_behind_is_cut_by_its_own_deadline() {
    let action = pool_of_one();
    let a = org("org-a");
    for code in [
        "module.exports = async () => { Promise.resolve().then(() => { while (true) {} }); return { data: 'a' }; }",
        // Not async: the function returns at once, the loop is still queued.
        "module.exports = () => { Promise.resolve().then(() => { while (true) {} }); return { data: 'a' }; }",
        // A chain of short jobs that never ends (no single job runs long).
        "module.exports = async () => { const f = () => Promise.resolve().then(f); f(); return { data: 'a' }; }",
    ] {
        let out = step(&action, &a, code).await;
        b_is_quick_and_right(&action).await;
        assert_eq!(out, Err(ActionError::Timeout(1000)), "{code}");
    }
}

#[tokio::test]
async fn work_queued_after_the_result_runs_within_the_step() {
    let action = pool_of_one();
    let a = org("org-a");
    let out = step(
        &action,
        &a,
        "module.exports = async ({ logger }) => { Promise.resolve().then(() => logger.info('after the result')); return { data: 'a' }; }",
    )
    .await;
    let logged = a.lines.all();
    b_is_quick_and_right(&action).await;
    assert_eq!(out, Ok(Data::Json(json!("a"))));
    assert_eq!(
        logged,
        vec![(LogLevel::Info, "after the result".to_string())]
    );
}

#[tokio::test]
async fn timers_left_behind_do_not_run_in_the_next_step() {
    let action = pool_of_one();
    let a = org("org-a");
    // A timer resolves the step's promise and queues a loop in the same callback.
    let out = step(
        &action,
        &a,
        "module.exports = async () => {
  await new Promise((resolve) => setTimeout(() => { resolve(); Promise.resolve().then(() => { while (true) {} }); }, 1));
  return { data: 'a' };
}",
    )
    .await;
    b_is_quick_and_right(&action).await;
    assert_eq!(out, Err(ActionError::Timeout(1000)));

    // Pending when the result is ready: dropped with the step.
    let out = step(
        &action,
        &a,
        "module.exports = async () => { setTimeout(() => { while (true) {} }, 0); return { data: 'a' }; }",
    )
    .await;
    b_is_quick_and_right(&action).await;
    assert_eq!(out, Ok(Data::Json(json!("a"))));
}

#[tokio::test]
async fn intervals_left_behind_do_not_run_in_the_next_step() {
    let action = pool_of_one();
    let a = org("org-a");
    // Still ticking when the result is ready: dropped with the step.
    let out = step(
        &action,
        &a,
        "module.exports = async () => { setInterval(() => { while (true) {} }, 1); return { data: 'a' }; }",
    )
    .await;
    b_is_quick_and_right(&action).await;
    assert_eq!(out, Ok(Data::Json(json!("a"))));

    // An interval that ticks three times, then resolves and leaves a loop queued while it
    // keeps ticking.
    let out = step(
        &action,
        &a,
        "module.exports = async () => {
  let ticks = 0;
  await new Promise((resolve) => setInterval(() => {
    ticks += 1;
    if (ticks === 3) { resolve(); Promise.resolve().then(() => { while (true) {} }); }
  }, 1));
  return { data: ticks };
}",
    )
    .await;
    b_is_quick_and_right(&action).await;
    assert_eq!(out, Err(ActionError::Timeout(1000)));
}

#[tokio::test]
async fn unresolved_promises_left_behind_stay_behind() {
    let action = pool_of_one();
    let a = org("org-a");
    // Never resolved: nothing can run it later.
    let out = step(
        &action,
        &a,
        "module.exports = async () => {
  globalThis.pending = new Promise((resolve) => { globalThis.resolveLater = resolve; });
  globalThis.pending.then(() => { while (true) {} });
  return { data: 'a' };
}",
    )
    .await;
    assert_eq!(out, Ok(Data::Json(json!("a"))));
    b_is_quick_and_right(&action).await;

    // The step fails while a promise whose resolution is still queued waits to loop: the
    // failure is the step's own error, and the queued work is dropped with it.
    let out = step(
        &action,
        &a,
        "module.exports = async () => {
  new Promise((resolve) => queueMicrotask(() => queueMicrotask(resolve))).then(() => { while (true) {} });
  throw new Error('org a failed');
}",
    )
    .await;
    b_is_quick_and_right(&action).await;
    let Err(ActionError::Failed { message, .. }) = out else {
        panic!("{out:?}")
    };
    assert_eq!(message, "code threw Error: org a failed");

    // The step's own promise never settles.
    let out = step(&action, &a, "module.exports = () => new Promise(() => {})").await;
    b_is_quick_and_right(&action).await;
    assert!(
        out.as_ref()
            .is_err_and(|e| e.to_string().contains("never settled")),
        "{out:?}"
    );
}

#[tokio::test]
async fn three_leftover_loops_then_a_normal_step() {
    let action = pool_of_one();
    let mut outs = Vec::new();
    for n in 0..3 {
        let a = org(&format!("org-a{n}"));
        let out = step(
            &action,
            &a,
            "module.exports = async () => { Promise.resolve().then(() => { while (true) {} }); return { data: 'a' }; }",
        )
        .await;
        outs.push(out);
    }
    b_is_quick_and_right(&action).await;
    assert_eq!(outs, vec![Err(ActionError::Timeout(1000)); 3]);
}

/// What org B's step reports about its globals, and about the global object it reaches through
/// the `Function` constructor of the functions an error's call sites expose.
const INSPECT: &str = "module.exports = () => {
  const seen = {};
  seen.leak = typeof globalThis.leak;
  seen.x = typeof ({}).x;
  seen.y = typeof Function.prototype.y;
  const list = [];
  list.push(1);
  seen.push = list.length;
  seen.json = JSON.stringify({ a: 1 });
  Error.prepareStackTrace = (e, sites) => sites;
  let sites = [];
  try { [1].map(() => { throw new Error('x'); }); } catch (e) { sites = e.stack; }
  Error.prepareStackTrace = undefined;
  seen.frames = sites.length > 0;
  seen.globals = [...new Set(sites.map((s) => s.getFunction())
    .filter((f) => typeof f === 'function')
    .map((f) => Object.getPrototypeOf(f).constructor('return globalThis')() === globalThis))];
  return { data: seen };
};";

#[tokio::test]
async fn globals_and_prototypes_set_by_one_org_are_invisible_to_the_next() {
    let action = pool_of_one();
    let a = org("org-a");
    // Org A is the first context on this runtime.
    let out = step(
        &action,
        &a,
        "globalThis.leak = 'org a secret';
Object.prototype.x = 1;
Function.prototype.y = 1;
Array.prototype.push = function () { return 'hijacked by org a'; };
JSON.stringify = () => 'hijacked by org a';
module.exports = () => ({ data: 'a' });",
    )
    .await;
    assert_eq!(out, Ok(Data::Json(json!("a"))));
    let b = org("org-b");
    let clean = json!({
        "leak": "undefined",
        "x": "undefined",
        "y": "undefined",
        "push": 1,
        "json": "{\"a\":1}",
        "frames": true,
        "globals": [true],
    });
    for _ in 0..2 {
        assert_eq!(
            step(&action, &b, INSPECT).await,
            Ok(Data::Json(clean.clone()))
        );
    }
    b_is_quick_and_right(&action).await;
}

#[tokio::test]
async fn memory_left_by_one_step_does_not_count_against_the_next() {
    let action = one_runtime(Limits {
        memory_bytes: 32 * 1024 * 1024,
        time_limit: Duration::from_secs(5),
        ..Limits::default()
    });
    let b = org("org-b");
    let big = "module.exports = async () => { await null; return { data: new Uint8Array(20 * 1024 * 1024).length }; }";
    let a = org("org-a");
    // Org A, the first step on this runtime, keeps 20 MiB on its global object.
    let out = step(
        &action,
        &a,
        "module.exports = () => { globalThis.keep = new Uint8Array(20 * 1024 * 1024); return { data: 'a' }; }",
    )
    .await;
    assert_eq!(out, Ok(Data::Json(json!("a"))));
    // Org B asks for 20 MiB too: A's must be gone.
    assert_eq!(
        step(&action, &b, big).await,
        Ok(Data::Json(json!(20 * 1024 * 1024)))
    );
    // About 12 MiB of objects in cycles: only a garbage collection frees them.
    let out = step(
        &action,
        &a,
        "module.exports = () => {
  const keep = [];
  for (let i = 0; i < 50000; i++) { const o = { i, pad: [i, i, i, i] }; o.self = o; keep.push(o); }
  return { data: keep.length };
}",
    )
    .await;
    assert_eq!(out, Ok(Data::Json(json!(50000))));
    assert_eq!(
        step(&action, &b, big).await,
        Ok(Data::Json(json!(20 * 1024 * 1024)))
    );
}

#[tokio::test]
async fn finalizers_of_one_step_do_not_run_in_the_next() {
    let action = pool_of_one();
    let a = org("org-a");
    let out = step(
        &action,
        &a,
        "module.exports = () => {
  const registry = new FinalizationRegistry(() => { while (true) {} });
  globalThis.registry = registry;
  const target = {};
  target.self = target;
  registry.register(target, 'x');
  return { data: 'a' };
}",
    )
    .await;
    assert_eq!(out, Ok(Data::Json(json!("a"))));
    // Enough steps for the runtime to collect the target (a cycle) at some point.
    for _ in 0..5 {
        b_is_quick_and_right(&action).await;
    }
}
