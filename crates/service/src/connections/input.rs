//! Checking connection input values (`{name, type, value, meta}`) against a connection type, and
//! turning them into stored values (secrets sealed). Error messages never repeat a value.

use std::collections::{BTreeMap, BTreeSet};

use plumb_core::connection_types::{self, validate_inputs, ConnectionType, ValidationMode};
use plumb_store::connection_values::{Slot, StoredValue, ValueSet};
use plumb_store::connections::{InputScope, ScopedVar};
use plumb_store::secrets::Vault;
use plumb_store::{new_id, now_ms, StoreError};
use plumb_vault::SecretString;
use uuid::Uuid;

use crate::{FieldErrors, ServiceError};

/// Where input problems are collected (the service's [`FieldErrors`], or an adapter's own list).
pub trait Problems {
    /// Adds a message for `field`.
    fn problem(&mut self, field: String, message: String);
}

impl Problems for FieldErrors {
    fn problem(&mut self, field: String, message: String) {
        self.add(field, message);
    }
}

/// One connection input value, as Prismatic's API spells it.
#[derive(Clone, Default)]
pub struct ConnInput {
    /// The connection input's key (`username`, `apiKey`, ...).
    pub name: String,
    /// The expression type: only `value` is accepted for connection inputs.
    pub input_type: Option<String>,
    /// The value (empty clears it where allowed).
    pub value: Option<String>,
    /// A JSON string; `{"inputScope": "global" | "customer"}` on scoped config variables.
    pub meta: Option<String>,
}

impl std::fmt::Debug for ConnInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value may be a secret.
        f.debug_struct("ConnInput")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The error field naming input `name`.
pub fn field(name: &str) -> String {
    format!("inputs.{name}")
}

/// A connection type by its global ID or `component/key`.
pub fn find_connection_type(reference: &str) -> Option<&'static ConnectionType> {
    connection_types::find_by_global_id(reference).or_else(|| {
        let (component, key) = reference.split_once('/')?;
        connection_types::find(component, key)
    })
}

/// Inputs with their parsed scopes.
pub struct Parsed {
    /// Values by input key (only the inputs given a value).
    pub values: BTreeMap<String, String>,
    /// Scopes given by `meta`, by input key.
    pub scopes: BTreeMap<String, InputScope>,
    /// Every input named.
    pub named: BTreeSet<String>,
}

/// Checks names, types, duplicates and `meta` of `inputs`; reports problems into `errors`.
pub fn parse(ty: &ConnectionType, inputs: &[ConnInput], errors: &mut impl Problems) -> Parsed {
    let mut out = Parsed {
        values: BTreeMap::new(),
        scopes: BTreeMap::new(),
        named: BTreeSet::new(),
    };
    let scope_error = "meta.inputScope must be \"global\" or \"customer\"";
    for i in inputs {
        let f = field(&i.name);
        if ty.input(&i.name).is_none() {
            errors.problem(
                f,
                format!(
                    "unknown input of connection type {}/{}",
                    ty.component, ty.key
                ),
            );
            continue;
        }
        if !out.named.insert(i.name.clone()) {
            errors.problem(f, "given more than once".into());
            continue;
        }
        match i.input_type.as_deref() {
            None | Some("value") => {}
            Some(_) => {
                errors.problem(
                    f,
                    "only inputs of type \"value\" are accepted for connections".into(),
                );
                continue;
            }
        }
        if let Some(meta) = i.meta.as_deref().filter(|m| !m.trim().is_empty()) {
            match serde_json::from_str::<serde_json::Value>(meta) {
                Ok(serde_json::Value::Object(m)) => match m.get("inputScope") {
                    None | Some(serde_json::Value::Null) => {}
                    Some(serde_json::Value::String(s)) => match InputScope::parse(s) {
                        Some(scope) => {
                            out.scopes.insert(i.name.clone(), scope);
                        }
                        None => errors.problem(f.clone(), scope_error.into()),
                    },
                    Some(_) => errors.problem(f.clone(), scope_error.into()),
                },
                _ => errors.problem(f.clone(), "meta must be a JSON object".into()),
            }
        }
        if let Some(v) = &i.value {
            out.values.insert(i.name.clone(), v.clone());
        }
    }
    // Type and format checks of the given values.
    for e in validate_inputs(ty, &out.values, ValidationMode::Partial) {
        errors.problem(field(&e.input), e.message);
    }
    out
}

/// Reports each required input (without a default) that is neither in `present` nor given a
/// non-empty value in `values`.
pub fn check_complete(
    ty: &ConnectionType,
    present: &BTreeSet<String>,
    values: &BTreeMap<String, String>,
    relevant: impl Fn(&str) -> bool,
    errors: &mut impl Problems,
) {
    for input in ty.inputs() {
        if !input.required || input.default.is_some() || !relevant(input.key) {
            continue;
        }
        let given = values.get(input.key).map(|v| !v.trim().is_empty());
        let ok = match given {
            Some(g) => g,
            None => present.contains(input.key),
        };
        if !ok {
            errors.problem(field(input.key), "is required".into());
        }
    }
}

/// Turns values into stored values for set `set_id`: secrets sealed, empty values `None`
/// (cleared).
pub async fn to_stored(
    vault: &Vault,
    ty: &ConnectionType,
    org_id: Uuid,
    set_id: Uuid,
    values: BTreeMap<String, String>,
) -> Result<BTreeMap<String, Option<StoredValue>>, ServiceError> {
    let mut out = BTreeMap::new();
    for (input, value) in values {
        let stored = if value.is_empty() {
            None
        } else if ty.is_secret(&input) {
            let secret = SecretString::new(value);
            let sealed = vault
                .seal(org_id, set_id, &input, &secret)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "sealing a connection secret failed");
                    ServiceError::Store(StoreError::Corrupt("sealing failed".into()))
                })?;
            Some(StoredValue::Sealed(sealed))
        } else {
            Some(StoredValue::Plain(value))
        };
        out.insert(input, stored);
    }
    Ok(out)
}

/// A new, empty value set of `var` in `slot`.
pub fn new_set(var: &ScopedVar, slot: Slot) -> ValueSet {
    let now = now_ms();
    ValueSet {
        id: new_id(),
        org_id: var.org_id,
        scoped_id: var.id,
        slot,
        created_at: now,
        updated_at: now,
    }
}

/// The input scopes of `v` after applying `given` (only meaningful on customer-scoped ones).
pub fn merged_scopes(
    v: &ScopedVar,
    given: &BTreeMap<String, InputScope>,
) -> BTreeMap<String, InputScope> {
    let mut out = v.input_scopes.clone();
    out.extend(given.iter().map(|(k, s)| (k.clone(), *s)));
    out.retain(|_, s| *s == InputScope::Global);
    out
}

/// The values given for global inputs; a non-empty value for a per-customer input is an
/// error (it is given per customer).
pub fn global_inputs(
    var: &ScopedVar,
    values: BTreeMap<String, String>,
    errors: &mut impl Problems,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, value) in values {
        if var.input_scope(&name) == InputScope::Global {
            if !value.is_empty() {
                out.insert(name, value);
            }
        } else if !value.trim().is_empty() {
            errors.problem(
                field(&name),
                "is a per-customer input: its value is set for each customer".into(),
            );
        }
    }
    out
}
