//! Instances: who may see and change them, and deploying one as a single transaction.
//!
//! Rules: deployers and admins configure instances, a customer-bound caller only its customer's
//! (another customer's instance is "not found"); a deployment checks the bindings are complete
//! and every schedule is usable before anything is written, then enables the instance, marks it
//! deployed, stores its schedules and queues its `instanceDeploy` flows in one transaction.

use std::sync::Arc;

use plumb_core::definition::{Definition, Flow};
use plumb_runtime::bindings::{check_bindings, BindingScope};
use plumb_runtime::customer_scope::BoundBy;
use plumb_runtime::{QueueError, TriggerInput};
use plumb_store::instances::{Deployment, Instance};
use plumb_store::tokens::Role;
use plumb_store::StoreError;
use uuid::Uuid;

use crate::{Caller, FieldErrors, ServiceError, Services};

/// The component of management triggers (`instanceDeploy`, `instanceRemove`).
const MANAGEMENT_TRIGGERS: &str = "management-triggers";

/// Whether `flow` is started by the management trigger `action` (`instanceDeploy`,
/// `instanceRemove`).
pub fn is_management_flow(flow: &Flow, action: &str) -> bool {
    flow.trigger()
        .is_some_and(|t| t.action.component.key == MANAGEMENT_TRIGGERS && t.action.key == action)
}

/// Who chooses bindings when `caller` sets them: a customer-bound token only its customer's
/// own values.
pub fn bound_by(caller: &Caller) -> BoundBy {
    if caller.customer_id.is_some() {
        BoundBy::Customer
    } else {
        BoundBy::Organization
    }
}

/// `Forbidden` unless the caller may deploy and configure instances (deployers and admins).
pub fn require_deployer(caller: &Caller) -> Result<(), ServiceError> {
    caller.require(Role::Deployer)
}

impl Services {
    /// The instance `id` if the caller may see it; `None` for an unknown, foreign or hidden ID
    /// (and for `None`: an ID that did not decode).
    pub async fn visible_instance(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<Option<Instance>, ServiceError> {
        let Some(id) = id else {
            return Ok(None);
        };
        match self.store.get_instance(caller.org_id, id).await {
            Ok(i) if caller.sees_customer(i.customer_id) => Ok(Some(i)),
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// One instance the caller may see; `NotFound` otherwise.
    pub async fn instance(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<Instance, ServiceError> {
        self.visible_instance(caller, id)
            .await?
            .ok_or(ServiceError::NotFound("Instance"))
    }

    /// The instance `id` (an input: unknown is invalid under `id`) and its version's definition.
    pub(crate) async fn instance_target(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<(Instance, Arc<Definition>), ServiceError> {
        let instance = self
            .visible_instance(caller, id)
            .await?
            .ok_or_else(|| ServiceError::invalid("id", "instance not found"))?;
        let def = self
            .runtime
            .version_definition(caller.org_id, instance.integration_version_id)
            .await
            .map_err(|e| ServiceError::invalid("id", e.to_string()))?;
        Ok((instance, def))
    }

    /// What bindings of an instance of `customer_id` are checked against.
    pub(crate) fn binding_scope(&self, caller: &Caller, customer_id: Uuid) -> BindingScope<'_> {
        BindingScope {
            store: &self.store,
            vault: self.vault.as_ref(),
            org_id: caller.org_id,
            customer_id,
            bound_by: bound_by(caller),
        }
    }

    /// Deploys an instance: its bindings must be complete (else errors under
    /// `configVariables`) and the schedules of its scheduled flows usable (else errors under
    /// `schedule`); then, in one transaction, it is enabled, marked deployed, its schedules are
    /// stored and its `instanceDeploy` flows queued. Any failure leaves it as it was.
    pub async fn deploy_instance(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<Instance, ServiceError> {
        require_deployer(caller)?;
        let (current, def) = self.instance_target(caller, id).await?;
        let existing = self
            .store
            .instance_bindings(caller.org_id, current.id)
            .await?;
        let scope = self.binding_scope(caller, current.customer_id);
        if let Err(problems) = check_bindings(&scope, &def, &[], &existing, true).await {
            let mut errors = FieldErrors::default();
            for p in problems {
                errors.add("configVariables", p.to_string());
            }
            return Err(ServiceError::Invalid(errors));
        }
        let (schedules, problems) =
            plumb_runtime::scheduler::planned_schedules(&self.runtime, &current)
                .await
                .map_err(queue_error)?;
        if !problems.is_empty() {
            let mut errors = FieldErrors::default();
            for p in problems {
                errors.add("schedule", p.to_string());
            }
            return Err(ServiceError::Invalid(errors));
        }
        let flows = self
            .store
            .instance_flow_configs(caller.org_id, current.id)
            .await?;
        let mut executions = Vec::new();
        for flow in def
            .flows
            .iter()
            .filter(|f| is_management_flow(f, "instanceDeploy"))
        {
            let Some(fc) = flows.iter().find(|c| c.flow_name == flow.name) else {
                continue;
            };
            let new = self
                .runtime
                .new_execution(&current, fc, TriggerInput::default(), "deploy")
                .await
                .map_err(queue_error)?;
            executions.push(new);
        }
        let (row, queued) = self
            .store
            .deploy_instance(
                caller.org_id,
                current.id,
                Deployment {
                    schedules,
                    executions,
                },
            )
            .await?;
        if !queued.is_empty() {
            self.runtime.wake.notify_waiters();
        }
        Ok(row)
    }
}

/// A queueing failure of a deployment: the store's is internal, a definition that does not
/// load is the instance's problem (under `id`).
fn queue_error(e: QueueError) -> ServiceError {
    match e {
        QueueError::Store(e) => ServiceError::Store(e),
        other => ServiceError::invalid("id", other.to_string()),
    }
}
