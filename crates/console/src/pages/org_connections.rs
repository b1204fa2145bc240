//! Organization-activated connections (seeds 001/002), on Settings: the list, and a form that
//! defines one: its key and stable key, its connection type, who manages it, and for each input
//! whether it is global (one value, given here, shared by every customer) or per customer.

use std::collections::BTreeMap;

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use plumb_core::connection_types::{self, ConnectionType};
use plumb_service::connections::input::{find_connection_type, ConnInput};
use plumb_service::connections::{may_define, require_designer, NewScopedVar};
use plumb_service::{FieldErrors, ServiceError};
use plumb_store::connections::{InputScope, ScopedVar};
use serde::Deserialize;

use crate::form::Errors;
use crate::layout::{self, failure, page, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// The panel of Settings listing them.
pub fn panel(me: &Signed, vars: &[ScopedVar]) -> Markup {
    let define = may_define(&me.me.caller);
    html! {
        div.panel {
            div.toolbar {
                h2 { "Organization-activated connections" }
                @if define { a.button href="/settings/connections/new" { "+ Connection" } }
            }
            @if vars.is_empty() {
                (layout::empty("No organization-activated connections.", "Define one to fill in per customer (on each customer's page), matched across tenants by its stable key."))
            } @else {
                table {
                    thead { tr { th { "Key" } th { "Stable key" } th { "Type" } th { "Global inputs" } th {} } }
                    tbody {
                        @for v in vars {
                            @let ty = connection_types::find_by_id(v.connection_type);
                            tr {
                                td { (v.key) }
                                td.mono { (v.stable_key) }
                                td.muted { (ty.map(|t| format!("{}/{}", t.component, t.key)).unwrap_or_default()) }
                                td { @for (k, _) in v.input_scopes.iter().filter(|(_, s)| **s == InputScope::Global) { span.tag { (k) } } }
                                td.actions {
                                    @if define {
                                        a.button.secondary href=(format!("/settings/connections/{}/test-values", plumb_core::id::encode("ScopedConfigVariable", v.id))) { "Test credentials" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The form's query: the connection type chosen.
#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    connection: String,
}

fn form_page(
    me: &Signed,
    ty: Option<&ConnectionType>,
    form: &BTreeMap<String, String>,
    errors: &Errors,
) -> Markup {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let body = html! {
        p { a href="/settings" { "← Settings" } }
        h1 { "Define an organization-activated connection" }
        @if !errors.0.is_empty() {
            div.notice.error role="alert" { @for (f, m) in &errors.0 .0 { div { (f) ": " (m.join("; ")) } } }
        }
        div.panel {
            @match ty {
                None => {
                    form method="get" action="/settings/connections/new" {
                        div.field {
                            label for="connection" { "Connection type" }
                            select id="connection" name="connection" {
                                @for t in connection_types::all().iter().filter(|t| !t.oauth2) {
                                    option value=(format!("{}/{}", t.component, t.key)) { (t.component) " — " (t.label) }
                                }
                            }
                        }
                        button type="submit" { "Next" }
                    }
                }
                Some(t) => {
                    form method="post" action="/settings/connections" {
                        (layout::csrf_field(me))
                        input type="hidden" name="connection" value=(format!("{}/{}", t.component, t.key));
                        div.row {
                            div.field {
                                label for="conn-key" { "Key" }
                                input type="text" id="conn-key" name="key" required value=(get("key"));
                            }
                            div.field {
                                label for="conn-stable" { "Stable key" }
                                input type="text" id="conn-stable" name="stableKey" required value=(get("stableKey"));
                                span.hint { "Unique and immutable: integrations name it in useScopedConfigVar." }
                            }
                            div.field {
                                label for="conn-managed" { "Filled in by" }
                                select id="conn-managed" name="managedBy" {
                                    option value="org" selected[get("managedBy") != "customer"] { "the organization" }
                                    option value="customer" selected[get("managedBy") == "customer"] { "the customer (embedded)" }
                                }
                            }
                        }
                        h2 { (t.component) " — " (t.label) " inputs" }
                        table {
                            thead { tr { th { "Input" } th { "Scope" } th { "Global value" } } }
                            tbody {
                                @for i in t.inputs() {
                                    @let scope = form.get(&format!("scope.{}", i.key)).cloned().unwrap_or_else(|| "customer".into());
                                    tr {
                                        td { (i.label) @if i.secret { " 🔒" } @if i.required && i.default.is_none() { " *" } }
                                        td {
                                            label.sr-only for=(format!("scope-{}", i.key)) { "Scope of " (i.label) }
                                            select id=(format!("scope-{}", i.key)) name=(format!("scope.{}", i.key)) {
                                                option value="customer" selected[scope == "customer"] { "per customer" }
                                                option value="global" selected[scope == "global"] { "global" }
                                            }
                                        }
                                        td {
                                            label.sr-only for=(format!("value-{}", i.key)) { "Global value of " (i.label) }
                                            input type=(if i.secret { "password" } else { "text" }) id=(format!("value-{}", i.key))
                                                name=(format!("value.{}", i.key)) autocomplete="off" placeholder=[i.default]
                                                value=(if i.secret { String::new() } else { form.get(&format!("value.{}", i.key)).cloned().unwrap_or_default() });
                                        }
                                    }
                                }
                            }
                        }
                        button type="submit" { "Create connection" }
                    }
                }
            }
        }
    };
    page(me, Section::Settings, "Define a connection", body)
}

/// `GET /settings/connections/new`.
pub async fn new(me: Signed, Query(q): Query<NewQuery>) -> Response {
    if let Err(e) = require_designer(&me.me.caller) {
        return failure(e);
    }
    let ty = Some(q.connection.as_str())
        .filter(|c| !c.is_empty())
        .and_then(find_connection_type);
    respond(
        StatusCode::OK,
        form_page(&me, ty, &BTreeMap::new(), &Errors::default()),
    )
}

/// `POST /settings/connections`: defines the connection.
pub async fn create(
    State(console): State<Console>,
    me: Signed,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Some(r) = me.csrf_refusal(form.get("_csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let Some(ty) = find_connection_type(&get("connection")) else {
        return failure(ServiceError::Invalid(FieldErrors::one(
            "connection",
            "unknown connection type",
        )));
    };
    let inputs: Vec<ConnInput> = ty
        .inputs()
        .map(|i| {
            let global =
                form.get(&format!("scope.{}", i.key)).map(String::as_str) == Some("global");
            ConnInput {
                name: i.key.to_string(),
                input_type: None,
                value: if global {
                    form.get(&format!("value.{}", i.key))
                        .cloned()
                        .filter(|v| !v.is_empty())
                } else {
                    None
                },
                meta: Some(if global {
                    r#"{"inputScope":"global"}"#.to_string()
                } else {
                    r#"{"inputScope":"customer"}"#.to_string()
                }),
            }
        })
        .collect();
    let new = NewScopedVar {
        key: get("key"),
        stable_key: get("stableKey"),
        variable_scope: Some("customer".into()),
        managed_by: Some(get("managedBy")).filter(|m| !m.is_empty()),
        connection: get("connection"),
        description: None,
        inputs,
    };
    match console.services.create_scoped_var(&me.me.caller, new).await {
        Ok(_) => see_other("/settings?done=created"),
        Err(ServiceError::Invalid(e)) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(&me, Some(ty), &form, &Errors(e)),
        ),
        Err(e) => failure(e),
    }
}

/// The scoped variable named by a URL segment, if the caller may define connections.
async fn scoped(console: &Console, me: &Signed, gid: &str) -> Result<ScopedVar, Response> {
    let id = plumb_core::id::decode("ScopedConfigVariable", gid).ok();
    let vars = console
        .services
        .customer_connections(&me.me.caller)
        .await
        .map_err(failure)?;
    vars.into_iter()
        .find(|v| Some(v.id) == id)
        .ok_or_else(|| failure(ServiceError::NotFound("Connection")))
}

/// `GET /settings/connections/{id}/test-values`: the test credentials form.
pub async fn test_values(
    State(console): State<Console>,
    me: Signed,
    axum::extract::Path(gid): axum::extract::Path<String>,
) -> Response {
    let var = match scoped(&console, &me, &gid).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (set, inputs) = match console.services.test_values(&me.me.caller, &var).await {
        Ok(v) => v,
        Err(e) => return failure(e),
    };
    let body = html! {
        p { a href="/settings" { "← Settings" } }
        h1 { "Test credentials of " (var.key) }
        p.muted { "The values the designer's test runs use for this connection (an integration names it with useScopedConfigVar: " code { (var.stable_key) } "). Secrets: blank keeps the stored value." }
        div.panel {
            @if set.is_some() { div.notice.ok { "Test credentials are set." } }
            form method="post" action=(format!("/settings/connections/{gid}/test-values")) {
                (layout::csrf_field(&me))
                @for i in &inputs {
                    @let id = format!("t-{}", i.name);
                    div.field {
                        label for=(id) { (i.label) @if i.scope == InputScope::Global { " (global)" } }
                        @if i.secret {
                            input type="password" id=(id) name=(format!("in.{}", i.name)) autocomplete="off"
                                placeholder=(if i.is_set { "set — leave blank to keep" } else { "" });
                        } @else {
                            input type="text" id=(id) name=(format!("in.{}", i.name)) value=(i.value.clone().unwrap_or_default());
                        }
                    }
                }
                button type="submit" { "Save test credentials" }
            }
        }
    };
    respond(
        StatusCode::OK,
        page(&me, Section::Settings, "Test credentials", body),
    )
}

/// `POST /settings/connections/{id}/test-values`.
pub async fn save_test_values(
    State(console): State<Console>,
    me: Signed,
    axum::extract::Path(gid): axum::extract::Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Some(r) = me.csrf_refusal(form.get("_csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let var = match scoped(&console, &me, &gid).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let inputs = crate::form::conn_inputs(&form);
    layout::redirect_or_fail(
        console
            .services
            .set_connection_values(
                &me.me.caller,
                Some(var.id),
                plumb_service::connections::values::Target::Test,
                &inputs,
                false,
            )
            .await,
        |_| "/settings?done=saved".to_string(),
    )
}
