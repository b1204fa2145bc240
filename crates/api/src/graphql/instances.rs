//! Instances: `instances`, `instance`, `createInstance`, `updateInstance`,
//! `updateInstanceConfigVariables`, `deployInstance`, `deleteInstance`, `runInstanceFlow`,
//! `rotateInstanceFlowApiKey`. Config is checked when bound and resolved when an execution
//! starts; deploying stores the schedules of scheduled flows and runs `instanceDeploy` flows.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{Context, Object, ID};
use plumb_core::definition::Definition;
use plumb_runtime::bindings::{check_bindings, BindingInput, BindingScope};
use plumb_runtime::{Runtime, TriggerInput};
use plumb_store::instances::{InstanceChanges, InstanceFilter, NewFlowConfig, NewInstance};
use plumb_store::tokens::Role;
use plumb_store::{Store, StoreError};
use rand::RngCore;

use super::errors::{forbidden, internal, not_found, FieldError, PayloadErrors, Result};
use super::instance_types::*;
use super::relay::{connection, page_request};
use super::{caller, decode_id, integrations};
use crate::http::auth::Caller;

/// Callers that may deploy and configure instances: deployers and admins (a customer-bound
/// token only for its customer's instances).
fn require_deployer(caller: &Caller) -> Result<()> {
    if !caller.has(Role::Deployer) {
        return Err(forbidden());
    }
    Ok(())
}

/// Reads an instance the caller may see; `None` for an unknown or foreign ID.
async fn visible(
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

/// Runs the `instanceRemove` flows of a deployed instance and waits (at most 30 s each) for
/// them to end.
async fn run_remove_flows(
    ctx: &Context<'_>,
    instance: &plumb_store::instances::Instance,
) -> Result<()> {
    let store = ctx.data::<Store>()?;
    let runtime = ctx.data::<Arc<Runtime>>()?;
    let def = match runtime
        .version_definition(instance.org_id, instance.integration_version_id)
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "instanceRemove flows not run: the definition does not load");
            return Ok(());
        }
    };
    let flows = store
        .instance_flow_configs(instance.org_id, instance.id)
        .await
        .map_err(internal)?;
    for flow in def.flows.iter().filter(|f| {
        f.trigger().is_some_and(|t| {
            t.action.component.key == "management-triggers" && t.action.key == "instanceRemove"
        })
    }) {
        let Some(fc) = flows.iter().find(|c| c.flow_name == flow.name) else {
            continue;
        };
        match runtime
            .enqueue(instance, fc, TriggerInput::default(), "remove")
            .await
        {
            Ok(e) => {
                let waited = runtime
                    .completions
                    .wait(store, e.id, std::time::Duration::from_secs(30))
                    .await
                    .map_err(internal)?;
                if waited.is_none() {
                    tracing::warn!(execution = %e.id, "an instanceRemove flow did not end in 30 s");
                }
            }
            Err(e) => tracing::error!(error = %e, "queueing an instanceRemove flow failed"),
        }
    }
    Ok(())
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
        visible(ctx.data::<Store>()?, caller, &id)
            .await?
            .map(Instance::from)
            .ok_or_else(|| not_found(TYPE))
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
        let scope = BindingScope {
            store,
            vault: ctx.data_opt::<plumb_store::secrets::Vault>(),
            org_id: caller.org_id,
            customer_id: customer,
        };
        let bindings = match check_bindings(&scope, &def, &inputs, &[], true).await {
            Ok(b) => b,
            Err(problems) => {
                return Ok(InstancePayload {
                    instance: None,
                    errors: problems_to_errors(problems),
                })
            }
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
                    worker_group: input.worker_group.filter(|g| !g.is_empty()),
                    flows: flow_configs(&def),
                    bindings,
                },
            )
            .await
            .map_err(internal)?;
        Ok(InstancePayload {
            instance: Some(row.into()),
            errors: vec![],
        })
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
            let scope = BindingScope {
                store,
                vault: ctx.data_opt::<plumb_store::secrets::Vault>(),
                org_id: caller.org_id,
                customer_id: current.customer_id,
            };
            if let Err(problems) = check_bindings(&scope, &def, &[], &existing, true).await {
                return Ok(InstancePayload {
                    instance: None,
                    errors: problems_to_errors(problems),
                });
            }
            changes.version = Some((version.id, flow_configs(&def)));
        }
        let row = store
            .update_instance(caller.org_id, current.id, changes)
            .await
            .map_err(internal)?;
        if let Err(e) = plumb_runtime::scheduler::sync_schedules(runtime, &row).await {
            tracing::error!(error = %e, "updating an instance's schedules failed");
        }
        Ok(InstancePayload {
            instance: Some(row.into()),
            errors: vec![],
        })
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
        let Some(current) = (match &input.id {
            Some(id) => visible(store, caller, id).await?,
            None => None,
        }) else {
            return failed("id", "instance not found");
        };
        let def = match runtime
            .version_definition(caller.org_id, current.integration_version_id)
            .await
        {
            Ok(d) => d,
            Err(e) => return failed("id", &e.to_string()),
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
        let scope = BindingScope {
            store,
            vault: ctx.data_opt::<plumb_store::secrets::Vault>(),
            org_id: caller.org_id,
            customer_id: current.customer_id,
        };
        let existing: Vec<_> = store
            .instance_bindings(caller.org_id, current.id)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|b| !remove.contains(&b.key))
            .collect();
        let bindings = match check_bindings(&scope, &def, &inputs, &existing, true).await {
            Ok(b) => b,
            Err(problems) => {
                return Ok(InstancePayload {
                    instance: None,
                    errors: problems_to_errors(problems),
                })
            }
        };
        store
            .set_instance_bindings(caller.org_id, current.id, &bindings, &remove)
            .await
            .map_err(internal)?;
        let row = store
            .get_instance(caller.org_id, current.id)
            .await
            .map_err(internal)?;
        if let Err(e) = plumb_runtime::scheduler::sync_schedules(runtime, &row).await {
            tracing::error!(error = %e, "updating an instance's schedules failed");
        }
        Ok(InstancePayload {
            instance: Some(row.into()),
            errors: vec![],
        })
    }

    /// Deploys an instance: checks its bindings are complete, enables it, starts its schedules
    /// and runs its `instanceDeploy` flows.
    async fn deploy_instance(
        &self,
        ctx: &Context<'_>,
        input: InstanceIdInput,
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
        let def = match runtime
            .version_definition(caller.org_id, current.integration_version_id)
            .await
        {
            Ok(d) => d,
            Err(e) => return failed("id", &e.to_string()),
        };
        let existing = store
            .instance_bindings(caller.org_id, current.id)
            .await
            .map_err(internal)?;
        let scope = BindingScope {
            store,
            vault: ctx.data_opt::<plumb_store::secrets::Vault>(),
            org_id: caller.org_id,
            customer_id: current.customer_id,
        };
        if let Err(problems) = check_bindings(&scope, &def, &[], &existing, true).await {
            return Ok(InstancePayload {
                instance: None,
                errors: problems_to_errors(problems),
            });
        }
        if !current.enabled {
            store
                .update_instance(
                    caller.org_id,
                    current.id,
                    InstanceChanges {
                        enabled: Some(true),
                        ..Default::default()
                    },
                )
                .await
                .map_err(internal)?;
        }
        let row = store
            .mark_instance_deployed(caller.org_id, current.id)
            .await
            .map_err(internal)?;
        match plumb_runtime::scheduler::sync_schedules(runtime, &row).await {
            Ok(problems) if !problems.is_empty() => {
                let mut errors = PayloadErrors::default();
                for p in problems {
                    errors.add("schedule", p.to_string());
                }
                return Ok(InstancePayload {
                    instance: Some(row.into()),
                    errors: errors.0,
                });
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "storing an instance's schedules failed"),
        }
        let flows = store
            .instance_flow_configs(caller.org_id, row.id)
            .await
            .map_err(internal)?;
        for flow in def.flows.iter().filter(|f| {
            f.trigger().is_some_and(|t| {
                t.action.component.key == "management-triggers" && t.action.key == "instanceDeploy"
            })
        }) {
            if let Some(fc) = flows.iter().find(|c| c.flow_name == flow.name) {
                if let Err(e) = runtime
                    .enqueue(&row, fc, TriggerInput::default(), "deploy")
                    .await
                {
                    tracing::error!(error = %e, "queueing an instanceDeploy flow failed");
                }
            }
        }
        Ok(InstancePayload {
            instance: Some(row.into()),
            errors: vec![],
        })
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
            run_remove_flows(ctx, &current).await?;
        }
        let row = store
            .delete_instance(caller.org_id, current.id)
            .await
            .map_err(internal)?;
        Ok(InstancePayload {
            instance: Some(row.into()),
            errors: vec![],
        })
    }

    /// Queues a run of an instance flow with a payload (the "Run test" of an instance).
    async fn run_instance_flow(
        &self,
        ctx: &Context<'_>,
        input: RunInstanceFlowInput,
    ) -> Result<RunInstanceFlowPayload> {
        let caller = caller(ctx)?;
        require_deployer(caller)?;
        let store = ctx.data::<Store>()?;
        let runtime = ctx.data::<Arc<Runtime>>()?;
        let fail = |field: &str, message: &str| {
            Ok(RunInstanceFlowPayload {
                execution: None,
                errors: PayloadErrors::one(field, message),
            })
        };
        let Some(id) = &input.id else {
            return fail("id", "is required");
        };
        let (flow, instance) = if let Some(fid) = decode_id(FLOW_CONFIG_TYPE, id) {
            match store.get_flow_config(caller.org_id, fid).await {
                Ok(f) => match store.get_instance(caller.org_id, f.instance_id).await {
                    Ok(i) => (f, i),
                    Err(StoreError::NotFound) => return fail("id", "instance flow not found"),
                    Err(e) => return Err(internal(e)),
                },
                Err(StoreError::NotFound) => return fail("id", "instance flow not found"),
                Err(e) => return Err(internal(e)),
            }
        } else {
            let Some(instance) = visible(store, caller, id).await? else {
                return fail("id", "instance not found");
            };
            let flows = store
                .instance_flow_configs(caller.org_id, instance.id)
                .await
                .map_err(internal)?;
            let found = match &input.flow_name {
                Some(n) => flows.into_iter().find(|f| &f.flow_name == n),
                None => flows.into_iter().next(),
            };
            let Some(f) = found else {
                return fail("flowName", "flow not found in the instance");
            };
            (f, instance)
        };
        if !caller.sees_customer(instance.customer_id) {
            return fail("id", "instance flow not found");
        }
        let headers: BTreeMap<String, String> = match input.headers.as_deref() {
            None | Some("") => BTreeMap::new(),
            Some(text) => match serde_json::from_str(text) {
                Ok(h) => h,
                Err(_) => return fail("headers", "must be a JSON object of strings"),
            },
        };
        let trigger = TriggerInput {
            body: input.payload.map(String::into_bytes),
            content_type: input.content_type,
            headers,
            query: BTreeMap::new(),
        };
        let execution = match runtime.enqueue(&instance, &flow, trigger, "manual").await {
            Ok(e) => e,
            Err(plumb_runtime::QueueError::Store(e)) => return Err(internal(e)),
            Err(e) => return fail("id", &e.to_string()),
        };
        Ok(RunInstanceFlowPayload {
            execution: Some(execution.into()),
            errors: vec![],
        })
    }

    /// Creates a new API key for an instance flow's webhook (shown once), replacing the
    /// existing keys unless `keepExisting`.
    async fn rotate_instance_flow_api_key(
        &self,
        ctx: &Context<'_>,
        input: RotateInstanceFlowApiKeyInput,
    ) -> Result<RotateInstanceFlowApiKeyPayload> {
        let caller = caller(ctx)?;
        require_deployer(caller)?;
        let store = ctx.data::<Store>()?;
        let runtime = ctx.data::<Arc<Runtime>>()?;
        let fail = |message: &str| {
            Ok(RotateInstanceFlowApiKeyPayload {
                errors: PayloadErrors::one("id", message),
                ..Default::default()
            })
        };
        let Some(fid) = input
            .id
            .as_ref()
            .and_then(|i| decode_id(FLOW_CONFIG_TYPE, i))
        else {
            return fail("instance flow not found");
        };
        let flow = match store.get_flow_config(caller.org_id, fid).await {
            Ok(f) => f,
            Err(StoreError::NotFound) => return fail("instance flow not found"),
            Err(e) => return Err(internal(e)),
        };
        let instance = match store.get_instance(caller.org_id, flow.instance_id).await {
            Ok(i) if caller.sees_customer(i.customer_id) => i,
            Ok(_) | Err(StoreError::NotFound) => return fail("instance flow not found"),
            Err(e) => return Err(internal(e)),
        };
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        let key = format!("plumbwh_{}", hex::encode(bytes));
        let mut hashes = if input.keep_existing.unwrap_or(false) {
            flow.api_key_hashes.clone()
        } else {
            vec![]
        };
        hashes.push(plumb_store::tokens::hash_token(&key));
        let row = store
            .set_flow_api_keys(caller.org_id, flow.id, &hashes)
            .await
            .map_err(internal)?;
        Ok(RotateInstanceFlowApiKeyPayload {
            api_key: Some(key),
            instance_flow_config: Some(InstanceFlowConfig::new(
                row,
                instance.integration_version_id,
                &runtime.public_url,
            )),
            errors: vec![],
        })
    }
}
