//! Integration models (seed 003): the list, the import form (OpenAPI 2.0, 3.0, 3.1; JSON or
//! YAML; every problem listed with its pointer, line and column), and one model's operations,
//! each an action of the model's component.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use plumb_service::integrations::may_design;
use plumb_service::ServiceError;
use plumb_store::models::StoredModel;
use serde::Deserialize;

use super::customers::{CsrfForm, ShowQuery};
use super::model_integrations::{self, SettingsForm};
use crate::form::Errors;
use crate::layout::{self, empty, failure, notice, page, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

fn model_gid(id: uuid::Uuid) -> String {
    plumb_core::id::encode("IntegrationModel", id)
}

/// The import form.
#[derive(Deserialize, Default)]
pub struct ImportForm {
    #[serde(default)]
    document: String,
    #[serde(default)]
    replace: Option<String>,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

fn list_page(
    me: &Signed,
    rows: &[StoredModel],
    form: &ImportForm,
    errors: &Errors,
    done: Option<&str>,
) -> Markup {
    let design = may_design(&me.me.caller);
    let body = html! {
        h1 { "Integration models" }
        (notice(done))
        div.panel {
            p.muted { "An OpenAPI document imported once; each operation becomes an action of the model's component, for this organization only." }
            @if rows.is_empty() {
                (empty("No integration models yet.", if design {
                    "Import an OpenAPI document (2.0, 3.0 or 3.1, JSON or YAML) below."
                } else {
                    "A designer or admin imports them."
                }))
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Operations" } th { "Updated" } } }
                    tbody {
                        @for m in rows {
                            tr {
                                td { a href=(format!("/models/{}", model_gid(m.id))) { (m.name) } }
                                td { (m.operations) }
                                td.muted { (plumb_store::to_datetime(m.updated_at).format("%Y-%m-%d %H:%M")) }
                            }
                        }
                    }
                }
            }
        }
        @if design {
            div.panel {
                h2 { "Import an OpenAPI document" }
                @if !errors.0.is_empty() {
                    div.notice.error role="alert" {
                        strong { "The document was not imported:" }
                        ul.problems { @for (_, m) in &errors.0 .0 { @for line in m { li { (line) } } } }
                    }
                }
                form method="post" action="/models" {
                    (layout::csrf_field(me))
                    div.field {
                        label for="document" { "Document (JSON or YAML)" }
                        textarea.code id="document" name="document" rows="14" required { (form.document) }
                    }
                    div.field {
                        label { input type="checkbox" name="replace" value="true" checked[form.replace.is_some()]; " Replace a model of the same name" }
                    }
                    button type="submit" { "Import model" }
                }
            }
        }
    };
    page(me, Section::Models, "Integration models", body)
}

async fn render_list(
    console: &Console,
    me: &Signed,
    form: &ImportForm,
    errors: &Errors,
    done: Option<&str>,
    status: StatusCode,
) -> Response {
    match console.services.models(&me.me.caller, None).await {
        Ok(rows) => respond(status, list_page(me, &rows, form, errors, done)),
        Err(e) => failure(e),
    }
}

/// `GET /models`.
pub async fn list(
    State(console): State<Console>,
    me: Signed,
    Query(q): Query<ShowQuery>,
) -> Response {
    render_list(
        &console,
        &me,
        &ImportForm::default(),
        &Errors::default(),
        q.done(),
        StatusCode::OK,
    )
    .await
}

/// `POST /models`: imports a document.
pub async fn import(
    State(console): State<Console>,
    me: Signed,
    Form(form): Form<ImportForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    match console
        .services
        .import_model(&me.me.caller, &form.document, form.replace.is_some())
        .await
    {
        Ok((stored, _)) => see_other(&format!("/models/{}?done=created", model_gid(stored.id))),
        Err(ServiceError::Invalid(e)) => {
            render_list(
                &console,
                &me,
                &form,
                &Errors(e),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failure(e),
    }
}

/// `GET /models/{id}`: the model's operations and its integrations.
pub async fn show(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    render_show(&console, &me, &gid, q.done(), None, StatusCode::OK).await
}

/// The model's page, with the integration form's values and errors when a create failed.
pub async fn render_show(
    console: &Console,
    me: &Signed,
    gid: &str,
    done: Option<&str>,
    create: Option<(&SettingsForm, &Errors)>,
    status: StatusCode,
) -> Response {
    let id = plumb_core::id::decode("IntegrationModel", gid).ok();
    let (stored, model) = match console.services.model(&me.me.caller, id).await {
        Ok(m) => m,
        Err(e) => return failure(e),
    };
    let integrations = match console
        .services
        .model_integrations(&me.me.caller, Some(stored.id))
        .await
    {
        Ok(l) => l,
        Err(e) => return failure(e),
    };
    let design = may_design(&me.me.caller);
    let no_errors = Errors::default();
    let body = html! {
        p { a href="/models" { "← Integration models" } }
        h1 { (stored.name) }
        (notice(done))
        div.panel {
            p { "Component key " code { (stored.name) } ": use its actions in a definition's steps, with the " code { "integration" } " input naming one of its integrations." }
            @match &model {
                None => { (empty("This stored document no longer imports.", "Import it again with Replace.")) }
                Some(m) => {
                    table {
                        thead { tr { th { "Action key" } th { "Method" } th { "Path" } th { "Summary" } } }
                        tbody {
                            @for o in &m.operations {
                                tr {
                                    td.mono { (o.key) }
                                    td { (o.method) }
                                    td.mono { (o.path) }
                                    td { (o.summary) }
                                }
                            }
                        }
                    }
                }
            }
        }
        (model_integrations::model_panel(
            me,
            gid,
            &integrations,
            create.map(|(f, _)| f),
            create.map_or(&no_errors, |(_, e)| e),
        ))
        @if design {
            div.panel {
                form method="post" action=(format!("/models/{gid}/delete")) data-confirm="Delete this model? Definitions using it stop validating." {
                    (layout::csrf_field(me))
                    button.danger type="submit" { "Delete model" }
                }
            }
        }
    };
    respond(status, page(me, Section::Models, &stored.name, body))
}

/// `POST /models/{id}/delete`.
pub async fn delete(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let id = plumb_core::id::decode("IntegrationModel", &gid).ok();
    match console.services.delete_model(&me.me.caller, id).await {
        Ok(_) => see_other("/models?done=deleted"),
        Err(e) => failure(e),
    }
}
