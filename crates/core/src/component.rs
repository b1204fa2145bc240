//! Component manifests: what a built-in component offers (actions with typed inputs, connection
//! types). The definition validator checks steps against them and the API lists them through
//! `components(key)`.

use serde::Serialize;

/// The kind of value an action input takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// One input of an action.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputManifest {
    /// The input's key as definitions spell it (`url`, `responseType`, ...).
    pub key: &'static str,
    /// A human label.
    pub label: &'static str,
    /// What kind of value it takes.
    pub kind: InputKind,
    /// Whether a step must give it.
    pub required: bool,
    /// The default used when a step does not give it.
    pub default: Option<&'static str>,
}

/// One action of a component.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionManifest {
    /// The action's key (`httpGet`, `runCode`, ...).
    pub key: &'static str,
    /// A human label.
    pub label: &'static str,
    /// What the action does, in a sentence.
    pub description: &'static str,
    /// Its inputs.
    pub inputs: &'static [InputManifest],
    /// Whether this action starts a flow (trigger actions).
    pub is_trigger: bool,
}

/// A built-in component.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentManifest {
    /// The component's key (`http`, `aws-s3`, `code`, ...).
    pub key: &'static str,
    /// A human label.
    pub label: &'static str,
    /// What it is for.
    pub description: &'static str,
    /// Its actions.
    pub actions: &'static [ActionManifest],
    /// Keys of its connection types (see [`crate::connection_types`]).
    pub connections: &'static [&'static str],
}

impl ComponentManifest {
    /// Finds one of the component's actions by key.
    pub fn action(&self, key: &str) -> Option<&ActionManifest> {
        self.actions.iter().find(|a| a.key == key)
    }
}
