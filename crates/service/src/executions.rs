//! Executions: listing and reading them (with their step results and logs), and replaying one.
//!
//! Rules: every caller reads executions, a customer-bound caller only its customer's (another's
//! is "not found", and a list is always narrowed to its customer); filtering by integration is
//! for organization callers. Deployers and admins replay an execution: it runs again with the
//! same trigger payload as a new queued execution of the same instance (or, for a test
//! execution, of the integration's draft), unless that instance was deleted.

use plumb_store::executions::{
    Execution, ExecutionFilter, ExecutionLog, ExecutionStatus, StepResult,
};
use plumb_store::tokens::Role;
use plumb_store::{Page, PageRequest, StoreError};
use uuid::Uuid;

use crate::{Caller, ServiceError, Services};

/// Which executions a list shows. An ID filter is `Some(None)` when given but undecodable (the
/// list then answers "not found").
#[derive(Debug, Clone, Default)]
pub struct ExecutionQuery {
    /// Only this integration's (any of its versions).
    pub integration: Option<Option<Uuid>>,
    /// Only this instance's.
    pub instance: Option<Option<Uuid>>,
    /// Only this customer's.
    pub customer: Option<Option<Uuid>>,
    /// Only runs of this flow.
    pub flow_name: Option<String>,
    /// Only test (true) or non-test (false) executions.
    pub is_test: Option<bool>,
    /// Only this status.
    pub status: Option<ExecutionStatus>,
    /// Started at or after (ms).
    pub started_at_gte: Option<i64>,
    /// Started at or before (ms).
    pub started_at_lte: Option<i64>,
}

/// `Forbidden` unless the caller may replay executions (deployers and admins).
pub fn require_replayer(caller: &Caller) -> Result<(), ServiceError> {
    caller.require(Role::Deployer)
}

/// Whether the caller may replay executions (pages hide the button).
pub fn may_replay(caller: &Caller) -> bool {
    require_replayer(caller).is_ok()
}

impl Services {
    /// A page of the executions the caller sees, oldest first.
    pub async fn executions(
        &self,
        caller: &Caller,
        query: ExecutionQuery,
        page: &PageRequest,
    ) -> Result<Page<Execution>, ServiceError> {
        let mut filter = ExecutionFilter {
            is_test: query.is_test,
            status: query.status,
            started_at_gte: query.started_at_gte,
            started_at_lte: query.started_at_lte,
            flow_name: query.flow_name,
            ..ExecutionFilter::default()
        };
        if let Some(i) = query.instance {
            filter.instance_id = Some(i.ok_or(ServiceError::NotFound("Instance"))?);
        }
        if let Some(i) = query.integration {
            let row = self.integration(caller, i).await?;
            filter.integration_id = Some(row.integration_id);
        }
        if let Some(c) = query.customer {
            let c = c
                .filter(|c| caller.sees_customer(*c))
                .ok_or(ServiceError::NotFound("Customer"))?;
            filter.customer_id = Some(c);
        }
        if let Some(c) = caller.customer_id {
            filter.customer_id = Some(c);
        }
        Ok(self
            .store
            .list_executions(caller.org_id, &filter, page)
            .await?)
    }

    /// One execution the caller sees.
    pub async fn execution(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<Execution, ServiceError> {
        let id = id.ok_or(ServiceError::NotFound("Execution"))?;
        match self.store.get_execution(caller.org_id, id).await {
            Ok(r) if caller.customer_id.is_none() || r.customer_id == caller.customer_id => Ok(r),
            Ok(_) | Err(StoreError::NotFound) => Err(ServiceError::NotFound("Execution")),
            Err(e) => Err(e.into()),
        }
    }

    /// A page of an execution's step results, in the order they ended.
    pub async fn step_results(
        &self,
        execution: &Execution,
        page: &PageRequest,
    ) -> Result<Page<StepResult>, ServiceError> {
        Ok(self
            .store
            .list_step_results(execution.org_id, execution.id, page)
            .await?)
    }

    /// A page of an execution's log lines (optionally of one severity), oldest first.
    pub async fn execution_logs(
        &self,
        execution: &Execution,
        severity: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<ExecutionLog>, ServiceError> {
        Ok(self
            .store
            .list_execution_logs(execution.org_id, execution.id, severity, page)
            .await?)
    }

    /// Runs an execution again as a new queued execution (`id` is an input: unknown is invalid).
    pub async fn replay_execution(
        &self,
        caller: &Caller,
        id: Option<Option<Uuid>>,
    ) -> Result<Execution, ServiceError> {
        require_replayer(caller)?;
        let id = id.ok_or_else(|| ServiceError::invalid("id", "is required"))?;
        let old = match self.execution(caller, id).await {
            Ok(r) => r,
            Err(ServiceError::NotFound(_)) => {
                return Err(ServiceError::invalid("id", "execution not found"))
            }
            Err(e) => return Err(e),
        };
        if let Some(instance) = old.instance_id {
            match self.store.get_instance(caller.org_id, instance).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    return Err(ServiceError::invalid("id", "its instance was deleted"))
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(self.runtime.requeue(&old, "replay", 1, None).await?)
    }
}
