//! Runs of instance flows on request and webhook API keys: `runInstanceFlow`,
//! `rotateInstanceFlowApiKey`.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{Context, Object};
use plumb_runtime::{Runtime, TriggerInput};
use plumb_store::{Store, StoreError};
use rand::RngCore;

use super::errors::{internal, PayloadErrors, Result};
use super::instance_types::*;
use super::instances::{require_deployer, visible};
use super::{caller, decode_id};

/// Mutations that run instance flows or key their webhooks.
#[derive(Default)]
pub struct InstanceRunMutation;

#[Object]
impl InstanceRunMutation {
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
