//! The `aws-sns` component: Prismatic's Amazon SNS actions (`createTopic`, `deleteTopic`,
//! `listTopics`, `publishMessage`, `subscribe`, `unsubscribe`, `listSubscriptions`,
//! `getTopicAttributes`) over SNS's Query protocol (form requests, XML answers), signed by
//! `plumb-auth`'s SigV4 scheme and sent through its transport (see [`crate::aws_api`]). No AWS
//! SDK.
//!
//! - `manifest`: its spec (Prismatic's input keys: `topicArn`, `message`, `name`, ...).
//! - this file: each action as one call (or one per page), answers as the AWS SDK gives them.

mod manifest;

use std::sync::Arc;

use plumb_auth::AuthClient;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::Component;
use serde_json::Value;

use crate::aws_api::{entries, members, AwsAccess, Service};
use manifest::{Publish, Subscribe, Subscription, SubscriptionsPage, Topic, TopicName, TopicsPage};

pub use manifest::spec;

/// The component's key.
pub const KEY: &str = "aws-sns";

/// The SNS API version of the Query protocol.
const VERSION: &str = "2010-03-31";

/// The most pages a `fetchAll` list fetches.
const MAX_PAGES: usize = 100;

/// The protocols `subscribe` accepts.
const PROTOCOLS: &[&str] = &[
    "application",
    "email",
    "email-json",
    "firehose",
    "http",
    "https",
    "lambda",
    "sms",
    "sqs",
];

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
        "createTopic",
        "deleteTopic",
        "listTopics",
        "publishMessage",
        "subscribe",
        "unsubscribe",
        "listSubscriptions",
        "getTopicAttributes",
    ]
    .into_iter()
    .map(|key| {
        (
            key,
            Arc::new(Sns {
                auth: Arc::clone(&auth),
                action: key,
            }) as Arc<dyn Action>,
        )
    })
    .collect()
}

/// One SNS action.
struct Sns {
    auth: Arc<AuthClient>,
    action: &'static str,
}

fn required(text: &str, key: &str) -> Result<String, ActionError> {
    let t = text.trim();
    if t.is_empty() {
        Err(ActionError::input(key, "is required"))
    } else {
        Ok(t.to_string())
    }
}

fn p(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_string(), v.into())
}

/// A message attribute as Prismatic types it: numeric text → `Number`, a JSON list's text →
/// `String.Array`, other text → `String`, any other value → `String` of its JSON.
pub(crate) fn attribute(value: &Value) -> (&'static str, String) {
    match value {
        Value::String(s) => {
            let t = s.trim();
            if !t.is_empty() && t.parse::<f64>().is_ok_and(f64::is_finite) {
                ("Number", s.clone())
            } else if serde_json::from_str::<Value>(t).is_ok_and(|v| v.is_array()) {
                let list: Value = serde_json::from_str(t).unwrap_or(Value::Null);
                ("String.Array", list.to_string())
            } else {
                ("String", s.clone())
            }
        }
        other => ("String", other.to_string()),
    }
}

impl Sns {
    /// Pages of a list action: `list_key` holds the items.
    async fn pages(
        &self,
        sns: &Service,
        action: &str,
        mut params: Vec<(String, String)>,
        list_key: &str,
        all: bool,
    ) -> Result<Value, ActionError> {
        let mut answer = sns.query_call(action, VERSION, &params).await?;
        let mut items = members(answer.get(list_key));
        let mut pages = 1;
        while let Some(token) = answer["NextToken"]
            .as_str()
            .filter(|t| all && !t.is_empty())
            .map(str::to_string)
        {
            if pages == MAX_PAGES {
                return Err(ActionError::failed(format!(
                    "{action}: more than {MAX_PAGES} pages"
                )));
            }
            params.retain(|(k, _)| k != "NextToken");
            params.push(p("NextToken", token));
            answer = sns.query_call(action, VERSION, &params).await?;
            items.extend(members(answer.get(list_key)));
            pages += 1;
        }
        answer[list_key] = Value::Array(items);
        if answer["NextToken"].as_str().is_none_or(str::is_empty) || all {
            if let Some(map) = answer.as_object_mut() {
                map.remove("NextToken");
            }
        }
        Ok(answer)
    }

    async fn call(&self, inputs: &Inputs) -> Result<Value, ActionError> {
        let access = AwsAccess::from_inputs(inputs)?;
        let sns = Service::new(&self.auth, &access, "sns")?;
        let topic = || -> Result<String, ActionError> {
            required(&Topic::from_inputs(inputs)?.topicArn, "topicArn")
        };
        match self.action {
            "createTopic" => {
                let name = required(&TopicName::from_inputs(inputs)?.name, "name")?;
                let valid = name.len() <= 256
                    && name
                        .trim_end_matches(".fifo")
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !valid {
                    return Err(ActionError::input(
                        "name",
                        "may hold only letters, digits, `-` and `_` (and a `.fifo` ending), at most 256 characters",
                    ));
                }
                let mut params = vec![p("Name", name.clone())];
                if name.ends_with(".fifo") {
                    params.push(p("Attributes.entry.1.key", "FifoTopic"));
                    params.push(p("Attributes.entry.1.value", "true"));
                }
                sns.query_call("CreateTopic", VERSION, &params).await
            }
            "deleteTopic" => {
                sns.query_call("DeleteTopic", VERSION, &[p("TopicArn", topic()?)])
                    .await
            }
            "listTopics" => {
                let i = TopicsPage::from_inputs(inputs)?;
                let mut params = Vec::new();
                if let Some(t) = i.nextToken.filter(|t| !t.is_empty() && !i.fetchAllTopics) {
                    params.push(p("NextToken", t));
                }
                self.pages(&sns, "ListTopics", params, "Topics", i.fetchAllTopics)
                    .await
            }
            "publishMessage" => {
                let arn = topic()?;
                let i = Publish::from_inputs(inputs)?;
                let message = match &i.message {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let mut params = vec![p("TopicArn", arn), p("Message", message)];
                let attrs = match i.messageAttributes {
                    None | Some(Value::Null) => serde_json::Map::new(),
                    Some(v) => crate::util::pairs_json(v, "messageAttributes")?,
                };
                for (n, (name, value)) in attrs.iter().enumerate() {
                    let (data_type, text) = attribute(value);
                    let at = format!("MessageAttributes.entry.{}", n + 1);
                    params.push(p(&format!("{at}.Name"), name.clone()));
                    params.push(p(&format!("{at}.Value.DataType"), data_type));
                    params.push(p(&format!("{at}.Value.StringValue"), text));
                }
                sns.query_call("Publish", VERSION, &params).await
            }
            "subscribe" => {
                let arn = topic()?;
                let i = Subscribe::from_inputs(inputs)?;
                let protocol = i.protocol.trim().to_ascii_lowercase();
                if !PROTOCOLS.contains(&protocol.as_str()) {
                    return Err(ActionError::input(
                        "protocol",
                        format!("must be one of {}", PROTOCOLS.join(", ")),
                    ));
                }
                let endpoint = required(&i.endpoint, "endpoint")?;
                sns.query_call(
                    "Subscribe",
                    VERSION,
                    &[
                        p("TopicArn", arn),
                        p("Protocol", protocol),
                        p("Endpoint", endpoint),
                        p("ReturnSubscriptionArn", "false"),
                    ],
                )
                .await
            }
            "unsubscribe" => {
                let arn = required(
                    &Subscription::from_inputs(inputs)?.subscriptionArn,
                    "subscriptionArn",
                )?;
                sns.query_call("Unsubscribe", VERSION, &[p("SubscriptionArn", arn)])
                    .await
            }
            "listSubscriptions" => {
                let arn = topic()?;
                let i = SubscriptionsPage::from_inputs(inputs)?;
                let mut params = vec![p("TopicArn", arn)];
                if let Some(t) = i
                    .nextToken
                    .filter(|t| !t.is_empty() && !i.fetchAllSubscriptions)
                {
                    params.push(p("NextToken", t));
                }
                self.pages(
                    &sns,
                    "ListSubscriptionsByTopic",
                    params,
                    "Subscriptions",
                    i.fetchAllSubscriptions,
                )
                .await
            }
            "getTopicAttributes" => {
                let mut answer = sns
                    .query_call("GetTopicAttributes", VERSION, &[p("TopicArn", topic()?)])
                    .await?;
                let attributes = entries(answer.get("Attributes"));
                answer["Attributes"] = attributes;
                Ok(answer)
            }
            other => Err(ActionError::failed(format!(
                "aws-sns has no action `{other}`"
            ))),
        }
    }
}

#[async_trait::async_trait]
impl Action for Sns {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        self.call(&inputs).await.map(Data::Json)
    }
}

#[cfg(test)]
mod tests;
