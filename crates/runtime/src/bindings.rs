//! Instance config var bindings: checking what `createInstance` / `updateInstanceConfigVariables`
//! are given ([`check_bindings`]) and resolving the bound values when an execution starts
//! ([`resolve_instance_config`]). Resolution happens at every start, so a changed customer value
//! or credential takes effect on the next run.

use std::collections::BTreeMap;

use plumb_core::action::Connection;
use plumb_core::connection_types::{self, ValidationMode};
use plumb_core::definition::{ConfigVarDecl, Definition};
use plumb_core::expr::ConfigValue;
use plumb_store::instances::{Binding, BindingKind, Instance};
use plumb_store::secrets::Vault;
use plumb_store::{Store, StoreError};
use plumb_vault::SecretString;
use uuid::Uuid;

use crate::{check_declared_value, ConfigProblem, TestConfig};

/// One config var binding as the API receives it: a key and exactly one source.
#[derive(Debug, Clone, Default)]
pub struct BindingInput {
    /// The config var's key.
    pub key: String,
    /// A literal value.
    pub value: Option<String>,
    /// A connection's own inputs: a JSON object (input key → value) as text.
    pub values: Option<String>,
    /// A config var of the instance's customer.
    pub customer_config_variable: Option<Uuid>,
    /// A config var of the organization.
    pub organization_config_variable: Option<Uuid>,
    /// A scoped config variable (connection).
    pub scoped_config_variable: Option<Uuid>,
}

/// Whose bindings are checked: the instance's organization and customer.
#[derive(Clone, Copy)]
pub struct BindingScope<'a> {
    /// The database.
    pub store: &'a Store,
    /// Seals connection inputs (`None`: a `values` binding is refused).
    pub vault: Option<&'a Vault>,
    /// The organization.
    pub org_id: Uuid,
    /// The instance's customer.
    pub customer_id: Uuid,
}

/// A binding problem: which key, what is wrong (never a value).
pub type BindingProblem = ConfigProblem;

/// The field name of the sealed connection inputs of a `values` binding.
const VALUES_FIELD: &str = "values";

/// Checks `inputs` against the definition for an instance of `customer_id`; seals connection
/// inputs. With `complete`, every config var that has no default and no scoped connection to bind
/// itself to must be bound (a new instance); otherwise only the given keys are checked (an update).
/// Answers the bindings to store, or every problem found.
pub async fn check_bindings(
    scope: &BindingScope<'_>,
    def: &Definition,
    inputs: &[BindingInput],
    existing: &[Binding],
    complete: bool,
) -> Result<Vec<Binding>, Vec<BindingProblem>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for input in inputs {
        let key = input.key.as_str();
        if !seen.insert(key.to_string()) {
            problems.push(ConfigProblem::new(key, "is bound more than once"));
            continue;
        }
        let Some(decl) = def.config_var(key) else {
            problems.push(ConfigProblem::new(
                key,
                "is not declared by the integration's requiredConfigVars",
            ));
            continue;
        };
        match check_one(scope, decl, input).await {
            Ok(b) => out.push(b),
            Err(p) => problems.push(p),
        }
    }
    if complete {
        for decl in &def.required_config_vars {
            let bound = seen.contains(&decl.key) || existing.iter().any(|b| b.key == decl.key);
            if !bound && !binds_itself(decl) {
                problems.push(ConfigProblem::new(
                    &decl.key,
                    "is required: bind it to a value, a customer or organization config \
                     variable, or a connection",
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Whether a config var needs no binding: it has a default, or it is a connection that binds to
/// the organization's scoped connection of its `useScopedConfigVar` stable key.
fn binds_itself(decl: &ConfigVarDecl) -> bool {
    if decl.is_connection() {
        return decl.use_scoped_config_var.is_some();
    }
    matches!(&decl.default_value, Some(v) if !v.is_null())
}

async fn check_one(
    scope: &BindingScope<'_>,
    decl: &ConfigVarDecl,
    input: &BindingInput,
) -> Result<Binding, ConfigProblem> {
    let BindingScope {
        store,
        vault,
        org_id,
        customer_id,
    } = *scope;
    let key = decl.key.as_str();
    let given = [
        input.value.is_some(),
        input.values.is_some(),
        input.customer_config_variable.is_some(),
        input.organization_config_variable.is_some(),
        input.scoped_config_variable.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if given != 1 {
        return Err(ConfigProblem::new(
            key,
            "give exactly one of value, values, customerConfigVariableId, \
             organizationConfigVariableId, scopedConfigVariableId",
        ));
    }
    let internal = |e: StoreError| {
        tracing::error!(error = %e, key, "checking an instance binding failed");
        ConfigProblem::new(key, "could not be checked (internal error)")
    };
    if let Some(v) = &input.value {
        if decl.is_connection() {
            return Err(ConfigProblem::new(
                key,
                "is a connection: bind it with values (its inputs) or scopedConfigVariableId",
            ));
        }
        check_value(decl, key, v)?;
        let mut b = Binding::new(key, BindingKind::Value);
        b.value = Some(v.clone());
        return Ok(b);
    }
    if let Some(text) = &input.values {
        if !decl.is_connection() {
            return Err(ConfigProblem::new(
                key,
                "is not a connection: bind it with value",
            ));
        }
        let fields = parse_inputs(key, text)?;
        if let Some(ty) = decl
            .connection
            .as_ref()
            .and_then(|c| connection_types::find(&c.component.key, &c.key))
        {
            let errors = connection_types::validate_inputs(ty, &fields, ValidationMode::Partial);
            if let Some(e) = errors.first() {
                return Err(ConfigProblem::new(
                    key,
                    format!("input {}: {}", e.input, e.message),
                ));
            }
        }
        let Some(vault) = vault else {
            return Err(ConfigProblem::new(
                key,
                "cannot be stored: the server has no master key to seal connection inputs",
            ));
        };
        let mut b = Binding::new(key, BindingKind::Values);
        b.id = plumb_store::new_id();
        let plain = SecretString::new(text.clone());
        let sealed = vault
            .seal(org_id, b.id, VALUES_FIELD, &plain)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, key, "sealing instance connection inputs failed");
                ConfigProblem::new(key, "could not be sealed (internal error)")
            })?;
        b.sealed_values = Some(hex::encode(sealed));
        return Ok(b);
    }
    if let Some(id) = input.customer_config_variable {
        let var = match store.get_customer_config_var(org_id, id).await {
            Ok(v) => v,
            Err(StoreError::NotFound) => {
                return Err(ConfigProblem::new(
                    key,
                    "customer config variable not found",
                ))
            }
            Err(e) => return Err(internal(e)),
        };
        if var.customer_id != Some(customer_id) {
            return Err(ConfigProblem::new(
                key,
                "the customer config variable belongs to another customer",
            ));
        }
        if !decl.is_connection() {
            check_value(decl, key, &var.value)?;
        }
        let mut b = Binding::new(key, BindingKind::Customer);
        b.ref_id = Some(id);
        return Ok(b);
    }
    if let Some(id) = input.organization_config_variable {
        let var = match store.get_org_config_var(org_id, id).await {
            Ok(v) => v,
            Err(StoreError::NotFound) => {
                return Err(ConfigProblem::new(
                    key,
                    "organization config variable not found",
                ))
            }
            Err(e) => return Err(internal(e)),
        };
        if decl.is_connection() {
            return Err(ConfigProblem::new(
                key,
                "is a connection: bind it with values or scopedConfigVariableId",
            ));
        }
        check_value(decl, key, &var.value)?;
        let mut b = Binding::new(key, BindingKind::Org);
        b.ref_id = Some(id);
        return Ok(b);
    }
    let Some(id) = input.scoped_config_variable else {
        return Err(ConfigProblem::new(key, "has no value"));
    };
    if !decl.is_connection() {
        return Err(ConfigProblem::new(
            key,
            "is not a connection: a scoped config variable cannot be bound to it",
        ));
    }
    let var = match store.get_scoped_var(org_id, id).await {
        Ok(v) => v,
        Err(StoreError::NotFound) => {
            return Err(ConfigProblem::new(key, "scoped config variable not found"))
        }
        Err(e) => return Err(internal(e)),
    };
    if let (Some(want), Some(have)) = (
        decl.connection.as_ref(),
        connection_types::find_by_id(var.connection_type),
    ) {
        if want.key != have.key || want.component.key != have.component {
            return Err(ConfigProblem::new(
                key,
                format!(
                    "expects a {}/{} connection; the scoped config variable is {}/{}",
                    want.component.key, want.key, have.component, have.key
                ),
            ));
        }
    }
    let mut b = Binding::new(key, BindingKind::Scoped);
    b.ref_id = Some(id);
    Ok(b)
}

fn check_value(decl: &ConfigVarDecl, _key: &str, value: &str) -> Result<(), ConfigProblem> {
    check_declared_value(decl, value)
}

fn parse_inputs(key: &str, text: &str) -> Result<BTreeMap<String, String>, ConfigProblem> {
    let parsed: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|_| {
            ConfigProblem::new(
                key,
                "values must be a JSON object of the connection's inputs",
            )
        })?;
    let mut out = BTreeMap::new();
    for (k, v) in parsed {
        let s = match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => continue,
            other => other.to_string(),
        };
        out.insert(k, s);
    }
    Ok(out)
}

/// THE place where an instance execution's config vars get their values, when it starts: each
/// binding's current value (a customer or organization config var is read now; a connection's
/// inputs are opened, a scoped connection is resolved for the instance's customer), then
/// `useScopedConfigVar` connections bind themselves, then declared defaults. A config var that
/// cannot be resolved is left out with a warning (a step using it then fails clearly).
pub async fn resolve_instance_config(
    store: &Store,
    vault: Option<&Vault>,
    instance: &Instance,
    def: &Definition,
) -> Result<TestConfig, StoreError> {
    let org_id = instance.org_id;
    let bindings = store.instance_bindings(org_id, instance.id).await?;
    let mut out = TestConfig::default();
    for decl in &def.required_config_vars {
        let key = decl.key.as_str();
        let binding = bindings.iter().find(|b| b.key == decl.key);
        let resolved = match binding {
            Some(b) => resolve_binding(store, vault, instance, decl, b).await,
            None => resolve_unbound(vault, instance, decl).await,
        };
        match resolved {
            Ok(Some(v)) => {
                out.values.insert(decl.key.clone(), v);
            }
            Ok(None) => {}
            Err(message) => out.warnings.push(format!("config var `{key}`: {message}")),
        }
    }
    Ok(out)
}

async fn resolve_binding(
    store: &Store,
    vault: Option<&Vault>,
    instance: &Instance,
    decl: &ConfigVarDecl,
    b: &Binding,
) -> Result<Option<ConfigValue>, String> {
    let org_id = instance.org_id;
    let text = |s: String| Ok(Some(ConfigValue::Value(serde_json::Value::String(s))));
    match b.kind {
        BindingKind::Value => text(b.value.clone().unwrap_or_default()),
        BindingKind::Customer | BindingKind::Org => {
            let Some(id) = b.ref_id else {
                return Err("its binding names no variable".into());
            };
            let var = if b.kind == BindingKind::Customer {
                store.get_customer_config_var(org_id, id).await
            } else {
                store.get_org_config_var(org_id, id).await
            };
            match var {
                Ok(v) => text(v.value),
                Err(StoreError::NotFound) => Err("the variable it is bound to was deleted".into()),
                Err(e) => {
                    tracing::error!(error = %e, "reading a bound config variable failed");
                    Err("the variable it is bound to could not be read".into())
                }
            }
        }
        BindingKind::Values => {
            let vault = vault.ok_or("the server has no master key to open its inputs")?;
            let sealed = b
                .sealed_values
                .as_deref()
                .and_then(|h| hex::decode(h).ok())
                .ok_or("its sealed inputs are damaged")?;
            let plain = vault
                .open(org_id, b.id, VALUES_FIELD, &sealed)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "opening instance connection inputs failed");
                    "its inputs could not be opened".to_string()
                })?;
            let fields = parse_inputs(&decl.key, plain.expose()).map_err(|p| p.message)?;
            let (component, key) = decl
                .connection
                .as_ref()
                .map(|c| (c.component.key.clone(), c.key.clone()))
                .unwrap_or_default();
            let fields = match connection_types::find(&component, &key) {
                Some(ty) => ty.with_defaults(&fields),
                None => fields,
            };
            Ok(Some(ConfigValue::Connection(Connection {
                id: b.id.to_string(),
                component,
                key,
                fields,
            })))
        }
        BindingKind::Scoped => {
            let vault = vault.ok_or("the server has no master key to open connections")?;
            let Some(id) = b.ref_id else {
                return Err("its binding names no scoped config variable".into());
            };
            match plumb_store::resolve::resolve_scoped_connection_by_id(
                vault,
                org_id,
                id,
                Some(instance.customer_id),
                false,
            )
            .await
            {
                Ok(Some(c)) => Ok(Some(ConfigValue::Connection(c))),
                Ok(None) => Err(
                    "the scoped connection has no values for this customer (or was deleted)".into(),
                ),
                Err(e) => {
                    tracing::error!(error = %e, "resolving a scoped connection failed");
                    Err("the scoped connection could not be opened".into())
                }
            }
        }
    }
}

async fn resolve_unbound(
    vault: Option<&Vault>,
    instance: &Instance,
    decl: &ConfigVarDecl,
) -> Result<Option<ConfigValue>, String> {
    if decl.is_connection() {
        let Some(stable_key) = &decl.use_scoped_config_var else {
            return Err("is not bound".into());
        };
        let vault = vault.ok_or("the server has no master key to open connections")?;
        return match plumb_store::resolve::resolve_scoped_connection(
            vault,
            instance.org_id,
            stable_key,
            Some(instance.customer_id),
            false,
        )
        .await
        {
            Ok(Some(c)) => Ok(Some(ConfigValue::Connection(c))),
            Ok(None) => Err(format!(
                "the scoped connection `{stable_key}` does not exist or has no values for this \
                 customer"
            )),
            Err(e) => {
                tracing::error!(error = %e, "resolving a scoped connection failed");
                Err(format!(
                    "the scoped connection `{stable_key}` could not be opened"
                ))
            }
        };
    }
    Ok(match &decl.default_value {
        Some(serde_json::Value::String(s)) => Some(ConfigValue::Value(s.clone().into())),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => Some(ConfigValue::Value(other.to_string().into())),
    })
}
