//! Integrations of a model (seed 003): create, update, clone, delete, list; their roles; calls
//! of their tasks.
//!
//! Rules:
//! - organization callers read integrations (customer-bound callers see none); designers and
//!   admins create, clone and delete them; designers, admins and holders of the integration's
//!   `<name>:admin` role update them and set their log level;
//! - a configuration is checked whole against the model (every problem under
//!   `configuration`, with its JSON pointer) before anything is written; its secret leaves are
//!   sealed apart and never answered back (`secretsSet` lists which are set); an update that
//!   leaves a secret out keeps it;
//! - creating an integration named `N` makes the roles `N:admin` and `N:<VERB>` for each HTTP
//!   verb its model's operations use; organization admins grant them to tokens; calling a task
//!   needs its verb's role or `N:admin` (organization admins may call everything);
//! - a call's inputs are checked against the operation before sending: a call that could not
//!   be made answers the string error, an answered call the envelope.

use std::collections::BTreeMap;
use std::sync::Arc;

use plumb_auth::Envelope;
use plumb_models::configuration::{self, Configuration, LogLevel};
use plumb_runtime::models::calls::CompiledModel;
use plumb_runtime::models::{CallError, NoLog};
use plumb_store::model_integrations::{ModelIntegrationWrite, StoredModelIntegration};
use plumb_store::models::StoredModel;
use plumb_store::tokens::Role;
use plumb_store::StoreError;
use serde_json::Value;
use uuid::Uuid;

use crate::integrations::{require_designer, require_reader};
use crate::{Caller, FieldErrors, ServiceError, Services};

/// The longest name of a model integration.
pub const MAX_NAME: usize = 100;
/// The largest configuration text.
pub const MAX_CONFIGURATION: usize = 256 * 1024;
/// The largest inputs text of a call.
pub const MAX_INPUTS: usize = 1024 * 1024;

/// A model integration as callers see it: no secret value.
#[derive(Debug, Clone)]
pub struct ModelIntegrationView {
    /// The stored row (its `secrets` are sealed bytes, never shown).
    pub stored: StoredModelIntegration,
    /// The model's name (`Title:version`).
    pub model_name: String,
    /// The configuration without its secret leaves.
    pub configuration: Value,
    /// JSON pointers of the secret leaves that are set.
    pub secrets_set: Vec<String>,
    /// Its roles: `<name>:admin`, then one per HTTP verb.
    pub roles: Vec<String>,
    /// The log level in effect.
    pub log_level: LogLevel,
    /// The syslog level in effect (`None`: no syslog export).
    pub syslog_level: Option<LogLevel>,
}

/// The answer of a task call.
#[derive(Debug, Clone)]
pub enum TaskAnswer {
    /// The server answered (any status): the envelope. A failed token request answers the
    /// token request's envelope.
    Answered(Envelope),
    /// No call was made: why.
    NotSent(String),
}

fn store_err(e: StoreError, what: &'static str) -> ServiceError {
    match e {
        StoreError::NotFound => ServiceError::NotFound(what),
        other => ServiceError::Store(other),
    }
}

fn check_name(name: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ServiceError::invalid("name", "is required"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(ServiceError::invalid(
            "name",
            format!("must be at most {MAX_NAME} characters"),
        ));
    }
    if name.contains(':') || name.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            "name",
            "must not contain `:` or control characters (roles are `<name>:<verb>`)",
        ));
    }
    Ok(name.to_string())
}

fn config_problems(problems: &plumb_models::Problems) -> ServiceError {
    let mut errors = FieldErrors::default();
    for p in &problems.0 {
        errors.add("configuration", p.to_string());
    }
    ServiceError::Invalid(errors)
}

fn call_err(e: CallError) -> ServiceError {
    match e {
        CallError::Store(s) => store_err(s, "Model integration"),
        other => ServiceError::invalid("configuration", other.to_string()),
    }
}

impl Services {
    /// Model `model_id` of `org`, read and compiled. A model that is not found is invalid
    /// input `model` when the caller named it (`given`), else a missing `Integration model`.
    async fn compiled_model(
        &self,
        org: Uuid,
        model_id: Uuid,
        given: bool,
    ) -> Result<(StoredModel, Arc<CompiledModel>), ServiceError> {
        let row = self
            .store
            .get_model(org, model_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound if given => {
                    ServiceError::invalid("model", "integration model not found")
                }
                other => store_err(other, "Integration model"),
            })?;
        let compiled = self.runtime.models.compiled(&row).map_err(call_err)?;
        Ok((row, compiled))
    }

    async fn view(
        &self,
        stored: StoredModelIntegration,
    ) -> Result<ModelIntegrationView, ServiceError> {
        let (model_row, compiled) = self
            .compiled_model(stored.org_id, stored.model_id, false)
            .await?;
        let configuration: Value = serde_json::from_str(&stored.configuration)
            .map_err(|_| ServiceError::Store(StoreError::Corrupt("model integration".into())))?;
        let secrets_set = match &stored.secrets {
            None => Vec::new(),
            Some(sealed) => self
                .runtime
                .models
                .open_secrets(stored.org_id, stored.id, Some(sealed))
                .await
                .map(|m| m.into_keys().collect())
                .unwrap_or_default(),
        };
        let parsed: Option<Configuration> = serde_json::from_value(configuration.clone()).ok();
        Ok(ModelIntegrationView {
            roles: configuration::roles(&stored.name, &compiled.model),
            model_name: model_row.name,
            log_level: parsed.as_ref().map_or(LogLevel::Info, |c| c.log_level),
            syslog_level: parsed.as_ref().and_then(Configuration::syslog_level),
            configuration,
            secrets_set,
            stored,
        })
    }

    async fn find(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<StoredModelIntegration, ServiceError> {
        self.store
            .get_model_integration(caller.org_id, id)
            .await
            .map_err(|e| store_err(e, "Model integration"))
    }

    /// Whether the caller holds role `role` (`admin` or a verb) of an integration (through a
    /// grant, or as an organization admin).
    async fn holds(
        &self,
        caller: &Caller,
        integration: Uuid,
        roles: &[&str],
    ) -> Result<bool, ServiceError> {
        if caller.customer_id.is_some() {
            return Ok(false);
        }
        if caller.roles.contains(&Role::Admin) {
            return Ok(true);
        }
        let held = self
            .store
            .model_integration_roles_of(caller.org_id, caller.token_id, integration)
            .await?;
        Ok(held.iter().any(|h| roles.contains(&h.as_str())))
    }

    /// The organization's model integrations (of one model when given).
    pub async fn model_integrations(
        &self,
        caller: &Caller,
        model: Option<Uuid>,
    ) -> Result<Vec<ModelIntegrationView>, ServiceError> {
        require_reader(caller)?;
        let rows = self
            .store
            .list_model_integrations(caller.org_id, model)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.view(r).await?);
        }
        Ok(out)
    }

    /// One model integration.
    pub async fn model_integration(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<ModelIntegrationView, ServiceError> {
        require_reader(caller)?;
        let stored = self.find(caller, id).await?;
        self.view(stored).await
    }

    /// The JSON Schema of configurations (of one model's when given).
    pub async fn model_integration_configuration_schema(
        &self,
        caller: &Caller,
        model: Option<Uuid>,
    ) -> Result<Value, ServiceError> {
        require_reader(caller)?;
        match model {
            None => Ok(configuration::schema(None)),
            Some(id) => {
                let (_, compiled) = self.compiled_model(caller.org_id, id, true).await?;
                Ok(configuration::schema(Some(&compiled.model)))
            }
        }
    }

    /// Checks `text` for the model, keeping `kept` secrets where it leaves them out; answers
    /// the configuration without secrets and the secrets.
    fn checked(
        model: &plumb_models::Model,
        text: &str,
        kept: &BTreeMap<String, String>,
    ) -> Result<(Value, BTreeMap<String, String>), ServiceError> {
        if text.len() > MAX_CONFIGURATION {
            return Err(ServiceError::invalid(
                "configuration",
                format!("must be at most {MAX_CONFIGURATION} bytes"),
            ));
        }
        let mut value = configuration::read(text).map_err(|p| config_problems(&p))?;
        configuration::merge_secrets(&mut value, kept);
        Configuration::check(model, &value).map_err(|p| config_problems(&p))?;
        let secrets = configuration::split_secrets(model, &mut value);
        Ok((value, secrets))
    }

    /// Seals `secrets` for `id` and writes the integration (a create or an update); a name
    /// taken is invalid `name`.
    #[allow(clippy::too_many_arguments)]
    async fn write(
        &self,
        caller: &Caller,
        create: bool,
        id: Uuid,
        model_id: Uuid,
        name: &str,
        configuration: &str,
        secrets: &BTreeMap<String, String>,
    ) -> Result<StoredModelIntegration, ServiceError> {
        let sealed = self
            .runtime
            .models
            .seal_secrets(caller.org_id, id, secrets)
            .await
            .map_err(call_err)?;
        let w = ModelIntegrationWrite {
            id,
            model_id,
            name,
            configuration,
            secrets: sealed.as_deref(),
        };
        let written = if create {
            self.store.create_model_integration(caller.org_id, w).await
        } else {
            self.store.update_model_integration(caller.org_id, w).await
        };
        written.map_err(|e| match e {
            StoreError::Conflict(_) => ServiceError::invalid(
                "name",
                format!("a model integration named `{name}` already exists"),
            ),
            other => store_err(other, "Model integration"),
        })
    }

    /// Creates an integration of `model` named `name` with `configuration` (JSON text).
    pub async fn create_model_integration(
        &self,
        caller: &Caller,
        model: Option<Uuid>,
        name: &str,
        configuration: &str,
    ) -> Result<ModelIntegrationView, ServiceError> {
        require_designer(caller)?;
        let name = check_name(name)?;
        let model_id = model.ok_or_else(|| ServiceError::invalid("model", "is required"))?;
        let (_, compiled) = self.compiled_model(caller.org_id, model_id, true).await?;
        let (value, secrets) = Self::checked(&compiled.model, configuration, &BTreeMap::new())?;
        let id = self.store.new_model_integration_id();
        let stored = self
            .write(
                caller,
                true,
                id,
                model_id,
                &name,
                &value.to_string(),
                &secrets,
            )
            .await?;
        self.view(stored).await
    }

    /// Changes an integration's name and/or configuration (secrets left out are kept).
    pub async fn update_model_integration(
        &self,
        caller: &Caller,
        id: Uuid,
        name: Option<&str>,
        configuration: Option<&str>,
    ) -> Result<ModelIntegrationView, ServiceError> {
        require_reader(caller)?;
        let stored = self.find(caller, id).await?;
        if !caller.has(Role::Designer) && !self.holds(caller, id, &["admin"]).await? {
            return Err(ServiceError::Forbidden);
        }
        let name = match name {
            Some(n) => check_name(n)?,
            None => stored.name.clone(),
        };
        let old = self
            .runtime
            .models
            .open_secrets(caller.org_id, id, stored.secrets.as_deref())
            .await
            .map_err(call_err)?;
        let (_, compiled) = self
            .compiled_model(caller.org_id, stored.model_id, false)
            .await?;
        let text = configuration.map_or_else(|| stored.configuration.clone(), str::to_string);
        let (value, secrets) = Self::checked(&compiled.model, &text, &old)?;
        let updated = self
            .write(
                caller,
                false,
                id,
                stored.model_id,
                &name,
                &value.to_string(),
                &secrets,
            )
            .await?;
        self.view(updated).await
    }

    /// Sets an integration's log level (and its syslog level when given): in effect for the
    /// next call, on every node.
    pub async fn set_model_integration_log_level(
        &self,
        caller: &Caller,
        id: Uuid,
        level: &str,
        syslog_level: Option<&str>,
    ) -> Result<ModelIntegrationView, ServiceError> {
        let parse = |field: &str, text: &str| {
            LogLevel::parse(text).ok_or_else(|| {
                ServiceError::invalid(
                    field,
                    format!(
                        "`{text}` is not a log level ({})",
                        configuration::LOG_LEVELS.join(", ")
                    ),
                )
            })
        };
        let level = parse("logLevel", level)?;
        let syslog_level = syslog_level.map(|s| parse("syslogLevel", s)).transpose()?;
        require_reader(caller)?;
        let stored = self.find(caller, id).await?;
        let mut value: Value = serde_json::from_str(&stored.configuration)
            .map_err(|_| ServiceError::Store(StoreError::Corrupt("model integration".into())))?;
        value["logLevel"] = Value::String(level.as_str().into());
        if let Some(sl) = syslog_level {
            match value.get_mut("syslog") {
                Some(Value::Object(s)) => {
                    s.insert("level".into(), Value::String(sl.as_str().into()));
                }
                _ => {
                    return Err(ServiceError::invalid(
                        "syslogLevel",
                        "the integration has no syslog settings: add `syslog` to its configuration",
                    ))
                }
            }
        }
        self.update_model_integration(caller, id, None, Some(&value.to_string()))
            .await
    }

    /// A copy of an integration under a new name (secrets copied, sealed for the copy).
    pub async fn clone_model_integration(
        &self,
        caller: &Caller,
        id: Uuid,
        name: &str,
    ) -> Result<ModelIntegrationView, ServiceError> {
        require_designer(caller)?;
        let name = check_name(name)?;
        let stored = self.find(caller, id).await?;
        let secrets = self
            .runtime
            .models
            .open_secrets(caller.org_id, id, stored.secrets.as_deref())
            .await
            .map_err(call_err)?;
        let new_id = self.store.new_model_integration_id();
        let created = self
            .write(
                caller,
                true,
                new_id,
                stored.model_id,
                &name,
                &stored.configuration,
                &secrets,
            )
            .await?;
        self.view(created).await
    }

    /// Deletes an integration (and its role grants).
    pub async fn delete_model_integration(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<ModelIntegrationView, ServiceError> {
        require_designer(caller)?;
        let stored = self.find(caller, id).await?;
        let view = self.view(stored).await?;
        self.store
            .delete_model_integration(caller.org_id, id)
            .await
            .map_err(|e| store_err(e, "Model integration"))?;
        Ok(view)
    }

    /// Grants (or with `grant: false` revokes) role `role` (`<name>:admin` or `<name>:<VERB>`)
    /// of integration `id` to token `token`. Organization admins only.
    pub async fn grant_model_integration_role(
        &self,
        caller: &Caller,
        token: Uuid,
        role: &str,
        grant: bool,
    ) -> Result<ModelIntegrationView, ServiceError> {
        require_reader(caller)?;
        caller.require(Role::Admin)?;
        let (name, suffix) = role.rsplit_once(':').ok_or_else(|| {
            ServiceError::invalid(
                "role",
                "a model integration role is `<integration>:<admin|VERB>`",
            )
        })?;
        let stored = match self.store.find_model_integration(caller.org_id, name).await {
            Err(StoreError::NotFound) => {
                return Err(ServiceError::invalid(
                    "role",
                    format!("no model integration is named `{name}`"),
                ))
            }
            other => other?,
        };
        let view = self.view(stored).await?;
        if !view.roles.iter().any(|r| r == role) {
            return Err(ServiceError::invalid(
                "role",
                format!(
                    "`{role}` is not a role of `{name}` ({})",
                    view.roles.join(", ")
                ),
            ));
        }
        let done = if grant {
            self.store
                .grant_model_integration_role(caller.org_id, token, view.stored.id, suffix)
                .await
        } else {
            self.store
                .revoke_model_integration_role(caller.org_id, token, view.stored.id, suffix)
                .await
                .map(|_| ())
        };
        done.map_err(|e| match e {
            StoreError::NotFound => ServiceError::invalid("token", "token not found"),
            other => other.into(),
        })?;
        Ok(view)
    }

    /// The tokens holding roles of integration `id`: (token ID, role name).
    pub async fn model_integration_grants(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Vec<(Uuid, String)>, ServiceError> {
        require_reader(caller)?;
        let stored = self.find(caller, id).await?;
        Ok(self
            .store
            .model_integration_grants(caller.org_id, id)
            .await?
            .into_iter()
            .map(|(t, r)| (t, format!("{}:{r}", stored.name)))
            .collect())
    }

    /// Calls task `task` of integration `integration` (its ID) with `inputs` (a JSON object
    /// text). Needs the task verb's role or the integration's admin role.
    pub async fn call_integration_task(
        &self,
        caller: &Caller,
        integration: Uuid,
        task: &str,
        inputs: &str,
    ) -> Result<TaskAnswer, ServiceError> {
        require_reader(caller)?;
        if inputs.len() > MAX_INPUTS {
            return Err(ServiceError::invalid(
                "inputs",
                format!("must be at most {MAX_INPUTS} bytes"),
            ));
        }
        let inputs = match serde_json::from_str::<Value>(if inputs.trim().is_empty() {
            "{}"
        } else {
            inputs
        }) {
            Ok(Value::Object(m)) => m,
            _ => return Err(ServiceError::invalid("inputs", "must be a JSON object")),
        };
        let stored = self.find(caller, integration).await?;
        let opened = match self.runtime.models.open(caller.org_id, stored).await {
            Ok(o) => o,
            Err(CallError::Store(e)) => return Err(store_err(e, "Model integration")),
            Err(other) => return Ok(TaskAnswer::NotSent(other.to_string())),
        };
        let Some(op) = opened.model.operation(task) else {
            return Err(ServiceError::invalid(
                "task",
                format!("the model {} has no task `{task}`", opened.model.model.name),
            ));
        };
        let verb = op.operation.method.clone();
        if !self
            .holds(caller, integration, &["admin", verb.as_str()])
            .await?
        {
            return Err(ServiceError::Forbidden);
        }
        match self
            .runtime
            .models
            .call(&opened, task, &inputs, &NoLog)
            .await
        {
            Ok(envelope) => Ok(TaskAnswer::Answered(envelope)),
            Err(CallError::Token(env)) => Ok(TaskAnswer::Answered(*env)),
            Err(CallError::Store(e)) => Err(e.into()),
            Err(e @ CallError::NotSent(_)) => Ok(TaskAnswer::NotSent(e.to_string())),
        }
    }

    /// The ID of the model integration named `name` (for names given by the CLI).
    pub async fn model_integration_id_by_name(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<Uuid, ServiceError> {
        require_reader(caller)?;
        self.store
            .find_model_integration(caller.org_id, name)
            .await
            .map(|s| s.id)
            .map_err(|e| store_err(e, "Model integration"))
    }
}
