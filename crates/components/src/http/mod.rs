//! The `http` component: `httpGet, httpPost, httpPut, httpPatch, httpDelete, httpRequest`.
//!
//! - [`request`]: the step's inputs as a typed [`request::RequestSpec`].
//! - `connection`: the one seam where a connection authenticates a request (`plumb-auth`
//!   plugs in there).
//! - [`send`]: the retry loop and the result (body or full envelope).
//! - `envelope`: the one function building the standard response envelope.

mod connection;
mod envelope;
mod manifest;
pub mod request;
pub mod send;

use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use reqwest::Method;

pub use manifest::manifest;

/// The component's key.
pub const KEY: &str = "http";

/// One of the HTTP actions; `method` is `None` for `httpRequest` (the `method` input decides).
#[derive(Debug, Clone)]
pub struct HttpAction {
    method: Option<Method>,
}

impl HttpAction {
    /// An action with a fixed method (`httpGet`, ...), or `None` for `httpRequest`.
    pub fn new(method: Option<Method>) -> Self {
        HttpAction { method }
    }
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    [
        ("httpGet", Some(Method::GET)),
        ("httpPost", Some(Method::POST)),
        ("httpPut", Some(Method::PUT)),
        ("httpPatch", Some(Method::PATCH)),
        ("httpDelete", Some(Method::DELETE)),
        ("httpRequest", None),
    ]
    .into_iter()
    .map(|(key, method)| (key, Arc::new(HttpAction::new(method)) as Arc<dyn Action>))
    .collect()
}

#[async_trait::async_trait]
impl Action for HttpAction {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let spec = request::RequestSpec::from_inputs(&inputs, self.method.clone())?;
        send::execute(ctx, &spec, inputs.connection("connection")).await
    }
}

#[cfg(test)]
mod tests;
