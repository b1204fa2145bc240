//! Instances: `instances`, `instance`, `createInstance`, `updateInstance`,
//! `updateInstanceConfigVariables`, `deployInstance`, `deleteInstance` (runs and webhook keys are
//! in `instance_runs`). Config is checked when bound and resolved when an execution starts;
//! deploying stores the schedules of scheduled flows and runs `instanceDeploy` flows.

use async_graphql::{Context, Object, ID};
use plumb_runtime::bindings::BindingInput;
use plumb_runtime::customer_scope::BoundBy;
use plumb_service::instance_changes::{InstanceInput, InstanceQuery as Query, InstanceUpdate};
use plumb_service::{ServiceError, Services};

use super::errors::{present, service_error, FieldError, PayloadErrors, Result};
use super::instance_types::*;
use super::relay::{connection, page_request, Connection};
use super::{caller, decode_id, integrations};
use crate::http::auth::Caller;

/// Who chooses bindings when `caller` sets them: a customer-bound token only its customer's
/// own values.
pub(crate) fn bound_by(caller: &Caller) -> BoundBy {
    if caller.customer_id.is_some() {
        BoundBy::Customer
    } else {
        BoundBy::Organization
    }
}

/// Converts API binding inputs; problems name `configVariables`.
fn binding_inputs(
    inputs: &[InputInstanceConfigVariable],
) -> std::result::Result<Vec<BindingInput>, Vec<FieldError>> {
    let mut out = Vec::new();
    let mut errors = PayloadErrors::default();
    for (i, v) in inputs.iter().enumerate() {
        let mut id = |name: &str, type_name: &'static str, given: &Option<ID>| match given {
            None => None,
            Some(g) => {
                let decoded = decode_id(type_name, g);
                if decoded.is_none() {
                    errors.add(
                        format!("configVariables.{i}.{name}"),
                        format!("`{}`: not found", v.key),
                    );
                }
                decoded
            }
        };
        let customer = id(
            "customerConfigVariableId",
            "CustomerConfigVariable",
            &v.customer_config_variable_id,
        );
        let org = id(
            "organizationConfigVariableId",
            "OrganizationConfigVariable",
            &v.organization_config_variable_id,
        );
        let scoped = id(
            "scopedConfigVariableId",
            "ScopedConfigVariable",
            &v.scoped_config_variable_id,
        );
        out.push(BindingInput {
            key: v.key.clone(),
            value: v.value.clone(),
            values: v.values.clone(),
            customer_config_variable: customer,
            organization_config_variable: org,
            scoped_config_variable: scoped,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.0)
    }
}

fn payload(
    answer: std::result::Result<plumb_store::instances::Instance, ServiceError>,
) -> Result<InstancePayload> {
    present(
        answer,
        |row| InstancePayload {
            instance: Some(row.into()),
            errors: vec![],
        },
        |errors| InstancePayload {
            instance: None,
            errors,
        },
    )
}

/// Instance queries.
#[derive(Default)]
pub struct InstanceQuery;

#[Object]
impl InstanceQuery {
    /// Lists instances, oldest first; a customer-bound token sees its customer's only.
    /// `isSystem: true` lists Prismatic's system (test) instances, which plumb does not keep
    /// as instances (none).
    #[allow(clippy::too_many_arguments)]
    async fn instances(
        &self,
        ctx: &Context<'_>,
        customer: Option<ID>,
        integration: Option<ID>,
        enabled: Option<bool>,
        is_system: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<InstanceConnection> {
        let caller = caller(ctx)?;
        if is_system == Some(true) {
            return Ok(Connection::empty().into());
        }
        let query = Query {
            customer: customer.map(|c| customer_id(&c)),
            integration: integration.map(|i| decode_id(integrations::TYPE, &i)),
            enabled,
        };
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Services>()?
            .instances(caller, query, &page)
            .await
            .map_err(service_error)?;
        Ok(connection(rows, |r| r.id, Instance::from).into())
    }

    /// One instance.
    async fn instance(&self, ctx: &Context<'_>, id: ID) -> Result<Instance> {
        let caller = caller(ctx)?;
        ctx.data::<plumb_service::Services>()?
            .instance(caller, decode_id(TYPE, &id))
            .await
            .map(Instance::from)
            .map_err(super::errors::service_error)
    }
}

/// Instance mutations.
#[derive(Default)]
pub struct InstanceMutation;

#[Object]
impl InstanceMutation {
    /// Creates an instance of a published integration version for a customer, with its config
    /// variables bound. Every required config var must be bound (or bind itself).
    async fn create_instance(
        &self,
        ctx: &Context<'_>,
        input: CreateInstanceInput,
    ) -> Result<InstancePayload> {
        let caller = caller(ctx)?;
        if let Some(errors) = labels_refused(&input.labels) {
            return Ok(InstancePayload {
                instance: None,
                errors,
            });
        }
        let bindings: Vec<_> = input
            .config_variables
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        let config_variables = match binding_inputs(&bindings) {
            Ok(i) => i,
            Err(errors) => {
                return Ok(InstancePayload {
                    instance: None,
                    errors,
                })
            }
        };
        let new = InstanceInput {
            name: input.name.unwrap_or_default(),
            description: input.description.unwrap_or_default(),
            customer: input.customer.as_ref().and_then(customer_id),
            integration: input
                .integration
                .as_ref()
                .and_then(|i| decode_id(integrations::TYPE, i)),
            worker_group: input.worker_group,
            config_variables,
        };
        payload(ctx.data::<Services>()?.create_instance(caller, new).await)
    }

    /// Renames, enables or disables an instance, pins it to a worker group, or moves it to
    /// another published version of its integration (bindings carry over by key; the new
    /// version's required config vars must all be bound).
    async fn update_instance(
        &self,
        ctx: &Context<'_>,
        input: UpdateInstanceInput,
    ) -> Result<InstancePayload> {
        let caller = caller(ctx)?;
        if let Some(errors) = labels_refused(&input.labels) {
            return Ok(InstancePayload {
                instance: None,
                errors,
            });
        }
        let update = InstanceUpdate {
            name: input.name,
            description: input.description,
            enabled: input.enabled,
            worker_group: input.worker_group,
            version: input
                .integration
                .as_ref()
                .map(|v| decode_id(integrations::TYPE, v)),
        };
        let id = input.id.as_ref().and_then(|id| decode_id(TYPE, id));
        payload(
            ctx.data::<Services>()?
                .update_instance(caller, id, update)
                .await,
        )
    }

    /// Sets (or removes) config variable bindings of an instance; takes effect on the next run.
    async fn update_instance_config_variables(
        &self,
        ctx: &Context<'_>,
        input: UpdateInstanceConfigVariablesInput,
    ) -> Result<InstancePayload> {
        let caller = caller(ctx)?;
        let inputs = match binding_inputs(&input.config_variables.unwrap_or_default()) {
            Ok(i) => i,
            Err(errors) => {
                return Ok(InstancePayload {
                    instance: None,
                    errors,
                })
            }
        };
        let remove = input.remove.unwrap_or_default();
        let id = input.id.as_ref().and_then(|id| decode_id(TYPE, id));
        payload(
            ctx.data::<Services>()?
                .update_instance_config_vars(caller, id, &inputs, &remove)
                .await,
        )
    }

    /// Deploys an instance: checks its bindings are complete and its schedules usable, then,
    /// in one transaction, enables it, starts its schedules and queues its `instanceDeploy`
    /// flows (`plumb_service::Services::deploy_instance`).
    async fn deploy_instance(
        &self,
        ctx: &Context<'_>,
        input: DeployInstanceInput,
    ) -> Result<InstancePayload> {
        let caller = caller(ctx)?;
        let id = input.id.as_ref().and_then(|id| decode_id(TYPE, id));
        payload(ctx.data::<Services>()?.deploy_instance(caller, id).await)
    }

    /// Deletes an instance (its schedules stop; its execution history stays).
    async fn delete_instance(
        &self,
        ctx: &Context<'_>,
        input: InstanceIdInput,
    ) -> Result<InstancePayload> {
        let caller = caller(ctx)?;
        let id = input.id.as_ref().and_then(|id| decode_id(TYPE, id));
        payload(ctx.data::<Services>()?.delete_instance(caller, id).await)
    }
}
