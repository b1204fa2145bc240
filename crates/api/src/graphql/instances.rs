//! Instances: `instances`, `instance`, `createInstance`, `updateInstance`,
//! `updateInstanceConfigVariables`, `deployInstance`, `deleteInstance` (runs and webhook keys are
//! in `instance_runs`). Config is checked when bound and resolved when an execution starts;
//! deploying stores the schedules of scheduled flows and runs `instanceDeploy` flows.

use std::sync::Arc;

use async_graphql::{Context, Object, ID};
use plumb_core::definition::Definition;
use plumb_runtime::bindings::{check_bindings, check_removals, BindingInput, BindingScope};
use plumb_runtime::customer_scope::BoundBy;
use plumb_runtime::Runtime;
use plumb_store::instances::{InstanceChanges, InstanceFilter, NewFlowConfig, NewInstance};
use plumb_store::tokens::Role;
use plumb_store::{Store, StoreError};

use super::errors::{forbidden, internal, not_found, present, FieldError, PayloadErrors, Result};
use super::instance_types::*;
use super::relay::{connection, page_request};
use super::{caller, decode_id, integrations};
use crate::http::auth::Caller;

/// Callers that may deploy and configure instances: deployers and admins (a customer-bound
/// token only for its customer's instances).
pub(crate) fn require_deployer(caller: &Caller) -> Result<()> {
    if !caller.has(Role::Deployer) {
        return Err(forbidden());
    }
    Ok(())
}

/// Reads an instance the caller may see; `None` for an unknown or foreign ID.
pub(crate) async fn visible(
    store: &Store,
    caller: &Caller,
    id: &ID,
) -> Result<Option<plumb_store::instances::Instance>> {
    let Some(id) = decode_id(TYPE, id) else {
        return Ok(None);
    };
    match store.get_instance(caller.org_id, id).await {
        Ok(i) if caller.sees_customer(i.customer_id) => Ok(Some(i)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(internal(e)),
    }
}

/// Brings an instance's stored schedules in line with its version, state and bindings (a
/// failure is logged: the instance change itself stands).
async fn resync(runtime: &Runtime, row: &plumb_store::instances::Instance) {
    if let Err(e) = plumb_runtime::scheduler::sync_schedules(runtime, row).await {
        tracing::error!(error = %e, "updating an instance's schedules failed");
    }
}

/// The answer of a mutation that changed `row`.
fn done(row: plumb_store::instances::Instance) -> Result<InstancePayload> {
    Ok(InstancePayload {
        instance: Some(row.into()),
        errors: vec![],
    })
}

/// The answer of a mutation refused for binding problems.
fn rejected(problems: Vec<plumb_runtime::ConfigProblem>) -> Result<InstancePayload> {
    Ok(InstancePayload {
        instance: None,
        errors: problems_to_errors(problems),
    })
}

/// What bindings of an instance of `customer_id` are checked against.
fn binding_scope<'a>(
    ctx: &Context<'a>,
    store: &'a Store,
    caller: &Caller,
    customer_id: uuid::Uuid,
) -> BindingScope<'a> {
    BindingScope {
        store,
        vault: ctx.data_opt::<plumb_store::secrets::Vault>(),
        org_id: caller.org_id,
        customer_id,
        bound_by: bound_by(caller),
    }
}

/// Who chooses bindings when `caller` sets them: a customer-bound token only its customer's
/// own values.
pub(crate) fn bound_by(caller: &Caller) -> BoundBy {
    if caller.customer_id.is_some() {
        BoundBy::Customer
    } else {
        BoundBy::Organization
    }
}

/// The instance `id` names (one the caller may see) and its version's definition; `Err` holds
/// the payload to answer when there is none.
async fn target(
    ctx: &Context<'_>,
    caller: &Caller,
    id: Option<&ID>,
) -> Result<std::result::Result<(plumb_store::instances::Instance, Arc<Definition>), InstancePayload>>
{
    let store = ctx.data::<Store>()?;
    let runtime = ctx.data::<Arc<Runtime>>()?;
    let found = match id {
        Some(id) => visible(store, caller, id).await?,
        None => None,
    };
    let Some(instance) = found else {
        return Ok(Err(failed("id", "instance not found")?));
    };
    match runtime
        .version_definition(caller.org_id, instance.integration_version_id)
        .await
    {
        Ok(def) => Ok(Ok((instance, def))),
        Err(e) => Ok(Err(failed("id", &e.to_string())?)),
    }
}

fn failed(field: &str, message: &str) -> Result<InstancePayload> {
    Ok(InstancePayload {
        instance: None,
        errors: PayloadErrors::one(field, message),
    })
}

/// The flows of a definition as flow configs.
fn flow_configs(def: &Definition) -> Vec<NewFlowConfig> {
    def.flows
        .iter()
        .map(|f| NewFlowConfig {
            flow_name: f.name.clone(),
            security: f
                .endpoint_security_type
                .clone()
                .unwrap_or_else(|| "customer_optional".into()),
        })
        .collect()
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

fn problems_to_errors(problems: Vec<plumb_runtime::ConfigProblem>) -> Vec<FieldError> {
    let mut errors = PayloadErrors::default();
    for p in problems {
        errors.add("configVariables", p.to_string());
    }
    errors.0
}

/// Instance queries.
#[derive(Default)]
pub struct InstanceQuery;

#[Object]
impl InstanceQuery {
    /// Lists instances, oldest first; a customer-bound token sees its customer's only.
    #[allow(clippy::too_many_arguments)]
    async fn instances(
        &self,
        ctx: &Context<'_>,
        customer: Option<ID>,
        integration: Option<ID>,
        enabled: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<InstanceConnection> {
        let caller = caller(ctx)?;
        let store = ctx.data::<Store>()?;
        let mut filter = InstanceFilter {
            enabled,
            ..Default::default()
        };
        if let Some(c) = customer {
            let id = customer_id(&c)
                .filter(|c| caller.sees_customer(*c))
                .ok_or_else(|| not_found("Customer"))?;
            filter.customer_id = Some(id);
        }
        if let Some(c) = caller.customer_id {
            filter.customer_id = Some(c);
        }
        if let Some(i) = integration {
            let id = decode_id(integrations::TYPE, &i).ok_or_else(|| not_found("Integration"))?;
            let row = match store.get_integration(caller.org_id, id).await {
                Ok(r) => r,
                Err(StoreError::NotFound) => return Err(not_found("Integration")),
                Err(e) => return Err(internal(e)),
            };
            filter.integration_id = Some(row.integration_id);
        }
        let page = page_request(first, after, last, before)?;
        let rows = store
            .list_instances(caller.org_id, &filter, &page)
            .await
            .map_err(internal)?;
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
        require_deployer(caller)?;
        let store = ctx.data::<Store>()?;
        let runtime = ctx.data::<Arc<Runtime>>()?;
        let name = input.name.unwrap_or_default();
        if name.trim().is_empty() {
            return failed("name", "is required");
        }
        let Some(customer) = input
            .customer
            .as_ref()
            .and_then(customer_id)
            .filter(|c| caller.sees_customer(*c))
        else {
            return failed("customer", "customer not found");
        };
        match store.get_customer(caller.org_id, customer).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => return failed("customer", "customer not found"),
            Err(e) => return Err(internal(e)),
        }
        let Some(version_id) = input
            .integration
            .as_ref()
            .and_then(|i| decode_id(integrations::TYPE, i))
        else {
            return failed("integration", "integration version not found");
        };
        let version = match store.get_integration(caller.org_id, version_id).await {
            Ok(v) if v.is_published => v,
            Ok(_) => {
                return failed(
                    "integration",
                    "is a draft: publish it and give the published version's ID",
                )
            }
            Err(StoreError::NotFound) => {
                return failed("integration", "integration version not found")
            }
            Err(e) => return Err(internal(e)),
        };
        let def = match runtime.version_definition(caller.org_id, version.id).await {
            Ok(d) => d,
            Err(e) => return failed("integration", &e.to_string()),
        };
        let inputs = match binding_inputs(&input.config_variables.unwrap_or_default()) {
            Ok(i) => i,
            Err(errors) => {
                return Ok(InstancePayload {
                    instance: None,
                    errors,
                })
            }
        };
        let scope = binding_scope(ctx, store, caller, customer);
        let bindings = match check_bindings(&scope, &def, &inputs, &[], true).await {
            Ok(b) => b,
            Err(problems) => return rejected(problems),
        };
        let row = store
            .create_instance(
                caller.org_id,
                NewInstance {
                    customer_id: customer,
                    integration_id: version.integration_id,
                    integration_version_id: version.id,
                    name,
                    description: input.description.unwrap_or_default(),
                    // The instance's own pin, else the integration's (`workerGroup` at the
                    // definition's top level), else the default group.
                    worker_group: input.worker_group.filter(|g| !g.is_empty()).or_else(|| {
                        def.extra
                            .get("workerGroup")
                            .and_then(|v| v.as_str())
                            .filter(|g| !g.is_empty())
                            .map(str::to_string)
                    }),
                    flows: flow_configs(&def),
                    bindings,
                },
            )
            .await
            .map_err(internal)?;
        done(row)
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
        require_deployer(caller)?;
        let store = ctx.data::<Store>()?;
        let runtime = ctx.data::<Arc<Runtime>>()?;
        let Some(current) = (match &input.id {
            Some(id) => visible(store, caller, id).await?,
            None => None,
        }) else {
            return failed("id", "instance not found");
        };
        if input.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return failed("name", "cannot be empty");
        }
        let mut changes = InstanceChanges {
            name: input.name,
            description: input.description,
            enabled: input.enabled,
            worker_group: input.worker_group.map(|g| (!g.is_empty()).then_some(g)),
            version: None,
        };
        if let Some(v) = &input.integration {
            let version = match decode_id(integrations::TYPE, v) {
                Some(id) => match store.get_integration(caller.org_id, id).await {
                    Ok(r) => Some(r),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(internal(e)),
                },
                None => None,
            };
            let Some(version) = version.filter(|r| r.is_published) else {
                return failed("integration", "published integration version not found");
            };
            if version.integration_id != current.integration_id {
                return failed(
                    "integration",
                    "is a version of another integration: create a new instance instead",
                );
            }
            let def = match runtime.version_definition(caller.org_id, version.id).await {
                Ok(d) => d,
                Err(e) => return failed("integration", &e.to_string()),
            };
            let existing = store
                .instance_bindings(caller.org_id, current.id)
                .await
                .map_err(internal)?;
            let scope = binding_scope(ctx, store, caller, current.customer_id);
            if let Err(problems) = check_bindings(&scope, &def, &[], &existing, true).await {
                return rejected(problems);
            }
            changes.version = Some((version.id, flow_configs(&def)));
        }
        let row = store
            .update_instance(caller.org_id, current.id, changes)
            .await
            .map_err(internal)?;
        resync(runtime, &row).await;
        done(row)
    }

    /// Sets (or removes) config variable bindings of an instance; takes effect on the next run.
    async fn update_instance_config_variables(
        &self,
        ctx: &Context<'_>,
        input: UpdateInstanceConfigVariablesInput,
    ) -> Result<InstancePayload> {
        let caller = caller(ctx)?;
        require_deployer(caller)?;
        let store = ctx.data::<Store>()?;
        let runtime = ctx.data::<Arc<Runtime>>()?;
        let (current, def) = match target(ctx, caller, input.id.as_ref()).await? {
            Ok(t) => t,
            Err(payload) => return Ok(payload),
        };
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
        let scope = binding_scope(ctx, store, caller, current.customer_id);
        if let Err(problems) = check_removals(&scope, &def, &remove) {
            return rejected(problems);
        }
        let existing: Vec<_> = store
            .instance_bindings(caller.org_id, current.id)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|b| !remove.contains(&b.key))
            .collect();
        let bindings = match check_bindings(&scope, &def, &inputs, &existing, true).await {
            Ok(b) => b,
            Err(problems) => return rejected(problems),
        };
        store
            .set_instance_bindings(caller.org_id, current.id, &bindings, &remove)
            .await
            .map_err(internal)?;
        let row = store
            .get_instance(caller.org_id, current.id)
            .await
            .map_err(internal)?;
        resync(runtime, &row).await;
        done(row)
    }

    /// Deploys an instance: checks its bindings are complete and its schedules usable, then,
    /// in one transaction, enables it, starts its schedules and queues its `instanceDeploy`
    /// flows (`plumb_service::Services::deploy_instance`).
    async fn deploy_instance(
        &self,
        ctx: &Context<'_>,
        input: InstanceIdInput,
    ) -> Result<InstancePayload> {
        let caller = caller(ctx)?;
        let id = input.id.as_ref().and_then(|id| decode_id(TYPE, id));
        let answer = ctx
            .data::<plumb_service::Services>()?
            .deploy_instance(caller, id)
            .await;
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

    /// Deletes an instance (its schedules stop; its execution history stays).
    async fn delete_instance(
        &self,
        ctx: &Context<'_>,
        input: InstanceIdInput,
    ) -> Result<InstancePayload> {
        let caller = caller(ctx)?;
        require_deployer(caller)?;
        let store = ctx.data::<Store>()?;
        let Some(current) = (match &input.id {
            Some(id) => visible(store, caller, id).await?,
            None => None,
        }) else {
            return failed("id", "instance not found");
        };
        // `instanceRemove` flows run (and are waited for) while the instance still exists.
        if current.deployed_at.is_some() {
            super::instance_runs::run_remove_flows(ctx, &current).await?;
        }
        let row = store
            .delete_instance(caller.org_id, current.id)
            .await
            .map_err(internal)?;
        done(row)
    }
}
