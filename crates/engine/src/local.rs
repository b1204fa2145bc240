//! Local runs (`plumb run FILE.yaml`): parse, validate, resolve config from `KEY=VALUE` strings,
//! run one flow, report each step. Secrets of connections are redacted from the report.

use std::collections::BTreeMap;
use std::fmt;

use plumb_core::action::{Connection, Data};
use plumb_core::definition::{self, Definition, Problem};
use plumb_core::expr::ConfigValue;
use serde_json::{json, Value};

use crate::record::{LogEntry, StepOutcome};
use crate::runner::{Engine, RunRequest};
use crate::sink::MemorySink;
use crate::trigger::TriggerPayload;

/// One step run in a report.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    /// The step's name.
    pub name: String,
    /// Loop indexes, outermost first.
    pub iteration: Vec<usize>,
    /// `success`, `failed` or `ignored` (failed, and the flow went on).
    pub status: &'static str,
    /// How many attempts it took.
    pub attempts: u32,
    /// The result: JSON, or `{binary: true, contentType, size}` for binary data.
    pub result: Option<Value>,
    /// The error, for a failed step.
    pub error: Option<String>,
}

/// The outcome of a local run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// Whether the flow ran to success.
    pub success: bool,
    /// The flow that ran (None when the definition did not load).
    pub flow: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Validation problems (the flow did not run when there are any).
    pub problems: Vec<Problem>,
    /// Each step run, in order.
    pub steps: Vec<StepReport>,
    /// Every log line.
    pub logs: Vec<LogEntry>,
}

impl RunReport {
    fn failed(error: String, problems: Vec<Problem>) -> Self {
        RunReport {
            success: false,
            flow: None,
            error: Some(error),
            problems,
            steps: Vec::new(),
            logs: Vec::new(),
        }
    }
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(f, "problem: {p}")?;
        }
        for s in &self.steps {
            let at = if s.iteration.is_empty() {
                String::new()
            } else {
                format!(
                    " [{}]",
                    s.iteration
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                )
            };
            match (&s.result, &s.error) {
                (_, Some(e)) => writeln!(
                    f,
                    "{}{at}: {} ({} attempt(s)): {e}",
                    s.name, s.status, s.attempts
                )?,
                (Some(r), None) => writeln!(f, "{}{at}: {} {r}", s.name, s.status)?,
                (None, None) => writeln!(f, "{}{at}: {}", s.name, s.status)?,
            }
        }
        for l in &self.logs {
            let step = l.step.as_deref().unwrap_or("-");
            writeln!(f, "log {} [{step}] {}", l.level.as_str(), l.message)?;
        }
        match (&self.flow, self.success, &self.error) {
            (Some(flow), true, _) => write!(f, "flow \"{flow}\": SUCCESS"),
            (flow, _, error) => write!(
                f,
                "flow \"{}\": ERROR: {}",
                flow.as_deref().unwrap_or("?"),
                error.as_deref().unwrap_or("failed")
            ),
        }
    }
}

/// Resolves config vars from `KEY=VALUE` strings: declared defaults apply; a connection's value
/// is the JSON object of its inputs (over the definition's default inputs). Undeclared keys
/// are an error. Config vars left without a value are left out (see [`require_local_config`]).
pub fn resolve_local_config(
    def: &Definition,
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, ConfigValue>, String> {
    resolve_with_missing(def, values).map(|(config, _)| config)
}

/// [`resolve_local_config`] for `plumb run`: required config vars left without a value (a plain
/// one with no default, a connection missing inputs its type requires) are an error naming
/// every one, instead of a run with holes in it.
pub fn require_local_config(
    def: &Definition,
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, ConfigValue>, String> {
    let (config, missing) = resolve_with_missing(def, values)?;
    if missing.is_empty() {
        Ok(config)
    } else {
        Err(format!(
            "required config vars have no value: {}; give each with --config KEY=VALUE (a \
             connection's value is a JSON object of its inputs)",
            missing.join(", ")
        ))
    }
}

/// The resolved config and a description of each required config var left without a value.
fn resolve_with_missing(
    def: &Definition,
    values: &BTreeMap<String, String>,
) -> Result<(BTreeMap<String, ConfigValue>, Vec<String>), String> {
    for key in values.keys() {
        if def.config_var(key).is_none() {
            return Err(format!(
                "config var `{key}` is not declared by the definition"
            ));
        }
    }
    let mut out = BTreeMap::new();
    let mut missing: Vec<String> = Vec::new();
    for decl in &def.required_config_vars {
        let given = values.get(&decl.key);
        if decl.is_connection() {
            let mut fields: BTreeMap<String, String> = BTreeMap::new();
            for (k, input) in decl.inputs.iter().flatten() {
                if input.kind == "value" {
                    match &input.value {
                        Value::String(s) if !s.is_empty() => {
                            fields.insert(k.clone(), s.clone());
                        }
                        Value::Number(_) | Value::Bool(_) => {
                            fields.insert(k.clone(), input.value.to_string());
                        }
                        _ => {}
                    }
                }
            }
            let connection_type = decl
                .connection
                .as_ref()
                .and_then(|c| plumb_core::connection_types::find(&c.component.key, &c.key));
            let Some(text) = given else {
                // A type plumb does not know (a custom component's) has inputs of its own.
                if let Some(ty) = connection_type {
                    let absent: Vec<&str> = ty
                        .inputs()
                        .filter(|i| i.required && !fields.contains_key(i.key))
                        .map(|i| i.key)
                        .collect();
                    if !absent.is_empty() {
                        missing.push(format!(
                            "`{}` (connection; inputs {})",
                            decl.key,
                            absent.join(", ")
                        ));
                    }
                }
                continue;
            };
            let parsed: serde_json::Map<String, Value> = serde_json::from_str(text).map_err(|_| {
                format!(
                    "config var `{}` is a connection: its value must be a JSON object of its inputs",
                    decl.key
                )
            })?;
            for (k, v) in parsed {
                let s = match v {
                    Value::String(s) => s,
                    Value::Null => continue,
                    other => other.to_string(),
                };
                fields.insert(k, s);
            }
            let (component, key) = match &decl.connection {
                Some(c) => (c.component.key.clone(), c.key.clone()),
                None => (
                    String::new(),
                    decl.use_scoped_config_var.clone().unwrap_or_default(),
                ),
            };
            out.insert(
                decl.key.clone(),
                ConfigValue::Connection(Connection::new(decl.key.clone(), component, key, fields)),
            );
        } else {
            let value = match (given, &decl.default_value) {
                (Some(v), _) => Value::String(v.clone()),
                (None, Some(Value::String(s))) => Value::String(s.clone()),
                (None, Some(Value::Null)) | (None, None) => {
                    missing.push(format!(
                        "`{}` ({})",
                        decl.key,
                        decl.data_type.as_deref().unwrap_or("string")
                    ));
                    continue;
                }
                (None, Some(other)) => Value::String(other.to_string()),
            };
            out.insert(decl.key.clone(), ConfigValue::Value(value));
        }
    }
    Ok((out, missing))
}

/// Runs one flow of a definition locally, with `engine`'s catalog and limits. `flow` defaults to
/// the first flow; `payload` is the trigger body (JSON when it parses as JSON).
pub async fn run_local_with(
    engine: &Engine,
    definition_yaml: &str,
    flow: Option<&str>,
    config: BTreeMap<String, String>,
    payload: Option<Vec<u8>>,
) -> RunReport {
    let parsed = match definition::parse(definition_yaml) {
        Ok(p) => p,
        Err(problems) => {
            return RunReport::failed("the definition does not parse".into(), problems.0)
        }
    };
    let problems = parsed.validate(&engine.catalog().view(None));
    if !problems.is_empty() {
        return RunReport::failed(
            format!("the definition has {} problem(s)", problems.len()),
            problems,
        );
    }
    let def = parsed.definition;
    let flow_name = match flow {
        Some(name) => name.to_string(),
        None => match def.flows.first() {
            Some(f) => f.name.clone(),
            None => return RunReport::failed("the definition has no flows".into(), Vec::new()),
        },
    };
    let config = match require_local_config(&def, &config) {
        Ok(c) => c,
        Err(e) => return RunReport::failed(e, Vec::new()),
    };
    let sink = MemorySink::new();
    let mut request = RunRequest::new(flow_name.clone());
    request.config = config;
    request.sink = sink.clone();
    if let Some(body) = payload {
        request.trigger = TriggerPayload::bytes(body);
    }
    let result = engine.run(&def, request).await;
    let steps = result
        .steps
        .iter()
        .map(|r| {
            let (status, result, error) = match &r.outcome {
                StepOutcome::Succeeded { result } => ("success", Some(display(result)), None),
                StepOutcome::Failed { error, ignored } => (
                    if *ignored { "ignored" } else { "failed" },
                    None,
                    Some(error.message.clone()),
                ),
            };
            StepReport {
                name: r.name.clone(),
                iteration: r.iteration.clone(),
                status,
                attempts: r.attempts,
                result,
                error,
            }
        })
        .collect();
    RunReport {
        success: result.is_success(),
        flow: Some(flow_name),
        error: result.error.clone(),
        problems: Vec::new(),
        steps,
        logs: sink.recorded().logs,
    }
}

fn display(data: &Data) -> Value {
    match data {
        Data::Json(v) => v.clone(),
        Data::Binary {
            bytes,
            content_type,
        } => json!({
            "binary": true,
            "contentType": content_type,
            "size": bytes.len(),
        }),
    }
}

/// Runs one flow of a definition locally with default limits: see [`run_local_with`].
pub async fn run_local(
    definition_yaml: &str,
    flow: Option<&str>,
    config: BTreeMap<String, String>,
    payload: Option<Vec<u8>>,
    catalog: std::sync::Arc<crate::catalog::Catalog>,
) -> RunReport {
    run_local_with(
        &Engine::new(catalog),
        definition_yaml,
        flow,
        config,
        payload,
    )
    .await
}
