//! The `aws-sqs` component: Prismatic's Amazon SQS actions (`listQueues`, `sendMessage`,
//! `receiveMessages`, `deleteMessage`, `getQueueUrl`, `createQueue`, `deleteQueue`) over SQS's
//! AWS JSON 1.0 protocol, signed by `plumb-auth`'s SigV4 scheme and sent through its transport
//! (see [`crate::aws_api`]). No AWS SDK.
//!
//! - `manifest`: its spec (Prismatic's input keys: `url`, `message`, `maxNumber`, ...).
//! - this file: each action as one call; answers as the AWS SDK gives them, with `$metadata`.

mod manifest;

use std::sync::Arc;
use std::time::Instant;

use plumb_auth::AuthClient;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::Component;
use serde_json::{json, Map, Value};

use crate::aws_api::{AwsAccess, Service};
use manifest::{
    CreateInputs, ListInputs, QueueName, QueueUrl, ReceiptInputs, ReceiveInputs, SendInputs,
};

pub use manifest::spec;

/// The component's key.
pub const KEY: &str = "aws-sqs";

/// The most pages `listQueues` fetches with `fetchAll`.
const MAX_PAGES: usize = 100;

/// The component: its spec and actions, signing and sending through `auth`.
pub fn component(auth: Arc<AuthClient>) -> Component {
    crate::assemble(spec(), actions_with(auth))
}

/// The actions on the default [`AuthClient`].
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    actions_with(crate::outbound::default_auth())
}

/// The actions, keyed by action key, sending through `auth`.
pub fn actions_with(auth: Arc<AuthClient>) -> Vec<(&'static str, Arc<dyn Action>)> {
    [
        "listQueues",
        "sendMessage",
        "receiveMessages",
        "deleteMessage",
        "getQueueUrl",
        "createQueue",
        "deleteQueue",
    ]
    .into_iter()
    .map(|key| {
        (
            key,
            Arc::new(Sqs {
                auth: Arc::clone(&auth),
                action: key,
            }) as Arc<dyn Action>,
        )
    })
    .collect()
}

/// One SQS action.
struct Sqs {
    auth: Arc<AuthClient>,
    action: &'static str,
}

fn bounded(value: Option<u64>, key: &str, min: u64, max: u64) -> Result<Option<u64>, ActionError> {
    match value {
        Some(n) if n < min || n > max => Err(ActionError::input(
            key,
            format!("must be from {min} to {max}"),
        )),
        other => Ok(other),
    }
}

fn required(text: &str, key: &str) -> Result<String, ActionError> {
    let t = text.trim();
    if t.is_empty() {
        Err(ActionError::input(key, "is required"))
    } else {
        Ok(t.to_string())
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Sqs {
    async fn call(&self, ctx: &ActionContext, inputs: &Inputs) -> Result<Value, ActionError> {
        let access = AwsAccess::from_inputs(inputs)?;
        let sqs = Service::new(&self.auth, &access, "sqs")?;
        let target = |action: &str| format!("AmazonSQS.{action}");
        match self.action {
            "listQueues" => {
                let i = ListInputs::from_inputs(inputs)?;
                let max = bounded(i.maxResults.0, "maxResults", 1, 1000)?;
                let mut body = Map::new();
                if let Some(p) = i.prefix.filter(|p| !p.is_empty()) {
                    body.insert("QueueNamePrefix".into(), json!(p));
                }
                if i.fetchAll {
                    body.insert("MaxResults".into(), json!(1000));
                } else {
                    if let Some(m) = max {
                        body.insert("MaxResults".into(), json!(m));
                    }
                    if let Some(t) = i.nextToken.filter(|t| !t.is_empty()) {
                        body.insert("NextToken".into(), json!(t));
                    }
                }
                let mut answer = sqs
                    .json_call(&target("ListQueues"), &Value::Object(body.clone()))
                    .await?;
                if !i.fetchAll {
                    return Ok(answer);
                }
                let mut urls: Vec<Value> =
                    answer["QueueUrls"].as_array().cloned().unwrap_or_default();
                let mut pages = 1;
                while let Some(token) = answer["NextToken"].as_str().map(str::to_string) {
                    if pages == MAX_PAGES {
                        return Err(ActionError::failed(format!(
                            "listQueues: more than {MAX_PAGES} pages of queues; narrow it with a prefix"
                        )));
                    }
                    body.insert("NextToken".into(), json!(token));
                    answer = sqs
                        .json_call(&target("ListQueues"), &Value::Object(body.clone()))
                        .await?;
                    urls.extend(answer["QueueUrls"].as_array().cloned().unwrap_or_default());
                    pages += 1;
                }
                if !urls.is_empty() {
                    answer["QueueUrls"] = Value::Array(urls);
                }
                Ok(answer)
            }
            "sendMessage" => {
                let url = required(&QueueUrl::from_inputs(inputs)?.url, "url")?;
                let i = SendInputs::from_inputs(inputs)?;
                let delay = bounded(i.delaySeconds.0, "delaySeconds", 0, 900)?;
                if i.attributes.0.len() > 10 {
                    return Err(ActionError::input(
                        "attributes",
                        "has more than 10 attributes",
                    ));
                }
                let mut body = json!({"QueueUrl": url, "MessageBody": text_of(&i.message)});
                if let Some(d) = delay {
                    body["DelaySeconds"] = json!(d);
                }
                if !i.attributes.0.is_empty() {
                    let attrs: Map<String, Value> = i
                        .attributes
                        .0
                        .iter()
                        .map(|(k, v)| (k.clone(), json!({"DataType": "String", "StringValue": v})))
                        .collect();
                    body["MessageAttributes"] = Value::Object(attrs);
                }
                if let Some(g) = i.messageGroupId.filter(|g| !g.is_empty()) {
                    body["MessageGroupId"] = json!(g);
                }
                if let Some(d) = i.messageDeduplicationId.filter(|d| !d.is_empty()) {
                    body["MessageDeduplicationId"] = json!(d);
                }
                sqs.json_call(&target("SendMessage"), &body).await
            }
            "receiveMessages" => {
                let url = required(&QueueUrl::from_inputs(inputs)?.url, "url")?;
                let i = ReceiveInputs::from_inputs(inputs)?;
                let max = bounded(Some(i.maxNumber.or(1)), "maxNumber", 1, 10)?.unwrap_or(1);
                let mut wait = bounded(i.waitTime.0, "waitTime", 0, 20)?;
                if let (Some(w), Some(deadline)) = (wait, ctx.deadline) {
                    let left = deadline.saturating_duration_since(Instant::now()).as_secs();
                    wait = Some(w.min(left));
                }
                let mut body = json!({
                    "QueueUrl": url,
                    "AttributeNames": ["All"],
                    "MessageAttributeNames": ["All"],
                    "MaxNumberOfMessages": max,
                });
                if let Some(w) = wait.filter(|w| *w > 0) {
                    body["WaitTimeSeconds"] = json!(w);
                }
                let mut answer = sqs.json_call(&target("ReceiveMessage"), &body).await?;
                if !answer["Messages"].is_array() {
                    answer["Messages"] = json!([]);
                }
                Ok(answer)
            }
            "deleteMessage" => {
                let url = required(&QueueUrl::from_inputs(inputs)?.url, "url")?;
                let handle = required(
                    &ReceiptInputs::from_inputs(inputs)?.receiptHandle,
                    "receiptHandle",
                )?;
                sqs.json_call(
                    &target("DeleteMessage"),
                    &json!({"QueueUrl": url, "ReceiptHandle": handle}),
                )
                .await
            }
            "getQueueUrl" => {
                let name = required(&QueueName::from_inputs(inputs)?.name, "name")?;
                sqs.json_call(&target("GetQueueUrl"), &json!({"QueueName": name}))
                    .await
            }
            "createQueue" => {
                let name = required(&QueueName::from_inputs(inputs)?.name, "name")?;
                let i = CreateInputs::from_inputs(inputs)?;
                let valid = name.len() <= 80
                    && name
                        .trim_end_matches(".fifo")
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !valid {
                    return Err(ActionError::input(
                        "name",
                        "may hold only letters, digits, `-` and `_` (and a `.fifo` ending), at most 80 characters",
                    ));
                }
                let mut attributes = Map::new();
                if i.isFifo {
                    attributes.insert("FifoQueue".into(), json!("true"));
                    if i.contentBasedDeduplication {
                        attributes.insert("ContentBasedDeduplication".into(), json!("true"));
                    }
                }
                let mut body = json!({"QueueName": name});
                if !attributes.is_empty() {
                    body["Attributes"] = Value::Object(attributes);
                }
                if !i.tags.0.is_empty() {
                    let tags: Map<String, Value> = i
                        .tags
                        .0
                        .iter()
                        .map(|(k, v)| (k.clone(), json!(v)))
                        .collect();
                    body["tags"] = Value::Object(tags);
                }
                sqs.json_call(&target("CreateQueue"), &body).await
            }
            "deleteQueue" => {
                let url = required(&QueueUrl::from_inputs(inputs)?.url, "url")?;
                sqs.json_call(&target("DeleteQueue"), &json!({"QueueUrl": url}))
                    .await
            }
            other => Err(ActionError::failed(format!(
                "aws-sqs has no action `{other}`"
            ))),
        }
    }
}

#[async_trait::async_trait]
impl Action for Sqs {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        self.call(ctx, &inputs).await.map(Data::Json)
    }
}

#[cfg(test)]
mod tests;
