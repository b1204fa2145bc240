//! `deleteObject`: deletes `bucket/objectKey` (deleting a missing key succeeds, as in S3).

use object_store::ObjectStoreExt;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use serde_json::json;

use super::client;

/// The `deleteObject` action.
#[derive(Debug, Clone, Copy)]
pub struct DeleteObject;

#[async_trait::async_trait]
impl Action for DeleteObject {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let bucket = client::bucket(&inputs, "bucket")?;
        let path = client::object_path(&inputs, "objectKey")?;
        let store = client::store(&inputs, &bucket)?;
        store
            .delete(&path)
            .await
            .map_err(|e| client::failure("deleteObject", &bucket, path.as_ref(), e))?;
        Ok(Data::Json(
            json!({ "bucket": bucket, "objectKey": path.as_ref(), "deleted": true }),
        ))
    }
}
