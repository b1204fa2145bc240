//! A model operation as a flow step's action: the step's `integration` input names the model
//! integration to call through; the other inputs are the operation's. The result is the
//! envelope; a failure status fails the step with the envelope as its details, as does a
//! failed token request (its own envelope); a call that could not be made fails with the
//! string saying why.

use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, InputValue, Inputs, LogLevel};
use plumb_models::configuration::LogLevel as CallLevel;
use plumb_models::spec::INTEGRATION_INPUT;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::calls::{CallError, CallLog, ModelCalls};

/// One operation of one organization's model.
pub struct ModelAction {
    calls: Arc<ModelCalls>,
    org: Uuid,
    model: String,
    task: String,
}

impl ModelAction {
    /// The action of operation `task` of `model` (of `org`).
    pub fn new(calls: Arc<ModelCalls>, org: Uuid, model: String, task: String) -> ModelAction {
        ModelAction {
            calls,
            org,
            model,
            task,
        }
    }
}

struct StepLog<'a>(&'a ActionContext);

impl CallLog for StepLog<'_> {
    fn line(&self, level: CallLevel, message: &str) {
        let level = match level {
            CallLevel::Error => LogLevel::Error,
            CallLevel::Warn => LogLevel::Warn,
            CallLevel::Info => LogLevel::Info,
            CallLevel::Debug => LogLevel::Debug,
            CallLevel::Trace | CallLevel::None => LogLevel::Trace,
        };
        self.0.logger.log(level, message);
    }
}

/// What a failed call is to a step.
pub fn step_error(e: CallError) -> ActionError {
    match e {
        CallError::Token(env) => ActionError::Failed {
            message: format!(
                "the token request failed: {} {} answered {} {}",
                env.method, env.url, env.status, env.status_text
            ),
            details: serde_json::to_value(&*env).ok(),
        },
        other => ActionError::failed(other.to_string()),
    }
}

#[async_trait::async_trait]
impl Action for ModelAction {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let name = inputs
            .string(INTEGRATION_INPUT)
            .ok_or_else(|| ActionError::InvalidInput {
                input: INTEGRATION_INPUT.into(),
                message: format!("name the integration of {} to call through", self.model),
            })?;
        let opened = self
            .calls
            .open_by_name(self.org, &name)
            .await
            .map_err(step_error)?;
        if opened.model.model.name != self.model {
            return Err(ActionError::InvalidInput {
                input: INTEGRATION_INPUT.into(),
                message: format!(
                    "`{name}` is an integration of {}, not of {}",
                    opened.model.model.name, self.model
                ),
            });
        }
        let mut map = Map::new();
        for (k, v) in inputs.0 {
            if k == INTEGRATION_INPUT {
                continue;
            }
            match v {
                InputValue::Data(Data::Json(v)) => {
                    map.insert(k, v);
                }
                InputValue::Data(Data::Binary { bytes, .. }) => {
                    map.insert(
                        k,
                        Value::String(String::from_utf8_lossy(&bytes).into_owned()),
                    );
                }
                InputValue::Connection(_) => {
                    return Err(ActionError::InvalidInput {
                        input: k,
                        message: "a model task takes no connection: its integration holds the \
                                  credentials"
                            .into(),
                    })
                }
            }
        }
        let envelope = self
            .calls
            .call(&opened, &self.task, &map, &StepLog(ctx))
            .await
            .map_err(step_error)?;
        let value = serde_json::to_value(&envelope).unwrap_or(Value::Null);
        if envelope.ok {
            Ok(Data::Json(value))
        } else {
            Err(ActionError::Failed {
                message: format!(
                    "{} {} answered {} {}",
                    envelope.method, envelope.url, envelope.status, envelope.status_text
                ),
                details: Some(value),
            })
        }
    }
}
