//! Fake actions and a test component.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use plumb_core::action::{Action, ActionContext, ActionError, Data, InputValue, Inputs, LogLevel};
use plumb_core::component::{
    ActionSpec, Component, ComponentSpec, ConnectionSpec, InputKind, InputSpec,
};
use plumb_core::definition::{self, Definition};
use plumb_engine::{Catalog, Engine, EngineLimits};
use serde_json::{json, Map, Value};

fn any() -> Vec<InputSpec> {
    [
        ("value", InputKind::Data),
        ("text", InputKind::String),
        ("ms", InputKind::Number),
        ("size", InputKind::Number),
        ("message", InputKind::String),
        ("connection", InputKind::Connection),
    ]
    .into_iter()
    .map(|(key, kind)| InputSpec::new(key, key, kind, false, None, ""))
    .collect()
}

/// The test component's spec.
pub fn manifest() -> ComponentSpec {
    let mut spec = ComponentSpec::builtin("test", "Test", "");
    for key in [
        "echo", "fail", "flaky", "sleep", "big", "binary", "log", "noop", "leak", "context",
    ] {
        spec = spec.action(ActionSpec::new(key, key, "", any()));
    }
    spec.connections.push(ConnectionSpec::from(
        &plumb_core::connection_types::http::BASIC,
    ));
    spec
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
            // Every input, secrets exposed: an action that leaks its connection.
            InputValue::Connection(c) => {
                let mut all: serde_json::Map<String, Value> = c
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                for (k, v) in &c.secrets {
                    all.insert(k.clone(), Value::String(v.expose().to_string()));
                }
                json!({"connection": c.key, "fields": all})
            }
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

/// Answers its connection's password in the forms an echoing server would: plain, base64,
/// Basic and form-encoded; as binary data when `text` is `binary`, as a failure (message and
/// details) when it is `fail`, else as JSON.
pub struct Leak;
#[async_trait::async_trait]
impl Action for Leak {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let conn = inputs
            .connection("connection")
            .ok_or_else(|| ActionError::input("connection", "required"))?;
        let user = conn
            .value("username")
            .map(str::to_string)
            .unwrap_or_default();
        let pw = conn
            .value("password")
            .map(str::to_string)
            .unwrap_or_default();
        let form: String = pw
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    char::from(b).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let value = json!({
            "plain": pw,
            "base64": b64.encode(&pw),
            "authorization": format!("Basic {}", b64.encode(format!("{user}:{pw}"))),
            "query": format!("key={form}&user={user}"),
            "user": user,
        });
        Ok(match inputs.string("text").as_deref() {
            Some("fail") => {
                return Err(ActionError::Failed {
                    message: format!(
                        "server said {}",
                        value["authorization"].as_str().unwrap_or("")
                    ),
                    details: Some(value),
                })
            }
            Some("binary") => Data::Binary {
                bytes: value.to_string().into_bytes(),
                content_type: "application/octet-stream".into(),
            },
            _ => Data::Json(value),
        })
    }
}

/// Answers what it sees of the execution: `configVars` and the JSON `stepResults`.
pub struct Context;
#[async_trait::async_trait]
impl Action for Context {
    async fn run(&self, ctx: &ActionContext, _inputs: Inputs) -> Result<Data, ActionError> {
        let results: Map<String, Value> = ctx
            .step_results
            .iter()
            .map(|(k, d)| {
                let v = match d {
                    Data::Json(v) => v.clone(),
                    Data::Binary { bytes, .. } => {
                        Value::String(String::from_utf8_lossy(bytes).into_owned())
                    }
                };
                (k.clone(), v)
            })
            .collect();
        Ok(Data::Json(
            json!({"configVars": *ctx.config_vars, "stepResults": results}),
        ))
    }
}

/// The built-ins plus the test component.
pub fn registry() -> Catalog {
    let test = Component::new(manifest())
        .with_action("echo", Arc::new(Echo))
        .with_action("fail", Arc::new(Fail))
        .with_action("flaky", Arc::new(Flaky(AtomicU32::new(0))))
        .with_action("sleep", Arc::new(Sleep))
        .with_action("big", Arc::new(Big))
        .with_action("binary", Arc::new(Binary))
        .with_action("log", Arc::new(Log))
        .with_action("noop", Arc::new(Noop))
        .with_action("leak", Arc::new(Leak))
        .with_action("context", Arc::new(Context));
    let mut all = plumb_engine::builtin_components();
    all.push(test);
    Catalog::new(all).expect("a consistent catalog")
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
    definition::load(&text, &r.view(None)).unwrap_or_else(|p| panic!("{p}\n{text}"))
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
