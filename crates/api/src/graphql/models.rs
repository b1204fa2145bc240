//! Integration models (seed 003): `importIntegrationModel`, `integrationModels`,
//! `integrationModel`, `deleteIntegrationModel`. A thin adapter over `plumb_service` (`models`):
//! parse, call, present. Designers (and admins) import and delete; organization-level tokens
//! read; customer-bound tokens see none.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_models::Model;
use plumb_service::{ServiceError, Services};
use plumb_store::models::StoredModel;

use super::errors::{present, service_error, FieldError, Result};
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

/// A model as the API shows it, from its parsed form when there is one.
pub fn present_model(stored: &StoredModel, model: Option<&Model>) -> IntegrationModel {
    match model {
        Some(m) => view(stored, m),
        None => stored_view(stored),
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
        let list = ctx
            .data::<Services>()?
            .models(caller, name.as_deref())
            .await
            .map_err(service_error)?;
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
        match ctx
            .data::<Services>()?
            .model(caller, decode_id(MODEL_TYPE, &id))
            .await
        {
            Ok((stored, Some(model))) => Ok(Some(view(&stored, &model))),
            Ok((stored, None)) => Ok(Some(stored_view(&stored))),
            Err(ServiceError::NotFound(_)) => Ok(None),
            Err(e) => Err(service_error(e)),
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
        present(
            ctx.data::<Services>()?
                .import_model(caller, &input.document, input.replace.unwrap_or(false))
                .await,
            |(stored, model)| IntegrationModelPayload {
                integration_model: Some(view(&stored, &model)),
                errors: Vec::new(),
            },
            IntegrationModelPayload::failed,
        )
    }

    /// Deletes a model.
    async fn delete_integration_model(
        &self,
        ctx: &Context<'_>,
        input: DeleteIntegrationModelInput,
    ) -> Result<IntegrationModelPayload> {
        let caller = caller(ctx)?;
        present(
            ctx.data::<Services>()?
                .delete_model(caller, decode_id(MODEL_TYPE, &input.id))
                .await,
            |deleted| IntegrationModelPayload {
                integration_model: Some(stored_view(&deleted)),
                errors: Vec::new(),
            },
            IntegrationModelPayload::failed,
        )
    }
}
