//! What the `aws-sns` component is: Prismatic's Amazon SNS actions and input keys, and its
//! connection type.

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec, InputSpec};
use serde_json::json;

use crate::aws_api::AwsAccess;

plumb_core::action_inputs! {
    /// A topic by ARN.
    pub struct Topic {
        /// The topic's ARN (`arn:aws:sns:us-east-1:123456789012:MyExampleTopic`).
        topicArn: String = ("Topic ARN", String),
    }
}

plumb_core::action_inputs! {
    /// A new topic's name.
    pub struct TopicName {
        /// The topic's name: letters, digits, `-` and `_`, at most 256 characters (FIFO topics
        /// end with `.fifo`).
        name: String = ("Name", String),
    }
}

plumb_core::action_inputs! {
    /// What `publishMessage` publishes.
    pub struct Publish {
        /// The message (an object or list is sent as its JSON text).
        message: serde_json::Value = ("Message", String),
        /// Message attributes, a list of `{key, value}`: a numeric text is a `Number`, a JSON
        /// list's text a `String.Array`, any other value a `String`.
        messageAttributes: Option<serde_json::Value> = ("Message Attributes", List),
    }
}

plumb_core::action_inputs! {
    /// What `subscribe` subscribes.
    pub struct Subscribe {
        /// The protocol: `application`, `email`, `email-json`, `firehose`, `http`, `https`,
        /// `lambda`, `sms` or `sqs`.
        protocol: String = ("Protocol", String, default "https"),
        /// Where notifications go (a URL, an email address, a phone number or an ARN, as the
        /// protocol needs).
        endpoint: String = ("Endpoint", String),
    }
}

plumb_core::action_inputs! {
    /// A subscription by ARN.
    pub struct Subscription {
        /// The subscription's ARN.
        subscriptionArn: String = ("Subscription ARN", String),
    }
}

plumb_core::action_inputs! {
    /// Paging of `listTopics`.
    pub struct TopicsPage {
        /// Fetch every page (else one page of at most 100 topics).
        fetchAllTopics: bool = ("Fetch All", Boolean, default "false"),
        /// The `NextToken` of the previous page.
        nextToken: Option<String> = ("Next Token", String),
    }
}

plumb_core::action_inputs! {
    /// Paging of `listSubscriptions`.
    pub struct SubscriptionsPage {
        /// Fetch every page (else one page of at most 100 subscriptions).
        fetchAllSubscriptions: bool = ("Fetch All", Boolean, default "false"),
        /// The `NextToken` of the previous page.
        nextToken: Option<String> = ("Next Token", String),
    }
}

fn inputs(parts: &[Vec<InputSpec>]) -> Vec<InputSpec> {
    let mut all: Vec<InputSpec> = parts.iter().flatten().cloned().collect();
    all.extend(AwsAccess::specs());
    all
}

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:MyExampleTopic";

fn example(title: &str, pairs: &[(&str, serde_json::Value)]) -> ActionExample {
    let mut e = ActionExample::values(title, pairs);
    if let Some(map) = e.inputs.as_object_mut() {
        map.insert(
            "awsConnection".into(),
            json!({"type": "configVar", "value": "AWS SNS Connection"}),
        );
        map.insert(
            "awsRegion".into(),
            json!({"type": "value", "value": "us-east-1"}),
        );
    }
    e
}

/// The `aws-sns` component's spec.
pub fn spec() -> ComponentSpec {
    ComponentSpec::builtin(
        super::KEY,
        "Amazon SNS",
        "Manage topics and subscriptions of Amazon Simple Notification Service, and publish \
         messages to them.",
    )
    .action(
        ActionSpec::new(
            "createTopic",
            "Create Topic",
            "Create an Amazon SNS Topic: `{TopicArn}`.",
            inputs(&[TopicName::specs()]),
        )
        .example(example(
            "An alerts topic",
            &[("name", json!("ProductionAlerts"))],
        )),
    )
    .action(
        ActionSpec::new(
            "deleteTopic",
            "Delete Topic",
            "Delete an Amazon SNS Topic.",
            inputs(&[Topic::specs()]),
        )
        .example(example("Delete the topic", &[("topicArn", json!(TOPIC))])),
    )
    .action(
        ActionSpec::new(
            "listTopics",
            "List Topics",
            "List available Amazon SNS Topics: `{Topics: [{TopicArn}], NextToken}`.",
            inputs(&[TopicsPage::specs()]),
        )
        .example(example("Every topic", &[("fetchAllTopics", json!(true))])),
    )
    .action(
        ActionSpec::new(
            "publishMessage",
            "Publish Message",
            "Publish a message to an Amazon SNS Topic: `{MessageId}`.",
            inputs(&[Topic::specs(), Publish::specs()]),
        )
        .example(example(
            "Announce a shipment",
            &[
                ("topicArn", json!(TOPIC)),
                ("message", json!("Your order has been shipped!")),
                (
                    "messageAttributes",
                    json!([{"key": "orderId", "value": "42"}]),
                ),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "subscribe",
            "Subscribe to Topic",
            "Subscribe an endpoint to an Amazon SNS Topic: `{SubscriptionArn}` (`pending \
             confirmation` until the endpoint confirms).",
            inputs(&[Topic::specs(), Subscribe::specs()]),
        )
        .example(example(
            "Deliver to a queue",
            &[
                ("topicArn", json!(TOPIC)),
                ("protocol", json!("sqs")),
                (
                    "endpoint",
                    json!("arn:aws:sqs:us-east-1:123456789012:MyQueue"),
                ),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "unsubscribe",
            "Unsubscribe",
            "Delete a subscription.",
            inputs(&[Subscription::specs()]),
        )
        .example(example(
            "Stop a subscription",
            &[(
                "subscriptionArn",
                json!(format!("{TOPIC}:a1b2c3d4-e5f6-7890-abcd-ef1234567890")),
            )],
        )),
    )
    .action(
        ActionSpec::new(
            "listSubscriptions",
            "List Subscriptions",
            "Retrieve the subscriptions of an Amazon SNS Topic: `{Subscriptions: \
             [{SubscriptionArn, Owner, Protocol, Endpoint, TopicArn}], NextToken}`.",
            inputs(&[Topic::specs(), SubscriptionsPage::specs()]),
        )
        .example(example(
            "The topic's subscribers",
            &[("topicArn", json!(TOPIC))],
        )),
    )
    .action(
        ActionSpec::new(
            "getTopicAttributes",
            "Get Topic Attributes",
            "Get the attributes of an Amazon SNS Topic: `{Attributes: {TopicArn, Owner, \
             Policy, DisplayName, SubscriptionsConfirmed, ...}}`.",
            inputs(&[Topic::specs()]),
        )
        .example(example(
            "The topic's settings",
            &[("topicArn", json!(TOPIC))],
        )),
    )
    .with_registered_connections()
}
