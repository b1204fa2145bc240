//! The component model: a component describes itself as owned data ([`ComponentSpec`]): its
//! key, label, description and version, its actions (inputs with their JSON Schema, examples),
//! which of them are triggers, its connection types and its data sources.
//!
//! Built-in components declare their spec once, next to their code (their input structs are
//! declared with [`crate::action_inputs!`], whose `///` docs become the inputs' descriptions and
//! the generated docs, see [`docs`]). Components added at run time (integration models, custom
//! components) build the same spec from what they import, scoped to one organization
//! ([`Scope::Organization`]).
//!
//! Definition validation, the engine, the API's `components` and the docs all read specs through
//! [`ComponentLookup`]: the registry that holds them lives in the engine (`plumb_engine::Catalog`).

use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::connection_types::{ConnectionInputType, ConnectionType};

pub mod docs;
mod inputs;
#[cfg(test)]
mod tests;

pub use inputs::{read_input, FromInput};

/// The kind of value an action input takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum InputKind {
    /// A string.
    String,
    /// Free text (multi-line).
    Text,
    /// Source code.
    Code,
    /// `true` / `false`.
    Boolean,
    /// A number.
    Number,
    /// Any JSON value or binary data.
    Data,
    /// A list of values or key/value pairs (Prismatic's `complex` inputs).
    List,
    /// A connection (credentials) of one of the component's connection types.
    Connection,
}

impl InputKind {
    /// The kind's name as the API and the docs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::String => "string",
            InputKind::Text => "text",
            InputKind::Code => "code",
            InputKind::Boolean => "boolean",
            InputKind::Number => "number",
            InputKind::Data => "data",
            InputKind::List => "list",
            InputKind::Connection => "connection",
        }
    }

    /// The JSON Schema of a value of this kind, as a step gives it (Prismatic definitions give
    /// numbers and booleans as strings too, so those accept both).
    pub fn schema(self) -> Value {
        match self {
            InputKind::String | InputKind::Text | InputKind::Code => json!({"type": "string"}),
            InputKind::Boolean => json!({
                "oneOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}]
            }),
            InputKind::Number => json!({
                "oneOf": [{"type": "number"}, {"type": "string", "pattern": "^-?[0-9.eE+-]+$"}]
            }),
            InputKind::Data => json!({}),
            InputKind::List => json!({"type": "array"}),
            InputKind::Connection => json!({"type": "object", "x-plumb-connection": true}),
        }
    }
}

/// Who a component belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "organization")]
pub enum Scope {
    /// Part of plumb: every organization sees it.
    Builtin,
    /// Added at run time by one organization (an integration model, a custom component): only
    /// that organization sees it.
    Organization(Uuid),
}

/// One input of an action.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputSpec {
    /// The input's key as definitions spell it (`url`, `responseType`, ...).
    pub key: String,
    /// A human label.
    pub label: String,
    /// What it is for (from the input's `///` docs for built-ins).
    pub description: String,
    /// What kind of value it takes.
    pub kind: InputKind,
    /// Whether a step must give it.
    pub required: bool,
    /// The default used when a step does not give it.
    pub default: Option<String>,
    /// The JSON Schema of its value.
    pub schema: Value,
}

impl InputSpec {
    /// An input whose schema is its kind's.
    pub fn new(
        key: impl Into<String>,
        label: impl Into<String>,
        kind: InputKind,
        required: bool,
        default: Option<&str>,
        description: impl Into<String>,
    ) -> InputSpec {
        InputSpec {
            key: key.into(),
            label: label.into(),
            description: tidy_docs(&description.into()),
            kind,
            required,
            default: default.map(str::to_string),
            schema: kind.schema(),
        }
    }

    /// The same input with another JSON Schema.
    pub fn with_schema(mut self, schema: Value) -> InputSpec {
        self.schema = schema;
        self
    }
}

/// Doc-comment text as one description: each line trimmed, blank edges dropped.
fn tidy_docs(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// An example use of an action: the inputs of one step, as a definition gives them (each an
/// input expression `{type, value}`), and what it answers when that is fixed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionExample {
    /// What the example shows.
    pub title: String,
    /// The step's `inputs` (input key → `{type: value, value: ...}`).
    pub inputs: Value,
    /// The step result's `data`, when it does not depend on the outside world.
    pub result: Option<Value>,
    /// Other fields of the step (a loop's `steps`, a branch's `branches`, a trigger's
    /// `schedule`), as an object; null when none.
    pub step: Value,
}

impl ActionExample {
    /// An example with literal (`type: value`) inputs.
    pub fn values(title: impl Into<String>, inputs: &[(&str, Value)]) -> ActionExample {
        let mut map = serde_json::Map::new();
        for (k, v) in inputs {
            map.insert((*k).to_string(), json!({"type": "value", "value": v}));
        }
        ActionExample {
            title: title.into(),
            inputs: Value::Object(map),
            result: None,
            step: Value::Null,
        }
    }

    /// The same example with other fields of the step (`steps`, `branches`, `schedule`).
    pub fn with_step(mut self, fields: Value) -> ActionExample {
        self.step = fields;
        self
    }

    /// The same example with its expected result data.
    pub fn answers(mut self, data: Value) -> ActionExample {
        self.result = Some(data);
        self
    }
}

/// One action (or trigger) of a component.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionSpec {
    /// The action's key (`httpGet`, `runCode`, ...).
    pub key: String,
    /// A human label.
    pub label: String,
    /// What the action does.
    pub description: String,
    /// Its inputs, in the order a form shows them.
    pub inputs: Vec<InputSpec>,
    /// Whether this action starts a flow (a trigger).
    pub is_trigger: bool,
    /// Example uses (at least one for every built-in action).
    pub examples: Vec<ActionExample>,
}

impl ActionSpec {
    /// An action with no examples yet.
    pub fn new(
        key: impl Into<String>,
        label: impl Into<String>,
        description: impl Into<String>,
        inputs: Vec<InputSpec>,
    ) -> ActionSpec {
        ActionSpec {
            key: key.into(),
            label: label.into(),
            description: description.into(),
            inputs,
            is_trigger: false,
            examples: Vec::new(),
        }
    }

    /// The same action marked as a trigger.
    pub fn trigger(mut self) -> ActionSpec {
        self.is_trigger = true;
        self
    }

    /// The same action with one more example.
    pub fn example(mut self, example: ActionExample) -> ActionSpec {
        self.examples.push(example);
        self
    }

    /// One of its inputs by key.
    pub fn input(&self, key: &str) -> Option<&InputSpec> {
        self.inputs.iter().find(|i| i.key == key)
    }

    /// The JSON Schema of a step's resolved inputs (an object of its inputs).
    pub fn inputs_schema(&self) -> Value {
        let mut properties = serde_json::Map::new();
        let mut required = Vec::new();
        for i in &self.inputs {
            let mut schema = i.schema.clone();
            if let Value::Object(o) = &mut schema {
                o.insert("title".into(), Value::String(i.label.clone()));
                if !i.description.is_empty() {
                    o.insert("description".into(), Value::String(i.description.clone()));
                }
                if let Some(d) = &i.default {
                    o.insert("default".into(), Value::String(d.clone()));
                }
            }
            properties.insert(i.key.clone(), schema);
            if i.required {
                required.push(Value::String(i.key.clone()));
            }
        }
        json!({"type": "object", "properties": properties, "required": required})
    }
}

/// One input of a connection type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInputSpec {
    /// Its key (`username`, `clientSecret`, ...).
    pub key: String,
    /// A human label.
    pub label: String,
    /// Its type.
    #[serde(rename = "type")]
    pub input_type: ConnectionInputType,
    /// Whether a complete set of values must give it.
    pub required: bool,
    /// The value used when none is given.
    pub default: Option<String>,
    /// Whether its value is write-only.
    pub secret: bool,
    /// The allowed values, when it is a choice.
    pub options: Vec<String>,
}

/// A connection type of a component: a kind of credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionSpec {
    /// Its stable ID (the same on every server for built-ins).
    pub id: Uuid,
    /// Its key, unique within the component.
    pub key: String,
    /// A human label.
    pub label: String,
    /// The authentication scheme (`basic`, `oauth2ClientCredentials`, `salesforceClientCredentials`, ...).
    pub scheme: String,
    /// Whether it needs the interactive OAuth 2.0 authorization-code flow.
    pub oauth2: bool,
    /// Its inputs, its own first, then the shared transport ones.
    pub inputs: Vec<ConnectionInputSpec>,
}

impl From<&ConnectionType> for ConnectionSpec {
    fn from(t: &ConnectionType) -> Self {
        ConnectionSpec {
            id: t.id(),
            key: t.key.to_string(),
            label: t.label.to_string(),
            scheme: format!("{}/{}", t.component, t.key),
            oauth2: t.oauth2,
            inputs: t
                .inputs()
                .map(|i| ConnectionInputSpec {
                    key: i.key.to_string(),
                    label: i.label.to_string(),
                    input_type: i.input_type,
                    required: i.required,
                    default: i.default.map(str::to_string),
                    secret: i.secret,
                    options: i.options.iter().map(|o| (*o).to_string()).collect(),
                })
                .collect(),
        }
    }
}

/// A data source: a function that feeds a config page's picklist or form from the outside world.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSourceSpec {
    /// Its key.
    pub key: String,
    /// A human label.
    pub label: String,
    /// What it returns.
    pub description: String,
    /// What kind of value it answers (`picklist`, `jsonForm`, `string`, ...).
    pub result_type: String,
    /// Its inputs.
    pub inputs: Vec<InputSpec>,
}

/// What a component is: everything definitions, the API, forms and docs need to know about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentSpec {
    /// Its key (`http`, `aws-s3`, or an integration model's key).
    pub key: String,
    /// A human label.
    pub label: String,
    /// What it is for.
    pub description: String,
    /// Its version (a built-in's is plumb's; a model's is its document's `info.version`).
    pub version: String,
    /// Who it belongs to.
    pub scope: Scope,
    /// Its actions and triggers (triggers have `is_trigger`).
    pub actions: Vec<ActionSpec>,
    /// Its connection types.
    pub connections: Vec<ConnectionSpec>,
    /// Its data sources.
    pub data_sources: Vec<DataSourceSpec>,
}

impl ComponentSpec {
    /// A built-in component with no actions yet, at plumb's version.
    pub fn builtin(
        key: impl Into<String>,
        label: impl Into<String>,
        description: impl Into<String>,
    ) -> ComponentSpec {
        ComponentSpec {
            key: key.into(),
            label: label.into(),
            description: description.into(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            scope: Scope::Builtin,
            actions: Vec::new(),
            connections: Vec::new(),
            data_sources: Vec::new(),
        }
    }

    /// The same component with one more action.
    pub fn action(mut self, action: ActionSpec) -> ComponentSpec {
        self.actions.push(action);
        self
    }

    /// The same component with its connection types from the connection type registry
    /// ([`crate::connection_types`], the ones declared for this component's key).
    pub fn with_registered_connections(mut self) -> ComponentSpec {
        self.connections
            .extend(crate::connection_types::for_component(&self.key).map(ConnectionSpec::from));
        self
    }

    /// One of its actions by key.
    pub fn find_action(&self, key: &str) -> Option<&ActionSpec> {
        self.actions.iter().find(|a| a.key == key)
    }

    /// Its triggers.
    pub fn triggers(&self) -> impl Iterator<Item = &ActionSpec> {
        self.actions.iter().filter(|a| a.is_trigger)
    }

    /// One of its connection types by key.
    pub fn connection(&self, key: &str) -> Option<&ConnectionSpec> {
        self.connections.iter().find(|c| c.key == key)
    }
}

/// Looks components up by key, as one caller (an organization, or plumb itself) sees them.
/// Implemented by the engine's catalog views, and by a plain slice of specs (tests, tools).
pub trait ComponentLookup {
    /// The component `key`, if the caller sees it.
    fn component(&self, key: &str) -> Option<&ComponentSpec>;
    /// The keys of every component the caller sees, sorted.
    fn keys(&self) -> Vec<&str>;
}

impl ComponentLookup for [ComponentSpec] {
    fn component(&self, key: &str) -> Option<&ComponentSpec> {
        self.iter().find(|c| c.key == key)
    }

    fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.iter().map(|c| c.key.as_str()).collect();
        keys.sort_unstable();
        keys
    }
}

impl ComponentLookup for Vec<ComponentSpec> {
    fn component(&self, key: &str) -> Option<&ComponentSpec> {
        self.as_slice().component(key)
    }

    fn keys(&self) -> Vec<&str> {
        self.as_slice().keys()
    }
}

/// A component as the registry holds it: its spec and the implementations of its actions.
/// Control-flow components (loops, branches, triggers) are run by the engine itself and have no
/// implementations ([`Component::control`]).
#[derive(Clone)]
pub struct Component {
    spec: ComponentSpec,
    actions: std::collections::HashMap<String, std::sync::Arc<dyn crate::action::Action>>,
    control: bool,
}

impl Component {
    /// A component whose actions are implemented by [`Component::with_action`].
    pub fn new(spec: ComponentSpec) -> Component {
        Component {
            spec,
            actions: std::collections::HashMap::new(),
            control: false,
        }
    }

    /// A component whose steps the engine runs itself (no implementations).
    pub fn control(spec: ComponentSpec) -> Component {
        Component {
            control: true,
            ..Component::new(spec)
        }
    }

    /// The same component with the implementation of action `key`.
    pub fn with_action(
        mut self,
        key: &str,
        implementation: std::sync::Arc<dyn crate::action::Action>,
    ) -> Component {
        self.actions.insert(key.to_string(), implementation);
        self
    }

    /// What it is.
    pub fn spec(&self) -> &ComponentSpec {
        &self.spec
    }

    /// Whether the engine runs its steps itself.
    pub fn is_control(&self) -> bool {
        self.control
    }

    /// The implementation of action `key`.
    pub fn action(&self, key: &str) -> Option<&std::sync::Arc<dyn crate::action::Action>> {
        self.actions.get(key)
    }

    /// Checks that every declared action has an implementation and every implementation is
    /// declared (control components: none), and that keys are unique. Names the first mismatch.
    pub fn check(&self) -> Result<(), String> {
        let key = &self.spec.key;
        if key.is_empty() {
            return Err("a component has an empty key".into());
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.spec.actions {
            if !seen.insert(a.key.as_str()) {
                return Err(format!(
                    "component `{key}` declares action `{}` twice",
                    a.key
                ));
            }
            let mut inputs = std::collections::HashSet::new();
            for i in &a.inputs {
                if !inputs.insert(i.key.as_str()) {
                    return Err(format!(
                        "action `{key}/{}` declares input `{}` twice",
                        a.key, i.key
                    ));
                }
            }
            if !self.control && !self.actions.contains_key(&a.key) {
                return Err(format!("action `{key}/{}` has no implementation", a.key));
            }
        }
        for implemented in self.actions.keys() {
            if self.spec.find_action(implemented).is_none() {
                return Err(format!(
                    "component `{key}` implements undeclared action `{implemented}`"
                ));
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<&String> = self.actions.keys().collect();
        keys.sort();
        f.debug_struct("Component")
            .field("key", &self.spec.key)
            .field("scope", &self.spec.scope)
            .field("implemented", &keys)
            .finish()
    }
}
