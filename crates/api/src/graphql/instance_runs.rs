//! Runs of instance flows on request and webhook API keys: `runInstanceFlow`,
//! `rotateInstanceFlowApiKey`.

use std::sync::Arc;

use async_graphql::{Context, Object};
use plumb_runtime::Runtime;
use plumb_service::instance_runs::RunRequest;
use plumb_service::Services;

use super::errors::{present, Result};
use super::instance_types::*;
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
        let (id, by_instance) = match &input.id {
            None => (None, false),
            Some(id) => match decode_id(FLOW_CONFIG_TYPE, id) {
                Some(fid) => (Some(fid), false),
                None => (decode_id(TYPE, id), true),
            },
        };
        let missing_id = input.id.is_some() && id.is_none();
        let request = RunRequest {
            id,
            by_instance,
            flow_name: input.flow_name,
            payload: input.payload,
            content_type: input.content_type,
            headers: input.headers,
        };
        let answer = if missing_id {
            Err(plumb_service::ServiceError::invalid(
                "id",
                "instance not found",
            ))
        } else {
            ctx.data::<Services>()?.run_flow(caller, request).await
        };
        present(
            answer,
            |e| RunInstanceFlowPayload {
                execution: Some(e.into()),
                errors: vec![],
            },
            |errors| RunInstanceFlowPayload {
                execution: None,
                errors,
            },
        )
    }

    /// Creates a new API key for an instance flow's webhook (shown once), replacing the
    /// existing keys unless `keepExisting`.
    async fn rotate_instance_flow_api_key(
        &self,
        ctx: &Context<'_>,
        input: RotateInstanceFlowApiKeyInput,
    ) -> Result<RotateInstanceFlowApiKeyPayload> {
        let caller = caller(ctx)?;
        let id = input
            .id
            .as_ref()
            .and_then(|i| decode_id(FLOW_CONFIG_TYPE, i));
        let public_url = ctx.data::<Arc<Runtime>>()?.public_url.clone();
        present(
            ctx.data::<Services>()?
                .rotate_flow_api_key(caller, id, input.keep_existing.unwrap_or(false))
                .await,
            |(key, row, instance)| RotateInstanceFlowApiKeyPayload {
                api_key: Some(key),
                instance_flow_config: Some(InstanceFlowConfig::new(
                    row,
                    instance.integration_version_id,
                    &public_url,
                )),
                errors: vec![],
            },
            |errors| RotateInstanceFlowApiKeyPayload {
                errors,
                ..Default::default()
            },
        )
    }
}
