//! [`StoreStateStore`]: `persist-data` values of an instance kept in the store, so they
//! survive between executions and across workers. Execution-scoped values stay in memory.

use async_trait::async_trait;
use plumb_core::action::{ActionError, StateScope, StateStore};
use plumb_engine::MemoryStateStore;
use plumb_store::Store;
use serde_json::Value;
use uuid::Uuid;

/// Instance state in the store: per instance flow (`Instance` scope, keyed by the flow's name)
/// and shared by the instance's flows (`CrossFlow`, scope `""`).
pub struct StoreStateStore {
    store: Store,
    instance_id: Uuid,
    flow: String,
    execution: MemoryStateStore,
}

impl StoreStateStore {
    /// The state of `flow` of instance `instance_id`.
    pub fn new(store: Store, instance_id: Uuid, flow: &str) -> StoreStateStore {
        StoreStateStore {
            store,
            instance_id,
            flow: flow.to_string(),
            execution: MemoryStateStore::new(),
        }
    }

    fn scope(&self, scope: StateScope) -> Option<&str> {
        match scope {
            StateScope::Instance => Some(&self.flow),
            StateScope::CrossFlow => Some(""),
            StateScope::Execution => None,
        }
    }
}

fn failed(e: impl std::fmt::Display) -> ActionError {
    tracing::error!(error = %e, "instance state store failed");
    ActionError::failed("the instance state could not be read or written")
}

#[async_trait]
impl StateStore for StoreStateStore {
    async fn get(&self, scope: StateScope, key: &str) -> Result<Option<Value>, ActionError> {
        let Some(s) = self.scope(scope) else {
            return self.execution.get(scope, key).await;
        };
        match self
            .store
            .get_instance_state(self.instance_id, s, key)
            .await
        {
            Ok(Some(text)) => serde_json::from_str(&text).map(Some).map_err(failed),
            Ok(None) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    async fn set(&self, scope: StateScope, key: &str, value: Value) -> Result<(), ActionError> {
        let Some(s) = self.scope(scope) else {
            return self.execution.set(scope, key, value).await;
        };
        self.store
            .set_instance_state(self.instance_id, s, key, Some(&value.to_string()))
            .await
            .map_err(failed)
    }

    async fn remove(&self, scope: StateScope, key: &str) -> Result<(), ActionError> {
        let Some(s) = self.scope(scope) else {
            return self.execution.remove(scope, key).await;
        };
        self.store
            .set_instance_state(self.instance_id, s, key, None)
            .await
            .map_err(failed)
    }
}
