//! What the `slack` component is: its actions' inputs (Prismatic's Slack keys) and its
//! connection types.

use plumb_core::action::Connection;
use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec};
use serde_json::json;

/// The longest message text sent (Slack truncates messages over 40,000 characters).
pub(crate) const MAX_MESSAGE_CHARS: usize = 40_000;

plumb_core::action_inputs! {
    /// The connection every action takes first.
    pub struct Account {
        /// A Slack connection: `oauth2` or `bearer` for `postMessage`, `webhookUrl` for
        /// `postSlackMessage`.
        connection: Connection = ("Connection", Connection),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `postMessage` after the connection.
    pub struct PostMessage {
        /// The channel's name (`general`) or ID (`C02MS7HV6KB`).
        channelName: String = ("Channel Name or ID", String),
        /// The message text (at most 40,000 characters).
        message: String = ("Message", Text),
        /// The bot's display name for this message (needs the `chat:write.customize` scope).
        username: Option<String> = ("Bot Username", String),
        /// The `ts` of a message to reply to in its thread.
        messageId: Option<String> = ("Message ID", String),
    }
}

plumb_core::action_inputs! {
    /// The input of `postSlackMessage` after the connection.
    pub struct Text {
        /// The message text (at most 40,000 characters).
        message: String = ("Message", Text),
    }
}

fn example(title: &str, pairs: &[(&str, serde_json::Value)]) -> ActionExample {
    let mut e = ActionExample::values(title, pairs);
    if let Some(map) = e.inputs.as_object_mut() {
        map.insert(
            "connection".into(),
            json!({"type": "configVar", "value": "Slack Connection"}),
        );
    }
    e
}

/// The `slack` component's spec.
pub fn spec() -> ComponentSpec {
    let mut post = Account::specs();
    post.extend(PostMessage::specs());
    let mut hook = Account::specs();
    hook.extend(Text::specs());
    ComponentSpec::builtin(
        super::KEY,
        "Slack",
        "Post messages to Slack channels, with the Web API or an incoming webhook.",
    )
    .action(
        ActionSpec::new(
            "postMessage",
            "Post Message",
            "Post a message to a channel (chat.postMessage), optionally as a thread reply.",
            post,
        )
        .example(example(
            "Post to #general",
            &[
                ("channelName", json!("general")),
                ("message", json!("Hello from Acme!")),
            ],
        ))
        .example(example(
            "Reply in a thread as a named bot",
            &[
                ("channelName", json!("C02MS7HV6KB")),
                ("message", json!("Done.")),
                ("username", json!("Acme Bot")),
                ("messageId", json!("1503435956.000247")),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "postSlackMessage",
            "Post Slack Message From Webhook",
            "Post a message through an incoming webhook URL (the connection's webhookUrl).",
            hook,
        )
        .example(example(
            "Post through a webhook",
            &[("message", json!("Hello from Acme!"))],
        )),
    )
    .with_registered_connections()
}
