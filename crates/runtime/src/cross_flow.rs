//! [`InstanceFlows`]: the [`FlowInvoker`] of an instance execution (the `cross-flow`
//! component's `invokeFlow`). It queues a run of a flow of the same instance through the
//! durable queue like any execution (invoke type `cross_flow`), records the caller in the new
//! execution's `invoked_by` and its depth in `invoke_depth`, refuses a chain deeper than
//! [`MAX_INVOKE_DEPTH`], and for a synchronous call waits on [`Completions`](crate::Completions)
//! for the invoked flow's final result.
//!
//! It also queues the `recursive-flow` component's recursions ([`FlowInvoker::recurse`]): the
//! calling execution's own flow again (invoke type `recursive_flow`), linked by `invoked_by`,
//! its `recursion_depth` one more than the caller's, refused at the runtime's
//! `max_recursion_depth` ([`MAX_RECURSION_DEPTH`] by default). A recursion is a tail call (the
//! caller does not wait), so it keeps the caller's cross-flow `invoke_depth`.
//!
//! A synchronous call holds the caller's worker while the invoked execution waits for a free
//! one: a process needs more workers than the depth of its synchronous chains.

use std::sync::Arc;
use std::time::Duration;

use plumb_core::action::{ActionError, Data, FlowInvocation, FlowInvoker};
use plumb_store::executions::{ExecutionStatus, StepValue};
use plumb_store::instances::Instance;
use plumb_store::{PageRequest, StoreError};
use uuid::Uuid;

use crate::executor::{QueueError, TriggerInput};
use crate::Runtime;

/// The deepest chain of cross-flow invocations: an execution at this depth cannot invoke.
pub const MAX_INVOKE_DEPTH: i64 = 10;

/// The invoke type of an execution queued by `invokeFlow`.
pub const CROSS_FLOW_INVOKE_TYPE: &str = "cross_flow";

/// The invoke type of an execution queued by `invokeRecursiveTrigger`.
pub const RECURSIVE_FLOW_INVOKE_TYPE: &str = "recursive_flow";

/// The default bound of a chain of recursions: an execution with this many recursions before
/// it cannot invoke its flow again (1,000 batches: with 100 records a batch, 100,000 records).
pub const MAX_RECURSION_DEPTH: i64 = 1000;

/// Where the calling execution is: its ID, flow and depths.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The execution's ID.
    pub id: Uuid,
    /// Its flow's name.
    pub flow_name: String,
    /// Its depth in a chain of cross-flow invocations.
    pub invoke_depth: i64,
    /// How many recursions of its flow came before it.
    pub recursion_depth: i64,
}

impl Caller {
    /// The caller that execution `e` is.
    pub fn of(e: &plumb_store::executions::Execution) -> Self {
        Caller {
            id: e.id,
            flow_name: e.flow_name.clone(),
            invoke_depth: e.invoke_depth,
            recursion_depth: e.recursion_depth,
        }
    }
}

/// Invokes flows of one instance on behalf of one execution.
pub struct InstanceFlows {
    runtime: Arc<Runtime>,
    instance: Instance,
    caller: Caller,
}

impl InstanceFlows {
    /// The invoker of execution `caller` of `instance`.
    pub fn new(runtime: Arc<Runtime>, instance: Instance, caller: Caller) -> Self {
        InstanceFlows {
            runtime,
            instance,
            caller,
        }
    }

    /// Queues a run of `flow_name` with `payload`, linked to the caller at the given depths.
    async fn queue(
        &self,
        flow_name: &str,
        payload: Data,
        invoke_type: &str,
        invoke_depth: i64,
        recursion_depth: i64,
    ) -> Result<plumb_store::executions::Execution, ActionError> {
        let rt = &self.runtime;
        let org = self.instance.org_id;
        let caller = self.caller.id;
        let flows = rt
            .store
            .instance_flow_configs(org, self.instance.id)
            .await
            .map_err(|e| internal(&e, caller))?;
        let Some(flow) = flows.iter().find(|f| f.flow_name == flow_name) else {
            return Err(ActionError::input(
                "flowName",
                format!("the instance has no flow named `{flow_name}`"),
            ));
        };
        let mut new = rt
            .new_execution(&self.instance, flow, trigger_of(payload)?, invoke_type)
            .await
            .map_err(|e| match e {
                QueueError::UnknownFlow(name) => ActionError::input(
                    "flowName",
                    format!("the instance has no flow named `{name}`"),
                ),
                other => internal(&other, caller),
            })?;
        new.invoked_by = Some(caller);
        new.invoke_depth = invoke_depth;
        new.recursion_depth = recursion_depth;
        let execution = rt
            .store
            .create_execution(org, new)
            .await
            .map_err(|e| internal(&e, caller))?;
        rt.wake.notify_waiters();
        Ok(execution)
    }
}

fn internal(e: &dyn std::fmt::Display, caller: Uuid) -> ActionError {
    tracing::error!(error = %e, execution = %caller, "invoking a flow failed");
    ActionError::failed("internal error while invoking the flow")
}

/// The trigger body of a payload: JSON as JSON text (`null` sends nothing), binary as is.
fn trigger_of(payload: Data) -> Result<TriggerInput, ActionError> {
    let (body, content_type) = match payload {
        Data::Json(serde_json::Value::Null) => (None, None),
        Data::Json(v) => (
            Some(
                serde_json::to_vec(&v)
                    .map_err(|e| ActionError::input("data", format!("does not serialize: {e}")))?,
            ),
            Some("application/json".to_string()),
        ),
        Data::Binary {
            bytes,
            content_type,
        } => (Some(bytes), Some(content_type)),
    };
    Ok(TriggerInput {
        body,
        content_type,
        ..Default::default()
    })
}

#[async_trait::async_trait]
impl FlowInvoker for InstanceFlows {
    async fn invoke(
        &self,
        flow_name: &str,
        payload: Data,
        synchronous: bool,
        timeout: Duration,
    ) -> Result<FlowInvocation, ActionError> {
        let depth = self.caller.invoke_depth;
        if depth >= MAX_INVOKE_DEPTH {
            return Err(ActionError::failed(format!(
                "cross-flow invocations are nested {depth} deep, the limit: this execution cannot \
                 invoke another flow (does a flow invoke itself without end?)"
            )));
        }
        let rt = &self.runtime;
        let org = self.instance.org_id;
        let execution = self
            .queue(
                flow_name,
                payload,
                CROSS_FLOW_INVOKE_TYPE,
                depth + 1,
                // An invoked flow starts its own chain of recursions.
                0,
            )
            .await?;
        let execution_id = plumb_core::id::encode("InstanceExecutionResult", execution.id);
        if !synchronous {
            return Ok(FlowInvocation {
                execution_id,
                result: None,
            });
        }
        let done = rt
            .completions
            .wait(&rt.store, execution.id, timeout)
            .await
            .map_err(|e| internal(&e, self.caller.id))?;
        let Some(done) = done else {
            return Err(ActionError::failed(format!(
                "flow `{flow_name}` did not end within {} s (its execution {execution_id} \
                 goes on)",
                timeout.as_secs_f64()
            )));
        };
        if done.status != ExecutionStatus::Success {
            return Err(ActionError::Failed {
                message: format!(
                    "flow `{flow_name}` failed: {}",
                    done.error.as_deref().unwrap_or("no error recorded")
                ),
                details: Some(serde_json::json!({"executionId": execution_id})),
            });
        }
        let result = match done.result {
            Some(r) => r,
            // Run by another node: its last step result is in the store.
            None => last_result(rt, org, execution.id)
                .await
                .map_err(|e| internal(&e, self.caller.id))?
                .unwrap_or(Data::Json(serde_json::Value::Null)),
        };
        Ok(FlowInvocation {
            execution_id,
            result: Some(result),
        })
    }

    async fn recurse(&self, payload: Data) -> Result<FlowInvocation, ActionError> {
        let depth = self.caller.recursion_depth;
        let bound = self.runtime.max_recursion_depth;
        if depth >= bound {
            return Err(ActionError::failed(format!(
                "flow `{}` has invoked itself {depth} times, the limit: this execution cannot \
                 invoke it again (does its cursor never reach the end?)",
                self.caller.flow_name
            )));
        }
        let flow_name = self.caller.flow_name.clone();
        let execution = self
            .queue(
                &flow_name,
                payload,
                RECURSIVE_FLOW_INVOKE_TYPE,
                self.caller.invoke_depth,
                depth + 1,
            )
            .await?;
        Ok(FlowInvocation {
            execution_id: plumb_core::id::encode("InstanceExecutionResult", execution.id),
            result: None,
        })
    }
}

/// The last step result of an execution, as stored.
async fn last_result(rt: &Runtime, org: Uuid, id: Uuid) -> Result<Option<Data>, StoreError> {
    let page = PageRequest {
        last: Some(1),
        ..Default::default()
    };
    let steps = rt.store.list_step_results(org, id, &page).await?;
    Ok(steps
        .items
        .into_iter()
        .last()
        .and_then(|s| s.value)
        .map(|v| match v {
            StepValue::Json(text) => {
                Data::Json(serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
            }
            StepValue::Binary {
                bytes,
                content_type,
            } => Data::Binary {
                bytes,
                content_type,
            },
        }))
}
