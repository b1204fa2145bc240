//! Fake actions and a test component.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use plumb_core::action::{Action, ActionContext, ActionError, Data, InputValue, Inputs, LogLevel};
use plumb_core::component::{ActionManifest, ComponentManifest, InputKind, InputManifest};
use plumb_core::definition::{self, Definition};
use plumb_engine::{Engine, EngineLimits, Registry};
use serde_json::{json, Map, Value};

const fn input(key: &'static str, kind: InputKind) -> InputManifest {
    InputManifest {
        key,
        label: key,
        kind,
        required: false,
        default: None,
    }
}

const fn action(key: &'static str, inputs: &'static [InputManifest]) -> ActionManifest {
    ActionManifest {
        key,
        label: key,
        description: "",
        inputs,
        is_trigger: false,
    }
}

static ANY: &[InputManifest] = &[
    input("value", InputKind::Data),
    input("text", InputKind::String),
    input("ms", InputKind::Number),
    input("size", InputKind::Number),
    input("message", InputKind::String),
    input("connection", InputKind::Connection),
];

static ACTIONS: &[ActionManifest] = &[
    action("echo", ANY),
    action("fail", ANY),
    action("flaky", ANY),
    action("sleep", ANY),
    action("big", ANY),
    action("binary", ANY),
    action("log", ANY),
    action("noop", ANY),
];

/// The test component's manifest.
pub fn manifest() -> ComponentManifest {
    ComponentManifest {
        key: "test",
        label: "Test",
        description: "",
        actions: ACTIONS,
        connections: &["basic"],
    }
}

fn to_json(inputs: &Inputs) -> Value {
    let mut map = Map::new();
    for (k, v) in &inputs.0 {
        let v = match v {
            InputValue::Data(Data::Json(v)) => v.clone(),
            InputValue::Data(Data::Binary {
                bytes,
                content_type,
            }) => {
                json!({"binary": bytes.len(), "contentType": content_type})
            }
            InputValue::Connection(c) => json!({"connection": c.key, "fields": c.fields}),
        };
        map.insert(k.clone(), v);
    }
    Value::Object(map)
}

/// Answers its inputs as a JSON object.
pub struct Echo;
#[async_trait::async_trait]
impl Action for Echo {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        Ok(Data::Json(to_json(&inputs)))
    }
}

/// Always fails with `message` (and details).
pub struct Fail;
#[async_trait::async_trait]
impl Action for Fail {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        Err(ActionError::Failed {
            message: inputs.string("message").unwrap_or_else(|| "boom".into()),
            details: Some(json!({"status": 500})),
        })
    }
}

/// Fails its first `size` calls, then answers the attempt number.
pub struct Flaky(pub AtomicU32);
#[async_trait::async_trait]
impl Action for Flaky {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        let failures = inputs.number("size").unwrap_or(1.0) as u32;
        if n <= failures {
            Err(ActionError::failed(format!("flaky failure {n}")))
        } else {
            Ok(Data::Json(json!({"attempt": n})))
        }
    }
}

/// Sleeps `ms` milliseconds.
pub struct Sleep;
#[async_trait::async_trait]
impl Action for Sleep {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let ms = inputs.number("ms").unwrap_or(0.0) as u64;
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(Data::Json(json!({"slept": ms})))
    }
}

/// A JSON string result of `size` bytes.
pub struct Big;
#[async_trait::async_trait]
impl Action for Big {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let size = inputs.number("size").unwrap_or(0.0) as usize;
        Ok(Data::Json(Value::String("x".repeat(size))))
    }
}

/// A PNG-ish binary result.
pub struct Binary;
#[async_trait::async_trait]
impl Action for Binary {
    async fn run(&self, _ctx: &ActionContext, _inputs: Inputs) -> Result<Data, ActionError> {
        Ok(Data::Binary {
            bytes: vec![0x89, b'P', b'N', b'G'],
            content_type: "image/png".into(),
        })
    }
}

/// Logs `message` at INFO and WARN, answers null.
pub struct Log;
#[async_trait::async_trait]
impl Action for Log {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let m = inputs.string("message").unwrap_or_default();
        ctx.logger.log(LogLevel::Info, &m);
        ctx.logger.log(LogLevel::Warn, &format!("warn: {m}"));
        Ok(Data::Json(Value::Null))
    }
}

/// Does nothing.
pub struct Noop;
#[async_trait::async_trait]
impl Action for Noop {
    async fn run(&self, _ctx: &ActionContext, _inputs: Inputs) -> Result<Data, ActionError> {
        Ok(Data::Json(Value::Null))
    }
}

/// The built-ins plus the test component.
pub fn registry() -> Registry {
    let mut r = Registry::with_builtins();
    r.add_manifest(manifest());
    r.register("test", "echo", Arc::new(Echo))
        .register("test", "fail", Arc::new(Fail))
        .register("test", "flaky", Arc::new(Flaky(AtomicU32::new(0))))
        .register("test", "sleep", Arc::new(Sleep))
        .register("test", "big", Arc::new(Big))
        .register("test", "binary", Arc::new(Binary))
        .register("test", "log", Arc::new(Log))
        .register("test", "noop", Arc::new(Noop));
    r
}

/// An engine over [`registry`].
pub fn engine(limits: EngineLimits) -> Engine {
    Engine::new(Arc::new(registry())).with_limits(limits)
}

/// A definition with one flow `F` (webhook trigger `Trigger`, then `steps`, indented 6 spaces),
/// validated against [`registry`].
pub fn definition(steps: &str) -> Definition {
    let text = yaml(steps);
    let r = registry();
    definition::load(&text, plumb_engine::ActionRegistry::manifests(&r))
        .unwrap_or_else(|p| panic!("{p}\n{text}"))
}

/// The YAML text of [`definition`].
pub fn yaml(steps: &str) -> String {
    format!(
        "name: Test
definitionVersion: 7
requiredConfigVars:
  - key: greeting
    dataType: string
    defaultValue: hello
  - key: creds
    dataType: connection
    connection: {{key: basic, component: {{key: test}}}}
flows:
  - name: F
    steps:
      - name: Trigger
        isTrigger: true
        action: {{key: webhook, component: {{key: webhook-triggers, version: LATEST, isPublic: true}}}}
        inputs: {{}}
{steps}"
    )
}

/// A step of the test component, as YAML (6-space indent), with inputs given as YAML flow maps.
pub fn step(name: &str, action: &str, inputs: &[(&str, &str)]) -> String {
    let mut s = format!("      - name: {name}\n        action: {{key: {action}, component: {{key: test}}}}\n        inputs:\n");
    if inputs.is_empty() {
        s = s.replace("inputs:\n", "inputs: {}\n");
    }
    for (k, v) in inputs {
        s.push_str(&format!("          {k}: {v}\n"));
    }
    s
}

/// Indents YAML by `n` more spaces.
pub fn indent(yaml: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    yaml.lines().map(|l| format!("{pad}{l}\n")).collect()
}
