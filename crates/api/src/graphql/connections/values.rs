//! The connection form of `createCustomerConfigVariable(input: {scopedConfigVariable, customer,
//! isTest, inputs})`, and `update`/`delete` of such values: one customer's values of a scoped
//! config variable, or its test credentials (`isTest: true` or no customer).
//!
//! Every problem is a payload error naming the field (`scopedConfigVariable`, `customer`,
//! `inputs.<name>`), and changes nothing.

use async_graphql::{Context, SimpleObject, ID};
use plumb_core::connection_types::{self, ConnectionType};
use plumb_service::connections::values::Target;
use plumb_service::Services;
use plumb_store::connection_values::{Slot, StoredValue, ValueSet};
use plumb_store::connections::{InputScope, ScopedVar};
use plumb_store::{Store, StoreError};
use uuid::Uuid;

use super::input::{self, InputExpression};
use super::{global_values, ScopedConfigVariable, TYPE};
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
    plumb_service::connections::values::may_write(caller, var, slot)
}

fn present_set(
    answer: std::result::Result<(ScopedVar, ValueSet), plumb_service::ServiceError>,
) -> Result<Payload> {
    crate::graphql::errors::present(
        answer,
        |(var, set)| Payload::ok_set(&var, set),
        Payload::failed,
    )
}

/// `createCustomerConfigVariable` with `scopedConfigVariable`
/// (`plumb_service::Services::set_connection_values`).
pub(crate) async fn create(
    ctx: &Context<'_>,
    caller: &Caller,
    scoped: &ID,
    customer: Option<&ID>,
    is_test: bool,
    inputs: &[InputExpression],
) -> Result<Payload> {
    let target = match customer {
        Some(c) if !is_test => Target::Customer(decode_id(customers::TYPE, c)),
        _ => Target::Test,
    };
    present_set(
        ctx.data::<Services>()?
            .set_connection_values(
                caller,
                decode_id(TYPE, scoped),
                target,
                &input::conn_inputs(inputs),
                true,
            )
            .await,
    )
}

/// `updateCustomerConfigVariable` of connection values: merges `inputs` into the set (inputs
/// not given keep their values; an empty value clears one).
pub(crate) async fn update(
    ctx: &Context<'_>,
    caller: &Caller,
    set: ValueSet,
    inputs: &[InputExpression],
) -> Result<Payload> {
    present_set(
        ctx.data::<Services>()?
            .update_connection_values(caller, set, &input::conn_inputs(inputs))
            .await,
    )
}

/// Whether the caller may delete `set`.
pub(crate) async fn may_delete(store: &Store, caller: &Caller, set: &ValueSet) -> Result<bool> {
    match store.get_scoped_var(caller.org_id, set.scoped_id).await {
        Ok(v) => Ok(may_write(caller, &v, set.slot)),
        Err(StoreError::NotFound) => Ok(false),
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
