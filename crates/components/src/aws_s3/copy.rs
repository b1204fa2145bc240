//! `copyObject`: copies `sourceBucket/sourceKey` to `bucket/objectKey` (`bucket` defaults to
//! the source bucket). Within a bucket S3 copies server-side; across buckets the object is
//! read and written again (with its content type), as `object_store` addresses one bucket.

use std::sync::Arc;

use object_store::{Attribute, ObjectStore, ObjectStoreExt, PutOptions, PutPayload};
use plumb_auth::EgressPolicy;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use serde_json::json;

use super::client;
use super::manifest::{CopyPair, Target};

/// The `copyObject` action.
#[derive(Debug, Clone)]
pub struct CopyObject {
    /// The egress policy its requests are checked against.
    pub(super) egress: Arc<EgressPolicy>,
}

#[async_trait::async_trait]
impl Action for CopyObject {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let account = Target::from_inputs(&inputs)?;
        let pair = CopyPair::from_inputs(&inputs)?;
        let source_bucket = pair.sourceBucket;
        let source = client::object_path(&pair.sourceKey, "sourceKey")?;
        let bucket = pair.bucket.unwrap_or_else(|| source_bucket.clone());
        let target = client::object_path(&pair.objectKey, "objectKey")?;
        let from = client::store(&self.egress, &account, &source_bucket)?;
        let read_fail = |e| client::failure("copyObject", &source_bucket, source.as_ref(), e);
        if bucket == source_bucket {
            from.copy(&source, &target).await.map_err(read_fail)?;
        } else {
            let got = from.get(&source).await.map_err(read_fail)?;
            let mut options = PutOptions::default();
            if let Some(ct) = got.attributes.get(&Attribute::ContentType) {
                options
                    .attributes
                    .insert(Attribute::ContentType, ct.clone());
            }
            let bytes = got.bytes().await.map_err(read_fail)?;
            let to = client::store(&self.egress, &account, &bucket)?;
            to.put_opts(&target, PutPayload::from(bytes), options)
                .await
                .map_err(|e| client::failure("copyObject", &bucket, target.as_ref(), e))?;
        }
        Ok(Data::Json(json!({
            "sourceBucket": source_bucket,
            "sourceKey": source.as_ref(),
            "bucket": bucket,
            "objectKey": target.as_ref(),
        })))
    }
}
