//! `putObject`: writes `fileContents` (binary, text or JSON) to `bucket/objectKey`.

use std::sync::Arc;

use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload, TagSet};
use plumb_auth::EgressPolicy;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use serde_json::{json, Value};

use super::client;
use super::manifest::{Object, PutContents, Target};

/// The `putObject` action.
#[derive(Debug, Clone)]
pub struct PutObject {
    /// The egress policy its requests are checked against.
    pub(super) egress: Arc<EgressPolicy>,
}

/// The bytes and content type of `fileContents`.
fn contents(data: Option<Data>) -> Result<(Vec<u8>, String), ActionError> {
    match data {
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
        let target = Target::from_inputs(&inputs)?;
        let Object { bucket, objectKey } = Object::from_inputs(&inputs)?;
        let path = client::object_path(&objectKey, "objectKey")?;
        let put = PutContents::from_inputs(&inputs)?;
        let (bytes, detected) = contents(put.fileContents)?;
        let content_type = put.contentType.unwrap_or(detected);
        let mut tags = TagSet::default();
        for (k, v) in put.tagging.0 {
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
        let store = client::store(&self.egress, &target, &bucket)?;
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
