//! `createScopedConfigVariable`, `updateScopedConfigVariable`, `deleteScopedConfigVariable`.

use std::collections::BTreeMap;

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_store::connection_values::{SaveConnection, Slot, ValueSet};
use plumb_store::connections::{InputScope, ManagedBy, ScopedVar, VariableScope};
use plumb_store::tokens::Role;
use plumb_store::{now_ms, Store, StoreError};

use super::input::{self, InputExpression};
use super::{global_values, merged_scopes, ScopedConfigVariable, TYPE};
use crate::graphql::errors::{forbidden, internal, present, FieldError, PayloadErrors, Result};
use crate::graphql::{caller, decode_id};
use crate::http::auth::Caller;
use plumb_service::connections::NewScopedVar;
use plumb_service::Services;

/// Input of `createScopedConfigVariable`.
#[derive(InputObject)]
pub struct CreateScopedConfigVariableInput {
    /// Display key.
    pub key: String,
    /// Unique in the organization and immutable.
    pub stable_key: String,
    /// `org` or `customer` (default `customer`).
    pub variable_scope: Option<String>,
    /// `org` or `customer` (default `org`).
    pub managed_by: Option<String>,
    /// The connection type: its global ID from `components`, or `component/key`.
    pub connection: String,
    /// Free text.
    pub description: Option<String>,
    /// Input scopes (`meta`) and global values.
    pub inputs: Option<Vec<InputExpression>>,
}

/// Input of `updateScopedConfigVariable`.
#[derive(InputObject)]
pub struct UpdateScopedConfigVariableInput {
    /// The variable's global ID.
    pub id: ID,
    /// New display key.
    pub key: Option<String>,
    /// Must equal the current stable key when given (it is immutable).
    pub stable_key: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New manager (`org` or `customer`).
    pub managed_by: Option<String>,
    /// Input scopes and global values to set (global values cannot change once set).
    pub inputs: Option<Vec<InputExpression>>,
}

/// Input of `deleteScopedConfigVariable`.
#[derive(InputObject)]
pub struct DeleteScopedConfigVariableInput {
    /// The variable's global ID.
    pub id: ID,
}

/// The answer of a scoped config variable mutation.
#[derive(SimpleObject, Default)]
pub struct ScopedConfigVariablePayload {
    /// The variable, when the mutation succeeded.
    pub scoped_config_variable: Option<ScopedConfigVariable>,
    /// What was wrong with the input.
    pub errors: Vec<FieldError>,
}

impl ScopedConfigVariablePayload {
    fn failed(errors: Vec<FieldError>) -> Self {
        ScopedConfigVariablePayload {
            scoped_config_variable: None,
            errors,
        }
    }
    fn ok(v: ScopedVar) -> Self {
        ScopedConfigVariablePayload {
            scoped_config_variable: Some(v.into()),
            errors: vec![],
        }
    }
}

fn require_designer(caller: &Caller) -> Result<()> {
    if caller.customer_id.is_some() || !caller.has(Role::Designer) {
        return Err(forbidden());
    }
    Ok(())
}

fn check_text(errors: &mut PayloadErrors, field: &str, value: &str) {
    if value.trim().is_empty() {
        errors.add(field, "must not be empty");
    } else if value.chars().count() > 255 {
        errors.add(field, "must be at most 255 characters");
    }
}

/// Scoped config variable mutations.
#[derive(Default)]
pub struct ConnectionMutation;

#[Object]
impl ConnectionMutation {
    /// Defines a connection: its type, who fills it in, which inputs are global (with their
    /// values), matched across tenants by `stableKey`.
    async fn create_scoped_config_variable(
        &self,
        ctx: &Context<'_>,
        input: CreateScopedConfigVariableInput,
    ) -> Result<ScopedConfigVariablePayload> {
        let caller = caller(ctx)?;
        let new = NewScopedVar {
            key: input.key,
            stable_key: input.stable_key,
            variable_scope: input.variable_scope,
            managed_by: input.managed_by,
            connection: input.connection,
            description: input.description,
            inputs: input::conn_inputs(input.inputs.as_deref().unwrap_or(&[])),
        };
        present(
            ctx.data::<Services>()?.create_scoped_var(caller, new).await,
            ScopedConfigVariablePayload::ok,
            ScopedConfigVariablePayload::failed,
        )
    }

    /// Changes a scoped config variable's key, description, manager, input scopes, or sets
    /// global values not yet set. Its stable key, variable scope and connection type never
    /// change; a global value once set cannot change (on customer-scoped variables).
    async fn update_scoped_config_variable(
        &self,
        ctx: &Context<'_>,
        input: UpdateScopedConfigVariableInput,
    ) -> Result<ScopedConfigVariablePayload> {
        let caller = caller(ctx)?;
        require_designer(caller)?;
        let store = ctx.data::<Store>()?;
        let missing = || {
            ScopedConfigVariablePayload::failed(PayloadErrors::one(
                "id",
                "scoped config variable not found",
            ))
        };
        let Some(id) = decode_id(TYPE, &input.id) else {
            return Ok(missing());
        };
        let current = match store.get_scoped_var(caller.org_id, id).await {
            Ok(v) => v,
            Err(StoreError::NotFound) => return Ok(missing()),
            Err(e) => return Err(internal(e)),
        };
        let ty = plumb_core::connection_types::find_by_id(current.connection_type)
            .ok_or_else(|| internal(StoreError::Corrupt("unknown connection type".into())))?;
        let mut errors = PayloadErrors::default();
        if let Some(k) = &input.key {
            check_text(&mut errors, "key", k);
        }
        if input
            .stable_key
            .as_deref()
            .is_some_and(|s| s.trim() != current.stable_key)
        {
            errors.add("stableKey", "is immutable");
        }
        let managed_by = match input.managed_by.as_deref() {
            None => None,
            Some(s) => {
                let m = ManagedBy::parse(s);
                if m.is_none() {
                    errors.add("managedBy", "must be \"org\" or \"customer\"");
                }
                m
            }
        };
        let parsed = input::parse(ty, input.inputs.as_deref().unwrap_or(&[]), &mut errors);
        let stored = global_values(store, &current).await?;
        let mut next = current.clone();
        next.input_scopes = merged_scopes(&current, &parsed.scopes);
        if let Some(k) = &input.key {
            next.key = k.trim().to_string();
        }
        if let Some(d) = input.description {
            next.description = d;
        }
        if let Some(m) = managed_by {
            next.managed_by = m;
        }
        next.updated_at = now_ms();
        let immutable = current.variable_scope == VariableScope::Customer;
        for name in &parsed.named {
            let was_global = current.input_scope(name) == InputScope::Global;
            let is_set = stored.contains_key(name);
            if !immutable || !was_global || !is_set {
                continue;
            }
            if parsed.values.contains_key(name) || next.input_scope(name) != InputScope::Global {
                errors.add(
                    input::field(name),
                    "global input values cannot be changed once set",
                );
            }
        }
        let globals = global_inputs(&next, parsed.values, &mut errors);
        if current.variable_scope == VariableScope::Org {
            let present = stored.keys().cloned().collect();
            input::check_complete(ty, &present, &globals, |_| true, &mut errors);
        }
        if !errors.is_empty() {
            return Ok(ScopedConfigVariablePayload::failed(errors.0));
        }
        let mut save = SaveConnection {
            update_var: Some(&next),
            ..Default::default()
        };
        if !globals.is_empty() {
            let vault = input::vault(ctx)?;
            let set = match store
                .find_value_set(caller.org_id, next.id, Slot::Global)
                .await
                .map_err(internal)?
            {
                Some(s) => s,
                None => new_set(&next, Slot::Global),
            };
            let values = input::to_stored(vault, ty, next.org_id, set.id, globals).await?;
            save.sets.push((set, values));
        }
        match store.save_connection(save).await {
            Ok(()) => Ok(ScopedConfigVariablePayload::ok(next)),
            Err(StoreError::NotFound) => Ok(missing()),
            Err(e) => Err(internal(e)),
        }
    }

    /// Deletes a scoped config variable and every value of it.
    async fn delete_scoped_config_variable(
        &self,
        ctx: &Context<'_>,
        input: DeleteScopedConfigVariableInput,
    ) -> Result<ScopedConfigVariablePayload> {
        let caller = caller(ctx)?;
        require_designer(caller)?;
        let missing = || {
            ScopedConfigVariablePayload::failed(PayloadErrors::one(
                "id",
                "scoped config variable not found",
            ))
        };
        let Some(id) = decode_id(TYPE, &input.id) else {
            return Ok(missing());
        };
        match ctx
            .data::<Store>()?
            .delete_scoped_var(caller.org_id, id)
            .await
        {
            Ok(v) => Ok(ScopedConfigVariablePayload::ok(v)),
            Err(StoreError::NotFound) => Ok(missing()),
            Err(e) => Err(internal(e)),
        }
    }
}

/// A new, empty value set of `var` in `slot`.
pub(crate) fn new_set(var: &ScopedVar, slot: Slot) -> ValueSet {
    plumb_service::connections::input::new_set(var, slot)
}

/// The values given for global inputs (see `plumb_service::connections::input::global_inputs`).
fn global_inputs(
    var: &ScopedVar,
    values: BTreeMap<String, String>,
    errors: &mut PayloadErrors,
) -> BTreeMap<String, String> {
    plumb_service::connections::input::global_inputs(var, values, errors)
}
