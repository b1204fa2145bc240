//! Resolving a scoped config variable into a ready-to-use [`Connection`] for a run: the global
//! values merged with one customer's values (or the test credentials), secrets opened, defaults
//! filled in. This is the one place plaintext secrets leave the store, for the duration of a
//! step.

use std::collections::BTreeMap;

use plumb_core::action::Connection;
use plumb_core::connection_types;
use uuid::Uuid;

use crate::connection_values::{Slot, StoredValue, StoredValues};
use crate::connections::{InputScope, ScopedVar, VariableScope};
use crate::secrets::{SecretsError, Vault};
use crate::StoreError;

/// Resolves the scoped config variable with `stable_key` of organization `org_id`.
///
/// - `test: true`: the global values overlaid with the test credentials (a test run; the
///   customer is ignored).
/// - otherwise, for a customer-scoped variable, the global values plus `customer_id`'s values
///   (global inputs always win); for an organization-scoped variable, the global values.
///
/// Answers `Ok(None)` when no such variable exists, or when a customer-scoped variable has no
/// values for that customer (or no customer is given), or a test run finds no test credentials
/// and no global values. Defaults of the connection type fill inputs left empty. The answer's
/// `id` is the ID of the customer's (or test) value set, or the variable's ID when only global
/// values apply: a stable identity for token caches.
pub async fn resolve_scoped_connection(
    vault: &Vault,
    org_id: Uuid,
    stable_key: &str,
    customer_id: Option<Uuid>,
    test: bool,
) -> Result<Option<Connection>, SecretsError> {
    let Some(var) = vault.store().find_scoped_var(org_id, stable_key).await? else {
        return Ok(None);
    };
    resolve_connection(vault, &var, customer_id, test).await
}

/// [`resolve_scoped_connection`] by the variable's ID (an instance bound to
/// `scopedConfigVariableId`). An unknown ID is `Ok(None)`.
pub async fn resolve_scoped_connection_by_id(
    vault: &Vault,
    org_id: Uuid,
    scoped_id: Uuid,
    customer_id: Option<Uuid>,
    test: bool,
) -> Result<Option<Connection>, SecretsError> {
    let var = match vault.store().get_scoped_var(org_id, scoped_id).await {
        Ok(v) => v,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    resolve_connection(vault, &var, customer_id, test).await
}

/// Resolves a variable already read.
pub async fn resolve_connection(
    vault: &Vault,
    var: &ScopedVar,
    customer_id: Option<Uuid>,
    test: bool,
) -> Result<Option<Connection>, SecretsError> {
    let Some(ty) = connection_types::find_by_id(var.connection_type) else {
        return Err(StoreError::Corrupt("unknown connection type".into()).into());
    };
    let store = vault.store();
    let global = store
        .find_value_set(var.org_id, var.id, Slot::Global)
        .await?;
    let overlay_slot = if test {
        Some(Slot::Test)
    } else if var.variable_scope == VariableScope::Customer {
        match customer_id {
            Some(c) => Some(Slot::Customer(c)),
            None => return Ok(None),
        }
    } else {
        None
    };
    let overlay = match overlay_slot {
        Some(slot) => store.find_value_set(var.org_id, var.id, slot).await?,
        None => None,
    };
    match (&overlay, overlay_slot) {
        (None, Some(Slot::Customer(_))) => return Ok(None),
        (None, _) if global.is_none() => return Ok(None),
        _ => {}
    }
    let mut fields = BTreeMap::new();
    let mut id = var.id;
    if let Some(set) = &overlay {
        id = set.id;
        let values = store.value_set_values(var.org_id, set.id).await?;
        for (input, value) in open_all(vault, var.org_id, set.id, values).await? {
            // In a customer's set only per-customer inputs count; test values override all.
            if test || var.input_scope(&input) == InputScope::Customer {
                fields.insert(input, value);
            }
        }
    }
    if let Some(set) = &global {
        let values = store.value_set_values(var.org_id, set.id).await?;
        for (input, value) in open_all(vault, var.org_id, set.id, values).await? {
            if test && fields.contains_key(&input) {
                continue;
            }
            fields.insert(input, value);
        }
    }
    Ok(Some(Connection::new(
        id.to_string(),
        ty.component.to_string(),
        ty.key.to_string(),
        ty.with_defaults(&fields),
    )))
}

async fn open_all(
    vault: &Vault,
    org_id: Uuid,
    set_id: Uuid,
    values: StoredValues,
) -> Result<Vec<(String, String)>, SecretsError> {
    let mut out = Vec::with_capacity(values.len());
    for (input, value) in values {
        let text = match value {
            StoredValue::Plain(p) => p,
            StoredValue::Sealed(s) => vault
                .open(org_id, set_id, &input, &s)
                .await?
                .expose()
                .to_string(),
        };
        out.push((input, text));
    }
    Ok(out)
}
