//! Settings: the organization's config variables (set, change, delete).

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use plumb_service::config_vars::may_write_org_vars;
use plumb_service::ServiceError;
use plumb_store::PageRequest;

use super::customer_vars::{data_type_select, VarForm};
use super::customers::{CsrfForm, ShowQuery};
use crate::form::{other_errors, Errors, Text};
use crate::layout::{self, empty, failure, notice, page, redirect_or_fail, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// The Settings page with the token form's errors.
pub async fn render_with_token_errors(console: &Console, me: &Signed, errors: Errors) -> Response {
    render(
        console,
        me,
        &VarForm::default(),
        &Errors::default(),
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
        &errors,
    )
    .await
}

async fn render(
    console: &Console,
    me: &Signed,
    form: &VarForm,
    errors: &Errors,
    done: Option<&str>,
    status: StatusCode,
    token_errors: &Errors,
) -> Response {
    let caller = &me.me.caller;
    let tokens = if plumb_service::tokens::may_manage_tokens(caller) {
        console.services.tokens(caller).await.ok()
    } else {
        None
    };
    let vars = match console
        .services
        .org_config_vars(caller, None, &PageRequest::default())
        .await
    {
        Ok(p) => p.items,
        Err(e) => return failure(e),
    };
    let write = may_write_org_vars(caller);
    let credentials = console
        .services
        .credentials(caller)
        .await
        .unwrap_or_default();
    let define = plumb_service::connections::may_define(caller);
    let activated = console
        .services
        .customer_connections(caller)
        .await
        .unwrap_or_default();
    let body = html! {
        h1 { "Settings" }
        (notice(done))
        (super::credentials::panel(me, &credentials, define))
        (super::org_connections::panel(me, &activated))
        div.panel {
            h2 { "Organization config variables" }
            p.muted { "Values every customer's instances share (a definition's config var bound to the organization)." }
            @if vars.is_empty() {
                (empty("No organization config variables yet.", if write {
                    "Add one below, for example the bucket every instance writes to."
                } else {
                    "A designer or admin sets them."
                }))
            } @else {
                table {
                    thead { tr { th { "Key" } th { "Value" } th { "Type" } th {} } }
                    tbody {
                        @for v in &vars {
                            @let vid = plumb_core::id::encode("OrganizationConfigVariable", v.id);
                            tr {
                                td.mono { (v.key) }
                                td.mono { (v.value) }
                                td.muted { (v.data_type) }
                                td.actions {
                                    @if write {
                                        form method="post" action=(format!("/settings/config-vars/{vid}/delete"))
                                            data-confirm="Delete this config variable?" {
                                            (layout::csrf_field(me))
                                            button.danger type="submit" { "Delete" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if write {
                h2 { "Set a config variable" }
                p.muted { "Setting an existing key replaces its value." }
                (other_errors(errors, &["key", "value", "dataType"]))
                form method="post" action="/settings/config-vars" {
                    (layout::csrf_field(me))
                    div.row {
                        (Text { name: "key", id: "org-key", label: "Key", value: &form.key, hint: None,
                            required: true, field: "key" }.render(errors))
                        (Text { name: "value", id: "org-value", label: "Value", value: &form.value,
                            hint: None, required: false, field: "value" }.render(errors))
                        (data_type_select("org-type", &form.data_type))
                    }
                    button type="submit" { "Save variable" }
                }
            }
        }
        @if let Some(t) = &tokens { (super::tokens::panel(me, t, token_errors)) }
    };
    respond(status, page(me, Section::Settings, "Settings", body))
}

/// `GET /settings`.
pub async fn page_handler(
    State(console): State<Console>,
    me: Signed,
    Query(q): Query<ShowQuery>,
) -> Response {
    render(
        &console,
        &me,
        &VarForm::default(),
        &Errors::default(),
        q.done(),
        StatusCode::OK,
        &Errors::default(),
    )
    .await
}

/// `POST /settings/config-vars`: sets (creates or replaces) a variable.
pub async fn set_var(
    State(console): State<Console>,
    me: Signed,
    Form(form): Form<VarForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let data_type = Some(form.data_type.as_str()).filter(|t| !t.is_empty());
    match console
        .services
        .set_org_config_var(&me.me.caller, &form.key, &form.value, data_type)
        .await
    {
        Ok(_) => see_other("/settings?done=saved"),
        Err(ServiceError::Invalid(e)) => {
            render(
                &console,
                &me,
                &form,
                &Errors(e),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
                &Errors::default(),
            )
            .await
        }
        Err(e) => failure(e),
    }
}

/// `POST /settings/config-vars/{id}/delete`.
pub async fn delete_var(
    State(console): State<Console>,
    me: Signed,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let id = plumb_core::id::decode("OrganizationConfigVariable", &id).ok();
    redirect_or_fail(
        console
            .services
            .delete_org_config_var(&me.me.caller, id)
            .await,
        |_| "/settings?done=deleted".to_string(),
    )
}
