//! Instances: listing, creating, changing, binding config variables, deleting.
//!
//! Rules: deployers and admins create and change instances, a customer-bound caller only its
//! customer's. An instance is of a *published* version; every required config var must be bound
//! (or bind itself) when it is created, moved to another version, or rebound; bindings are
//! checked against the caller's scope (a customer-bound caller binds only its customer's own
//! values). A change of state, version or bindings brings the instance's schedules in line.
//! Deleting a deployed instance first runs its `instanceRemove` flows (waiting up to 30 s each).

use std::time::Duration;

use plumb_core::definition::Definition;
use plumb_runtime::bindings::{check_bindings, check_removals, BindingInput};
use plumb_runtime::TriggerInput;
use plumb_store::instances::{
    Instance, InstanceChanges, InstanceFilter, NewFlowConfig, NewInstance,
};
use plumb_store::{Page, PageRequest, StoreError};
use uuid::Uuid;

use crate::instances::{is_management_flow, require_deployer};
use crate::{Caller, FieldErrors, ServiceError, Services};

/// Most characters of an instance's name.
pub const MAX_NAME: usize = 255;

/// Which instances a list shows (`Some(None)`: an ID given that did not decode).
#[derive(Debug, Clone, Default)]
pub struct InstanceQuery {
    /// Only this customer's.
    pub customer: Option<Option<Uuid>>,
    /// Only instances of this integration (any version).
    pub integration: Option<Option<Uuid>>,
    /// Only enabled (true) or disabled (false) ones.
    pub enabled: Option<bool>,
}

/// A new instance (`Some(None)` IDs: given but undecodable).
#[derive(Debug, Clone, Default)]
pub struct InstanceInput {
    /// Its name (required).
    pub name: String,
    /// Free text.
    pub description: String,
    /// The customer.
    pub customer: Option<Uuid>,
    /// The published integration version.
    pub integration: Option<Uuid>,
    /// A worker group to pin it to (default: the integration's, else the default group).
    pub worker_group: Option<String>,
    /// Its config variable bindings.
    pub config_variables: Vec<BindingInput>,
}

/// Changes to an instance; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct InstanceUpdate {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Enable or disable.
    pub enabled: Option<bool>,
    /// New worker group (`Some("")` clears it).
    pub worker_group: Option<String>,
    /// Move to this published version of the same integration (`Some(None)`: undecodable).
    pub version: Option<Option<Uuid>>,
}

/// Binding problems as invalid input under `configVariables`.
fn rejected(problems: Vec<plumb_runtime::ConfigProblem>) -> ServiceError {
    let mut errors = FieldErrors::default();
    for p in problems {
        errors.add("configVariables", p.to_string());
    }
    ServiceError::Invalid(errors)
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

impl Services {
    /// A page of the instances the caller sees, oldest first.
    pub async fn instances(
        &self,
        caller: &Caller,
        query: InstanceQuery,
        page: &PageRequest,
    ) -> Result<Page<Instance>, ServiceError> {
        let mut filter = InstanceFilter {
            enabled: query.enabled,
            ..InstanceFilter::default()
        };
        if let Some(c) = query.customer {
            let c = c
                .filter(|c| caller.sees_customer(*c))
                .ok_or(ServiceError::NotFound("Customer"))?;
            filter.customer_id = Some(c);
        }
        if let Some(c) = caller.customer_id {
            filter.customer_id = Some(c);
        }
        if let Some(i) = query.integration {
            let i = i.ok_or(ServiceError::NotFound("Integration"))?;
            let row = match self.store.get_integration(caller.org_id, i).await {
                Ok(r) => r,
                Err(StoreError::NotFound) => return Err(ServiceError::NotFound("Integration")),
                Err(e) => return Err(e.into()),
            };
            filter.integration_id = Some(row.integration_id);
        }
        Ok(self
            .store
            .list_instances(caller.org_id, &filter, page)
            .await?)
    }

    /// The published version `id` as an input under `field`.
    async fn published_version(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
        field: &str,
    ) -> Result<
        (
            plumb_store::integrations::Integration,
            std::sync::Arc<Definition>,
        ),
        ServiceError,
    > {
        let id = id.ok_or_else(|| ServiceError::invalid(field, "integration version not found"))?;
        let version = match self.store.get_integration(caller.org_id, id).await {
            Ok(v) if v.is_published => v,
            Ok(_) => {
                return Err(ServiceError::invalid(
                    field,
                    "is a draft: publish it and give the published version's ID",
                ))
            }
            Err(StoreError::NotFound) => {
                return Err(ServiceError::invalid(
                    field,
                    "integration version not found",
                ))
            }
            Err(e) => return Err(e.into()),
        };
        let def = self
            .runtime
            .version_definition(caller.org_id, version.id)
            .await
            .map_err(|e| ServiceError::invalid(field, e.to_string()))?;
        Ok((version, def))
    }

    /// Creates an instance of a published version for a customer, its config variables bound.
    pub async fn create_instance(
        &self,
        caller: &Caller,
        input: InstanceInput,
    ) -> Result<Instance, ServiceError> {
        require_deployer(caller)?;
        let name = input.name.trim().to_string();
        if name.is_empty() {
            return Err(ServiceError::invalid("name", "is required"));
        }
        if name.chars().count() > MAX_NAME {
            return Err(ServiceError::invalid(
                "name",
                format!("must be at most {MAX_NAME} characters"),
            ));
        }
        let customer = input
            .customer
            .filter(|c| caller.sees_customer(*c))
            .ok_or_else(|| ServiceError::invalid("customer", "customer not found"))?;
        match self.store.get_customer(caller.org_id, customer).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => {
                return Err(ServiceError::invalid("customer", "customer not found"))
            }
            Err(e) => return Err(e.into()),
        }
        let (version, def) = self
            .published_version(caller, input.integration, "integration")
            .await?;
        let scope = self.binding_scope(caller, customer);
        let bindings = check_bindings(&scope, &def, &input.config_variables, &[], true)
            .await
            .map_err(rejected)?;
        let worker_group = input.worker_group.filter(|g| !g.is_empty()).or_else(|| {
            def.extra
                .get("workerGroup")
                .and_then(|v| v.as_str())
                .filter(|g| !g.is_empty())
                .map(str::to_string)
        });
        Ok(self
            .store
            .create_instance(
                caller.org_id,
                NewInstance {
                    customer_id: customer,
                    integration_id: version.integration_id,
                    integration_version_id: version.id,
                    name,
                    description: input.description,
                    worker_group,
                    flows: flow_configs(&def),
                    bindings,
                },
            )
            .await?)
    }

    /// Renames, enables or disables an instance, pins it to a worker group, or moves it to
    /// another published version of its integration (bindings carry over by key).
    pub async fn update_instance(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
        update: InstanceUpdate,
    ) -> Result<Instance, ServiceError> {
        require_deployer(caller)?;
        let current = self
            .visible_instance(caller, id)
            .await?
            .ok_or_else(|| ServiceError::invalid("id", "instance not found"))?;
        if update.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(ServiceError::invalid("name", "cannot be empty"));
        }
        let mut changes = InstanceChanges {
            name: update.name.map(|n| n.trim().to_string()),
            description: update.description,
            enabled: update.enabled,
            worker_group: update.worker_group.map(|g| (!g.is_empty()).then_some(g)),
            version: None,
        };
        if let Some(v) = update.version {
            let (version, def) = self
                .published_version(caller, v, "integration")
                .await
                .map_err(|e| match e {
                    ServiceError::Invalid(_) => ServiceError::invalid(
                        "integration",
                        "published integration version not found",
                    ),
                    other => other,
                })?;
            if version.integration_id != current.integration_id {
                return Err(ServiceError::invalid(
                    "integration",
                    "is a version of another integration: create a new instance instead",
                ));
            }
            let existing = self
                .store
                .instance_bindings(caller.org_id, current.id)
                .await?;
            let scope = self.binding_scope(caller, current.customer_id);
            check_bindings(&scope, &def, &[], &existing, true)
                .await
                .map_err(rejected)?;
            changes.version = Some((version.id, flow_configs(&def)));
        }
        let row = self
            .store
            .update_instance(caller.org_id, current.id, changes)
            .await?;
        self.resync(&row).await;
        Ok(row)
    }

    /// Sets (or removes, by key) config variable bindings of an instance; the next run uses
    /// them.
    pub async fn update_instance_config_vars(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
        inputs: &[BindingInput],
        remove: &[String],
    ) -> Result<Instance, ServiceError> {
        require_deployer(caller)?;
        let (current, def) = self.instance_target(caller, id).await?;
        let scope = self.binding_scope(caller, current.customer_id);
        check_removals(&scope, &def, remove).map_err(rejected)?;
        let existing: Vec<_> = self
            .store
            .instance_bindings(caller.org_id, current.id)
            .await?
            .into_iter()
            .filter(|b| !remove.contains(&b.key))
            .collect();
        let bindings = check_bindings(&scope, &def, inputs, &existing, true)
            .await
            .map_err(rejected)?;
        self.store
            .set_instance_bindings(caller.org_id, current.id, &bindings, remove)
            .await?;
        let row = self.store.get_instance(caller.org_id, current.id).await?;
        self.resync(&row).await;
        Ok(row)
    }

    /// Deletes an instance (its schedules stop; its execution history stays). A deployed one
    /// runs its `instanceRemove` flows first, while it still exists.
    pub async fn delete_instance(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<Instance, ServiceError> {
        require_deployer(caller)?;
        let current = self
            .visible_instance(caller, id)
            .await?
            .ok_or_else(|| ServiceError::invalid("id", "instance not found"))?;
        if current.deployed_at.is_some() {
            self.run_remove_flows(&current).await?;
        }
        Ok(self
            .store
            .delete_instance(caller.org_id, current.id)
            .await?)
    }

    /// Runs the `instanceRemove` flows of a deployed instance and waits (at most 30 s each).
    async fn run_remove_flows(&self, instance: &Instance) -> Result<(), ServiceError> {
        let def = match self
            .runtime
            .version_definition(instance.org_id, instance.integration_version_id)
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "instanceRemove flows not run: the definition does not load");
                return Ok(());
            }
        };
        let flows = self
            .store
            .instance_flow_configs(instance.org_id, instance.id)
            .await?;
        for flow in def
            .flows
            .iter()
            .filter(|f| is_management_flow(f, "instanceRemove"))
        {
            let Some(fc) = flows.iter().find(|c| c.flow_name == flow.name) else {
                continue;
            };
            match self
                .runtime
                .enqueue(instance, fc, TriggerInput::default(), "remove")
                .await
            {
                Ok(e) => {
                    let waited = self
                        .runtime
                        .completions
                        .wait(&self.store, e.id, Duration::from_secs(30))
                        .await?;
                    if waited.is_none() {
                        tracing::warn!(execution = %e.id, "an instanceRemove flow did not end in 30 s");
                    }
                }
                Err(e) => tracing::error!(error = %e, "queueing an instanceRemove flow failed"),
            }
        }
        Ok(())
    }

    /// Brings an instance's stored schedules in line with its version, state and bindings (a
    /// failure is logged: the instance change itself stands).
    async fn resync(&self, row: &Instance) {
        if let Err(e) = plumb_runtime::scheduler::sync_schedules(&self.runtime, row).await {
            tracing::error!(error = %e, "updating an instance's schedules failed");
        }
    }
}

/// A flow of an instance with its webhook URL.
#[derive(Debug, Clone)]
pub struct InstanceFlow {
    /// The flow's name.
    pub flow_name: String,
    /// Its webhook URL.
    pub webhook_url: String,
    /// Its endpoint security type.
    pub security: String,
}

impl Services {
    /// The flows of an instance the caller sees, with their webhook URLs.
    pub async fn instance_flows(
        &self,
        caller: &Caller,
        instance: &Instance,
    ) -> Result<Vec<InstanceFlow>, ServiceError> {
        if !caller.sees_customer(instance.customer_id) {
            return Err(ServiceError::NotFound("Instance"));
        }
        Ok(self
            .store
            .instance_flow_configs(caller.org_id, instance.id)
            .await?
            .into_iter()
            .map(|f| InstanceFlow {
                webhook_url: plumb_runtime::webhook_url(&self.runtime.public_url, f.id),
                flow_name: f.flow_name,
                security: f.security,
            })
            .collect())
    }

    /// The config variable bindings of an instance, for organization callers (a binding's
    /// sealed connection inputs are never part of it).
    pub async fn instance_bindings(
        &self,
        caller: &Caller,
        instance: &Instance,
    ) -> Result<Vec<plumb_store::instances::Binding>, ServiceError> {
        if caller.customer_id.is_some() {
            return Err(ServiceError::Forbidden);
        }
        let mut bindings = self
            .store
            .instance_bindings(caller.org_id, instance.id)
            .await?;
        for b in &mut bindings {
            b.sealed_values = None;
        }
        Ok(bindings)
    }

    /// The organization's scoped config variables (credentials and organization-activated
    /// connections), for organization callers.
    pub async fn scoped_config_vars(
        &self,
        caller: &Caller,
    ) -> Result<Vec<plumb_store::connections::ScopedVar>, ServiceError> {
        if caller.customer_id.is_some() {
            return Err(ServiceError::Forbidden);
        }
        Ok(self
            .store
            .list_scoped_vars(
                caller.org_id,
                &plumb_store::connections::ScopedVarFilter::default(),
                &PageRequest::default(),
            )
            .await?
            .items)
    }
}

impl Services {
    /// Queues a run of flow `flow_name` (default: the first) of an instance the caller sees,
    /// with `trigger` as its payload ("Run now"); deployers and admins.
    pub async fn run_instance_flow(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
        flow_name: Option<&str>,
        trigger: TriggerInput,
    ) -> Result<plumb_store::executions::Execution, ServiceError> {
        require_deployer(caller)?;
        let instance = self
            .visible_instance(caller, id)
            .await?
            .ok_or_else(|| ServiceError::invalid("id", "instance not found"))?;
        let flows = self
            .store
            .instance_flow_configs(caller.org_id, instance.id)
            .await?;
        let names: Vec<String> = flows.iter().map(|f| format!("{:?}", f.flow_name)).collect();
        let flow = match flow_name {
            Some(n) => flows.into_iter().find(|f| f.flow_name == n),
            None => flows.into_iter().next(),
        }
        .ok_or_else(|| {
            ServiceError::invalid(
                "flowName",
                format!(
                    "flow not found in the instance (its flows: {})",
                    names.join(", ")
                ),
            )
        })?;
        match self
            .runtime
            .enqueue(&instance, &flow, trigger, "manual")
            .await
        {
            Ok(e) => Ok(e),
            Err(plumb_runtime::QueueError::Store(e)) => Err(e.into()),
            Err(e) => Err(ServiceError::invalid("id", e.to_string())),
        }
    }
}
