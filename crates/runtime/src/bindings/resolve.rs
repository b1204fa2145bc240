//! Resolving an instance's bindings when an execution starts ([`resolve_instance_config`]).
//!
//! A config var whose binding exists but cannot give its value (sealed inputs that do not open,
//! a bound variable that was deleted, a connection that cannot be opened) makes the execution
//! fail before its first step, naming the config var: running without it would look like a
//! success with the connection missing.

use plumb_core::action::Connection;
use plumb_core::connection_types;
use plumb_core::definition::{ConfigVarDecl, Definition};
use plumb_core::expr::ConfigValue;
use plumb_store::instances::{Binding, BindingKind, Instance};
use plumb_store::secrets::Vault;
use plumb_store::{Store, StoreError};

use super::{parse_inputs, VALUES_FIELD};
use crate::{ConfigProblem, TestConfig};

/// Why an instance execution's config could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The store failed (its text is for the server log only).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Config vars are bound but their values cannot be had. Each problem names the key and
    /// says why, never with a value, a secret or database text.
    #[error("{}", join(.0))]
    Unusable(Vec<ConfigProblem>),
}

fn join(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// An instance's resolved config and the bound config vars whose values could not be had.
#[derive(Debug, Default)]
pub struct PartialInstanceConfig {
    /// What resolved, with warnings for the execution's log.
    pub config: TestConfig,
    /// Config vars that are bound but could not be resolved.
    pub unusable: Vec<ConfigProblem>,
}

/// THE place where an instance execution's config vars get their values, when it starts: each
/// binding's current value (a customer or organization config var is read now; a connection's
/// inputs are opened, a scoped connection is resolved for the instance's customer), then
/// `useScopedConfigVar` connections bind themselves, then declared defaults.
///
/// A bound config var that cannot be resolved is [`ResolveError::Unusable`]: the execution fails.
/// A `useScopedConfigVar` connection whose scoped connection does not exist or has no values
/// for the customer is left out with a warning (a step using it then fails clearly).
pub async fn resolve_instance_config(
    store: &Store,
    vault: Option<&Vault>,
    instance: &Instance,
    def: &Definition,
) -> Result<TestConfig, ResolveError> {
    let partial = resolve_instance_config_partial(store, vault, instance, def).await?;
    if partial.unusable.is_empty() {
        Ok(partial.config)
    } else {
        Err(ResolveError::Unusable(partial.unusable))
    }
}

/// [`resolve_instance_config`] that answers what resolved along with what did not (for callers
/// that need the values that are there, such as the scheduler reading schedule config vars).
pub async fn resolve_instance_config_partial(
    store: &Store,
    vault: Option<&Vault>,
    instance: &Instance,
    def: &Definition,
) -> Result<PartialInstanceConfig, StoreError> {
    let org_id = instance.org_id;
    let bindings = store.instance_bindings(org_id, instance.id).await?;
    let mut out = PartialInstanceConfig::default();
    for decl in &def.required_config_vars {
        let key = decl.key.as_str();
        let resolved = match bindings.iter().find(|b| b.key == decl.key) {
            Some(b) => resolve_binding(store, vault, instance, decl, b).await,
            None => resolve_unbound(vault, instance, decl).await,
        };
        match resolved {
            Resolved::Value(v) => {
                out.config.values.insert(decl.key.clone(), v);
            }
            Resolved::Nothing => {}
            Resolved::Missing(message) => out
                .config
                .warnings
                .push(ConfigProblem::new(key, message).to_string()),
            Resolved::Unusable(message) => out.unusable.push(ConfigProblem::new(key, message)),
        }
    }
    Ok(out)
}

/// What one config var resolved to.
enum Resolved {
    /// Its value.
    Value(ConfigValue),
    /// No value and none needed (an optional config var without a default).
    Nothing,
    /// No value: logged as a warning, the run goes on.
    Missing(String),
    /// It is bound but its value cannot be had: the run fails.
    Unusable(String),
}

async fn resolve_binding(
    store: &Store,
    vault: Option<&Vault>,
    instance: &Instance,
    decl: &ConfigVarDecl,
    b: &Binding,
) -> Resolved {
    let org_id = instance.org_id;
    let unusable = |m: &str| Resolved::Unusable(m.to_string());
    match b.kind {
        BindingKind::Value => Resolved::Value(ConfigValue::Value(serde_json::Value::String(
            b.value.clone().unwrap_or_default(),
        ))),
        BindingKind::Customer | BindingKind::Org => {
            let Some(id) = b.ref_id else {
                return unusable("its binding names no variable");
            };
            let var = if b.kind == BindingKind::Customer {
                store.get_customer_config_var(org_id, id).await
            } else {
                store.get_org_config_var(org_id, id).await
            };
            match var {
                Ok(v) => Resolved::Value(ConfigValue::Value(serde_json::Value::String(v.value))),
                Err(StoreError::NotFound) => {
                    unusable("the variable it is bound to was deleted: bind it again")
                }
                Err(e) => {
                    tracing::error!(error = %e, key = %decl.key, "reading a bound config variable failed");
                    unusable("the variable it is bound to could not be read")
                }
            }
        }
        BindingKind::Values => match open_values(vault, instance, decl, b).await {
            Ok(c) => Resolved::Value(ConfigValue::Connection(c)),
            Err(message) => Resolved::Unusable(message),
        },
        BindingKind::Scoped => {
            let Some(vault) = vault else {
                return unusable("the server has no master key to open connections");
            };
            let Some(id) = b.ref_id else {
                return unusable("its binding names no scoped config variable");
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
                Ok(Some(c)) => Resolved::Value(ConfigValue::Connection(c)),
                Ok(None) => unusable(
                    "the scoped connection it is bound to has no values for this customer (or \
                     was deleted)",
                ),
                Err(e) => {
                    tracing::error!(error = %e, key = %decl.key, "resolving a scoped connection failed");
                    unusable("the scoped connection it is bound to could not be opened")
                }
            }
        }
    }
}

/// Opens the sealed connection inputs of a `values` binding.
async fn open_values(
    vault: Option<&Vault>,
    instance: &Instance,
    decl: &ConfigVarDecl,
    b: &Binding,
) -> Result<Connection, String> {
    const DAMAGED: &str = "its connection inputs could not be opened (damaged, or sealed for \
                           another record): bind them again";
    let vault = vault.ok_or("the server has no master key to open its connection inputs")?;
    let sealed = b
        .sealed_values
        .as_deref()
        .and_then(|h| hex::decode(h).ok())
        .ok_or(DAMAGED)?;
    let plain = vault
        .open(instance.org_id, b.id, VALUES_FIELD, &sealed)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, key = %decl.key, "opening instance connection inputs failed");
            DAMAGED.to_string()
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
    Ok(Connection::new(b.id.to_string(), component, key, fields))
}

async fn resolve_unbound(
    vault: Option<&Vault>,
    instance: &Instance,
    decl: &ConfigVarDecl,
) -> Resolved {
    if decl.is_connection() {
        let Some(stable_key) = &decl.use_scoped_config_var else {
            return Resolved::Missing("is not bound".into());
        };
        let Some(vault) = vault else {
            return Resolved::Unusable(format!(
                "the server has no master key to open the scoped connection `{stable_key}`"
            ));
        };
        return match plumb_store::resolve::resolve_scoped_connection(
            vault,
            instance.org_id,
            stable_key,
            Some(instance.customer_id),
            false,
        )
        .await
        {
            Ok(Some(c)) => Resolved::Value(ConfigValue::Connection(c)),
            Ok(None) => Resolved::Missing(format!(
                "the scoped connection `{stable_key}` does not exist or has no values for this \
                 customer"
            )),
            Err(e) => {
                tracing::error!(error = %e, key = %decl.key, "resolving a scoped connection failed");
                Resolved::Unusable(format!(
                    "the scoped connection `{stable_key}` could not be opened"
                ))
            }
        };
    }
    match &decl.default_value {
        Some(serde_json::Value::String(s)) => Resolved::Value(ConfigValue::Value(s.clone().into())),
        Some(serde_json::Value::Null) | None => Resolved::Nothing,
        Some(other) => Resolved::Value(ConfigValue::Value(other.to_string().into())),
    }
}
