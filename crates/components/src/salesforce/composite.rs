//! The `composite` action: `POST /composite` with `{allOrNone, compositeRequest}`. A
//! subrequest that failed fails the step with Salesforce's errors and the whole answer.

use std::sync::Arc;

use plumb_auth::AuthClient;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use reqwest::Method;
use serde_json::{json, Value};

use super::client::{describe, SfClient};
use super::manifest::CompositeRequest;

/// The `composite` action.
#[derive(Clone)]
pub struct Composite {
    pub(crate) auth: Arc<AuthClient>,
}

#[async_trait::async_trait]
impl Action for Composite {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let client = SfClient::from_inputs(&self.auth, &inputs)?;
        let CompositeRequest {
            compositeRequest,
            allOrNone,
        } = CompositeRequest::from_inputs(&inputs)?;
        let requests = match compositeRequest.0 {
            Some(Value::Array(items)) => Value::Array(items),
            Some(Value::Object(mut map)) if map.contains_key("compositeRequest") => {
                map.remove("compositeRequest").unwrap_or(Value::Null)
            }
            _ => {
                return Err(ActionError::input(
                    "compositeRequest",
                    "must be a list of {method, url, referenceId, body}",
                ))
            }
        };
        let body = json!({
            "allOrNone": allOrNone,
            "compositeRequest": requests,
        });
        let path = client.data_path("composite");
        let reply = client.send(Method::POST, &path, Some(&body)).await?;
        let failures: Vec<String> = reply.body["compositeResponse"]
            .as_array()
            .map(|subs| {
                subs.iter()
                    .filter(|s| s["httpStatusCode"].as_u64().is_some_and(|c| c >= 400))
                    .flat_map(|s| {
                        let reference = s["referenceId"].as_str().unwrap_or("?").to_string();
                        let mut errors: Vec<String> = s["body"]
                            .as_array()
                            .map(|errs| errs.iter().filter_map(describe).collect())
                            .unwrap_or_default();
                        if errors.is_empty() {
                            errors.push(format!("HTTP {}", s["httpStatusCode"]));
                        }
                        errors.into_iter().map(move |e| format!("{reference}: {e}"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !failures.is_empty() {
            return Err(ActionError::Failed {
                message: format!(
                    "Salesforce composite request failed: {}",
                    failures.join("; ")
                ),
                details: Some(reply.body),
            });
        }
        Ok(Data::Json(reply.body))
    }
}
