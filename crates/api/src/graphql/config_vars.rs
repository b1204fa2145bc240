//! Plain config variables: organization scope (`organizationConfigVariables`,
//! `setOrganizationConfigVariable`, `deleteOrganizationConfigVariable`) and customer scope
//! (`customerConfigVariables`, `createCustomerConfigVariable`, update, delete). Values are
//! validated against their data type before anything is written.
//!
//! `createCustomerConfigVariable` has a second form, `{scopedConfigVariable, customer, isTest,
//! inputs}`, setting one customer's (or the test) values of a scoped connection; it, and update
//! and delete of such values, are handled by [`super::connections::values`].

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_service::config_vars::{require_customer_writer, VarInput};
use plumb_service::{ServiceError, Services};
use plumb_store::config_vars::ConfigVar;
use plumb_store::connection_values::{Slot, ValueSet};
use plumb_store::connections::ScopedVar;
use plumb_store::{Store, StoreError};

use super::connections::input::InputExpression;
use super::connections::values;
use super::customers;
use super::errors::{internal, present, service_error, FieldError, PayloadErrors, Result};
use super::relay::{connection, page_request};
use super::{caller, decode_id};

pub use super::config_var_types::*;
use super::config_var_types::{CUSTOMER_TYPE, ORG_TYPE};

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
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Services>()?
            .org_config_vars(caller, key.as_deref(), &page)
            .await
            .map_err(service_error)?;
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
        let customer = customer.map(|id| decode_id(customers::TYPE, &id));
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Services>()?
            .customer_config_vars(caller, customer, &page)
            .await
            .map_err(service_error)?;
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

fn org_payload(
    answer: std::result::Result<ConfigVar, ServiceError>,
) -> Result<OrganizationConfigVariablePayload> {
    present(
        answer,
        |v| OrganizationConfigVariablePayload {
            organization_config_variable: Some(v.into()),
            errors: vec![],
        },
        |errors| OrganizationConfigVariablePayload {
            organization_config_variable: None,
            errors,
        },
    )
}

fn customer_payload(
    answer: std::result::Result<ConfigVar, ServiceError>,
) -> Result<CustomerConfigVariablePayload> {
    present(
        answer,
        CustomerConfigVariablePayload::ok,
        CustomerConfigVariablePayload::failed,
    )
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
        org_payload(
            ctx.data::<Services>()?
                .set_org_config_var(caller, &input.key, &input.value, input.data_type.as_deref())
                .await,
        )
    }

    /// Deletes an organization config variable.
    async fn delete_organization_config_variable(
        &self,
        ctx: &Context<'_>,
        input: DeleteConfigVariableInput,
    ) -> Result<OrganizationConfigVariablePayload> {
        let caller = caller(ctx)?;
        let id = decode_id(ORG_TYPE, &input.id);
        org_payload(
            ctx.data::<Services>()?
                .delete_org_config_var(caller, id)
                .await,
        )
    }

    /// Creates a customer config variable.
    async fn create_customer_config_variable(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomerConfigVariableInput,
    ) -> Result<CustomerConfigVariablePayload> {
        let caller = caller(ctx)?;
        require_customer_writer(caller).map_err(service_error)?;
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
        if input.inputs.is_some() || input.is_test.is_some() {
            return Ok(CustomerConfigVariablePayload::failed(PayloadErrors::one(
                "scopedConfigVariable",
                "is required with inputs or isTest",
            )));
        }
        let customer = input
            .customer
            .as_ref()
            .map(|c| decode_id(customers::TYPE, c));
        let var = VarInput {
            key: input.key,
            value: input.value,
            data_type: input.data_type,
        };
        customer_payload(
            ctx.data::<Services>()?
                .create_customer_config_var(caller, customer, var)
                .await,
        )
    }

    /// Changes a customer config variable's value.
    async fn update_customer_config_variable(
        &self,
        ctx: &Context<'_>,
        input: UpdateCustomerConfigVariableInput,
    ) -> Result<CustomerConfigVariablePayload> {
        let caller = caller(ctx)?;
        require_customer_writer(caller).map_err(service_error)?;
        let services = ctx.data::<Services>()?;
        let missing = || {
            CustomerConfigVariablePayload::failed(PayloadErrors::one(
                "id",
                "customer config variable not found",
            ))
        };
        let Some(id) = decode_id(CUSTOMER_TYPE, &input.id) else {
            return Ok(missing());
        };
        let plain = services
            .visible_customer_config_var(caller, id)
            .await
            .map_err(service_error)?;
        if plain.is_none() {
            let store = ctx.data::<Store>()?;
            return match store.get_value_set(caller.org_id, id).await {
                Ok(set) if set.slot == Slot::Global => Ok(missing()),
                Ok(set) if input.value.is_none() && input.data_type.is_none() => {
                    values::update(ctx, caller, set, input.inputs.as_deref().unwrap_or(&[])).await
                }
                Ok(_) => Ok(CustomerConfigVariablePayload::failed(PayloadErrors::one(
                    "value",
                    "connection values are changed with inputs",
                ))),
                Err(StoreError::NotFound) => Ok(missing()),
                Err(e) => Err(internal(e)),
            };
        }
        if input.inputs.is_some() {
            return Ok(CustomerConfigVariablePayload::failed(PayloadErrors::one(
                "inputs",
                "only connection values have inputs",
            )));
        }
        let var = VarInput {
            key: None,
            value: input.value,
            data_type: input.data_type,
        };
        customer_payload(services.update_customer_config_var(caller, id, var).await)
    }

    /// Deletes a customer config variable.
    async fn delete_customer_config_variable(
        &self,
        ctx: &Context<'_>,
        input: DeleteConfigVariableInput,
    ) -> Result<CustomerConfigVariablePayload> {
        let caller = caller(ctx)?;
        require_customer_writer(caller).map_err(service_error)?;
        let services = ctx.data::<Services>()?;
        let Some(id) = decode_id(CUSTOMER_TYPE, &input.id) else {
            return Ok(CustomerConfigVariablePayload::failed(PayloadErrors::one(
                "id",
                "customer config variable not found",
            )));
        };
        let plain = services
            .visible_customer_config_var(caller, id)
            .await
            .map_err(service_error)?;
        if plain.is_none() {
            return values::delete(ctx.data::<Store>()?, caller, id).await;
        }
        customer_payload(services.delete_customer_config_var(caller, id).await)
    }
}
