//! Plain config variables: organization scope (`organizationConfigVariables`,
//! `setOrganizationConfigVariable`, `deleteOrganizationConfigVariable`) and customer scope
//! (`customerConfigVariables`, `createCustomerConfigVariable`, update, delete). Values are
//! validated against their data type before anything is written.
//!
//! `createCustomerConfigVariable` has a second form, `{scopedConfigVariable, customer, isTest,
//! inputs}`, setting one customer's (or the test) values of a scoped connection; it, and update
//! and delete of such values, are handled by [`super::connections::values`].

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_core::config::DataType;
use plumb_store::config_vars::ConfigVar;
use plumb_store::connection_values::{Slot, ValueSet};
use plumb_store::connections::ScopedVar;
use plumb_store::tokens::Role;
use plumb_store::{Store, StoreError};

use super::connections::input::InputExpression;
use super::connections::values;
use super::customers;
use super::errors::{forbidden, internal, not_found, FieldError, PayloadErrors, Result};
use super::relay::{connection, page_request};
use super::{caller, decode_id};
use crate::http::auth::Caller;

pub use super::config_var_types::*;
use super::config_var_types::{CUSTOMER_TYPE, ORG_TYPE};

/// Checks a key, a data type name and a value; answers the parsed type.
fn check_value(
    errors: &mut PayloadErrors,
    key: Option<&str>,
    data_type: Option<&str>,
    value: &str,
) -> DataType {
    if let Some(k) = key {
        if k.trim().is_empty() {
            errors.add("key", "must not be empty");
        } else if k.chars().count() > 255 {
            errors.add("key", "must be at most 255 characters");
        }
    }
    let data_type = match data_type {
        None => DataType::String,
        Some(name) => match DataType::parse(name) {
            Some(DataType::Connection) => {
                errors.add(
                    "dataType",
                    "a connection is set with scoped config variables, not a value",
                );
                return DataType::Connection;
            }
            Some(t) => t,
            None => {
                errors.add(
                    "dataType",
                    format!(
                        "unknown data type {name:?} (string, boolean, number, date, timestamp, picklist, code, schedule)"
                    ),
                );
                return DataType::String;
            }
        },
    };
    if let Err(e) = data_type.validate(value) {
        errors.add(
            "value",
            format!("{} for data type {}", e.0, data_type.as_str()),
        );
    }
    data_type
}

fn require_org_role(caller: &Caller, role: Role) -> Result<()> {
    if caller.customer_id.is_some() || !caller.has(role) {
        return Err(forbidden());
    }
    Ok(())
}

fn require_customer_role(caller: &Caller) -> Result<()> {
    // Deployers (and admins) manage customers' values; a customer-bound one only its own
    // customer's (checked per customer). A viewer, bound or not, only reads.
    if !caller.has(Role::Deployer) {
        return Err(forbidden());
    }
    Ok(())
}

/// Config variable queries.
#[derive(Default)]
pub struct ConfigVarQuery;

#[Object]
impl ConfigVarQuery {
    /// The organization's config variables.
    async fn organization_config_variables(
        &self,
        ctx: &Context<'_>,
        key: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<OrganizationConfigVariableConnection> {
        let caller = caller(ctx)?;
        if caller.customer_id.is_some() {
            return Err(forbidden());
        }
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Store>()?
            .list_org_config_vars(caller.org_id, key.as_deref(), &page)
            .await
            .map_err(internal)?;
        Ok(connection(rows, |r| r.id, OrganizationConfigVariable::from).into())
    }

    /// A customer's config variables (every customer's when `customer` is omitted).
    async fn customer_config_variables(
        &self,
        ctx: &Context<'_>,
        customer: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<CustomerConfigVariableConnection> {
        let caller = caller(ctx)?;
        let customer = match customer {
            Some(id) => Some(
                decode_id(customers::TYPE, &id)
                    .filter(|c| caller.sees_customer(*c))
                    .ok_or_else(|| not_found(customers::TYPE))?,
            ),
            None => caller.customer_id,
        };
        let page = page_request(first, after, last, before)?;
        let store = ctx.data::<Store>()?;
        if let Some(c) = customer {
            if !store
                .customer_exists(caller.org_id, c)
                .await
                .map_err(internal)?
            {
                return Err(not_found(customers::TYPE));
            }
        }
        let rows = store
            .list_customer_config_vars(caller.org_id, customer, &page)
            .await
            .map_err(internal)?;
        Ok(connection(rows, |r| r.id, CustomerConfigVariable::from).into())
    }
}

/// Input of `setOrganizationConfigVariable` (creates or replaces by key).
#[derive(InputObject)]
pub struct SetOrganizationConfigVariableInput {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
    /// The data type (default `string`).
    pub data_type: Option<String>,
}

/// Input of a delete by ID.
#[derive(InputObject)]
pub struct DeleteConfigVariableInput {
    /// The config variable's global ID.
    pub id: ID,
}

/// The answer of an organization config variable mutation.
#[derive(SimpleObject, Default)]
pub struct OrganizationConfigVariablePayload {
    /// The variable, when the mutation succeeded.
    pub organization_config_variable: Option<OrganizationConfigVariable>,
    /// What was wrong with the input.
    pub errors: Vec<FieldError>,
}

/// Input of `createCustomerConfigVariable`: the plain form (`customer`, `key`, `value`) or the
/// connection form (`scopedConfigVariable`, `customer` or `isTest`, `inputs`).
#[derive(InputObject)]
pub struct CreateCustomerConfigVariableInput {
    /// The customer's global ID (connection form: omitted for the test credentials).
    pub customer: Option<ID>,
    /// Connection form: the scoped config variable's global ID.
    pub scoped_config_variable: Option<ID>,
    /// Connection form: set the test credentials.
    pub is_test: Option<bool>,
    /// Connection form: the input values.
    pub inputs: Option<Vec<InputExpression>>,
    /// The key.
    pub key: Option<String>,
    /// The value.
    pub value: Option<String>,
    /// The data type (default `string`).
    pub data_type: Option<String>,
}

/// Input of `updateCustomerConfigVariable`.
#[derive(InputObject)]
pub struct UpdateCustomerConfigVariableInput {
    /// The variable's global ID.
    pub id: ID,
    /// The new value.
    pub value: Option<String>,
    /// The new data type (default: unchanged).
    pub data_type: Option<String>,
    /// Connection values: the inputs to change (others keep their values).
    pub inputs: Option<Vec<InputExpression>>,
}

/// The answer of a customer config variable mutation.
#[derive(SimpleObject, Default)]
pub struct CustomerConfigVariablePayload {
    /// The variable, when the mutation succeeded.
    pub customer_config_variable: Option<CustomerConfigVariable>,
    /// What was wrong with the input.
    pub errors: Vec<FieldError>,
}

impl CustomerConfigVariablePayload {
    pub(crate) fn failed(errors: Vec<FieldError>) -> Self {
        CustomerConfigVariablePayload {
            customer_config_variable: None,
            errors,
        }
    }
    fn ok(v: ConfigVar) -> Self {
        CustomerConfigVariablePayload {
            customer_config_variable: Some(v.into()),
            errors: vec![],
        }
    }
    pub(crate) fn ok_set(var: &ScopedVar, set: ValueSet) -> Self {
        CustomerConfigVariablePayload {
            customer_config_variable: Some(CustomerConfigVariable::from_set(var, set)),
            errors: vec![],
        }
    }
}

/// Config variable mutations.
#[derive(Default)]
pub struct ConfigVarMutation;

#[Object]
impl ConfigVarMutation {
    /// Creates or replaces an organization config variable.
    async fn set_organization_config_variable(
        &self,
        ctx: &Context<'_>,
        input: SetOrganizationConfigVariableInput,
    ) -> Result<OrganizationConfigVariablePayload> {
        let caller = caller(ctx)?;
        require_org_role(caller, Role::Designer)?;
        let mut errors = PayloadErrors::default();
        let t = check_value(
            &mut errors,
            Some(&input.key),
            input.data_type.as_deref(),
            &input.value,
        );
        if !errors.is_empty() {
            return Ok(OrganizationConfigVariablePayload {
                organization_config_variable: None,
                errors: errors.0,
            });
        }
        let v = ctx
            .data::<Store>()?
            .set_org_config_var(caller.org_id, input.key.trim(), &input.value, t.as_str())
            .await
            .map_err(internal)?;
        Ok(OrganizationConfigVariablePayload {
            organization_config_variable: Some(v.into()),
            errors: vec![],
        })
    }

    /// Deletes an organization config variable.
    async fn delete_organization_config_variable(
        &self,
        ctx: &Context<'_>,
        input: DeleteConfigVariableInput,
    ) -> Result<OrganizationConfigVariablePayload> {
        let caller = caller(ctx)?;
        require_org_role(caller, Role::Designer)?;
        let not_found = || OrganizationConfigVariablePayload {
            organization_config_variable: None,
            errors: PayloadErrors::one("id", "organization config variable not found"),
        };
        let Some(id) = decode_id(ORG_TYPE, &input.id) else {
            return Ok(not_found());
        };
        match ctx
            .data::<Store>()?
            .delete_org_config_var(caller.org_id, id)
            .await
        {
            Ok(v) => Ok(OrganizationConfigVariablePayload {
                organization_config_variable: Some(v.into()),
                errors: vec![],
            }),
            Err(StoreError::NotFound) => Ok(not_found()),
            Err(e) => Err(internal(e)),
        }
    }

    /// Creates a customer config variable.
    async fn create_customer_config_variable(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomerConfigVariableInput,
    ) -> Result<CustomerConfigVariablePayload> {
        let caller = caller(ctx)?;
        require_customer_role(caller)?;
        if let Some(scoped) = &input.scoped_config_variable {
            let mut errors = PayloadErrors::default();
            for (given, field) in [
                (input.key.is_some(), "key"),
                (input.value.is_some(), "value"),
                (input.data_type.is_some(), "dataType"),
            ] {
                if given {
                    errors.add(field, "not allowed with scopedConfigVariable (use inputs)");
                }
            }
            if !errors.is_empty() {
                return Ok(CustomerConfigVariablePayload::failed(errors.0));
            }
            return values::create(
                ctx,
                caller,
                scoped,
                input.customer.as_ref(),
                input.is_test.unwrap_or(false),
                input.inputs.as_deref().unwrap_or(&[]),
            )
            .await;
        }
        let mut errors = PayloadErrors::default();
        if input.inputs.is_some() || input.is_test.is_some() {
            errors.add("scopedConfigVariable", "is required with inputs or isTest");
        }
        let customer = input
            .customer
            .as_ref()
            .and_then(|c| decode_id(customers::TYPE, c))
            .filter(|c| caller.sees_customer(*c));
        match (&input.customer, customer) {
            (None, _) => errors.add("customer", "is required"),
            (Some(_), None) => errors.add("customer", "customer not found"),
            _ => {}
        }
        if input.key.is_none() {
            errors.add("key", "is required");
        }
        let value = input.value.clone().unwrap_or_default();
        if input.value.is_none() {
            errors.add("value", "is required");
        }
        let t = check_value(
            &mut errors,
            input.key.as_deref(),
            input.data_type.as_deref(),
            &value,
        );
        let (Some(customer), Some(key), true) = (customer, input.key, errors.is_empty()) else {
            return Ok(CustomerConfigVariablePayload::failed(errors.0));
        };
        match ctx
            .data::<Store>()?
            .create_customer_config_var(caller.org_id, customer, key.trim(), &value, t.as_str())
            .await
        {
            Ok(v) => Ok(CustomerConfigVariablePayload::ok(v)),
            Err(StoreError::NotFound) => Ok(CustomerConfigVariablePayload::failed(
                PayloadErrors::one("customer", "customer not found"),
            )),
            Err(StoreError::Conflict(_)) => Ok(CustomerConfigVariablePayload::failed(
                PayloadErrors::one("key", "this customer already has a variable with this key"),
            )),
            Err(e) => Err(internal(e)),
        }
    }

    /// Changes a customer config variable's value.
    async fn update_customer_config_variable(
        &self,
        ctx: &Context<'_>,
        input: UpdateCustomerConfigVariableInput,
    ) -> Result<CustomerConfigVariablePayload> {
        let caller = caller(ctx)?;
        require_customer_role(caller)?;
        let store = ctx.data::<Store>()?;
        let missing = || {
            CustomerConfigVariablePayload::failed(PayloadErrors::one(
                "id",
                "customer config variable not found",
            ))
        };
        let Some(id) = decode_id(CUSTOMER_TYPE, &input.id) else {
            return Ok(missing());
        };
        let current = match store.get_customer_config_var(caller.org_id, id).await {
            Ok(v) if v.customer_id.is_some_and(|c| caller.sees_customer(c)) => v,
            Ok(_) => return Ok(missing()),
            Err(StoreError::NotFound) => {
                return match store.get_value_set(caller.org_id, id).await {
                    Ok(set) if set.slot == Slot::Global => Ok(missing()),
                    Ok(set) if input.value.is_none() && input.data_type.is_none() => {
                        values::update(ctx, caller, set, input.inputs.as_deref().unwrap_or(&[]))
                            .await
                    }
                    Ok(_) => Ok(CustomerConfigVariablePayload::failed(PayloadErrors::one(
                        "value",
                        "connection values are changed with inputs",
                    ))),
                    Err(StoreError::NotFound) => Ok(missing()),
                    Err(e) => Err(internal(e)),
                };
            }
            Err(e) => return Err(internal(e)),
        };
        if input.inputs.is_some() {
            return Ok(CustomerConfigVariablePayload::failed(PayloadErrors::one(
                "inputs",
                "only connection values have inputs",
            )));
        }
        let value = input.value.unwrap_or(current.value);
        let mut errors = PayloadErrors::default();
        let t = check_value(
            &mut errors,
            None,
            Some(input.data_type.as_deref().unwrap_or(&current.data_type)),
            &value,
        );
        if !errors.is_empty() {
            return Ok(CustomerConfigVariablePayload::failed(errors.0));
        }
        match store
            .update_customer_config_var(caller.org_id, id, &value, t.as_str())
            .await
        {
            Ok(v) => Ok(CustomerConfigVariablePayload::ok(v)),
            Err(StoreError::NotFound) => Ok(missing()),
            Err(e) => Err(internal(e)),
        }
    }

    /// Deletes a customer config variable.
    async fn delete_customer_config_variable(
        &self,
        ctx: &Context<'_>,
        input: DeleteConfigVariableInput,
    ) -> Result<CustomerConfigVariablePayload> {
        let caller = caller(ctx)?;
        require_customer_role(caller)?;
        let store = ctx.data::<Store>()?;
        let missing = || {
            CustomerConfigVariablePayload::failed(PayloadErrors::one(
                "id",
                "customer config variable not found",
            ))
        };
        let Some(id) = decode_id(CUSTOMER_TYPE, &input.id) else {
            return Ok(missing());
        };
        match store.get_customer_config_var(caller.org_id, id).await {
            Ok(v) if v.customer_id.is_some_and(|c| caller.sees_customer(c)) => {}
            Ok(_) => return Ok(missing()),
            Err(StoreError::NotFound) => return values::delete(store, caller, id).await,
            Err(e) => return Err(internal(e)),
        }
        match store.delete_customer_config_var(caller.org_id, id).await {
            Ok(v) => Ok(CustomerConfigVariablePayload::ok(v)),
            Err(StoreError::NotFound) => Ok(missing()),
            Err(e) => Err(internal(e)),
        }
    }
}
