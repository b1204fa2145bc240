//! The connection form of `createCustomerConfigVariable(input: {scopedConfigVariable, customer,
//! isTest, inputs})`, and `update`/`delete` of such values: one customer's values of a scoped
//! config variable, or its test credentials (`isTest: true` or no customer).
//!
//! Every problem is a payload error naming the field (`scopedConfigVariable`, `customer`,
//! `inputs.<name>`), and changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::{Context, SimpleObject, ID};
use plumb_core::connection_types::{self, ConnectionType};
use plumb_store::connection_values::{SaveConnection, Slot, StoredValue, ValueSet};
use plumb_store::connections::{InputScope, ManagedBy, ScopedVar, VariableScope};
use plumb_store::{Store, StoreError};
use uuid::Uuid;

use super::definitions::new_set;
use super::input::{self, InputExpression};
use super::{global_values, visible, ScopedConfigVariable, TYPE};
use crate::graphql::config_vars::CustomerConfigVariablePayload as Payload;
use crate::graphql::customers;
use crate::graphql::decode_id;
use crate::graphql::errors::{internal, PayloadErrors, Result};
use crate::http::auth::Caller;

/// One input value of a customer's (or the test) connection values.
#[derive(SimpleObject, Clone)]
pub struct ConnectionInputValue {
    /// The connection input's key.
    pub name: String,
    /// `global` (shared, from the definition) or `customer`.
    pub input_scope: String,
    /// Whether its value is write-only.
    pub is_secret: bool,
    /// Whether a value is set.
    pub is_set: bool,
    /// The value (never for secret inputs).
    pub value: Option<String>,
}

fn ty_of(var: &ScopedVar) -> Result<&'static ConnectionType> {
    connection_types::find_by_id(var.connection_type)
        .ok_or_else(|| internal(StoreError::Corrupt("unknown connection type".into())))
}

/// The inputs of a value set as the API shows them (secrets only as `isSet`).
pub(crate) async fn input_values(
    store: &Store,
    var: &ScopedVar,
    set: &ValueSet,
) -> Result<Vec<ConnectionInputValue>> {
    let ty = ty_of(var)?;
    let own = store
        .value_set_values(set.org_id, set.id)
        .await
        .map_err(internal)?;
    let globals = global_values(store, var).await?;
    Ok(ty
        .inputs()
        .map(|i| {
            let scope = var.input_scope(i.key);
            let stored = match (scope, set.slot) {
                (InputScope::Global, Slot::Test) => own.get(i.key).or(globals.get(i.key)),
                (InputScope::Global, _) => globals.get(i.key),
                (InputScope::Customer, _) => own.get(i.key),
            };
            ConnectionInputValue {
                name: i.key.into(),
                input_scope: scope.as_str().into(),
                is_secret: i.secret,
                is_set: stored.is_some(),
                value: match stored {
                    Some(StoredValue::Plain(v)) if ty.is_public(i.key) => Some(v.clone()),
                    _ => None,
                },
            }
        })
        .collect())
}

/// The scoped config variable of a set, as the API shows it.
pub(crate) async fn scoped_of(
    store: &Store,
    set: &ValueSet,
) -> Result<Option<ScopedConfigVariable>> {
    match store.get_scoped_var(set.org_id, set.scoped_id).await {
        Ok(v) => Ok(Some(v.into())),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(internal(e)),
    }
}

/// Whether the caller may write values of `var` in `slot`.
fn may_write(caller: &Caller, var: &ScopedVar, slot: Slot) -> bool {
    if !caller.has(plumb_store::tokens::Role::Deployer) {
        return false;
    }
    match caller.customer_id {
        None => true,
        Some(c) => {
            visible(caller, var)
                && var.managed_by == ManagedBy::Customer
                && slot == Slot::Customer(c)
        }
    }
}

/// `createCustomerConfigVariable` with `scopedConfigVariable`.
pub(crate) async fn create(
    ctx: &Context<'_>,
    caller: &Caller,
    scoped: &ID,
    customer: Option<&ID>,
    is_test: bool,
    inputs: &[InputExpression],
) -> Result<Payload> {
    let store = ctx.data::<Store>()?;
    let mut errors = PayloadErrors::default();
    let var = match decode_id(TYPE, scoped) {
        None => None,
        Some(id) => match store.get_scoped_var(caller.org_id, id).await {
            Ok(v) => Some(v),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(internal(e)),
        },
    };
    let slot = if is_test || customer.is_none() {
        Slot::Test
    } else {
        let found = match customer.and_then(|c| decode_id(customers::TYPE, c)) {
            Some(c) if caller.sees_customer(c) => store
                .customer_exists(caller.org_id, c)
                .await
                .map_err(internal)?
                .then_some(c),
            _ => None,
        };
        match found {
            Some(c) => Slot::Customer(c),
            None => {
                errors.add("customer", "customer not found");
                Slot::Test
            }
        }
    };
    let Some(var) = var.filter(|v| visible(caller, v) && may_write(caller, v, slot)) else {
        errors.add("scopedConfigVariable", "scoped config variable not found");
        return Ok(Payload::failed(errors.0));
    };
    if !errors.is_empty() {
        return Ok(Payload::failed(errors.0));
    }
    if var.variable_scope == VariableScope::Org && slot != Slot::Test {
        return Ok(Payload::failed(PayloadErrors::one(
            "scopedConfigVariable",
            "an organization-scoped connection has one set of values, not one per customer",
        )));
    }
    if store
        .find_value_set(caller.org_id, var.id, slot)
        .await
        .map_err(internal)?
        .is_some()
    {
        let (field, what) = match slot {
            Slot::Test => ("isTest", "test credentials are already set"),
            _ => (
                "customer",
                "this customer already has values for this connection",
            ),
        };
        return Ok(Payload::failed(PayloadErrors::one(
            field,
            format!("{what}; use updateCustomerConfigVariable"),
        )));
    }
    let set = new_set(&var, slot);
    write(ctx, store, &var, set, BTreeSet::new(), inputs).await
}

/// `updateCustomerConfigVariable` of connection values: merges `inputs` into the set (inputs
/// not given keep their values; an empty value clears one).
pub(crate) async fn update(
    ctx: &Context<'_>,
    caller: &Caller,
    set: ValueSet,
    inputs: &[InputExpression],
) -> Result<Payload> {
    let store = ctx.data::<Store>()?;
    let var = match store.get_scoped_var(caller.org_id, set.scoped_id).await {
        Ok(v) if may_write(caller, &v, set.slot) => v,
        Ok(_) | Err(StoreError::NotFound) => {
            return Ok(Payload::failed(PayloadErrors::one(
                "id",
                "customer config variable not found",
            )))
        }
        Err(e) => return Err(internal(e)),
    };
    let present = store
        .value_set_values(set.org_id, set.id)
        .await
        .map_err(internal)?
        .into_keys()
        .collect();
    write(ctx, store, &var, set, present, inputs).await
}

/// Whether the caller may delete `set`.
pub(crate) async fn may_delete(store: &Store, caller: &Caller, set: &ValueSet) -> Result<bool> {
    match store.get_scoped_var(caller.org_id, set.scoped_id).await {
        Ok(v) => Ok(may_write(caller, &v, set.slot)),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(internal(e)),
    }
}

async fn write(
    ctx: &Context<'_>,
    store: &Store,
    var: &ScopedVar,
    set: ValueSet,
    present: BTreeSet<String>,
    inputs: &[InputExpression],
) -> Result<Payload> {
    let ty = ty_of(var)?;
    let mut errors = PayloadErrors::default();
    let parsed = input::parse(ty, inputs, &mut errors);
    let test = set.slot == Slot::Test;
    for name in &parsed.named {
        if !test && var.input_scope(name) == InputScope::Global {
            errors.add(
                input::field(name),
                "is a global input: its one value is shared by every customer",
            );
        }
        if parsed.scopes.contains_key(name) {
            errors.add(
                input::field(name),
                "meta.inputScope is set on the scoped config variable",
            );
        }
    }
    let mut present = present;
    present.extend(global_values(store, var).await?.into_keys());
    input::check_complete(
        ty,
        &present,
        &parsed.values,
        |name| test || var.input_scope(name) == InputScope::Customer,
        &mut errors,
    );
    if !errors.is_empty() {
        return Ok(Payload::failed(errors.0));
    }
    let vault = input::vault(ctx)?;
    let values: BTreeMap<String, String> = parsed.values;
    let stored = input::to_stored(vault, ty, set.org_id, set.id, values).await?;
    let save = SaveConnection {
        sets: vec![(set.clone(), stored)],
        ..Default::default()
    };
    match store.save_connection(save).await {
        Ok(()) => Ok(Payload::ok_set(var, set)),
        Err(StoreError::Conflict(_)) => Ok(Payload::failed(PayloadErrors::one(
            "customer",
            "values for this connection were set concurrently; use updateCustomerConfigVariable",
        ))),
        Err(e) => Err(internal(e)),
    }
}

/// Deletes a scoped connection's value set (the connection form of
/// `deleteCustomerConfigVariable`).
pub(crate) async fn delete(store: &Store, caller: &Caller, id: Uuid) -> Result<Payload> {
    let missing = || {
        Payload::failed(PayloadErrors::one(
            "id",
            "customer config variable not found",
        ))
    };
    let set = match store.get_value_set(caller.org_id, id).await {
        Ok(s) if s.slot != Slot::Global => s,
        Ok(_) | Err(StoreError::NotFound) => return Ok(missing()),
        Err(e) => return Err(internal(e)),
    };
    if !may_delete(store, caller, &set).await? {
        return Ok(missing());
    }
    let var = match store.get_scoped_var(caller.org_id, set.scoped_id).await {
        Ok(v) => v,
        Err(StoreError::NotFound) => return Ok(missing()),
        Err(e) => return Err(internal(e)),
    };
    match store.delete_value_set(caller.org_id, id).await {
        Ok(set) => Ok(Payload::ok_set(&var, set)),
        Err(StoreError::NotFound) => Ok(missing()),
        Err(e) => Err(internal(e)),
    }
}
