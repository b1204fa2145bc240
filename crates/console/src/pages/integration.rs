//! One integration: its flows, required config variables with their test values, a test run,
//! the definition to edit, and its published versions with the publish form.

use std::collections::BTreeMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use plumb_service::integrations::{may_design, parsed, FlowChoice, TestRun};
use plumb_service::ServiceError;
use plumb_store::integrations::{Integration, IntegrationFilter};
use plumb_store::PageRequest;
use serde::Deserialize;

use super::customers::ShowQuery;
use super::executions::execution_gid;
use super::integrations::{integration_gid, integration_uuid, problems_view};
use crate::form::Errors;
use crate::layout::{self, failure, notice, page, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// What the page shows besides the integration.
#[derive(Default)]
struct View<'a> {
    /// The definition editor's text (the stored one unless a failed save gave another).
    definition: Option<&'a str>,
    /// Errors of the definition editor.
    definition_errors: Errors,
    /// Errors of the test values form.
    test_errors: Errors,
    /// Errors of the test run form.
    run_errors: Errors,
    /// Errors of the publish form.
    publish_errors: Errors,
    /// The notice code.
    done: Option<&'a str>,
}

fn error_list(errors: &Errors) -> Markup {
    html! {
        @if !errors.0.is_empty() {
            div.notice.error role="alert" {
                @for (f, m) in &errors.0 .0 { div { (f) ": " (m.join("; ")) } }
            }
        }
    }
}

async fn render(
    console: &Console,
    me: &Signed,
    gid: &str,
    view: View<'_>,
    status: StatusCode,
) -> Response {
    let caller = &me.me.caller;
    let row = match console
        .services
        .integration(caller, integration_uuid(gid))
        .await
    {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    let versions: Vec<Integration> = {
        let filter = IntegrationFilter {
            integration_id: Some(row.integration_id),
            all_versions: true,
            ..IntegrationFilter::default()
        };
        match console
            .services
            .integrations(caller, &filter, &PageRequest::default())
            .await
        {
            Ok(p) => p.items.into_iter().filter(|v| v.is_published).collect(),
            Err(e) => return failure(e),
        }
    };
    let tests = if row.is_published {
        BTreeMap::new()
    } else {
        match console.services.test_config_vars(caller, row.id).await {
            Ok(t) => t,
            Err(e) => return failure(e),
        }
    };
    let body = body(me, gid, &row, &versions, &tests, view);
    respond(status, page(me, Section::Integrations, &row.name, body))
}

fn body(
    me: &Signed,
    gid: &str,
    row: &Integration,
    versions: &[Integration],
    tests: &BTreeMap<String, String>,
    view: View<'_>,
) -> Markup {
    let design = may_design(&me.me.caller) && !row.is_published;
    let def = parsed(&row.definition);
    let flows: Vec<String> = def
        .as_ref()
        .map(|d| d.flows.iter().map(|f| f.name.clone()).collect())
        .unwrap_or_default();
    let required = def
        .as_ref()
        .map(|d| d.required_config_vars.clone())
        .unwrap_or_default();
    let base = format!("/integrations/{gid}");
    html! {
        p { a href="/integrations" { "← Integrations" } }
        h1 { (row.name) }
        (notice(view.done))
        @if row.is_published {
            div.notice.ok { "Published version " (row.version_number) " (read-only). "
                a href=(format!("/integrations/{}", integration_gid(row.integration_id))) { "Open the draft" } }
        }
        @if !row.description.is_empty() { p.muted { (row.description) } }
        div.panel {
            h2 { "Flows" }
            ul { @for f in &flows { li { (f) } } }
        }
        div.panel {
            h2 { "Required config variables" }
            @if required.is_empty() {
                (layout::empty("This integration requires no config variables.", "Add requiredConfigVars to the definition to have instances bind them."))
            } @else {
                (error_list(&view.test_errors))
                form method="post" action=(format!("{base}/test-values")) {
                    (layout::csrf_field(me))
                    table {
                        thead { tr { th { "Key" } th { "Type" } th { "Test value" } } }
                        tbody {
                            @for (i, v) in required.iter().enumerate() {
                                tr {
                                    td.mono { (v.key) }
                                    td.muted { (v.data_type.as_deref().unwrap_or("string")) }
                                    td {
                                        @if v.is_connection() {
                                            span.muted { "a connection (test credentials are set under Settings)" }
                                        } @else {
                                            input type="hidden" name=(format!("key{i}")) value=(v.key);
                                            label.sr-only for=(format!("test-{i}")) { "Test value of " (v.key) }
                                            input type="text" id=(format!("test-{i}")) name=(format!("value{i}"))
                                                value=(tests.get(&v.key).map(String::as_str).unwrap_or(""))
                                                disabled[!design];
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if design { button.secondary type="submit" { "Save test values" } }
                }
            }
        }
        @if design && !flows.is_empty() {
            div.panel {
                h2 { "Test run" }
                p.muted { "Runs a flow of the draft now with the test values; opens the execution with each step's result." }
                (error_list(&view.run_errors))
                form method="post" action=(format!("{base}/test")) {
                    (layout::csrf_field(me))
                    div.row {
                        div.field {
                            label for="flow" { "Flow" }
                            select id="flow" name="flow" {
                                @for f in &flows { option value=(f) { (f) } }
                            }
                        }
                        div.field {
                            label for="payload" { "Trigger payload" }
                            textarea id="payload" name="payload" rows="3" placeholder="{}" {}
                        }
                    }
                    button type="submit" { "Run test" }
                }
            }
        }
        div.panel {
            h2 { "Definition" }
            @if design {
                (problems_view(view.definition.unwrap_or(&row.definition), &view.definition_errors))
                form method="post" action=(format!("{base}/definition")) {
                    (layout::csrf_field(me))
                    div.field {
                        label for="definition" { "Definition (YAML)" }
                        textarea.code id="definition" name="definition" rows="20" {
                            (view.definition.unwrap_or(&row.definition))
                        }
                    }
                    button type="submit" { "Save draft" }
                }
            } @else {
                pre.code { (row.definition) }
            }
        }
        div.panel {
            h2 { "Versions" }
            @if versions.is_empty() {
                (layout::empty("Not published yet.", "Publish the draft to deploy it to customers."))
            } @else {
                table {
                    thead { tr { th { "Version" } th { "Comment" } th { "Published" } } }
                    tbody {
                        @for v in versions.iter().rev() {
                            tr {
                                td { a href=(format!("/integrations/{}", integration_gid(v.id))) { "v" (v.version_number) } }
                                td { (v.comment) }
                                td.muted { (plumb_store::to_datetime(v.created_at).format("%Y-%m-%d %H:%M")) }
                            }
                        }
                    }
                }
            }
            @if design {
                (error_list(&view.publish_errors))
                form.inline-edit method="post" action=(format!("{base}/publish")) {
                    (layout::csrf_field(me))
                    label.sr-only for="comment" { "What changed" }
                    input type="text" id="comment" name="comment" placeholder="What changed";
                    button type="submit" { "Publish" }
                }
            }
        }
    }
}

/// `GET /integrations/{id}`.
pub async fn show(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let view = View {
        done: q.done(),
        ..View::default()
    };
    render(&console, &me, &gid, view, StatusCode::OK).await
}

/// The definition editor.
#[derive(Deserialize)]
pub struct DefinitionForm {
    #[serde(default)]
    definition: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /integrations/{id}/definition`: saves a new draft definition.
pub async fn save_definition(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<DefinitionForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    match console
        .services
        .import_integration(
            &me.me.caller,
            &form.definition,
            Some(integration_uuid(&gid)),
        )
        .await
    {
        Ok(r) => see_other(&format!(
            "/integrations/{}?done=saved",
            integration_gid(r.id)
        )),
        Err(ServiceError::Invalid(e)) => {
            let view = View {
                definition: Some(&form.definition),
                definition_errors: Errors(e),
                ..View::default()
            };
            render(&console, &me, &gid, view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => failure(e),
    }
}

/// `POST /integrations/{id}/test-values`: fields `key<i>` / `value<i>`.
pub async fn save_test_values(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Some(r) = me.csrf_refusal(form.get("_csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let mut values = vec![];
    for i in 0..1000 {
        let Some(key) = form.get(&format!("key{i}")) else {
            break;
        };
        let value = form.get(&format!("value{i}")).cloned().unwrap_or_default();
        values.push((key.clone(), value));
    }
    match console
        .services
        .set_test_config_vars(&me.me.caller, integration_uuid(&gid), &values)
        .await
    {
        Ok(_) => see_other(&format!("/integrations/{gid}?done=saved")),
        Err(ServiceError::Invalid(e)) => {
            let view = View {
                test_errors: Errors(e),
                ..View::default()
            };
            render(&console, &me, &gid, view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => failure(e),
    }
}

/// The test run form.
#[derive(Deserialize)]
pub struct TestForm {
    #[serde(default)]
    flow: String,
    #[serde(default)]
    payload: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /integrations/{id}/test`: starts the flow and opens its execution at once, which
/// refreshes itself until the run ends (each step's result and logs as they happen).
pub async fn test_run(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<TestForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let payload = Some(form.payload.clone()).filter(|p| !p.trim().is_empty());
    let run = TestRun {
        flow: if form.flow.is_empty() {
            FlowChoice::First
        } else {
            FlowChoice::Named(form.flow.clone())
        },
        content_type: payload.as_ref().map(|_| "application/json".to_string()),
        payload,
        headers: None,
        watch: true,
    };
    match console
        .services
        .test_integration_flow(&me.me.caller, Some(integration_uuid(&gid)), run)
        .await
    {
        Ok(execution) => see_other(&format!("/executions/{}", execution_gid(execution.id))),
        Err(ServiceError::Invalid(e)) => {
            let view = View {
                run_errors: Errors(e),
                ..View::default()
            };
            render(&console, &me, &gid, view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => failure(e),
    }
}

/// The publish form.
#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    comment: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /integrations/{id}/publish`.
pub async fn publish(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<PublishForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    match console
        .services
        .publish_integration(&me.me.caller, integration_uuid(&gid), form.comment.trim())
        .await
    {
        Ok(_) => see_other(&format!("/integrations/{gid}?done=published")),
        Err(ServiceError::Invalid(e)) => {
            let view = View {
                publish_errors: Errors(e),
                ..View::default()
            };
            render(&console, &me, &gid, view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => failure(e),
    }
}
