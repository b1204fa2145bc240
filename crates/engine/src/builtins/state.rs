//! An in-memory [`StateStore`] (tests and local runs).

use std::collections::HashMap;
use std::sync::Mutex;

use plumb_core::action::{ActionError, StateScope, StateStore};
use serde_json::Value;

/// Keeps state in a map; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStateStore(Mutex<HashMap<(StateScope, String), Value>>);

impl MemoryStateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

fn poisoned() -> ActionError {
    ActionError::failed("state store lock poisoned")
}

#[async_trait::async_trait]
impl StateStore for MemoryStateStore {
    async fn get(&self, scope: StateScope, key: &str) -> Result<Option<Value>, ActionError> {
        let map = self.0.lock().map_err(|_| poisoned())?;
        Ok(map.get(&(scope, key.to_string())).cloned())
    }

    async fn set(&self, scope: StateScope, key: &str, value: Value) -> Result<(), ActionError> {
        let mut map = self.0.lock().map_err(|_| poisoned())?;
        map.insert((scope, key.to_string()), value);
        Ok(())
    }

    async fn remove(&self, scope: StateScope, key: &str) -> Result<(), ActionError> {
        let mut map = self.0.lock().map_err(|_| poisoned())?;
        map.remove(&(scope, key.to_string()));
        Ok(())
    }
}
