//! The configuration wizard screen: the pages `plumb_service::wizard` gives, one at a time
//! (Back / Next, each page checked by the server before the next shows), deploy at the end.
//! The fragment carries the SDK's event data (`data-message`: `InstanceConfigurationData`;
//! `data-config-vars`: the `configVars` of `INSTANCE_CONFIGURATION_LOADED`), built only from
//! what the customer may see: no organization-only config var or organization connection is in
//! the page, its attributes or its messages.

use std::collections::BTreeMap;

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use maud::{html, Markup};
use plumb_service::wizard::{
    form_text, input_field, var_field, ConnectionField, ConnectionKind, Element, VarField, Wizard,
    WizardRequest,
};
use plumb_service::ServiceError;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{failed, fragment, Embedder};
use crate::Console;

/// What to configure, as the SDK's query parameters name it.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct WizardQuery {
    #[serde(default)]
    integration_name: Option<String>,
    #[serde(default)]
    integration_id: Option<String>,
    #[serde(default)]
    instance_id: Option<String>,
    /// The page checked (`check`).
    #[serde(default)]
    page: Option<usize>,
}

impl WizardQuery {
    fn request(&self) -> WizardRequest {
        if let Some(id) = self.instance_id.as_deref().filter(|s| !s.is_empty()) {
            return WizardRequest::Instance(plumb_core::id::decode("Instance", id).ok());
        }
        if let Some(id) = self.integration_id.as_deref().filter(|s| !s.is_empty()) {
            return WizardRequest::Integration(plumb_core::id::decode("Integration", id).ok());
        }
        WizardRequest::IntegrationName(self.integration_name.clone().unwrap_or_default())
    }
}

/// The SDK's `InstanceConfigurationData` of a wizard.
fn message(w: &Wizard, instance: Option<&plumb_store::instances::Instance>) -> Value {
    let instance = instance.or(w.instance.as_ref());
    json!({
        "customerId": plumb_core::id::encode("Customer", w.customer.id),
        "customerName": w.customer.name,
        "instanceId": instance.map(|i| plumb_core::id::encode("Instance", i.id)).unwrap_or_default(),
        "instanceName": instance.map(|i| i.name.clone()).unwrap_or_default(),
        "integrationName": w.version.name,
        "integrationVersionNumber": w.version.version_number,
        "readOnly": w.read_only,
    })
}

/// The SDK's `ConfigVar` of a field.
fn config_var(v: &VarField) -> Value {
    let value = match v.collection_type.as_deref() {
        Some(_) => serde_json::from_str(&v.value).unwrap_or_else(|_| json!([])),
        None => json!(v.value),
    };
    json!({
        "id": "",
        "codeLanguage": v.code_language,
        "collectionType": v.collection_type,
        "dataType": v.data_type,
        "pickList": if v.pick_list.is_empty() { Value::Null } else { json!(v.pick_list) },
        "scheduleType": Value::Null,
        "timeZone": Value::Null,
        "value": value,
    })
}

/// The SDK's `ConnectionConfigVar` of a connection: its inputs without secrets.
fn connection_var(c: &ConnectionField) -> Value {
    let inputs: Map<String, Value> = c
        .inputs
        .iter()
        .filter(|i| !i.secret)
        .map(|i| {
            (
                i.name.clone(),
                json!({ "value": i.value.clone().unwrap_or_default() }),
            )
        })
        .collect();
    let complete = c.inputs.iter().all(|i| !i.required || i.is_set);
    json!({
        "id": "",
        "codeLanguage": Value::Null,
        "collectionType": Value::Null,
        "dataType": "connection",
        "pickList": Value::Null,
        "scheduleType": Value::Null,
        "timeZone": Value::Null,
        "inputs": inputs,
        "status": if complete { "ACTIVE" } else { "PENDING" },
    })
}

fn config_vars(w: &Wizard) -> Value {
    let mut out = Map::new();
    for p in &w.pages {
        for e in &p.elements {
            match e {
                Element::Var(v) => {
                    out.insert(v.key.clone(), config_var(v));
                }
                Element::Connection(c) => {
                    out.insert(c.key.clone(), connection_var(c));
                }
                Element::Text(_) => {}
            }
        }
    }
    Value::Object(out)
}

fn var_input(v: &VarField) -> Markup {
    let name = var_field(&v.key);
    let id = format!("f-{}", v.key);
    let text = form_text(v, &v.value);
    html! {
        div.field data-field=(name) {
            @if v.data_type == "boolean" {
                label.check {
                    input type="checkbox" id=(id) name=(name) value="true" checked[text == "true"];
                    " " (v.key)
                }
            } @else {
                label for=(id) { (v.key) @if !v.required { span.muted { " (optional)" } } }
            }
            @if let Some(d) = &v.description { span.hint { (d) } }
            @if v.data_type == "boolean" {
            } @else if v.collection_type.is_some() {
                @let hint = if v.collection_type.as_deref() == Some("keyvaluelist") { "One key=value per line" } else { "One value per line" };
                textarea id=(id) name=(name) rows="4" placeholder=(hint) { (text) }
            } @else if !v.pick_list.is_empty() {
                select id=(id) name=(name) required[v.required] {
                    @if !v.pick_list.contains(&text) { option value="" { "Choose…" } }
                    @for choice in &v.pick_list {
                        option value=(choice) selected[*choice == text] { (choice) }
                    }
                }
            } @else if v.data_type == "code" {
                textarea.mono id=(id) name=(name) rows="6" { (text) }
            } @else {
                @let (kind, hint) = match v.data_type.as_str() {
                    "date" => ("date", ""),
                    "number" => ("text", "A number"),
                    "timestamp" => ("text", "2026-01-31T09:00:00Z"),
                    "schedule" => ("text", "A cron expression: */15 * * * *"),
                    _ => ("text", ""),
                };
                input type=(kind) id=(id) name=(name) value=(text) placeholder=(hint) required[v.required];
            }
            span.error data-error-for=(name) {}
        }
    }
}

fn connection_input(c: &ConnectionField) -> Markup {
    html! {
        fieldset.connection data-connection=(c.key) {
            legend { (c.key) }
            @if let Some(d) = &c.description { p.hint { (d) } }
            p.muted {
                (c.connection_type.label)
                @if matches!(c.kind, ConnectionKind::Customer(_)) { " — your own connection, kept for your account" }
            }
            @for i in &c.inputs {
                @let name = input_field(&c.key, &i.name);
                @let id = format!("f-{}-{}", c.key, i.name);
                div.field data-field=(name) {
                    label for=(id) { (i.label) @if !i.required { span.muted { " (optional)" } } }
                    @if i.secret {
                        input type="password" id=(id) name=(name) autocomplete="off"
                            placeholder=(if i.is_set { "set — leave blank to keep" } else { "" });
                    } @else {
                        input type="text" id=(id) name=(name) value=(i.value.clone().unwrap_or_default());
                    }
                    span.error data-error-for=(name) {}
                }
            }
        }
    }
}

/// The canonical query of a wizard's later requests.
fn target(w: &Wizard) -> String {
    match &w.instance {
        Some(i) => format!("instanceId={}", plumb_core::id::encode("Instance", i.id)),
        None => format!(
            "integrationId={}",
            plumb_core::id::encode("Integration", w.version.id)
        ),
    }
}

fn render(w: &Wizard) -> Markup {
    let message = message(w, None).to_string();
    let vars = config_vars(w).to_string();
    let title = if w.instance.is_some() {
        "Configure"
    } else {
        "Activate"
    };
    html! {
        div.wizard data-view="wizard" data-target=(target(w)) data-message=(message) data-config-vars=(vars) {
            h1 { (title) " " (w.version.name) }
            ol.steps {
                @for p in &w.pages { li { (p.name) } }
            }
            form data-wizard novalidate {
                @for (n, p) in w.pages.iter().enumerate() {
                    section.wizard-page.panel data-page=(n) data-page-name=(p.name) hidden[n > 0] {
                        h2 { (p.name) }
                        @if let Some(t) = &p.tagline { p.muted { (t) } }
                        @if n == 0 && w.instance.is_none() {
                            div.field {
                                label for="f-name" { "Name" }
                                input type="text" id="f-name" name="name" value=(w.version.name);
                            }
                        }
                        @for e in &p.elements {
                            @match e {
                                Element::Text(t) => { p.text { (t) } }
                                Element::Var(v) => { (var_input(v)) }
                                Element::Connection(c) => { (connection_input(c)) }
                            }
                        }
                    }
                }
                @if w.pages.is_empty() {
                    section.wizard-page.panel data-page="0" data-page-name="Configuration" {
                        p { "Nothing to configure: deploy it as it is." }
                    }
                }
                div.notice.error data-errors role="alert" hidden {}
                div.actions {
                    button.secondary type="button" data-cancel { "Cancel" }
                    @if w.instance.is_some() && !w.read_only {
                        button.secondary.danger type="button" data-remove { "Remove instance" }
                    }
                    button.secondary type="button" data-back hidden { "Back" }
                    button type="button" data-next hidden[w.pages.len() <= 1] { "Next" }
                    @if !w.read_only {
                        button type="submit" data-deploy hidden[w.pages.len() > 1] { "Deploy" }
                    }
                }
            }
        }
    }
}

async fn open(console: &Console, me: &Embedder, q: &WizardQuery) -> Result<Wizard, ServiceError> {
    console.services.open_wizard(&me.caller, q.request()).await
}

/// `GET /embedded/screens/wizard`.
pub async fn screen(
    State(console): State<Console>,
    me: Embedder,
    Query(q): Query<WizardQuery>,
) -> Response {
    match open(&console, &me, &q).await {
        Ok(w) => fragment(StatusCode::OK, render(&w)),
        Err(e) => failed(e),
    }
}

fn errors_json(e: &plumb_service::FieldErrors) -> Value {
    json!(e
        .0
        .iter()
        .map(|(f, m)| json!({ "field": f, "messages": m }))
        .collect::<Vec<_>>())
}

fn json_failure(e: ServiceError) -> Response {
    match e {
        ServiceError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({ "errors": errors_json(&errors) })),
        )
            .into_response(),
        ServiceError::NotFound(what) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("{} not found", what.to_lowercase()) })),
        )
            .into_response(),
        ServiceError::Forbidden => (
            StatusCode::FORBIDDEN,
            Json(json!({ "error": "your account may not do this" })),
        )
            .into_response(),
        ServiceError::Store(e) => {
            tracing::error!(error = %e, "store failure");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({ "error": "something went wrong; try again" })),
            )
                .into_response()
        }
    }
}

/// `POST /embedded/screens/wizard/check?page=N`: the problems of one page (`{errors: []}`).
pub async fn check(
    State(console): State<Console>,
    me: Embedder,
    Query(q): Query<WizardQuery>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    match open(&console, &me, &q).await {
        Ok(w) => {
            let errors = w.check(Some(q.page.unwrap_or(0)), &form);
            Json(json!({ "errors": errors_json(&errors) })).into_response()
        }
        Err(e) => json_failure(e),
    }
}

/// `POST /embedded/screens/wizard/deploy`: creates (or rebinds) and deploys the instance;
/// answers `{created, data}` with the SDK's `InstanceConfigurationData`.
pub async fn deploy(
    State(console): State<Console>,
    me: Embedder,
    Query(q): Query<WizardQuery>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let w = match open(&console, &me, &q).await {
        Ok(w) => w,
        Err(e) => return json_failure(e),
    };
    match console.services.deploy_wizard(&me.caller, &w, &form).await {
        Ok((instance, created)) => Json(json!({
            "created": created,
            "data": message(&w, Some(&instance)),
        }))
        .into_response(),
        Err(e) => json_failure(e),
    }
}

/// `POST /embedded/screens/wizard/remove?instanceId=..`: removes the customer's instance;
/// answers `{data}` with the SDK's `InstanceConfigurationData` (for `INSTANCE_DELETED`).
pub async fn remove(
    State(console): State<Console>,
    me: Embedder,
    Query(q): Query<WizardQuery>,
) -> Response {
    let w = match open(&console, &me, &q).await {
        Ok(w) => w,
        Err(e) => return json_failure(e),
    };
    match console
        .services
        .remove_wizard_instance(&me.caller, &w)
        .await
    {
        Ok(instance) => Json(json!({ "data": message(&w, Some(&instance)) })).into_response(),
        Err(e) => json_failure(e),
    }
}
