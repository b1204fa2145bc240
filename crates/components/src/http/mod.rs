//! The `http` component: `httpGet, httpPost, httpPut, httpPatch, httpDelete, httpRequest`.
//!
//! - [`request`]: the step's inputs as a typed [`request::RequestSpec`].
//! - `connection`: the one seam where a connection authenticates a request (`plumb-auth`).
//! - [`send`]: the retry loop and the result (body, or the full envelope built by
//!   `plumb_auth::Envelope`).

mod connection;
mod manifest;
pub mod request;
pub mod send;

use std::sync::Arc;

use plumb_auth::AuthClient;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::Component;
use reqwest::Method;

pub use manifest::{spec, HttpInputs, MethodInput};

/// The component's key.
pub const KEY: &str = "http";

/// One of the HTTP actions; `method` is `None` for `httpRequest` (the `method` input decides).
#[derive(Clone)]
pub struct HttpAction {
    method: Option<Method>,
    auth: Arc<AuthClient>,
}

impl std::fmt::Debug for HttpAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpAction")
            .field("method", &self.method)
            .finish()
    }
}

impl HttpAction {
    /// An action with a fixed method (`httpGet`, ...), or `None` for `httpRequest`, sending
    /// authenticated requests through `auth`.
    pub fn new(method: Option<Method>, auth: Arc<AuthClient>) -> Self {
        HttpAction { method, auth }
    }
}

/// The component: its spec and its actions, sending through `auth`.
pub fn component(auth: Arc<AuthClient>) -> Component {
    crate::assemble(spec(), actions_with(auth))
}

/// The actions of this component on the default [`AuthClient`], keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    actions_with(crate::outbound::default_auth())
}

/// The actions of this component on a given [`AuthClient`], keyed by action key.
pub fn actions_with(auth: Arc<AuthClient>) -> Vec<(&'static str, Arc<dyn Action>)> {
    [
        ("httpGet", Some(Method::GET)),
        ("httpPost", Some(Method::POST)),
        ("httpPut", Some(Method::PUT)),
        ("httpPatch", Some(Method::PATCH)),
        ("httpDelete", Some(Method::DELETE)),
        ("httpRequest", None),
    ]
    .into_iter()
    .map(|(key, method)| {
        (
            key,
            Arc::new(HttpAction::new(method, Arc::clone(&auth))) as Arc<dyn Action>,
        )
    })
    .collect()
}

#[async_trait::async_trait]
impl Action for HttpAction {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let typed = HttpInputs::from_inputs(&inputs)?;
        let (spec, connection) =
            request::RequestSpec::from_typed(typed, self.method.clone(), &inputs)?;
        send::execute(ctx, &self.auth, &spec, connection.as_ref()).await
    }
}

#[cfg(test)]
mod auth_tests;
#[cfg(test)]
mod egress_tests;
#[cfg(test)]
mod tests;
