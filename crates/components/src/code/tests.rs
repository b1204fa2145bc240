use std::sync::OnceLock;
use std::time::Duration;

use plumb_core::action::{Action, ActionError, Data, LogLevel};
use serde_json::json;

use super::{JsPool, Limits, RunCode};
use crate::testing::{context, inputs};

/// A pool with short limits so the runaway tests finish quickly.
fn strict() -> RunCode {
    static POOL: OnceLock<JsPool> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        JsPool::new(
            2,
            Limits {
                memory_bytes: 32 * 1024 * 1024,
                time_limit: Duration::from_millis(300),
                ..Limits::default()
            },
        )
        .expect("pool")
    });
    RunCode::with_pool(pool)
}

async fn run(code: &str) -> Result<Data, ActionError> {
    let t = context(json!({}), vec![]);
    strict()
        .run(&t.ctx, inputs(vec![("code", json!(code))]))
        .await
}

#[tokio::test]
async fn seed_path_helper_builds_the_url_and_the_object_key() {
    let t = context(
        json!({"pokeApiBaseUrl": "http://127.0.0.1:9/api/v2", "pokemonAvatar": "pikachu", "customerName": "Smith Rocket Company"}),
        vec![],
    );
    let code = r#"module.exports = async ({ logger, configVars }, stepResults) => {
  const pokemonUrl = `${configVars.pokeApiBaseUrl}/pokemon/${configVars.pokemonAvatar}`;
  const s3ObjectPath = `${configVars.customerName}.png`;
  logger.info(`Pokemon URL: ${pokemonUrl}`);
  return { data: { pokemonUrl, s3ObjectPath } };
};"#;
    let out = RunCode::new()
        .run(&t.ctx, inputs(vec![("code", json!(code))]))
        .await
        .expect("runs");
    assert_eq!(
        out,
        Data::Json(json!({
            "pokemonUrl": "http://127.0.0.1:9/api/v2/pokemon/pikachu",
            "s3ObjectPath": "Smith Rocket Company.png"
        }))
    );
    assert_eq!(
        t.lines.all(),
        vec![(
            LogLevel::Info,
            "Pokemon URL: http://127.0.0.1:9/api/v2/pokemon/pikachu".to_string()
        )]
    );
}

#[tokio::test]
async fn context_carries_customer_flow_execution_and_webhooks() {
    let out = run(
        "module.exports = (c) => ({ data: [c.customer.name, c.instance.name, c.flow.name, c.executionId, c.stepId, c.webhookUrls.Sync] })",
    )
    .await
    .expect("runs");
    assert_eq!(
        out,
        Data::Json(json!([
            "Smith Rocket Company",
            "Pokemon Avatar Sync",
            "Sync",
            "exec-1",
            "Path Helper",
            "http://localhost/trigger/1"
        ]))
    );
}

#[tokio::test]
async fn step_results_json_and_binary() {
    let t = context(
        json!({}),
        vec![
            (
                "getPokemonData",
                Data::Json(json!({"sprites": {"front_default": "x.png"}})),
            ),
            (
                "getPokemonAvatar",
                Data::Binary {
                    bytes: vec![0x89, b'P', b'N', b'G'],
                    content_type: "image/png".into(),
                },
            ),
        ],
    );
    let code = "module.exports = async (ctx, stepResults) => {
  const img = stepResults.getPokemonAvatar.results;
  return { data: {
    sprite: stepResults.getPokemonData.results.sprites.front_default,
    size: img.length, type: img.contentType, isBuffer: Buffer.isBuffer(img),
    base64: img.toString('base64'),
  } };
};";
    let out = RunCode::new()
        .run(&t.ctx, inputs(vec![("code", json!(code))]))
        .await
        .expect("runs");
    assert_eq!(
        out,
        Data::Json(
            json!({"sprite": "x.png", "size": 4, "type": "image/png", "isBuffer": true, "base64": "iVBORw=="})
        )
    );
}

#[tokio::test]
async fn binary_results_with_content_type() {
    let out = run(
        "module.exports = async () => ({ data: Buffer.from('hello'), contentType: 'text/plain' })",
    )
    .await
    .expect("runs");
    assert_eq!(
        out,
        Data::Binary {
            bytes: b"hello".to_vec(),
            content_type: "text/plain".into()
        }
    );
    let out = run("module.exports = () => ({ data: new Uint8Array([1,2,3]).buffer })")
        .await
        .expect("runs");
    assert_eq!(
        out,
        Data::Binary {
            bytes: vec![1, 2, 3],
            content_type: "application/octet-stream".into()
        }
    );
}

#[tokio::test]
async fn syntax_error_reports_the_line() {
    let err = run("module.exports = async () => {\n  const a = 1;\n  return { data: a + };\n};")
        .await
        .expect_err("fails");
    let ActionError::Failed { message, details } = err else {
        panic!("{err:?}")
    };
    assert!(message.starts_with("syntax error at line 3"), "{message}");
    assert_eq!(details.expect("details")["line"], json!(3));
}

#[tokio::test]
async fn thrown_error_reports_the_message() {
    let err = run("module.exports = async () => { throw new TypeError('no avatar for onix'); }")
        .await
        .expect_err("fails");
    let ActionError::Failed { message, details } = err else {
        panic!("{err:?}")
    };
    assert_eq!(message, "code threw TypeError: no avatar for onix");
    assert_eq!(
        details.expect("details")["message"],
        json!("no avatar for onix")
    );
    let err = run("module.exports = () => { throw 'plain'; }")
        .await
        .expect_err("fails");
    assert!(err.to_string().contains("plain"), "{err}");
}

#[tokio::test]
async fn infinite_loop_is_stopped_by_the_time_limit() {
    let started = std::time::Instant::now();
    let err = run("module.exports = () => { while (true) {} }")
        .await
        .expect_err("stops");
    assert_eq!(err, ActionError::Timeout(300));
    assert!(started.elapsed() < Duration::from_secs(5));
    // The pool still works afterwards.
    assert_eq!(
        run("module.exports = () => ({ data: 1 })").await,
        Ok(Data::Json(json!(1)))
    );
}

#[tokio::test]
async fn memory_bomb_is_stopped_by_the_memory_limit() {
    let err = run("module.exports = () => { const a = []; while (true) a.push(new Array(100000).fill('x')); }")
        .await
        .expect_err("stops");
    assert!(err.to_string().contains("out of memory"), "{err}");
    assert_eq!(
        run("module.exports = () => ({ data: 2 })").await,
        Ok(Data::Json(json!(2)))
    );
}

#[tokio::test]
async fn no_file_system_process_or_require() {
    let out = run("module.exports = () => ({ data: [typeof process, typeof std, typeof os, typeof fetch, typeof require] })")
        .await
        .expect("runs");
    assert_eq!(
        out,
        Data::Json(json!([
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "function"
        ]))
    );
    let err = run("const fs = require('fs'); module.exports = () => ({ data: 1 })")
        .await
        .expect_err("fails");
    assert!(
        err.to_string().contains("require('fs') is not available"),
        "{err}"
    );
}

#[tokio::test]
async fn globals_do_not_leak_between_calls() {
    run("globalThis.secret = 42; module.exports = () => ({ data: 1 })")
        .await
        .expect("runs");
    for _ in 0..4 {
        let out = run("module.exports = () => ({ data: typeof secret })")
            .await
            .expect("runs");
        assert_eq!(out, Data::Json(json!("undefined")));
    }
}

#[tokio::test]
async fn state_proxies_read_and_write_the_store() {
    let t = context(json!({}), vec![]);
    let code = "module.exports = async ({ instanceState, executionState }) => {
  instanceState.count = (instanceState.count || 0) + 1;
  executionState.seen = { at: 'now' };
  return { data: instanceState.count };
};";
    let action = RunCode::new();
    for expected in [1, 2] {
        let out = action
            .run(&t.ctx, inputs(vec![("code", json!(code))]))
            .await
            .expect("runs");
        assert_eq!(out, Data::Json(json!(expected)));
    }
    let stored = t.state.0.lock().expect("lock").clone();
    assert_eq!(
        stored.get(&("Execution".into(), "seen".into())),
        Some(&json!({"at": "now"}))
    );
}

#[tokio::test]
async fn promise_that_never_settles_is_an_error() {
    let err = run("module.exports = () => new Promise(() => {})")
        .await
        .expect_err("fails");
    assert!(err.to_string().contains("never settled"), "{err}");
}

#[tokio::test]
async fn missing_export_is_an_error() {
    let err = run("const x = 1;").await.expect_err("fails");
    assert!(
        err.to_string()
            .contains("module.exports must be a function"),
        "{err}"
    );
}

#[tokio::test]
async fn timers_fire_in_order_and_clear() {
    let out = run("module.exports = async () => {
  const seen = [];
  const t = setTimeout(() => seen.push('cleared'), 5);
  clearTimeout(t);
  setTimeout(() => seen.push('b'), 20);
  await new Promise((resolve) => setTimeout(() => { seen.push('a'); resolve(); }, 10));
  await new Promise((resolve) => setTimeout(resolve, 15));
  return { data: seen };
}")
    .await
    .expect("runs");
    assert_eq!(out, Data::Json(json!(["a", "b"])));
}

#[tokio::test]
async fn a_timer_past_the_time_limit_is_a_timeout() {
    let started = std::time::Instant::now();
    let err = run("module.exports = () => new Promise((r) => setTimeout(r, 60000))")
        .await
        .expect_err("timeout");
    assert_eq!(err, ActionError::Timeout(300));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn runaway_recursion_is_an_error_not_a_crash() {
    let err = run("function f(n) { return f(n + 1) + 1; } module.exports = () => ({ data: f(0) })")
        .await
        .expect_err("overflow");
    assert!(
        err.to_string().contains("Maximum call stack size exceeded"),
        "{err}"
    );
    assert_eq!(
        run("module.exports = () => ({ data: 3 })").await,
        Ok(Data::Json(json!(3)))
    );
}

#[tokio::test]
async fn intervals_repeat_until_cleared() {
    let out = run("module.exports = async () => {
  const seen = [];
  await new Promise((resolve) => {
    const id = setInterval((tag) => {
      seen.push(tag);
      if (seen.length === 3) { clearInterval(id); setTimeout(resolve, 20); }
    }, 2, 'tick');
  });
  return { data: seen };
}")
    .await
    .expect("runs");
    assert_eq!(out, Data::Json(json!(["tick", "tick", "tick"])));
}

#[tokio::test]
async fn an_interval_that_never_lets_the_promise_settle_is_a_timeout() {
    let err = run("module.exports = () => new Promise(() => { setInterval(() => {}, 5); })")
        .await
        .expect_err("timeout");
    assert_eq!(err, ActionError::Timeout(300));
}

#[tokio::test]
async fn atomics_wait_cannot_block_the_worker() {
    let err = run("module.exports = () => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000); return { data: 1 }; }")
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("code threw"), "{err}");
}
