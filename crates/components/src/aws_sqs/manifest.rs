//! What the `aws-sqs` component is: Prismatic's Amazon SQS actions and input keys, and its
//! connection type.

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec, InputSpec};
use serde_json::json;

use crate::aws_api::AwsAccess;
use crate::util::{Count, KeyValues};

plumb_core::action_inputs! {
    /// The queue an action works on.
    pub struct QueueUrl {
        /// The queue's URL (`https://sqs.us-east-1.amazonaws.com/012345678900/my-queue`).
        url: String = ("Queue URL", String),
    }
}

plumb_core::action_inputs! {
    /// A queue's name.
    pub struct QueueName {
        /// The queue's name: letters, digits, `-` and `_`, 1 to 80 characters (FIFO queues end
        /// with `.fifo`).
        name: String = ("Name", String),
    }
}

plumb_core::action_inputs! {
    /// What `sendMessage` sends.
    pub struct SendInputs {
        /// The message body (an object or list is sent as its JSON text).
        message: serde_json::Value = ("Message", String),
        /// The message group of a FIFO queue.
        messageGroupId: Option<String> = ("Message Group Id", String),
        /// The deduplication ID of a FIFO queue message.
        messageDeduplicationId: Option<String> = ("Message deduplication ID", String),
        /// Message attributes, a list of `{key, value}` (at most 10), sent as `String`
        /// attributes.
        attributes: KeyValues = ("Attributes", List),
        /// Seconds to delay the message (0 to 900).
        delaySeconds: Count = ("Delay Seconds", Data),
    }
}

plumb_core::action_inputs! {
    /// What `receiveMessages` asks for.
    pub struct ReceiveInputs {
        /// The most messages answered (1 to 10).
        maxNumber: Count = ("Max Messages", String, default "1"),
        /// Seconds to wait for a message when the queue is empty (0 to 20; never past the
        /// execution's time limit).
        waitTime: Count = ("Wait Time (seconds)", String),
    }
}

plumb_core::action_inputs! {
    /// What `deleteMessage` deletes.
    pub struct ReceiptInputs {
        /// The `ReceiptHandle` of a received message.
        receiptHandle: String = ("Receipt Handle", String),
    }
}

plumb_core::action_inputs! {
    /// What `createQueue` creates.
    pub struct CreateInputs {
        /// Create a FIFO queue (its name must end with `.fifo`).
        isFifo: bool = ("FIFO Queue", Boolean, default "false"),
        /// Turn on content-based deduplication (FIFO queues).
        contentBasedDeduplication: bool = ("Content Based Deduplication", Boolean, default "false"),
        /// Tags of the queue, a list of `{key, value}`.
        tags: KeyValues = ("Tags", List),
    }
}

plumb_core::action_inputs! {
    /// What `listQueues` lists.
    pub struct ListInputs {
        /// Only queues whose name starts with it (case-sensitive).
        prefix: Option<String> = ("Queue Prefix", String),
        /// The most queue URLs in one page (1 to 1000).
        maxResults: Count = ("Max Results", String),
        /// The `NextToken` of the previous page.
        nextToken: Option<String> = ("Next Token", String),
        /// Fetch every page (ignores `maxResults` and `nextToken`).
        fetchAll: bool = ("Fetch All", Boolean, default "false"),
    }
}

fn inputs(parts: &[Vec<InputSpec>]) -> Vec<InputSpec> {
    let mut all: Vec<InputSpec> = parts.iter().flatten().cloned().collect();
    all.extend(AwsAccess::specs());
    all
}

const QUEUE: &str = "https://sqs.us-east-1.amazonaws.com/012345678900/my-example-queue";

fn example(title: &str, pairs: &[(&str, serde_json::Value)]) -> ActionExample {
    let mut e = ActionExample::values(title, pairs);
    if let Some(map) = e.inputs.as_object_mut() {
        map.insert(
            "awsConnection".into(),
            json!({"type": "configVar", "value": "AWS SQS Connection"}),
        );
        map.insert(
            "awsRegion".into(),
            json!({"type": "value", "value": "us-east-1"}),
        );
    }
    e
}

/// The `aws-sqs` component's spec.
pub fn spec() -> ComponentSpec {
    ComponentSpec::builtin(
        super::KEY,
        "Amazon SQS",
        "Send, receive and manage messages and queues of Amazon Simple Queue Service.",
    )
    .action(
        ActionSpec::new(
            "listQueues",
            "List Queues",
            "Fetch a list of Amazon SQS Queues: `{QueueUrls, NextToken}`.",
            inputs(&[ListInputs::specs()]),
        )
        .example(example(
            "Queues named orders-*",
            &[("prefix", json!("orders-"))],
        )),
    )
    .action(
        ActionSpec::new(
            "sendMessage",
            "Send Message",
            "Send a message to an Amazon SQS Queue: `{MessageId, MD5OfMessageBody, ...}`.",
            inputs(&[QueueUrl::specs(), SendInputs::specs()]),
        )
        .example(example(
            "Send an order",
            &[
                ("url", json!(QUEUE)),
                ("message", json!("{\"orderId\": 42}")),
                ("attributes", json!([{"key": "source", "value": "plumb"}])),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "receiveMessages",
            "Receive Messages",
            "Receive messages from an Amazon SQS Queue: `{Messages: [{MessageId, ReceiptHandle, \
             Body, Attributes, MessageAttributes}]}` (`[]` when none came in time).",
            inputs(&[QueueUrl::specs(), ReceiveInputs::specs()]),
        )
        .example(example(
            "Up to five messages, waiting 10 seconds",
            &[
                ("url", json!(QUEUE)),
                ("maxNumber", json!("5")),
                ("waitTime", json!("10")),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "deleteMessage",
            "Delete Message",
            "Delete a message from an Amazon SQS Queue by its receipt handle.",
            inputs(&[QueueUrl::specs(), ReceiptInputs::specs()]),
        )
        .example(example(
            "Delete a processed message",
            &[
                ("url", json!(QUEUE)),
                (
                    "receiptHandle",
                    json!("AQEBwLpNvpxWR+nqO4frM8rWABCI4dbqTwo7"),
                ),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "getQueueUrl",
            "Get a Queue's URL",
            "Get the URL of an Amazon SQS Queue given its name: `{QueueUrl}`.",
            inputs(&[QueueName::specs()]),
        )
        .example(example(
            "The orders queue",
            &[("name", json!("my-example-queue"))],
        )),
    )
    .action(
        ActionSpec::new(
            "createQueue",
            "Create Queue",
            "Create an Amazon SQS Queue: `{QueueUrl}`.",
            inputs(&[QueueName::specs(), CreateInputs::specs()]),
        )
        .example(example(
            "A FIFO queue",
            &[
                ("name", json!("orders.fifo")),
                ("isFifo", json!(true)),
                ("contentBasedDeduplication", json!(true)),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "deleteQueue",
            "Delete Queue",
            "Delete an Amazon SQS Queue.",
            inputs(&[QueueUrl::specs()]),
        )
        .example(example("Delete the queue", &[("url", json!(QUEUE))])),
    )
    .with_registered_connections()
}
