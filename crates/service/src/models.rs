//! Integration models (seed 003): importing an OpenAPI document, listing, reading, deleting.
//!
//! Rules: organization callers read models; designers and admins import and delete them. A
//! document is checked whole before anything is written (every problem under `document`, with
//! its pointer, line and column); a model is named `info.title:info.version`, unique in the
//! organization unless `replace` is asked; its component joins the organization's catalog at once
//! (and leaves it on delete). Documents are bounded (`plumb_models::document::LIMITS`).

use plumb_models::model::Model;
use plumb_runtime::models::{self, ModelError};
use plumb_store::models::StoredModel;
use plumb_store::StoreError;
use uuid::Uuid;

use crate::integrations::{require_designer, require_reader};
use crate::{Caller, FieldErrors, ServiceError, Services};

fn model_error(e: ModelError) -> ServiceError {
    match e {
        ModelError::Invalid(problems) => {
            let mut errors = FieldErrors::default();
            for p in &problems.0 {
                errors.add("document", p.to_string());
            }
            ServiceError::Invalid(errors)
        }
        e @ (ModelError::NameTaken(_) | ModelError::Reserved(_)) => {
            ServiceError::invalid("document", e.to_string())
        }
        e @ ModelError::InUse => ServiceError::invalid("id", e.to_string()),
        ModelError::Store(StoreError::NotFound) => {
            ServiceError::invalid("id", "integration model not found")
        }
        ModelError::Store(e) => ServiceError::Store(e),
    }
}

impl Services {
    /// The organization's models (only the one named `name` when given).
    pub async fn models(
        &self,
        caller: &Caller,
        name: Option<&str>,
    ) -> Result<Vec<StoredModel>, ServiceError> {
        require_reader(caller)?;
        Ok(self.store.list_models(caller.org_id, name).await?)
    }

    /// One model with its parsed operations (`None` operations when the stored document no
    /// longer imports).
    pub async fn model(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<(StoredModel, Option<Model>), ServiceError> {
        require_reader(caller)?;
        let id = id.ok_or(ServiceError::NotFound("Integration model"))?;
        match self.store.get_model(caller.org_id, id).await {
            Ok(m) => {
                let parsed = Model::import(&m.document).ok();
                Ok((m, parsed))
            }
            Err(StoreError::NotFound) => Err(ServiceError::NotFound("Integration model")),
            Err(e) => Err(e.into()),
        }
    }

    /// Imports an OpenAPI document (2.0, 3.0, 3.1; JSON or YAML) as a model.
    pub async fn import_model(
        &self,
        caller: &Caller,
        document: &str,
        replace: bool,
    ) -> Result<(StoredModel, Model), ServiceError> {
        require_designer(caller)?;
        models::import_model(&self.runtime, caller.org_id, document, replace)
            .await
            .map_err(model_error)
    }

    /// Deletes a model (`id` is an input: unknown is invalid).
    pub async fn delete_model(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<StoredModel, ServiceError> {
        require_designer(caller)?;
        let id = id.ok_or_else(|| ServiceError::invalid("id", "integration model not found"))?;
        models::delete_model(&self.runtime, caller.org_id, id)
            .await
            .map_err(model_error)
    }
}
