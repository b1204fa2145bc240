//! `getObject`: reads `bucket/objectKey` as binary data with its stored content type.

use std::sync::Arc;

use object_store::{Attribute, ObjectStoreExt};
use plumb_auth::EgressPolicy;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};

use super::client;
use super::manifest::{Object, Target};

/// The `getObject` action.
#[derive(Debug, Clone)]
pub struct GetObject {
    /// The egress policy its requests are checked against.
    pub(super) egress: Arc<EgressPolicy>,
}

#[async_trait::async_trait]
impl Action for GetObject {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let target = Target::from_inputs(&inputs)?;
        let Object { bucket, objectKey } = Object::from_inputs(&inputs)?;
        let path = client::object_path(&objectKey, "objectKey")?;
        let store = client::store(&self.egress, &target, &bucket)?;
        let fail = |e| client::failure("getObject", &bucket, path.as_ref(), e);
        let got = store.get(&path).await.map_err(fail)?;
        let content_type = got
            .attributes
            .get(&Attribute::ContentType)
            .map(|v| v.to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "application/octet-stream".to_string());
        let bytes = got.bytes().await.map_err(fail)?;
        Ok(Data::Binary {
            bytes: bytes.to_vec(),
            content_type,
        })
    }
}
