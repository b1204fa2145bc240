//! The sObject actions: `createRecord`, `updateRecord`, `upsertRecord`, `getRecord`.

use std::sync::Arc;

use plumb_auth::AuthClient;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use reqwest::Method;
use serde_json::{json, Map, Value};

use super::client::SfClient;
use super::manifest::{ExternalId, FieldValues, Fields, RecordId, RecordType};
use crate::util;

/// A path segment from an input (record types, IDs, field names): no `/`, `?` or `#`.
fn segment(value: &str, key: &str) -> Result<String, ActionError> {
    let value = value.trim().to_string();
    if value.contains(['/', '?', '#', '%']) || value == "." || value == ".." {
        return Err(ActionError::input(key, "must not contain / ? # or %"));
    }
    Ok(value)
}

/// `fieldValues` as a JSON object (an object, a JSON string of one, or `{key, value}` pairs),
/// with Prismatic's `dynamicValues` (an object, or a JSON string of one) merged over it.
fn field_values(inputs: &Inputs) -> Result<Value, ActionError> {
    let FieldValues {
        fieldValues,
        dynamicValues,
    } = FieldValues::from_inputs(inputs)?;
    let mut fields = static_field_values(fieldValues.0)?;
    match dynamicValues.0 {
        None | Some(Value::Null) => {}
        Some(Value::Object(extra)) => {
            if let Value::Object(map) = &mut fields {
                map.extend(extra);
            }
        }
        Some(_) => {
            return Err(ActionError::input(
                "dynamicValues",
                "must be an object of field values",
            ))
        }
    }
    Ok(fields)
}

fn static_field_values(given: Option<Value>) -> Result<Value, ActionError> {
    match given {
        None => Ok(Value::Object(Map::new())),
        Some(Value::Object(map)) => Ok(Value::Object(map)),
        Some(list @ Value::Array(_)) => {
            let pairs = util::pairs(list, "fieldValues")?;
            Ok(Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            ))
        }
        Some(_) => Err(ActionError::input(
            "fieldValues",
            "must be an object of field values",
        )),
    }
}

/// The `createRecord` action: `POST /sobjects/{recordType}`.
#[derive(Clone)]
pub struct CreateRecord {
    pub(crate) auth: Arc<AuthClient>,
}

#[async_trait::async_trait]
impl Action for CreateRecord {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let client = SfClient::from_inputs(&self.auth, &inputs)?;
        let record_type = segment(&RecordType::from_inputs(&inputs)?.recordType, "recordType")?;
        let body = field_values(&inputs)?;
        let path = client.data_path(&format!("sobjects/{record_type}"));
        let reply = client.send(Method::POST, &path, Some(&body)).await?;
        Ok(Data::Json(reply.body))
    }
}

/// The `updateRecord` action: `PATCH /sobjects/{recordType}/{recordId}`.
#[derive(Clone)]
pub struct UpdateRecord {
    pub(crate) auth: Arc<AuthClient>,
}

#[async_trait::async_trait]
impl Action for UpdateRecord {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let client = SfClient::from_inputs(&self.auth, &inputs)?;
        let record_type = segment(&RecordType::from_inputs(&inputs)?.recordType, "recordType")?;
        let id = segment(&RecordId::from_inputs(&inputs)?.recordId, "recordId")?;
        let body = field_values(&inputs)?;
        let path = client.data_path(&format!("sobjects/{record_type}/{id}"));
        client.send(Method::PATCH, &path, Some(&body)).await?;
        Ok(Data::Json(json!({ "id": id, "success": true })))
    }
}

/// The `upsertRecord` action: `PATCH /sobjects/{recordType}/{externalIdField}/{externalId}`.
#[derive(Clone)]
pub struct UpsertRecord {
    pub(crate) auth: Arc<AuthClient>,
}

#[async_trait::async_trait]
impl Action for UpsertRecord {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let client = SfClient::from_inputs(&self.auth, &inputs)?;
        let record_type = segment(&RecordType::from_inputs(&inputs)?.recordType, "recordType")?;
        let ext = ExternalId::from_inputs(&inputs)?;
        let field = segment(&ext.externalIdField, "externalIdField")?;
        let external_id = segment(&ext.externalId, "externalId")?;
        let body = field_values(&inputs)?;
        let path = client.data_path(&format!("sobjects/{record_type}/{field}/{external_id}"));
        let reply = client.send(Method::PATCH, &path, Some(&body)).await?;
        Ok(Data::Json(match reply.body {
            // 201 Created answers `{id, success, errors, created: true}`; 204 answers nothing.
            Value::Object(map) => Value::Object(map),
            _ => json!({ "success": true, "created": reply.status == 201 }),
        }))
    }
}

/// The `getRecord` action: `GET /sobjects/{recordType}/{recordId}[?fields=...]`.
#[derive(Clone)]
pub struct GetRecord {
    pub(crate) auth: Arc<AuthClient>,
}

#[async_trait::async_trait]
impl Action for GetRecord {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let client = SfClient::from_inputs(&self.auth, &inputs)?;
        let record_type = segment(&RecordType::from_inputs(&inputs)?.recordType, "recordType")?;
        let id = segment(&RecordId::from_inputs(&inputs)?.recordId, "recordId")?;
        let mut path = client.data_path(&format!("sobjects/{record_type}/{id}"));
        if let Some(fields) = Fields::from_inputs(&inputs)?.fields {
            let list: Vec<&str> = fields
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect();
            if list.iter().any(|f| {
                !f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            }) {
                return Err(ActionError::input(
                    "fields",
                    "must be a comma-separated list of field names",
                ));
            }
            path = format!("{path}?fields={}", list.join(","));
        }
        let reply = client.send(Method::GET, &path, None).await?;
        Ok(Data::Json(reply.body))
    }
}
