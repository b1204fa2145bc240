//! The trigger payload and the trigger step's result.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};

/// What started an execution: a webhook request, a schedule tick, an instance event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriggerPayload {
    /// The request body (empty for schedules).
    pub body: Vec<u8>,
    /// Its content type, if known.
    pub content_type: Option<String>,
    /// Request headers.
    pub headers: BTreeMap<String, String>,
    /// Query parameters.
    pub query: BTreeMap<String, String>,
    /// The URL path below the webhook URL.
    pub path_fragment: String,
}

impl TriggerPayload {
    /// A JSON payload.
    pub fn json(value: &Value) -> Self {
        TriggerPayload {
            body: value.to_string().into_bytes(),
            content_type: Some("application/json".into()),
            ..Default::default()
        }
    }

    /// A payload of raw bytes; the content type is JSON when they parse as JSON, text when they
    /// are UTF-8, `application/octet-stream` otherwise.
    pub fn bytes(body: Vec<u8>) -> Self {
        let content_type = if serde_json::from_slice::<Value>(&body).is_ok() {
            "application/json"
        } else if std::str::from_utf8(&body).is_ok() {
            "text/plain"
        } else {
            "application/octet-stream"
        };
        TriggerPayload {
            body,
            content_type: Some(content_type.into()),
            ..Default::default()
        }
    }

    /// `body.data` as a step sees it: parsed JSON for a JSON body, text for a UTF-8 body,
    /// base64 otherwise; null when empty.
    fn data(&self) -> Value {
        if self.body.is_empty() {
            return Value::Null;
        }
        let is_json = self
            .content_type
            .as_deref()
            .is_none_or(|c| c.contains("json"));
        if is_json {
            if let Ok(v) = serde_json::from_slice(&self.body) {
                return v;
            }
        }
        match std::str::from_utf8(&self.body) {
            Ok(s) => Value::String(s.to_string()),
            Err(_) => Value::String(base64::engine::general_purpose::STANDARD.encode(&self.body)),
        }
    }
}

/// Who and what an execution runs for, as the trigger result shows it.
pub(crate) struct TriggerContext<'a> {
    pub execution_id: &'a str,
    pub flow: &'a str,
    pub customer: &'a Value,
    pub instance: &'a Value,
    pub webhook_urls: &'a BTreeMap<String, String>,
    pub started_at: &'a str,
}

/// The trigger step's result: `{body: {data, contentType}, headers, queryParameters,
/// pathFragment, webhookUrls, executionId, customer, instance, flow, startedAt}`.
pub(crate) fn trigger_result(payload: &TriggerPayload, ctx: &TriggerContext<'_>) -> Value {
    json!({
        "body": {
            "data": payload.data(),
            "contentType": payload.content_type.clone().unwrap_or_default(),
        },
        "headers": payload.headers,
        "queryParameters": payload.query,
        "pathFragment": payload.path_fragment,
        "webhookUrls": ctx.webhook_urls,
        "executionId": ctx.execution_id,
        "customer": ctx.customer,
        "instance": ctx.instance,
        "flow": {"name": ctx.flow},
        "startedAt": ctx.started_at,
    })
}
