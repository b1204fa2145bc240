//! `putObject`: writes `fileContents` (binary, text or JSON) to `bucket/objectKey`.

use std::sync::Arc;

use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload, TagSet};
use plumb_auth::EgressPolicy;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use serde_json::{json, Value};

use super::client;
use crate::util;

/// The `putObject` action.
#[derive(Debug, Clone)]
pub struct PutObject {
    /// The egress policy its requests are checked against.
    pub(super) egress: Arc<EgressPolicy>,
}

/// The bytes and content type of `fileContents`.
fn contents(inputs: &Inputs) -> Result<(Vec<u8>, String), ActionError> {
    match util::data(inputs, "fileContents") {
        None => Err(ActionError::input("fileContents", "is required")),
        Some(Data::Binary {
            bytes,
            content_type,
        }) => Ok((bytes, content_type)),
        Some(Data::Json(Value::String(s))) => Ok((s.into_bytes(), "text/plain".into())),
        Some(Data::Json(v)) => Ok((v.to_string().into_bytes(), "application/json".into())),
    }
}

#[async_trait::async_trait]
impl Action for PutObject {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let bucket = client::bucket(&inputs, "bucket")?;
        let path = client::object_path(&inputs, "objectKey")?;
        let (bytes, detected) = contents(&inputs)?;
        let content_type = inputs.string("contentType").unwrap_or(detected);
        let mut tags = TagSet::default();
        for (k, v) in util::key_values(&inputs, "tagging")? {
            tags.push(&k, &v);
        }
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.clone().into());
        let options = PutOptions {
            tags,
            attributes,
            ..PutOptions::default()
        };
        let size = bytes.len();
        let store = client::store(&self.egress, &inputs, &bucket)?;
        let put = store
            .put_opts(&path, PutPayload::from(bytes), options)
            .await
            .map_err(|e| client::failure("putObject", &bucket, path.as_ref(), e))?;
        Ok(Data::Json(json!({
            "bucket": bucket,
            "objectKey": path.as_ref(),
            "eTag": put.e_tag,
            "versionId": put.version,
            "contentType": content_type,
            "size": size,
        })))
    }
}
