//! `listObjects`: one page of the objects under `prefix`, with a `continuationToken` for the
//! next page.

use std::sync::Arc;

use object_store::list::{PaginatedListOptions, PaginatedListStore};
use plumb_auth::EgressPolicy;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use serde_json::json;

use super::client;
use super::manifest::{ListPage, Target};

/// The `listObjects` action.
#[derive(Debug, Clone)]
pub struct ListObjects {
    /// The egress policy its requests are checked against.
    pub(super) egress: Arc<EgressPolicy>,
}

#[async_trait::async_trait]
impl Action for ListObjects {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let target = Target::from_inputs(&inputs)?;
        let ListPage {
            bucket,
            prefix,
            maxKeys,
            continuationToken,
        } = ListPage::from_inputs(&inputs)?;
        let max_keys = maxKeys.or(1000).clamp(1, 1000);
        let store = client::store(&self.egress, &target, &bucket)?;
        let options = PaginatedListOptions {
            max_keys: usize::try_from(max_keys).ok(),
            page_token: continuationToken,
            ..PaginatedListOptions::default()
        };
        let page = store
            .list_paginated(prefix.as_deref(), options)
            .await
            .map_err(|e| {
                client::failure("listObjects", &bucket, prefix.as_deref().unwrap_or(""), e)
            })?;
        let objects: Vec<_> = page
            .result
            .objects
            .iter()
            .map(|o| {
                json!({
                    "key": o.location.as_ref(),
                    "size": o.size,
                    "lastModified": o.last_modified.to_rfc3339(),
                    "eTag": o.e_tag,
                })
            })
            .collect();
        let keys: Vec<&str> = page
            .result
            .objects
            .iter()
            .map(|o| o.location.as_ref())
            .collect();
        Ok(Data::Json(json!({
            "keys": keys,
            "objects": objects,
            "isTruncated": page.page_token.is_some(),
            "continuationToken": page.page_token,
        })))
    }
}
