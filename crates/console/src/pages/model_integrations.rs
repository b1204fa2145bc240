//! Integrations of a model (seed 003): created from a model's page (**+ Integration**), each
//! with its page: the configuration as a form (server, timeout, log level) and as JSON (the
//! "Advanced View", secrets never shown: `secretsSet` says which are set, and leaving one out
//! keeps it), its roles, a task called with its inputs showing the response envelope, clone
//! and delete. The rules are the service's (`plumb_service::model_integrations`).

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use plumb_service::integrations::may_design;
use plumb_service::model_integrations::{ModelIntegrationView, TaskAnswer};
use plumb_service::ServiceError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::customers::{CsrfForm, ShowQuery};
use crate::form::Errors;
use crate::layout::{self, empty, failure, notice, page, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// The global ID of a model integration.
pub fn gid(id: uuid::Uuid) -> String {
    plumb_core::id::encode("ModelIntegration", id)
}

fn decode(gid: &str) -> Option<uuid::Uuid> {
    plumb_core::id::decode("ModelIntegration", gid).ok()
}

/// The settings form (also the create form): simple fields, or the Advanced View's JSON.
#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    protocol: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: String,
    #[serde(default)]
    base_path: String,
    #[serde(default)]
    timeout: String,
    #[serde(default)]
    log_level: String,
    /// The Advanced View: when filled, it is the configuration.
    #[serde(default)]
    advanced: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

impl SettingsForm {
    /// The configuration's JSON text: the Advanced View when given, else `base` with the
    /// simple fields put in.
    fn configuration(&self, base: &Value) -> Result<String, ServiceError> {
        if !self.advanced.trim().is_empty() {
            return Ok(self.advanced.clone());
        }
        let mut v = base.clone();
        if !v.is_object() {
            v = json!({});
        }
        let mut server = v.get("server").cloned().unwrap_or_else(|| json!({}));
        let set = |server: &mut Value, key: &str, value: Option<Value>| match value {
            Some(x) => server[key] = x,
            None => {
                if let Some(o) = server.as_object_mut() {
                    o.remove(key);
                }
            }
        };
        let text = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(|s| json!(s));
        set(&mut server, "protocol", text(&self.protocol));
        set(&mut server, "host", Some(json!(self.host.trim())));
        let port = match self.port.trim() {
            "" => None,
            p => Some(json!(p.parse::<u64>().map_err(|_| {
                ServiceError::invalid("configuration", "/server/port: a number from 1 to 65535")
            })?)),
        };
        set(&mut server, "port", port);
        set(&mut server, "basePath", text(&self.base_path));
        v["server"] = server;
        match self.timeout.trim() {
            "" => {
                if let Some(o) = v.as_object_mut() {
                    o.remove("timeout");
                }
            }
            t => {
                v["timeout"] = json!(t.parse::<u64>().map_err(|_| {
                    ServiceError::invalid("configuration", "/timeout: a number of milliseconds")
                })?)
            }
        }
        if !self.log_level.trim().is_empty() {
            v["logLevel"] = json!(self.log_level.trim());
        }
        Ok(v.to_string())
    }
}

fn errors_box(errors: &Errors) -> Markup {
    html! {
        @if !errors.0.is_empty() {
            div.notice.error role="alert" {
                strong { "Nothing was saved:" }
                ul.problems { @for (f, m) in &errors.0 .0 { @for line in m { li { (f) ": " (line) } } } }
            }
        }
    }
}

fn server_fields(config: &Value, form: Option<&SettingsForm>) -> Markup {
    let s = &config["server"];
    let val = |key: &str, from_form: Option<&str>| -> String {
        from_form
            .map(str::to_string)
            .unwrap_or_else(|| match &s[key] {
                Value::String(t) => t.clone(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            })
    };
    let protocol = val("protocol", form.map(|f| f.protocol.as_str()));
    let level = form
        .map(|f| f.log_level.clone())
        .filter(|l| !l.is_empty())
        .or_else(|| config["logLevel"].as_str().map(str::to_string))
        .unwrap_or_else(|| "info".into());
    let timeout = form.map(|f| f.timeout.clone()).unwrap_or_else(|| {
        config["timeout"]
            .as_u64()
            .map(|t| t.to_string())
            .unwrap_or_default()
    });
    html! {
        div.field {
            label for="protocol" { "Protocol" }
            select id="protocol" name="protocol" {
                option value="" selected[protocol.is_empty()] { "(http, or https with TLS enabled)" }
                option value="http" selected[protocol == "http"] { "http" }
                option value="https" selected[protocol == "https"] { "https" }
            }
        }
        div.field {
            label for="host" { "Host" }
            input type="text" id="host" name="host" required value=(val("host", form.map(|f| f.host.as_str())));
            span.hint { "The server's host name or IP address." }
        }
        div.field {
            label for="port" { "Port" }
            input type="text" id="port" name="port" inputmode="numeric" value=(val("port", form.map(|f| f.port.as_str())));
        }
        div.field {
            label for="base_path" { "Base path" }
            input type="text" id="base_path" name="base_path" value=(val("basePath", form.map(|f| f.base_path.as_str())));
            span.hint { "Prepended to every request, e.g. /system/api." }
        }
        div.field {
            label for="timeout" { "Timeout (ms)" }
            input type="text" id="timeout" name="timeout" inputmode="numeric" value=(timeout);
        }
        div.field {
            label for="log_level" { "Log level" }
            select id="log_level" name="log_level" {
                @for l in plumb_models::configuration::LOG_LEVELS {
                    option value=(l) selected[*l == level] { (l) }
                }
            }
        }
    }
}

/// The panel of a model's page: its integrations and the create form.
pub fn model_panel(
    me: &Signed,
    model_gid: &str,
    list: &[ModelIntegrationView],
    form: Option<&SettingsForm>,
    errors: &Errors,
) -> Markup {
    let design = may_design(&me.me.caller);
    html! {
        div.panel {
            h2 { "Integrations of this model" }
            @if list.is_empty() {
                (empty("No integration of this model yet.", if design {
                    "Add one below: the server it calls, then its authentication in the Advanced View."
                } else {
                    "A designer or admin adds them."
                }))
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Server" } th { "Log level" } th { "Roles" } } }
                    tbody {
                        @for i in list {
                            tr {
                                td { a href=(format!("/model-integrations/{}", gid(i.stored.id))) { (i.stored.name) } }
                                td.mono { (i.configuration["server"]["host"].as_str().unwrap_or("")) }
                                td { (i.log_level.as_str()) }
                                td.muted { (i.roles.join(", ")) }
                            }
                        }
                    }
                }
            }
        }
        @if design {
            div.panel {
                h2 { "+ Integration" }
                (errors_box(errors))
                form method="post" action=(format!("/models/{model_gid}/integrations")) {
                    (layout::csrf_field(me))
                    div.field {
                        label for="name" { "Name" }
                        input type="text" id="name" name="name" required value=(form.map(|f| f.name.as_str()).unwrap_or(""));
                        span.hint { "Its roles are <name>:admin and <name>:<VERB>." }
                    }
                    (server_fields(&json!({}), form))
                    div.field {
                        label for="advanced" { "Advanced View (JSON, optional: replaces the fields above)" }
                        textarea.code id="advanced" name="advanced" rows="8"
                            placeholder=r#"{"server": {"host": "api.example.com"}, "authentication": {"scheme": {"value": "..."}}}"# {
                            (form.map(|f| f.advanced.as_str()).unwrap_or(""))
                        }
                    }
                    button type="submit" { "Create integration" }
                }
            }
        }
    }
}

/// `POST /models/{id}/integrations`: creates an integration of the model.
pub async fn create(
    State(console): State<Console>,
    me: Signed,
    Path(model_gid): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let model = plumb_core::id::decode("IntegrationModel", &model_gid).ok();
    let answer = match form.configuration(&json!({})) {
        Ok(config) => {
            console
                .services
                .create_model_integration(&me.me.caller, model, &form.name, &config)
                .await
        }
        Err(e) => Err(e),
    };
    match answer {
        Ok(v) => see_other(&format!(
            "/model-integrations/{}?done=created",
            gid(v.stored.id)
        )),
        Err(ServiceError::Invalid(e)) => {
            super::models::render_show(
                &console,
                &me,
                &model_gid,
                None,
                Some((&form, &Errors(e))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failure(e),
    }
}

/// The call form.
#[derive(Deserialize, Default)]
pub struct CallForm {
    #[serde(default)]
    task: String,
    #[serde(default)]
    inputs: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

struct Shown<'a> {
    settings: Option<&'a SettingsForm>,
    errors: &'a Errors,
    call: Option<&'a CallForm>,
    answer: Option<&'a TaskAnswer>,
}

async fn render(
    console: &Console,
    me: &Signed,
    id: Option<uuid::Uuid>,
    done: Option<&str>,
    shown: Shown<'_>,
    status: StatusCode,
) -> Response {
    let Some(id) = id else {
        return failure(ServiceError::NotFound("Model integration"));
    };
    let v = match console.services.model_integration(&me.me.caller, id).await {
        Ok(v) => v,
        Err(e) => return failure(e),
    };
    let model = console
        .services
        .model(&me.me.caller, Some(v.stored.model_id))
        .await
        .ok()
        .and_then(|(_, m)| m);
    let design = may_design(&me.me.caller);
    let g = gid(v.stored.id);
    let pretty = serde_json::to_string_pretty(&v.configuration).unwrap_or_default();
    let body = html! {
        p { a href=(format!("/models/{}", plumb_core::id::encode("IntegrationModel", v.stored.model_id))) { "← " (v.model_name) } }
        h1 { (v.stored.name) }
        (notice(done))
        div.panel {
            p { "An integration of " code { (v.model_name) } "; in a flow step of that component, set its " code { "integration" } " input to " code { (v.stored.name) } "." }
            p { strong { "Roles: " } (v.roles.join(", ")) }
            p { strong { "Secrets set: " }
                @if v.secrets_set.is_empty() { "none" } @else { code { (v.secrets_set.join(", ")) } }
            }
            p { strong { "Log level: " } (v.log_level.as_str())
                @if let Some(s) = v.syslog_level { " · syslog: " (s.as_str()) } }
        }
        @if design {
            div.panel {
                h2 { "Configuration" }
                (errors_box(shown.errors))
                form method="post" action=(format!("/model-integrations/{g}")) {
                    (layout::csrf_field(me))
                    input type="hidden" name="name" value=(v.stored.name);
                    (server_fields(&v.configuration, shown.settings.filter(|f| f.advanced.trim().is_empty())))
                    button type="submit" { "Save settings" }
                }
                h3 { "Advanced View" }
                p.muted { "The whole configuration as JSON. Secret values are never shown: leave a secret out to keep it, give it to replace it." }
                form method="post" action=(format!("/model-integrations/{g}")) {
                    (layout::csrf_field(me))
                    input type="hidden" name="name" value=(v.stored.name);
                    div.field {
                        label for="advanced-json" { "Configuration (JSON)" }
                        textarea.code id="advanced-json" name="advanced" rows="16" {
                            (shown.settings.map(|f| f.advanced.clone()).filter(|a| !a.trim().is_empty()).unwrap_or(pretty))
                        }
                    }
                    button type="submit" { "Save configuration" }
                }
            }
        }
        div.panel {
            h2 { "Call a task" }
            form method="post" action=(format!("/model-integrations/{g}/call")) {
                (layout::csrf_field(me))
                div.field {
                    label for="task" { "Task" }
                    select id="task" name="task" {
                        @for o in model.iter().flat_map(|m| m.operations.iter()) {
                            option value=(o.key) selected[shown.call.is_some_and(|c| c.task == o.key)] {
                                (o.key) " — " (o.method) " " (o.path)
                            }
                        }
                    }
                }
                div.field {
                    label for="inputs" { "Inputs (JSON object)" }
                    textarea.code id="inputs" name="inputs" rows="4" placeholder=r#"{"petId": 7}"# {
                        (shown.call.map(|c| c.inputs.as_str()).unwrap_or(""))
                    }
                }
                button type="submit" { "Call" }
            }
            @match shown.answer {
                None => {}
                Some(TaskAnswer::NotSent(why)) => {
                    div.notice.error role="alert" { strong { "No call was made: " } (why) }
                }
                Some(TaskAnswer::Answered(env)) => {
                    p { strong { (env.method) " " (env.url) " → " (env.status) " " (env.status_text) } }
                    pre.code id="envelope" { (serde_json::to_string_pretty(env).unwrap_or_default()) }
                }
            }
        }
        @if design {
            div.panel {
                form method="post" action=(format!("/model-integrations/{g}/clone")) {
                    (layout::csrf_field(me))
                    div.field {
                        label for="clone-name" { "Clone as" }
                        input type="text" id="clone-name" name="name" required;
                    }
                    button type="submit" { "Clone" }
                }
                form method="post" action=(format!("/model-integrations/{g}/delete")) data-confirm="Delete this integration? Steps naming it stop working." {
                    (layout::csrf_field(me))
                    button.danger type="submit" { "Delete integration" }
                }
            }
        }
    };
    respond(status, page(me, Section::Models, &v.stored.name, body))
}

/// `GET /model-integrations/{id}`.
pub async fn show(
    State(console): State<Console>,
    me: Signed,
    Path(g): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let shown = Shown {
        settings: None,
        errors: &Errors::default(),
        call: None,
        answer: None,
    };
    render(&console, &me, decode(&g), q.done(), shown, StatusCode::OK).await
}

/// `POST /model-integrations/{id}`: saves the settings or the Advanced View.
pub async fn save(
    State(console): State<Console>,
    me: Signed,
    Path(g): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let Some(id) = decode(&g) else {
        return failure(ServiceError::NotFound("Model integration"));
    };
    let answer = match console.services.model_integration(&me.me.caller, id).await {
        Ok(v) => match form.configuration(&v.configuration) {
            Ok(config) => {
                console
                    .services
                    .update_model_integration(&me.me.caller, id, None, Some(&config))
                    .await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match answer {
        Ok(_) => see_other(&format!("/model-integrations/{g}?done=saved")),
        Err(ServiceError::Invalid(e)) => {
            let errors = Errors(e);
            let shown = Shown {
                settings: Some(&form),
                errors: &errors,
                call: None,
                answer: None,
            };
            render(
                &console,
                &me,
                Some(id),
                None,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failure(e),
    }
}

/// `POST /model-integrations/{id}/call`: calls a task and shows its envelope.
pub async fn call(
    State(console): State<Console>,
    me: Signed,
    Path(g): Path<String>,
    Form(form): Form<CallForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let Some(id) = decode(&g) else {
        return failure(ServiceError::NotFound("Model integration"));
    };
    let inputs = if form.inputs.trim().is_empty() {
        "{}"
    } else {
        form.inputs.as_str()
    };
    let (answer, status) = match console
        .services
        .call_integration_task(&me.me.caller, id, &form.task, inputs)
        .await
    {
        Ok(answer) => (answer, StatusCode::OK),
        Err(ServiceError::Invalid(e)) => {
            let text =
                e.0.iter()
                    .map(|(f, m)| format!("{f}: {}", m.join("; ")))
                    .collect::<Vec<_>>()
                    .join("; ");
            (TaskAnswer::NotSent(text), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return failure(e),
    };
    let shown = Shown {
        settings: None,
        errors: &Errors::default(),
        call: Some(&form),
        answer: Some(&answer),
    };
    render(&console, &me, Some(id), None, shown, status).await
}

/// The clone form.
#[derive(Deserialize, Default)]
pub struct CloneForm {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /model-integrations/{id}/clone`.
pub async fn clone(
    State(console): State<Console>,
    me: Signed,
    Path(g): Path<String>,
    Form(form): Form<CloneForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let Some(id) = decode(&g) else {
        return failure(ServiceError::NotFound("Model integration"));
    };
    match console
        .services
        .clone_model_integration(&me.me.caller, id, &form.name)
        .await
    {
        Ok(v) => see_other(&format!(
            "/model-integrations/{}?done=created",
            gid(v.stored.id)
        )),
        Err(ServiceError::Invalid(e)) => {
            let errors = Errors(e);
            let shown = Shown {
                settings: None,
                errors: &errors,
                call: None,
                answer: None,
            };
            render(
                &console,
                &me,
                Some(id),
                None,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failure(e),
    }
}

/// `POST /model-integrations/{id}/delete`.
pub async fn delete(
    State(console): State<Console>,
    me: Signed,
    Path(g): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let Some(id) = decode(&g) else {
        return failure(ServiceError::NotFound("Model integration"));
    };
    match console
        .services
        .delete_model_integration(&me.me.caller, id)
        .await
    {
        Ok(v) => see_other(&format!(
            "/models/{}?done=deleted",
            plumb_core::id::encode("IntegrationModel", v.stored.model_id)
        )),
        Err(e) => failure(e),
    }
}
