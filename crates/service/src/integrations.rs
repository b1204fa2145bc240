//! Integrations: drafts and their published versions; importing a definition, test values,
//! test runs, publishing.
//!
//! Rules: organization callers (not customer-bound) read integrations; designers and admins
//! change them. A definition is validated against the caller organization's catalog (built-in
//! components plus its own integration models) before anything is written, and every problem is
//! reported under `definition` with its line and column. Only a draft can be replaced, tested or
//! published; a published version is immutable. Test values are checked against their config
//! var's data type. A test run uses the draft's test values and records a test execution.

use std::collections::BTreeMap;

use plumb_core::definition::{self, Definition};
use plumb_runtime as runtime;
use plumb_store::executions::Execution;
use plumb_store::integrations::{Integration, IntegrationFilter};
use plumb_store::tokens::Role;
use plumb_store::{Page, PageRequest, StoreError};
use uuid::Uuid;

use crate::{Caller, FieldErrors, ServiceError, Services};

/// Most bytes of a definition.
pub const MAX_DEFINITION: usize = 2 * 1024 * 1024;
/// Most bytes of a test payload.
pub const MAX_PAYLOAD: usize = 6 * 1024 * 1024;

/// `Forbidden` unless the caller may read integrations: organization callers.
pub fn require_reader(caller: &Caller) -> Result<(), ServiceError> {
    if caller.customer_id.is_some() {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// `Forbidden` unless the caller may change integrations: organization designers and admins.
pub fn require_designer(caller: &Caller) -> Result<(), ServiceError> {
    require_reader(caller)?;
    caller.require(Role::Designer)
}

/// Whether the caller may change integrations (pages hide the buttons).
pub fn may_design(caller: &Caller) -> bool {
    require_designer(caller).is_ok()
}

/// The ID of flow `name` of the integration row `row_id` (stable across imports).
pub fn flow_uuid(row_id: Uuid, name: &str) -> Uuid {
    Uuid::new_v5(&row_id, name.as_bytes())
}

/// A definition's text, parsed without validation (a stored definition was valid when saved).
pub fn parsed(text: &str) -> Option<Definition> {
    definition::parse(text).ok().map(|p| p.definition)
}

/// Which flow a test run starts.
#[derive(Debug, Clone, Default)]
pub enum FlowChoice {
    /// The first flow.
    #[default]
    First,
    /// The flow with this name.
    Named(String),
    /// The flow with this ID (`None`: an ID that did not decode).
    Id(Option<Uuid>),
}

/// A test run's request.
#[derive(Debug, Clone, Default)]
pub struct TestRun {
    /// The flow.
    pub flow: FlowChoice,
    /// The trigger payload.
    pub payload: Option<String>,
    /// Its content type.
    pub content_type: Option<String>,
    /// Request headers, a JSON object of strings.
    pub headers: Option<String>,
    /// Answer as soon as the run is recorded (a page then watches it), not when it ends.
    pub watch: bool,
}

fn missing(field: &str) -> ServiceError {
    ServiceError::invalid(field, "integration not found")
}

impl Services {
    /// A page of integrations (drafts; with `all_versions`, published versions too).
    pub async fn integrations(
        &self,
        caller: &Caller,
        filter: &IntegrationFilter,
        page: &PageRequest,
    ) -> Result<Page<Integration>, ServiceError> {
        require_reader(caller)?;
        Ok(self
            .store
            .list_integrations(caller.org_id, filter, page)
            .await?)
    }

    /// One draft or published version.
    pub async fn integration(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<Integration, ServiceError> {
        require_reader(caller)?;
        let id = id.ok_or(ServiceError::NotFound("Integration"))?;
        match self.store.get_integration(caller.org_id, id).await {
            Ok(r) => Ok(r),
            Err(StoreError::NotFound) => Err(ServiceError::NotFound("Integration")),
            Err(e) => Err(e.into()),
        }
    }

    /// The published versions of the integration of `id` (a draft or any of its versions),
    /// oldest first.
    pub async fn integration_versions(
        &self,
        caller: &Caller,
        id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<Integration>, ServiceError> {
        let row = self.integration(caller, Some(id)).await?;
        let filter = IntegrationFilter {
            integration_id: Some(row.integration_id),
            published_only: true,
            ..IntegrationFilter::default()
        };
        Ok(self
            .store
            .list_integrations(caller.org_id, &filter, page)
            .await?)
    }

    /// Deletes an integration (its draft, versions, test values and test executions). Refused
    /// while instances of it exist: they are deleted first, one by one, so that a deletion
    /// never stops a customer's running integration by surprise. `id` is the draft's or a
    /// version's.
    pub async fn delete_integration(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<Integration, ServiceError> {
        require_designer(caller)?;
        let row = match id {
            None => return Err(missing("id")),
            Some(id) => match self.store.get_integration(caller.org_id, id).await {
                Ok(r) => r,
                Err(StoreError::NotFound) => return Err(missing("id")),
                Err(e) => return Err(e.into()),
            },
        };
        let filter = plumb_store::instances::InstanceFilter {
            integration_id: Some(row.integration_id),
            ..Default::default()
        };
        let probe = PageRequest {
            first: Some(1),
            ..Default::default()
        };
        let instances = self
            .store
            .list_instances(caller.org_id, &filter, &probe)
            .await?;
        if instances.total > 0 {
            return Err(ServiceError::invalid(
                "id",
                format!(
                    "the integration has {} instance(s); delete them first",
                    instances.total
                ),
            ));
        }
        let draft = match self
            .store
            .get_integration(caller.org_id, row.integration_id)
            .await
        {
            Ok(d) => d,
            Err(StoreError::NotFound) => return Err(missing("id")),
            Err(e) => return Err(e.into()),
        };
        match self
            .store
            .delete_integration(caller.org_id, row.integration_id)
            .await
        {
            Ok(()) => Ok(draft),
            Err(StoreError::NotFound) => Err(missing("id")),
            Err(e) => Err(e.into()),
        }
    }

    /// The draft `id` of the caller's organization (an input: unknown is invalid under `field`).
    async fn draft(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
        field: &str,
    ) -> Result<Integration, ServiceError> {
        let id = id.ok_or_else(|| missing(field))?;
        match self.store.get_integration(caller.org_id, id).await {
            Ok(r) if !r.is_published => Ok(r),
            Ok(_) | Err(StoreError::NotFound) => Err(missing(field)),
            Err(e) => Err(e.into()),
        }
    }

    /// Validates a definition against the caller organization's catalog; every problem under
    /// `definition` (`line L, column C: ...`).
    pub async fn check_definition(
        &self,
        caller: &Caller,
        text: &str,
    ) -> Result<Definition, ServiceError> {
        if text.len() > MAX_DEFINITION {
            return Err(ServiceError::invalid(
                "definition",
                format!("must be at most {MAX_DEFINITION} bytes"),
            ));
        }
        let engine = &self.runtime.engine;
        runtime::models::sync_models(&self.runtime, caller.org_id).await?;
        engine
            .load_in(Some(caller.org_id), text)
            .map_err(|problems| {
                let mut errors = FieldErrors::default();
                for p in &problems.0 {
                    errors.add("definition", p.to_string());
                }
                ServiceError::Invalid(errors)
            })
    }

    /// Imports a definition as a new integration, or as the new draft of `integration_id`
    /// (`Some(None)`: an ID given that did not decode).
    pub async fn import_integration(
        &self,
        caller: &Caller,
        text: &str,
        integration_id: Option<Option<Uuid>>,
    ) -> Result<Integration, ServiceError> {
        require_designer(caller)?;
        let target = match integration_id {
            Some(id) => Some(self.draft(caller, id, "integrationId").await?),
            None => None,
        };
        let def = self.check_definition(caller, text).await?;
        let description = def.description.clone().unwrap_or_default();
        Ok(match target {
            Some(r) => {
                self.store
                    .update_integration_draft(caller.org_id, r.id, &def.name, &description, text)
                    .await?
            }
            None => {
                self.store
                    .create_integration(caller.org_id, &def.name, &description, text)
                    .await?
            }
        })
    }

    /// Publishes the draft as a new, immutable, numbered version; answers the version.
    pub async fn publish_integration(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
        comment: &str,
    ) -> Result<Integration, ServiceError> {
        require_designer(caller)?;
        let draft = self.draft(caller, id, "id").await?;
        match self
            .store
            .publish_integration(caller.org_id, draft.id, comment)
            .await
        {
            Ok(v) => Ok(v),
            Err(StoreError::Conflict(_)) => Err(ServiceError::invalid(
                "id",
                "another publish of this integration happened at the same time; try again",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The draft's test values of its required config vars.
    pub async fn test_config_vars(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<BTreeMap<String, String>, ServiceError> {
        require_reader(caller)?;
        Ok(self
            .store
            .integration_test_config(caller.org_id, id)
            .await?)
    }

    /// Sets test values of the draft's required config vars (`""` clears one), each checked
    /// against its data type (errors under `configVariables.<i>.value`).
    pub async fn set_test_config_vars(
        &self,
        caller: &Caller,
        integration: Option<Uuid>,
        values: &[(String, String)],
    ) -> Result<Integration, ServiceError> {
        require_designer(caller)?;
        let draft = self.draft(caller, integration, "integration").await?;
        let def = parsed(&draft.definition)
            .ok_or_else(|| StoreError::Corrupt("stored definition".into()))?;
        let mut errors = FieldErrors::default();
        let mut checked = BTreeMap::new();
        for (i, (key, value)) in values.iter().enumerate() {
            match runtime::check_test_value(&def, key, value) {
                Ok(()) => {
                    checked.insert(key.clone(), value.clone());
                }
                Err(p) => errors.add(format!("configVariables.{i}.value"), p.to_string()),
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        self.store
            .set_integration_test_config(caller.org_id, draft.id, &checked)
            .await?;
        Ok(draft)
    }

    /// Runs a flow of the draft now with its test values, recording a test execution.
    pub async fn test_integration_flow(
        &self,
        caller: &Caller,
        id: Option<Option<Uuid>>,
        run: TestRun,
    ) -> Result<Execution, ServiceError> {
        require_designer(caller)?;
        let id = id.ok_or_else(|| ServiceError::invalid("id", "is required"))?;
        let draft = self.draft(caller, id, "id").await?;
        let engine = &self.runtime.engine;
        runtime::models::sync_models(&self.runtime, caller.org_id).await?;
        let def = engine
            .load_in(Some(caller.org_id), &draft.definition)
            .map_err(|problems| {
                ServiceError::invalid(
                    "id",
                    format!("the draft's definition is invalid: {problems}"),
                )
            })?;
        let (flow, field) = match &run.flow {
            FlowChoice::Id(fid) => (
                fid.and_then(|u| def.flows.iter().find(|f| flow_uuid(draft.id, &f.name) == u)),
                "flowId",
            ),
            FlowChoice::Named(name) => (def.flow(name), "flow"),
            FlowChoice::First => (def.flows.first(), "flow"),
        };
        let flow = flow.map(|f| f.name.clone()).ok_or_else(|| {
            let names: Vec<String> = def.flows.iter().map(|f| format!("{:?}", f.name)).collect();
            ServiceError::invalid(
                field,
                format!("flow not found (the flows: {})", names.join(", ")),
            )
        })?;
        let headers: BTreeMap<String, String> = match run.headers.as_deref() {
            None | Some("") => BTreeMap::new(),
            Some(text) => serde_json::from_str(text).map_err(|_| {
                ServiceError::invalid("headers", "must be a JSON object of strings")
            })?,
        };
        if run.payload.as_ref().is_some_and(|p| p.len() > MAX_PAYLOAD) {
            return Err(ServiceError::invalid(
                "payload",
                format!("must be at most {MAX_PAYLOAD} bytes"),
            ));
        }
        let tests = self
            .store
            .integration_test_config(caller.org_id, draft.id)
            .await?;
        let mut config = runtime::resolve_test_config(&def, &tests)
            .map_err(|p| ServiceError::invalid("configVariables", p.to_string()))?;
        runtime::resolve_scoped_test_connections(
            self.vault.as_ref(),
            caller.org_id,
            &def,
            &mut config,
        )
        .await;
        let trigger = runtime::TestTrigger {
            payload: run.payload.map(String::into_bytes),
            content_type: run.content_type,
            headers,
        };
        let (store, org) = (&self.store, caller.org_id);
        Ok(if run.watch {
            runtime::start_test_flow(engine, store, org, draft.id, &def, &flow, config, trigger)
                .await?
        } else {
            runtime::run_test_flow(engine, store, org, draft.id, &def, &flow, config, trigger)
                .await?
        })
    }
}
