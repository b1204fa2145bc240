//! Integrations of a model (seed 003): `createModelIntegration`, `updateModelIntegration`,
//! `cloneModelIntegration`, `deleteModelIntegration`, `modelIntegrations`,
//! `modelIntegration`, `modelIntegrationConfigurationSchema`, `setModelIntegrationLogLevel`,
//! `grantModelIntegrationRole` / `revokeModelIntegrationRole` and `callIntegrationTask`. A thin
//! adapter over `plumb_service::model_integrations`: parse, call, present.

use async_graphql::{ComplexObject, Context, InputObject, Json, Object, SimpleObject, ID};
use plumb_service::model_integrations::{ModelIntegrationView, TaskAnswer};
use plumb_service::{ServiceError, Services};
use serde_json::Value;
use uuid::Uuid;

use super::errors::{field_errors, present, service_error, FieldError, Result};
use super::models::{IntegrationModel, MODEL_TYPE};
use super::{caller, decode_id};

/// The global ID type of model integrations.
pub const TYPE: &str = "ModelIntegration";

/// A token holding a role of a model integration.
#[derive(SimpleObject, Clone)]
pub struct ModelIntegrationGrant {
    /// The token's ID.
    pub token: ID,
    /// The role (`<name>:admin`, `<name>:GET`, ...).
    pub role: String,
}

/// An integration of a model: its server, authentication, TLS, timeout, proxy, worker-group
/// and logging settings. Secrets are never answered: `secretsSet` says which are set.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ModelIntegration {
    /// Global ID (`ModelIntegration:<uuid>`).
    pub id: ID,
    /// Its name, unique in the organization (its roles are `<name>:admin`, `<name>:<VERB>`).
    pub name: String,
    /// The model's name (`Title:version`).
    pub model_name: String,
    /// The configuration (the "Advanced View" object) without its secret values.
    pub configuration: Json<Value>,
    /// JSON pointers of the secret values that are set (`/authentication/petstore_auth/value`).
    pub secrets_set: Vec<String>,
    /// Its roles: `<name>:admin`, then one per HTTP verb of its model.
    pub roles: Vec<String>,
    /// The log level in effect (`none`, `error`, `warn`, `info`, `debug`, `trace`).
    pub log_level: String,
    /// The syslog level in effect (null: no syslog export).
    pub syslog_level: Option<String>,
    /// Creation time (ms since the epoch).
    pub created_at: i64,
    /// Last change (ms since the epoch).
    pub updated_at: i64,
    #[graphql(skip)]
    model_id: Uuid,
}

#[ComplexObject]
impl ModelIntegration {
    /// The model it is an integration of.
    async fn model(&self, ctx: &Context<'_>) -> Result<Option<IntegrationModel>> {
        let caller = caller(ctx)?;
        match ctx
            .data::<Services>()?
            .model(caller, Some(self.model_id))
            .await
        {
            Ok((stored, model)) => Ok(Some(super::models::present_model(&stored, model.as_ref()))),
            Err(ServiceError::NotFound(_)) => Ok(None),
            Err(e) => Err(service_error(e)),
        }
    }

    /// The tokens holding its roles.
    async fn grants(&self, ctx: &Context<'_>) -> Result<Vec<ModelIntegrationGrant>> {
        let caller = caller(ctx)?;
        let id = decode_id(TYPE, &self.id).unwrap_or_default();
        let list = ctx
            .data::<Services>()?
            .model_integration_grants(caller, id)
            .await
            .map_err(service_error)?;
        Ok(list
            .into_iter()
            .map(|(t, role)| ModelIntegrationGrant {
                token: ID(plumb_core::id::encode(super::tokens::TYPE, t)),
                role,
            })
            .collect())
    }
}

fn view(v: ModelIntegrationView) -> ModelIntegration {
    ModelIntegration {
        id: ID(plumb_core::id::encode(TYPE, v.stored.id)),
        name: v.stored.name.clone(),
        model_name: v.model_name,
        configuration: Json(v.configuration),
        secrets_set: v.secrets_set,
        roles: v.roles,
        log_level: v.log_level.as_str().to_string(),
        syslog_level: v.syslog_level.map(|l| l.as_str().to_string()),
        created_at: v.stored.created_at,
        updated_at: v.stored.updated_at,
        model_id: v.stored.model_id,
    }
}

/// Every model integration of a list.
#[derive(SimpleObject, Clone)]
pub struct ModelIntegrationConnection {
    /// The integrations, by name.
    pub nodes: Vec<ModelIntegration>,
    /// How many there are.
    pub total_count: i64,
}

/// `createModelIntegration` input.
#[derive(InputObject)]
pub struct CreateModelIntegrationInput {
    /// The model's ID.
    pub model: ID,
    /// The integration's name.
    pub name: String,
    /// The configuration: the JSON text of the "Advanced View" object.
    pub configuration: String,
}

/// `updateModelIntegration` input.
#[derive(InputObject)]
pub struct UpdateModelIntegrationInput {
    /// The integration's ID.
    pub id: ID,
    /// A new name.
    pub name: Option<String>,
    /// A new configuration (JSON text); secrets it leaves out are kept.
    pub configuration: Option<String>,
}

/// `cloneModelIntegration` input.
#[derive(InputObject)]
pub struct CloneModelIntegrationInput {
    /// The integration to copy.
    pub id: ID,
    /// The copy's name.
    pub name: String,
}

/// `deleteModelIntegration` input.
#[derive(InputObject)]
pub struct DeleteModelIntegrationInput {
    /// The integration's ID.
    pub id: ID,
}

/// `setModelIntegrationLogLevel` input.
#[derive(InputObject)]
pub struct SetModelIntegrationLogLevelInput {
    /// The integration's ID.
    pub id: ID,
    /// `none`, `error`, `warn`, `info`, `debug` or `trace`.
    pub log_level: String,
    /// The syslog level (the integration must have `syslog` settings).
    pub syslog_level: Option<String>,
}

/// `grantModelIntegrationRole` / `revokeModelIntegrationRole` input.
#[derive(InputObject)]
pub struct ModelIntegrationRoleInput {
    /// The API token's ID.
    pub token: ID,
    /// The role: `<integration name>:admin` or `<integration name>:<VERB>`.
    pub role: String,
}

/// `callIntegrationTask` input.
#[derive(InputObject)]
pub struct CallIntegrationTaskInput {
    /// The integration: its ID, or its name.
    pub integration: ID,
    /// The operation's action key.
    pub task: String,
    /// The inputs: a JSON object text (`{"petId": 7}`).
    pub inputs: Option<String>,
}

/// What a model integration mutation answers.
#[derive(SimpleObject)]
pub struct ModelIntegrationPayload {
    /// The integration.
    pub model_integration: Option<ModelIntegration>,
    /// Why nothing changed (configuration problems name their JSON pointers).
    pub errors: Vec<FieldError>,
}

fn failed(errors: Vec<FieldError>) -> ModelIntegrationPayload {
    ModelIntegrationPayload {
        model_integration: None,
        errors,
    }
}

fn not_found_payload() -> ModelIntegrationPayload {
    failed(field_errors(plumb_service::FieldErrors::one(
        "id",
        "model integration not found",
    )))
}

fn answered(v: ModelIntegrationView) -> ModelIntegrationPayload {
    ModelIntegrationPayload {
        model_integration: Some(view(v)),
        errors: Vec::new(),
    }
}

/// What `callIntegrationTask` answers.
#[derive(SimpleObject)]
pub struct CallIntegrationTaskPayload {
    /// Whether the server answered with a 2xx status.
    pub ok: bool,
    /// The standard envelope `{ok, method, url, status, statusText, headers, body, text,
    /// parseError}` of the answer (of the token request when that failed first).
    pub response: Option<Json<Value>>,
    /// The string error when no call was made (invalid inputs, missing settings).
    pub error: Option<String>,
    /// Invalid arguments (the call was not made).
    pub errors: Vec<FieldError>,
}

fn integration_id(id: &ID) -> Option<Uuid> {
    decode_id(TYPE, id)
}

/// Model integration queries.
#[derive(Default)]
pub struct ModelIntegrationQuery;

#[Object]
impl ModelIntegrationQuery {
    /// The organization's model integrations (of one model when given).
    async fn model_integrations(
        &self,
        ctx: &Context<'_>,
        model: Option<ID>,
    ) -> Result<ModelIntegrationConnection> {
        let caller = caller(ctx)?;
        let model = match model {
            None => None,
            Some(m) => Some(decode_id(MODEL_TYPE, &m).ok_or_else(|| {
                super::errors::gql_error("BAD_USER_INPUT", "model: integration model not found")
            })?),
        };
        let list = ctx
            .data::<Services>()?
            .model_integrations(caller, model)
            .await
            .map_err(service_error)?;
        let nodes: Vec<ModelIntegration> = list.into_iter().map(view).collect();
        Ok(ModelIntegrationConnection {
            total_count: nodes.len() as i64,
            nodes,
        })
    }

    /// One model integration (null when not found).
    async fn model_integration(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<ModelIntegration>> {
        let caller = caller(ctx)?;
        let Some(id) = integration_id(&id) else {
            return Ok(None);
        };
        match ctx.data::<Services>()?.model_integration(caller, id).await {
            Ok(v) => Ok(Some(view(v))),
            Err(ServiceError::NotFound(_)) => Ok(None),
            Err(e) => Err(service_error(e)),
        }
    }

    /// The JSON Schema of a model integration's configuration; with `model`, its
    /// `authentication` takes exactly that model's security schemes.
    async fn model_integration_configuration_schema(
        &self,
        ctx: &Context<'_>,
        model: Option<ID>,
    ) -> Result<Json<Value>> {
        let caller = caller(ctx)?;
        let model = match model {
            None => None,
            Some(m) => Some(decode_id(MODEL_TYPE, &m).ok_or_else(|| {
                super::errors::gql_error("BAD_USER_INPUT", "model: integration model not found")
            })?),
        };
        ctx.data::<Services>()?
            .model_integration_configuration_schema(caller, model)
            .await
            .map(Json)
            .map_err(service_error)
    }
}

/// Model integration mutations.
#[derive(Default)]
pub struct ModelIntegrationMutation;

#[Object]
impl ModelIntegrationMutation {
    /// Creates an integration of a model; its roles are created with it.
    async fn create_model_integration(
        &self,
        ctx: &Context<'_>,
        input: CreateModelIntegrationInput,
    ) -> Result<ModelIntegrationPayload> {
        let caller = caller(ctx)?;
        present(
            ctx.data::<Services>()?
                .create_model_integration(
                    caller,
                    decode_id(MODEL_TYPE, &input.model),
                    &input.name,
                    &input.configuration,
                )
                .await,
            answered,
            failed,
        )
    }

    /// Changes an integration's name or configuration (secrets left out are kept).
    async fn update_model_integration(
        &self,
        ctx: &Context<'_>,
        input: UpdateModelIntegrationInput,
    ) -> Result<ModelIntegrationPayload> {
        let caller = caller(ctx)?;
        let Some(id) = integration_id(&input.id) else {
            return Ok(not_found_payload());
        };
        present(
            ctx.data::<Services>()?
                .update_model_integration(
                    caller,
                    id,
                    input.name.as_deref(),
                    input.configuration.as_deref(),
                )
                .await,
            answered,
            failed,
        )
    }

    /// Copies an integration under a new name (secrets included).
    async fn clone_model_integration(
        &self,
        ctx: &Context<'_>,
        input: CloneModelIntegrationInput,
    ) -> Result<ModelIntegrationPayload> {
        let caller = caller(ctx)?;
        let Some(id) = integration_id(&input.id) else {
            return Ok(not_found_payload());
        };
        present(
            ctx.data::<Services>()?
                .clone_model_integration(caller, id, &input.name)
                .await,
            answered,
            failed,
        )
    }

    /// Deletes an integration (and its role grants).
    async fn delete_model_integration(
        &self,
        ctx: &Context<'_>,
        input: DeleteModelIntegrationInput,
    ) -> Result<ModelIntegrationPayload> {
        let caller = caller(ctx)?;
        let Some(id) = integration_id(&input.id) else {
            return Ok(not_found_payload());
        };
        present(
            ctx.data::<Services>()?
                .delete_model_integration(caller, id)
                .await,
            answered,
            failed,
        )
    }

    /// Sets an integration's log level (and syslog level): in effect at once.
    async fn set_model_integration_log_level(
        &self,
        ctx: &Context<'_>,
        input: SetModelIntegrationLogLevelInput,
    ) -> Result<ModelIntegrationPayload> {
        let caller = caller(ctx)?;
        let Some(id) = integration_id(&input.id) else {
            return Ok(not_found_payload());
        };
        present(
            ctx.data::<Services>()?
                .set_model_integration_log_level(
                    caller,
                    id,
                    &input.log_level,
                    input.syslog_level.as_deref(),
                )
                .await,
            answered,
            failed,
        )
    }

    /// Grants a role of a model integration to an API token (organization admins).
    async fn grant_model_integration_role(
        &self,
        ctx: &Context<'_>,
        input: ModelIntegrationRoleInput,
    ) -> Result<ModelIntegrationPayload> {
        role(ctx, input, true).await
    }

    /// Takes a role of a model integration back from an API token (organization admins).
    async fn revoke_model_integration_role(
        &self,
        ctx: &Context<'_>,
        input: ModelIntegrationRoleInput,
    ) -> Result<ModelIntegrationPayload> {
        role(ctx, input, false).await
    }

    /// Calls a task (an operation) of a model integration: the envelope of the answer, or the
    /// string error when no call was made.
    async fn call_integration_task(
        &self,
        ctx: &Context<'_>,
        input: CallIntegrationTaskInput,
    ) -> Result<CallIntegrationTaskPayload> {
        let caller = caller(ctx)?;
        let services = ctx.data::<Services>()?;
        let id = match integration_id(&input.integration) {
            Some(id) => Ok(id),
            None => services
                .model_integration_id_by_name(caller, input.integration.as_str())
                .await
                .map_err(|e| match e {
                    ServiceError::NotFound(_) => {
                        ServiceError::invalid("integration", "model integration not found")
                    }
                    other => other,
                }),
        };
        let answer = match id {
            Ok(id) => {
                services
                    .call_integration_task(
                        caller,
                        id,
                        &input.task,
                        input.inputs.as_deref().unwrap_or("{}"),
                    )
                    .await
            }
            Err(e) => Err(e),
        };
        present(
            answer,
            |a| match a {
                TaskAnswer::Answered(env) => CallIntegrationTaskPayload {
                    ok: env.ok,
                    response: serde_json::to_value(&env).ok().map(Json),
                    error: None,
                    errors: Vec::new(),
                },
                TaskAnswer::NotSent(why) => CallIntegrationTaskPayload {
                    ok: false,
                    response: None,
                    error: Some(why),
                    errors: Vec::new(),
                },
            },
            |errors| CallIntegrationTaskPayload {
                ok: false,
                response: None,
                error: None,
                errors,
            },
        )
    }
}

async fn role(
    ctx: &Context<'_>,
    input: ModelIntegrationRoleInput,
    grant: bool,
) -> Result<ModelIntegrationPayload> {
    let caller = caller(ctx)?;
    let Some(token) = decode_id(super::tokens::TYPE, &input.token) else {
        return Ok(failed(field_errors(plumb_service::FieldErrors::one(
            "token",
            "token not found",
        ))));
    };
    present(
        ctx.data::<Services>()?
            .grant_model_integration_role(caller, token, &input.role, grant)
            .await,
        answered,
        failed,
    )
}
