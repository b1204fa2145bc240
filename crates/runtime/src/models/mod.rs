//! Integration models in a running plumb: an import checks the document
//! ([`plumb_models::Model::import`]), stores it, and puts the model's component in the process's
//! catalog for its organization; [`sync_models`] makes the catalog match the store for one
//! organization (so a model imported through another node, or before a restart, is seen), and
//! [`delete_model`] takes a model out of both.
//!
//! A model's actions are called through one of its integrations (the step's `integration`
//! input names it): [`calls`] opens the integration, checks the inputs and sends; [`syslog`]
//! exports the calls' log lines.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

pub mod action;
pub mod calls;
pub mod relay;
pub mod syslog;

use std::sync::Arc;

use plumb_core::component::Component;
use plumb_engine::Engine;
use plumb_models::{Model, Problems};
use plumb_store::models::{NewModel, StoredModel};
use plumb_store::StoreError;
use uuid::Uuid;

use crate::Runtime;
pub use calls::{CallError, CallLog, ModelCalls, NoLog, Opened};

/// Why an import or a deletion was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The document has problems (every one, with its pointer).
    #[error("{0}")]
    Invalid(Problems),
    /// A model of that name exists and `replace` was not asked.
    #[error("a model named `{0}` already exists: import it with replace to replace it")]
    NameTaken(String),
    /// The model's key is a built-in component's.
    #[error("the model's name `{0}` is a built-in component's key")]
    Reserved(String),
    /// Integrations of the model exist: they are deleted first.
    #[error("the model has integrations: delete them first")]
    InUse,
    /// The store failed (or the model is not found).
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn component(calls: &Arc<ModelCalls>, model: &Model, org: Uuid) -> Component {
    let spec = plumb_models::component_spec(model, org);
    let mut c = Component::new(spec);
    for op in &model.operations {
        c = c.with_action(
            &op.key,
            Arc::new(action::ModelAction::new(
                calls.clone(),
                org,
                model.name.clone(),
                op.key.clone(),
            )),
        );
    }
    c
}

/// Imports `document` for `org`: checked, stored (replacing the model of the same name when
/// `replace`), and added to `engine`'s catalog. Nothing is stored when the document is invalid.
pub async fn import_model(
    runtime: &Runtime,
    org: Uuid,
    document: &str,
    replace: bool,
) -> Result<(StoredModel, Model), ModelError> {
    let (engine, store) = (&runtime.engine, &runtime.store);
    let model = Model::import(document).map_err(ModelError::Invalid)?;
    if engine.catalog().builtins().any(|b| b.key == model.name) {
        return Err(ModelError::Reserved(model.name));
    }
    let stored = store
        .save_model(
            org,
            NewModel {
                name: &model.name,
                title: &model.title,
                version: &model.version,
                document,
                operations: i64::try_from(model.operations.len()).unwrap_or(i64::MAX),
            },
            replace,
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => ModelError::NameTaken(model.name.clone()),
            other => ModelError::Store(other),
        })?;
    engine
        .catalog()
        .add(org, component(&runtime.models, &model, org))
        .map_err(|_| ModelError::Reserved(model.name.clone()))?;
    mark(engine, org, &stored);
    Ok((stored, model))
}

/// Deletes a model of `org` from the store and the catalog.
pub async fn delete_model(
    runtime: &Runtime,
    org: Uuid,
    id: Uuid,
) -> Result<StoredModel, ModelError> {
    let engine = &runtime.engine;
    let deleted = match runtime.store.delete_model(org, id).await {
        Err(StoreError::Conflict(_)) => return Err(ModelError::InUse),
        other => other?,
    };
    engine.catalog().remove(org, &deleted.name);
    if let Ok(mut s) = seen().lock() {
        s.remove(&(catalog_id(engine), org, deleted.name.clone()));
    }
    Ok(deleted)
}

/// Which stored revision (`updated_at`) of each model a catalog holds, by catalog, organization
/// and model name: what [`sync_models`] compares with the store.
type Seen = HashMap<(usize, Uuid, String), i64>;

fn seen() -> &'static Mutex<Seen> {
    static SEEN: OnceLock<Mutex<Seen>> = OnceLock::new();
    SEEN.get_or_init(|| Mutex::new(HashMap::new()))
}

fn catalog_id(engine: &Engine) -> usize {
    std::sync::Arc::as_ptr(engine.catalog()) as usize
}

fn mark(engine: &Engine, org: Uuid, stored: &StoredModel) {
    if let Ok(mut s) = seen().lock() {
        s.insert(
            (catalog_id(engine), org, stored.name.clone()),
            stored.updated_at,
        );
    }
}

/// Makes `engine`'s catalog hold exactly `org`'s stored models, at their stored revision (so
/// a model imported, replaced or deleted through another node, or before a restart, is seen).
/// A stored document that no longer imports is skipped with a warning.
pub async fn sync_models(runtime: &Runtime, org: Uuid) -> Result<(), StoreError> {
    let engine = &runtime.engine;
    let stored = runtime.store.list_models(org, None).await?;
    let catalog = engine.catalog();
    let id = catalog_id(engine);
    let mut seen = match seen().lock() {
        Ok(s) => s,
        Err(poisoned) => poisoned.into_inner(),
    };
    let held: Vec<String> = seen
        .keys()
        .filter(|(c, o, _)| *c == id && *o == org)
        .map(|(_, _, name)| name.clone())
        .collect();
    for name in held {
        if !stored.iter().any(|s| s.name == name) {
            catalog.remove(org, &name);
            seen.remove(&(id, org, name));
        }
    }
    for s in &stored {
        let key = (id, org, s.name.clone());
        if seen.get(&key) == Some(&s.updated_at) {
            continue;
        }
        match Model::import(&s.document) {
            Ok(model) => match catalog.add(org, component(&runtime.models, &model, org)) {
                Ok(()) => {
                    seen.insert(key, s.updated_at);
                }
                Err(e) => {
                    tracing::warn!(model = %s.name, error = %e, "a stored model was not added")
                }
            },
            Err(p) => {
                tracing::warn!(model = %s.name, problems = %p, "a stored model does not import")
            }
        }
    }
    Ok(())
}
