//! `deleteObject`: deletes `bucket/objectKey` (deleting a missing key succeeds, as in S3).

use std::sync::Arc;

use object_store::ObjectStoreExt;
use plumb_auth::EgressPolicy;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use serde_json::json;

use super::client;
use super::manifest::{Object, Target};

/// The `deleteObject` action.
#[derive(Debug, Clone)]
pub struct DeleteObject {
    /// The egress policy its requests are checked against.
    pub(super) egress: Arc<EgressPolicy>,
}

#[async_trait::async_trait]
impl Action for DeleteObject {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let target = Target::from_inputs(&inputs)?;
        let Object { bucket, objectKey } = Object::from_inputs(&inputs)?;
        let path = client::object_path(&objectKey, "objectKey")?;
        let store = client::store(&self.egress, &target, &bucket)?;
        store
            .delete(&path)
            .await
            .map_err(|e| client::failure("deleteObject", &bucket, path.as_ref(), e))?;
        Ok(Data::Json(
            json!({ "bucket": bucket, "objectKey": path.as_ref(), "deleted": true }),
        ))
    }
}
