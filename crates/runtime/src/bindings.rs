//! Instance config var bindings: checking what `createInstance` / `updateInstanceConfigVariables`
//! are given ([`check_bindings`]) and resolving the bound values when an execution starts
//! ([`resolve_instance_config`], in `resolve`). Resolution happens at every start, so a changed
//! customer value or credential takes effect on the next run.

mod resolve;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use plumb_core::connection_types::{self, ValidationMode};
use plumb_core::definition::{ConfigVarDecl, Definition};
use plumb_store::instances::{Binding, BindingKind};
use plumb_store::secrets::Vault;
use plumb_store::{Store, StoreError};
use plumb_vault::SecretString;
use uuid::Uuid;

use crate::customer_scope::{
    customer_may_bind, customer_may_bind_scoped, customer_may_remove, BoundBy,
};
use crate::{check_declared_value, ConfigProblem};

pub use resolve::{
    resolve_instance_config, resolve_instance_config_partial, PartialInstanceConfig, ResolveError,
};

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
    /// Who chooses the bindings: a customer-bound caller may bind only its customer's own
    /// values ([`crate::customer_scope`]).
    pub bound_by: BoundBy,
}

/// A binding problem: which key, what is wrong (never a value).
pub type BindingProblem = ConfigProblem;

/// The field name of the sealed connection inputs of a `values` binding.
use plumb_store::instances::VALUES_SEAL_FIELD as VALUES_FIELD;

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

/// Checks that the bindings of `remove` may be removed by whoever `scope` says chooses them (a
/// customer-bound caller cannot remove an `orgOnly` config var's binding). Removing a required
/// binding is caught by [`check_bindings`] on what remains.
pub fn check_removals(
    scope: &BindingScope<'_>,
    def: &Definition,
    remove: &[String],
) -> Result<(), Vec<BindingProblem>> {
    if scope.bound_by == BoundBy::Organization {
        return Ok(());
    }
    let problems: Vec<_> = remove
        .iter()
        .filter_map(|key| {
            customer_may_remove(def.config_var(key))
                .err()
                .map(|m| ConfigProblem::new(key, m))
        })
        .collect();
    if problems.is_empty() {
        Ok(())
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
        bound_by,
    } = *scope;
    let key = decl.key.as_str();
    if bound_by == BoundBy::Customer {
        customer_may_bind(decl, input).map_err(|m| ConfigProblem::new(key, m))?;
    }
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
        Ok(v) if bound_by == BoundBy::Organization || customer_may_bind_scoped(&v) => v,
        Ok(_) | Err(StoreError::NotFound) => {
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
