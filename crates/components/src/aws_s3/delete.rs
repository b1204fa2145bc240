//! `deleteObject`: deletes `bucket/objectKey` (deleting a missing key succeeds, as in S3).

use std::sync::Arc;

use object_store::ObjectStoreExt;
use plumb_auth::EgressPolicy;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use serde_json::json;

use super::client;

/// The `deleteObject` action.
#[derive(Debug, Clone)]
pub struct DeleteObject {
    /// The egress policy its requests are checked against.
    pub(super) egress: Arc<EgressPolicy>,
}

#[async_trait::async_trait]
impl Action for DeleteObject {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let bucket = client::bucket(&inputs, "bucket")?;
        let path = client::object_path(&inputs, "objectKey")?;
        let store = client::store(&self.egress, &inputs, &bucket)?;
        store
            .delete(&path)
            .await
            .map_err(|e| client::failure("deleteObject", &bucket, path.as_ref(), e))?;
        Ok(Data::Json(
            json!({ "bucket": bucket, "objectKey": path.as_ref(), "deleted": true }),
        ))
    }
}
