//! Integration models (seed 003): `importIntegrationModel`, `integrationModels`,
//! `integrationModel`, `deleteIntegrationModel`. A thin adapter over `plumb_runtime::models`:
//! parse, call, present. Designers (and admins) import and delete; organization-level tokens
//! read; customer-bound tokens see none.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_models::Model;
use plumb_runtime::models::{self, ModelError};
use plumb_runtime::Runtime;
use plumb_store::models::StoredModel;
use plumb_store::{Store, StoreError};

use super::errors::{internal, FieldError, PayloadErrors, Result};
use super::integrations::{require_designer, require_reader};
use super::{caller, decode_id};

/// The global ID type of integration models.
pub const MODEL_TYPE: &str = "IntegrationModel";

/// One operation of a model: an action of its component.
#[derive(SimpleObject, Clone)]
pub struct ModelOperation {
    /// Its action key (`operationId`, or a name from method and path).
    pub key: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template.
    pub path: String,
    /// Its summary.
    pub summary: String,
}

/// Every operation of a model.
#[derive(SimpleObject, Clone)]
pub struct ModelOperationConnection {
    /// The operations.
    pub nodes: Vec<ModelOperation>,
    /// How many there are.
    pub total_count: i64,
}

/// An imported OpenAPI document.
#[derive(SimpleObject, Clone)]
pub struct IntegrationModel {
    /// Global ID (`IntegrationModel:<uuid>`).
    pub id: ID,
    /// `info.title:info.version`: also its component's key in definitions.
    pub name: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// Its operations.
    pub operations: ModelOperationConnection,
    /// The document as imported.
    pub document: String,
}

fn view(stored: &StoredModel, model: &Model) -> IntegrationModel {
    let nodes: Vec<ModelOperation> = model
        .operations
        .iter()
        .map(|o| ModelOperation {
            key: o.key.clone(),
            method: o.method.clone(),
            path: o.path.clone(),
            summary: o.summary.clone(),
        })
        .collect();
    IntegrationModel {
        id: ID(plumb_core::id::encode(MODEL_TYPE, stored.id)),
        name: stored.name.clone(),
        title: stored.title.clone(),
        version: stored.version.clone(),
        operations: ModelOperationConnection {
            total_count: nodes.len() as i64,
            nodes,
        },
        document: stored.document.clone(),
    }
}

/// A stored model as the API shows it (its document is read again for the operations).
fn stored_view(stored: &StoredModel) -> IntegrationModel {
    match Model::import(&stored.document) {
        Ok(model) => view(stored, &model),
        Err(_) => IntegrationModel {
            id: ID(plumb_core::id::encode(MODEL_TYPE, stored.id)),
            name: stored.name.clone(),
            title: stored.title.clone(),
            version: stored.version.clone(),
            operations: ModelOperationConnection {
                nodes: Vec::new(),
                total_count: 0,
            },
            document: stored.document.clone(),
        },
    }
}

/// Every model of a list.
#[derive(SimpleObject, Clone)]
pub struct IntegrationModelConnection {
    /// The models, by name.
    pub nodes: Vec<IntegrationModel>,
    /// How many there are.
    pub total_count: i64,
}

/// `importIntegrationModel` input.
#[derive(InputObject)]
pub struct ImportIntegrationModelInput {
    /// The OpenAPI document (2.0, 3.0 or 3.1; JSON or YAML).
    pub document: String,
    /// Replace the model of the same name.
    pub replace: Option<bool>,
}

/// `deleteIntegrationModel` input.
#[derive(InputObject)]
pub struct DeleteIntegrationModelInput {
    /// The model's ID.
    pub id: ID,
}

/// What a model mutation answers.
#[derive(SimpleObject)]
pub struct IntegrationModelPayload {
    /// The model.
    pub integration_model: Option<IntegrationModel>,
    /// Why nothing changed (the document's problems name their JSON pointers).
    pub errors: Vec<FieldError>,
}

impl IntegrationModelPayload {
    fn failed(errors: Vec<FieldError>) -> Self {
        IntegrationModelPayload {
            integration_model: None,
            errors,
        }
    }
}

fn runtime<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Arc<Runtime>> {
    ctx.data::<Arc<Runtime>>()
}

/// Model queries.
#[derive(Default)]
pub struct ModelQuery;

#[Object]
impl ModelQuery {
    /// The organization's integration models (only the one named `name` when given).
    async fn integration_models(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
    ) -> Result<IntegrationModelConnection> {
        let caller = caller(ctx)?;
        require_reader(caller)?;
        let list = ctx
            .data::<Store>()?
            .list_models(caller.org_id, name.as_deref())
            .await
            .map_err(internal)?;
        let nodes: Vec<IntegrationModel> = list.iter().map(stored_view).collect();
        Ok(IntegrationModelConnection {
            total_count: nodes.len() as i64,
            nodes,
        })
    }

    /// One model (null when not found).
    async fn integration_model(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<IntegrationModel>> {
        let caller = caller(ctx)?;
        require_reader(caller)?;
        let Some(uuid) = decode_id(MODEL_TYPE, &id) else {
            return Ok(None);
        };
        match ctx.data::<Store>()?.get_model(caller.org_id, uuid).await {
            Ok(m) => Ok(Some(stored_view(&m))),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(internal(e)),
        }
    }
}

/// Model mutations.
#[derive(Default)]
pub struct ModelMutation;

#[Object]
impl ModelMutation {
    /// Imports an OpenAPI document as an integration model named `info.title:info.version`.
    async fn import_integration_model(
        &self,
        ctx: &Context<'_>,
        input: ImportIntegrationModelInput,
    ) -> Result<IntegrationModelPayload> {
        let caller = caller(ctx)?;
        require_designer(caller)?;
        let runtime = runtime(ctx)?;
        let result = models::import_model(
            &runtime.engine,
            ctx.data::<Store>()?,
            caller.org_id,
            &input.document,
            input.replace.unwrap_or(false),
        )
        .await;
        Ok(match result {
            Ok((stored, model)) => IntegrationModelPayload {
                integration_model: Some(view(&stored, &model)),
                errors: Vec::new(),
            },
            Err(ModelError::Invalid(problems)) => {
                let mut errors = PayloadErrors::default();
                for p in &problems.0 {
                    errors.add("document", p.to_string());
                }
                IntegrationModelPayload::failed(errors.0)
            }
            Err(e @ (ModelError::NameTaken(_) | ModelError::Reserved(_))) => {
                IntegrationModelPayload::failed(PayloadErrors::one("document", e.to_string()))
            }
            Err(ModelError::Store(e)) => return Err(internal(e)),
        })
    }

    /// Deletes a model.
    async fn delete_integration_model(
        &self,
        ctx: &Context<'_>,
        input: DeleteIntegrationModelInput,
    ) -> Result<IntegrationModelPayload> {
        let caller = caller(ctx)?;
        require_designer(caller)?;
        let Some(uuid) = decode_id(MODEL_TYPE, &input.id) else {
            return Ok(IntegrationModelPayload::failed(PayloadErrors::one(
                "id",
                "integration model not found",
            )));
        };
        let runtime = runtime(ctx)?;
        match models::delete_model(&runtime.engine, ctx.data::<Store>()?, caller.org_id, uuid).await
        {
            Ok(deleted) => Ok(IntegrationModelPayload {
                integration_model: Some(stored_view(&deleted)),
                errors: Vec::new(),
            }),
            Err(ModelError::Store(StoreError::NotFound)) => Ok(IntegrationModelPayload::failed(
                PayloadErrors::one("id", "integration model not found"),
            )),
            Err(ModelError::Store(e)) => Err(internal(e)),
            Err(e) => Ok(IntegrationModelPayload::failed(PayloadErrors::one(
                "id",
                e.to_string(),
            ))),
        }
    }
}
