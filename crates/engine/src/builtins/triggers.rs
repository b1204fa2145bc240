//! The trigger components: `webhook-triggers`, `schedule-triggers` and `management-triggers`.
//! The engine runs trigger steps itself: their result is the trigger payload.

use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::json;

plumb_core::action_inputs! {
    /// Inputs of the `webhook` trigger: the answer of a synchronous call, when the flow does
    /// not give one with `stopExecution`.
    pub struct WebhookInputs {
        /// The body answered to a synchronous caller.
        body: Option<plumb_core::action::Data> = ("Response body", Data),
        /// The content type of that body.
        contentType: Option<String> = ("Response content type", String),
        /// Response headers (a list of `{key, value}`).
        headers: Option<serde_json::Value> = ("Response headers", List),
        /// The HTTP status answered (200 when not given).
        statusCode: Option<String> = ("Response status code", String),
    }
}

/// `webhook-triggers`.
pub fn webhook() -> Component {
    Component::control(
        ComponentSpec::builtin(
            "webhook-triggers",
            "Webhook",
            "Starts a flow from an HTTP request to its webhook URL.",
        )
        .action(
            ActionSpec::new(
                "webhook",
                "Webhook",
                "Starts the flow when its webhook URL is called; the result is the request \
                 (`body.data`, `headers`, `queryParameters`, `webhookUrls`, ...).",
                WebhookInputs::specs(),
            )
            .trigger()
            .example(ActionExample::values("On a request", &[])),
        ),
    )
}

/// `schedule-triggers`.
pub fn schedule() -> Component {
    Component::control(
        ComponentSpec::builtin(
            "schedule-triggers",
            "Schedule",
            "Starts a flow on a schedule.",
        )
        .action(
            ActionSpec::new(
                "schedule",
                "Schedule",
                "Starts the flow on the step's `schedule` (a cron expression with a time zone).",
                Vec::new(),
            )
            .trigger()
            .example(
                ActionExample::values("Every five minutes", &[]).with_step(json!({
                    "schedule": {"type": "value", "value": "*/5 * * * *",
                                 "meta": {"scheduleType": "custom", "timeZone": "UTC"}}
                })),
            ),
        ),
    )
}

/// `management-triggers`.
pub fn management() -> Component {
    let event = |key: &str, label: &str, what: &str| {
        ActionSpec::new(
            key,
            label,
            format!("Starts the flow when an instance is {what}."),
            Vec::new(),
        )
        .trigger()
        .example(ActionExample::values(format!("When {what}"), &[]))
    };
    Component::control(
        ComponentSpec::builtin(
            "management-triggers",
            "Management Triggers",
            "Starts a flow on instance lifecycle events.",
        )
        .action(event("instanceDeploy", "Instance Deploy", "deployed"))
        .action(event("instanceRemove", "Instance Remove", "removed")),
    )
}
