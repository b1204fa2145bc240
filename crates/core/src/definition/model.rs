//! The typed model of an integration definition (Prismatic's exported YAML,
//! `definitionVersion: 7`).
//!
//! Every struct keeps the fields it does not know in `extra`, so a definition exported by
//! Prismatic (with `documentation`, `endpointType`, `stableKey`, `meta`, ...) survives an import
//! and an export unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Fields of a definition object that the model does not name, kept for the round trip.
pub type Extra = BTreeMap<String, Value>;

/// An integration definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    /// The integration's name.
    pub name: String,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The format version; 7 is the only one supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition_version: Option<u32>,
    /// A free category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// The config variables an instance must bind.
    #[serde(default)]
    pub required_config_vars: Vec<ConfigVarDecl>,
    /// The config wizard's pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_pages: Option<Vec<ConfigPage>>,
    /// The flows.
    #[serde(default)]
    pub flows: Vec<Flow>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Definition {
    /// A flow by name.
    pub fn flow(&self, name: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.name == name)
    }

    /// A required config var by key.
    pub fn config_var(&self, key: &str) -> Option<&ConfigVarDecl> {
        self.required_config_vars.iter().find(|c| c.key == key)
    }
}

/// A reference to a component (`{key, version, isPublic}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentRef {
    /// The component's key (`http`, `loop`, ...).
    pub key: String,
    /// `LATEST` or a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Value>,
    /// Whether it is a public component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A reference to one action (or connection type) of a component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRef {
    /// The action's key (`httpGet`, ...).
    pub key: String,
    /// Its component.
    pub component: ComponentRef,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An input expression as written in YAML: `{type, value}` plus, inside `complex` lists, a
/// `name`. The typed form is [`crate::expr::Expr`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// `value`, `reference`, `configVar`, `template` or `complex`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value: any JSON for `value`, a string for the others, a list for `complex`.
    #[serde(default)]
    pub value: Value,
    /// The item's name inside a `complex` list (a string or an input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Value>,
    /// Presentation metadata (visibility, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Input {
    /// A literal value input.
    pub fn value(value: impl Into<Value>) -> Self {
        Input {
            kind: "value".into(),
            value: value.into(),
            name: None,
            meta: None,
            extra: Extra::new(),
        }
    }
}

/// A required config variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigVarDecl {
    /// The key steps use in `configVar` inputs.
    pub key: String,
    /// `string, boolean, number, date, timestamp, picklist, code, schedule, connection`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// The default value (a string in Prismatic's exports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `valuelist` or `keyvaluelist`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_type: Option<String>,
    /// Whether only the organization may set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_only: Option<bool>,
    /// For a connection: the stable key of the organization's scoped config variable it binds to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_scoped_config_var: Option<String>,
    /// For a connection: its type (`{key, component}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<ActionRef>,
    /// For a connection: its inputs (defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<BTreeMap<String, Input>>,
    /// Presentation metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    /// Unknown fields (`stableKey`, `pickList`, ...), kept.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ConfigVarDecl {
    /// Whether this is a connection.
    pub fn is_connection(&self) -> bool {
        self.data_type.as_deref() == Some("connection")
    }
}

/// A page of the config wizard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigPage {
    /// The page's title.
    pub name: String,
    /// Its elements.
    #[serde(default)]
    pub elements: Vec<ConfigPageElement>,
    /// Unknown fields (`tagline`, `userLevelConfigured`), kept.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One element of a config page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigPageElement {
    /// `configVar`, `htmlElement` or `jsonForm`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The config var key, or the HTML.
    pub value: Value,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A flow: a trigger step and the steps after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    /// The flow's name, unique in the definition.
    pub name: String,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The steps, the trigger first.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// How a failed execution is retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_config: Option<RetryConfig>,
    /// `customer_optional`, `customer_required`, `organization`, `unsecured`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_security_type: Option<String>,
    /// Whether a webhook call waits for the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_synchronous: Option<bool>,
    /// A flow-level schedule (some exports put it here rather than on the trigger).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Value>,
    /// Unknown fields (`stableKey`, `queueConfig`, ...), kept.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Flow {
    /// The trigger step (`isTrigger: true`, else the first step).
    pub fn trigger(&self) -> Option<&Step> {
        self.steps
            .iter()
            .find(|s| s.is_trigger == Some(true))
            .or_else(|| self.steps.first())
    }
}

/// Flow-level retry of failed executions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryConfig {
    /// Attempts in total.
    #[serde(
        default,
        deserialize_with = "lenient_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_attempts: Option<u32>,
    /// Minutes between attempts.
    #[serde(
        default,
        deserialize_with = "lenient_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub delay_minutes: Option<u32>,
    /// Whether the delay doubles each time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses_exponential_backoff: Option<bool>,
    /// A reference to a field of the trigger payload that identifies a request (dedupe).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_request_id_field: Option<Value>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The step's name; its camelCased form names it in references.
    pub name: String,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The action it runs.
    pub action: ActionRef,
    /// Its inputs by key.
    #[serde(default)]
    pub inputs: BTreeMap<String, Input>,
    /// Whether it is the flow's trigger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_trigger: Option<bool>,
    /// A schedule trigger's schedule (`{type: value, value: "*/5 * * * *", meta}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Input>,
    /// A loop's body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Step>>,
    /// A branch step's branches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches: Option<Vec<Branch>>,
    /// What happens when the step fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_config: Option<ErrorConfig>,
    /// Unknown fields (`stableKey`, ...), kept.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One branch of a branch step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Branch {
    /// The branch's name (`Else` for the default).
    pub name: String,
    /// Its steps.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Unknown fields, kept.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a step failure does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorType {
    /// The execution fails (the default).
    #[default]
    Fail,
    /// The failure is recorded and the flow goes on.
    Ignore,
    /// The step is tried again.
    Retry,
}

/// A step's error handling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorConfig {
    /// fail | ignore | retry.
    #[serde(default)]
    pub error_type: ErrorType,
    /// Seconds before the first retry.
    #[serde(
        default,
        deserialize_with = "lenient_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_delay_seconds: Option<u32>,
    /// Attempts in total (including the first).
    #[serde(
        default,
        deserialize_with = "lenient_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_attempts: Option<u32>,
    /// Whether the delay doubles after each attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses_exponential_backoff: Option<bool>,
    /// Unknown fields (`ignoreFinalError`, ...), kept.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Accepts a number or a numeric string (some exports quote numbers).
fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("expected a non-negative integer")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("expected a non-negative integer")),
        Some(_) => Err(serde::de::Error::custom("expected a non-negative integer")),
    }
}
