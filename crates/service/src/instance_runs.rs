//! Runs of instance flows on request and webhook API keys.
//!
//! Rules: deployers and admins run an instance's flows and key their webhooks, a customer-bound
//! caller only its customer's (another's is "not found"). A run is queued like a webhook's, with
//! invoke type `manual`. A new webhook API key (`plumbwh_` + 192 random bits) is answered once
//! and stored only as its hash; it replaces the flow's keys unless they are kept.

use std::collections::BTreeMap;

use plumb_runtime::TriggerInput;
use plumb_store::executions::Execution;
use plumb_store::instances::{FlowConfig, Instance};
use plumb_store::StoreError;
use rand::RngCore;
use uuid::Uuid;

use crate::instances::require_deployer;
use crate::{Caller, ServiceError, Services};

/// A run's request: which flow (by its config's ID, or by name within an instance) and what
/// the trigger receives.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// The instance flow config, or (`by_instance`) the instance.
    pub id: Option<Uuid>,
    /// Whether `id` names the instance (then `flow_name` picks the flow; default the first).
    pub by_instance: bool,
    /// The flow's name within the instance.
    pub flow_name: Option<String>,
    /// The trigger payload.
    pub payload: Option<String>,
    /// Its content type.
    pub content_type: Option<String>,
    /// Request headers, a JSON object of strings.
    pub headers: Option<String>,
}

impl Services {
    /// An instance flow config and its instance, if the caller sees them.
    async fn visible_flow(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Option<(FlowConfig, Instance)>, ServiceError> {
        let flow = match self.store.get_flow_config(caller.org_id, id).await {
            Ok(f) => f,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        match self
            .store
            .get_instance(caller.org_id, flow.instance_id)
            .await
        {
            Ok(i) if caller.sees_customer(i.customer_id) => Ok(Some((flow, i))),
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Queues a run of an instance flow with a payload (an instance's "Run test").
    pub async fn run_flow(
        &self,
        caller: &Caller,
        request: RunRequest,
    ) -> Result<Execution, ServiceError> {
        require_deployer(caller)?;
        let id = request
            .id
            .ok_or_else(|| ServiceError::invalid("id", "is required"))?;
        let headers: BTreeMap<String, String> = match request.headers.as_deref() {
            None | Some("") => BTreeMap::new(),
            Some(text) => serde_json::from_str(text).map_err(|_| {
                ServiceError::invalid("headers", "must be a JSON object of strings")
            })?,
        };
        let trigger = TriggerInput {
            body: request.payload.map(String::into_bytes),
            content_type: request.content_type,
            headers,
            query: BTreeMap::new(),
        };
        if request.by_instance {
            return self
                .run_instance_flow(caller, Some(id), request.flow_name.as_deref(), trigger)
                .await;
        }
        let (flow, instance) = self
            .visible_flow(caller, id)
            .await?
            .ok_or_else(|| ServiceError::invalid("id", "instance flow not found"))?;
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

    /// Creates a new API key for an instance flow's webhook; answers the key (shown once), the
    /// flow config and its instance.
    pub async fn rotate_flow_api_key(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
        keep_existing: bool,
    ) -> Result<(String, FlowConfig, Instance), ServiceError> {
        require_deployer(caller)?;
        let missing = || ServiceError::invalid("id", "instance flow not found");
        let id = id.ok_or_else(missing)?;
        let (flow, instance) = self.visible_flow(caller, id).await?.ok_or_else(missing)?;
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        let key = format!("plumbwh_{}", hex::encode(bytes));
        let mut hashes = if keep_existing {
            flow.api_key_hashes.clone()
        } else {
            vec![]
        };
        hashes.push(plumb_store::tokens::hash_token(&key));
        let row = self
            .store
            .set_flow_api_keys(caller.org_id, flow.id, &hashes)
            .await?;
        Ok((key, row, instance))
    }
}
