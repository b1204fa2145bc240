//! Checking connection input values (`[InputExpression {name, type, value, meta}]`) against a
//! connection type, and turning them into stored values (secrets sealed). Error messages never
//! repeat a value.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::{Context, InputObject};
use plumb_core::connection_types::{validate_inputs, ConnectionType, ValidationMode};
use plumb_store::connection_values::StoredValue;
use plumb_store::connections::InputScope;
use plumb_store::secrets::Vault;
use plumb_vault::SecretString;
use uuid::Uuid;

use crate::graphql::errors::{gql_error, PayloadErrors, Result};

/// One connection input value, as Prismatic's API spells it.
#[derive(InputObject, Clone)]
pub struct InputExpression {
    /// The connection input's key (`username`, `apiKey`, ...).
    pub name: String,
    /// The expression type: only `value` is accepted for connection inputs.
    #[graphql(name = "type")]
    pub input_type: Option<String>,
    /// The value (empty clears it where allowed).
    pub value: Option<String>,
    /// A JSON string; `{"inputScope": "global" | "customer"}` on scoped config variables.
    pub meta: Option<String>,
}

impl std::fmt::Debug for InputExpression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value may be a secret.
        f.debug_struct("InputExpression")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The payload field naming input `name`.
pub fn field(name: &str) -> String {
    format!("inputs.{name}")
}

/// An input with its parsed scope (`None` when `meta` gives none).
pub struct Parsed {
    /// Values by input key (only the inputs given a value).
    pub values: BTreeMap<String, String>,
    /// Scopes given by `meta`, by input key.
    pub scopes: BTreeMap<String, InputScope>,
    /// Every input named.
    pub named: BTreeSet<String>,
}

/// Checks names, types, duplicates and `meta` of `inputs`; reports problems into `errors`.
pub fn parse(
    ty: &ConnectionType,
    inputs: &[InputExpression],
    errors: &mut PayloadErrors,
) -> Parsed {
    let mut out = Parsed {
        values: BTreeMap::new(),
        scopes: BTreeMap::new(),
        named: BTreeSet::new(),
    };
    for i in inputs {
        let f = field(&i.name);
        if ty.input(&i.name).is_none() {
            errors.add(
                f,
                format!(
                    "unknown input of connection type {}/{}",
                    ty.component, ty.key
                ),
            );
            continue;
        }
        if !out.named.insert(i.name.clone()) {
            errors.add(f, "given more than once");
            continue;
        }
        match i.input_type.as_deref() {
            None | Some("value") => {}
            Some(_) => {
                errors.add(
                    &f,
                    "only inputs of type \"value\" are accepted for connections",
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
                        None => {
                            errors.add(&f, "meta.inputScope must be \"global\" or \"customer\"")
                        }
                    },
                    Some(_) => errors.add(&f, "meta.inputScope must be \"global\" or \"customer\""),
                },
                _ => errors.add(&f, "meta must be a JSON object"),
            }
        }
        if let Some(v) = &i.value {
            out.values.insert(i.name.clone(), v.clone());
        }
    }
    // Type and format checks of the given values.
    for e in validate_inputs(ty, &out.values, ValidationMode::Partial) {
        errors.add(field(&e.input), e.message);
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
    errors: &mut PayloadErrors,
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
            errors.add(field(input.key), "is required");
        }
    }
}

/// The vault of the request, or an internal error when the server has no master key.
pub fn vault<'a>(ctx: &Context<'a>) -> Result<&'a Vault> {
    ctx.data_opt::<Vault>().ok_or_else(|| {
        tracing::error!("no master key configured: cannot seal connection secrets");
        gql_error("INTERNAL", "internal error")
    })
}

/// Turns values into stored values for set `set_id`: secrets sealed, empty values `None`
/// (cleared).
pub async fn to_stored(
    vault: &Vault,
    ty: &ConnectionType,
    org_id: Uuid,
    set_id: Uuid,
    values: BTreeMap<String, String>,
) -> Result<BTreeMap<String, Option<StoredValue>>> {
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
                    gql_error("INTERNAL", "internal error")
                })?;
            Some(StoredValue::Sealed(sealed))
        } else {
            Some(StoredValue::Plain(value))
        };
        out.insert(input, stored);
    }
    Ok(out)
}
