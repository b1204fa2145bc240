//! The `salesforce` component: `createRecord, updateRecord, upsertRecord, getRecord, query,
//! composite` over the REST API (`/services/data/vXX.X/...`).
//!
//! - `manifest`: action and input names.
//! - `client`: the connection → an authenticated REST client (an `instanceUrl` + `accessToken`,
//!   or a token fetched with client credentials from `https://{externalCustomerId}.my.salesforce.com`),
//!   and Salesforce's `[{message, errorCode, fields}]` errors as step failures.
//! - `records`: the sObject actions; `query`: SOQL with paging; `composite`: the composite API.

mod client;
mod composite;
mod manifest;
mod query;
mod records;

use std::sync::Arc;

use plumb_core::action::Action;

pub use manifest::manifest;

/// The component's key.
pub const KEY: &str = "salesforce";

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![
        (
            "createRecord",
            Arc::new(records::CreateRecord) as Arc<dyn Action>,
        ),
        ("updateRecord", Arc::new(records::UpdateRecord)),
        ("upsertRecord", Arc::new(records::UpsertRecord)),
        ("getRecord", Arc::new(records::GetRecord)),
        ("query", Arc::new(query::Query)),
        ("composite", Arc::new(composite::Composite)),
    ]
}

#[cfg(test)]
mod tests;
