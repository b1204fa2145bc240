//! The `salesforce` component: `createRecord, updateRecord, upsertRecord, getRecord, query,
//! composite` over the REST API (`/services/data/vXX.X/...`).
//!
//! - `manifest`: its spec: action and input names, typed.
//! - `client`: the connection → an authenticated REST client through `plumb-auth` (client
//!   credentials against `https://{externalCustomerId}.my.salesforce.com`, OAuth 2.0, JWT
//!   bearer), and Salesforce's `[{message, errorCode, fields}]` errors as step failures.
//! - `records`: the sObject actions; `query`: SOQL with paging; `composite`: the composite API.

mod client;
mod composite;
mod manifest;
mod query;
mod records;

use std::sync::Arc;

use plumb_auth::AuthClient;
use plumb_core::action::Action;
use plumb_core::component::Component;

pub use manifest::spec;
#[cfg(test)]
pub(crate) use manifest::DEFAULT_VERSION;

/// The component's key.
pub const KEY: &str = "salesforce";

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
    let a = || Arc::clone(&auth);
    vec![
        (
            "createRecord",
            Arc::new(records::CreateRecord { auth: a() }) as Arc<dyn Action>,
        ),
        (
            "updateRecord",
            Arc::new(records::UpdateRecord { auth: a() }),
        ),
        (
            "upsertRecord",
            Arc::new(records::UpsertRecord { auth: a() }),
        ),
        ("getRecord", Arc::new(records::GetRecord { auth: a() })),
        ("query", Arc::new(query::Query { auth: a() })),
        ("composite", Arc::new(composite::Composite { auth: a() })),
    ]
}

#[cfg(test)]
mod egress_tests;
#[cfg(test)]
mod tests;
