//! Customers: the list (search, create) and one customer's page (edit, delete, its config
//! variables).

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use plumb_service::config_vars::may_write_customer_vars;
use plumb_service::customers::{may_manage, CustomerChanges, CustomerQuery, NewCustomer};
use plumb_service::ServiceError;
use plumb_store::customers::Customer;
use plumb_store::PageRequest;
use serde::Deserialize;

use super::{customer_gid, customer_uuid};
use crate::form::{self, other_errors, Errors, Text};
use crate::layout::{empty, failure, notice, page, redirect_or_fail, respond, Section};
use crate::session::{see_other, Signed};
use crate::{layout, Console};

/// Customers per page of the list.
const PAGE: u32 = 50;

/// The list's query string.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// The fields of a customer form.
#[derive(Deserialize, Default, Clone)]
pub struct CustomerForm {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "externalId")]
    external_id: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    labels: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

impl CustomerForm {
    /// The form filled with a customer's fields.
    pub fn of(c: &Customer) -> CustomerForm {
        CustomerForm {
            name: c.name.clone(),
            external_id: c.external_id.clone().unwrap_or_default(),
            description: c.description.clone(),
            labels: c.labels.join(", "),
            csrf: String::new(),
        }
    }
}

const FORM_FIELDS: &[&str] = &["name", "externalId", "description", "labels"];

fn customer_fields(f: &CustomerForm, prefix: &str, errors: &Errors) -> Markup {
    let id = |s: &str| format!("{prefix}-{s}");
    html! {
        div.row {
            (Text { name: "name", id: &id("name"), label: "Name", value: &f.name, hint: None,
                required: true, field: "name" }.render(errors))
            (Text { name: "externalId", id: &id("external-id"), label: "External ID", value: &f.external_id,
                hint: Some("Your own ID for this customer (unique)."), required: false,
                field: "externalId" }.render(errors))
        }
        div.row {
            (Text { name: "description", id: &id("description"), label: "Description",
                value: &f.description, hint: None, required: false, field: "description" }.render(errors))
            (Text { name: "labels", id: &id("labels"), label: "Labels", value: &f.labels,
                hint: Some("Comma-separated."), required: false, field: "labels" }.render(errors))
        }
    }
}

fn list_page(
    me: &Signed,
    rows: &[Customer],
    q: &ListQuery,
    next: Option<String>,
    form: &CustomerForm,
    errors: &Errors,
) -> Markup {
    let manage = may_manage(&me.me.caller);
    let body = html! {
        h1 { "Customers" }
        (notice(q.done.as_deref()))
        div.toolbar {
            form method="get" action="/customers" role="search" {
                label.muted for="q" { "Search" }
                input type="search" id="q" name="q" value=(q.q) placeholder="Name contains…";
                button.secondary type="submit" { "Search" }
            }
        }
        div.panel {
            @if rows.is_empty() {
                @if q.q.is_empty() {
                    (empty("No customers yet.", if manage {
                        "Create your first customer with the form below; then give it config variables and deploy instances to it."
                    } else {
                        "A deployer or admin creates customers."
                    }))
                } @else {
                    (empty("No customer matches your search.", "Try another part of the name, or clear the search."))
                }
            } @else {
                table {
                    thead { tr { th { "Name" } th { "External ID" } th { "Labels" } th { "Created" } } }
                    tbody {
                        @for c in rows {
                            tr {
                                td { a href=(format!("/customers/{}", customer_gid(c.id))) { (c.name) } }
                                td.mono { (c.external_id.as_deref().unwrap_or("")) }
                                td { @for l in &c.labels { span.tag { (l) } } }
                                td.muted { (plumb_store::to_datetime(c.created_at).format("%Y-%m-%d %H:%M")) }
                            }
                        }
                    }
                }
                @if let Some(after) = next {
                    p { a.button.secondary href=(format!("/customers?q={}&after={}", urlencode(&q.q), after)) { "Next page" } }
                }
            }
        }
        @if manage {
            div.panel {
                h2 { "New customer" }
                (other_errors(errors, FORM_FIELDS))
                form method="post" action="/customers" {
                    (layout::csrf_field(me))
                    (customer_fields(form, "new", errors))
                    button type="submit" { "Create customer" }
                }
            }
        }
    };
    page(me, Section::Customers, "Customers", body)
}

/// Percent-encodes a query value.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn render_list(
    console: &Console,
    me: &Signed,
    q: &ListQuery,
    form: &CustomerForm,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let query = CustomerQuery {
        name_contains: Some(q.q.trim().to_string()),
        ..CustomerQuery::default()
    };
    let req = PageRequest {
        first: Some(PAGE),
        after: q.after.clone().filter(|a| uuid::Uuid::parse_str(a).is_ok()),
        ..PageRequest::default()
    };
    match console.services.customers(&me.me.caller, query, &req).await {
        Ok(p) => {
            let next = p
                .has_next
                .then(|| p.items.last().map(|c| c.id.to_string()))
                .flatten();
            respond(status, list_page(me, &p.items, q, next, form, errors))
        }
        Err(e) => failure(e),
    }
}

/// `GET /customers`.
pub async fn list(
    State(console): State<Console>,
    me: Signed,
    Query(q): Query<ListQuery>,
) -> Response {
    render_list(
        &console,
        &me,
        &q,
        &CustomerForm::default(),
        &Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /customers`: creates a customer and opens its page.
pub async fn create(
    State(console): State<Console>,
    me: Signed,
    Form(form): Form<CustomerForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let new = NewCustomer {
        name: form.name.clone(),
        external_id: Some(form.external_id.trim().to_string()),
        description: Some(form.description.clone()),
        labels: Some(form::list(&form.labels)),
    };
    match console.services.create_customer(&me.me.caller, new).await {
        Ok(c) => see_other(&format!("/customers/{}?done=created", customer_gid(c.id))),
        Err(ServiceError::Invalid(e)) => {
            render_list(
                &console,
                &me,
                &ListQuery::default(),
                &form,
                &Errors(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failure(e),
    }
}

/// What one customer's page shows besides the customer.
pub struct ShowState<'a> {
    /// The edit form's values and errors.
    pub edit: (&'a CustomerForm, &'a Errors),
    /// The new config variable form's values and errors.
    pub new_var: (&'a super::customer_vars::VarForm, &'a Errors),
    /// The notice code.
    pub done: Option<&'a str>,
}

/// Renders one customer's page.
pub async fn render_show(
    console: &Console,
    me: &Signed,
    gid: &str,
    state: ShowState<'_>,
    status: StatusCode,
) -> Response {
    let caller = &me.me.caller;
    let customer = match console.services.customer(caller, customer_uuid(gid)).await {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    let vars = match console
        .services
        .customer_config_vars(caller, Some(Some(customer.id)), &PageRequest::default())
        .await
    {
        Ok(p) => p.items,
        Err(e) => return failure(e),
    };
    let manage = may_manage(caller);
    let write_vars = may_write_customer_vars(caller);
    let connections = super::customer_connections::load(console, me, customer.id).await;
    let base = format!("/customers/{gid}");
    let body = html! {
        p { a href="/customers" { "← Customers" } }
        h1 { (customer.name) }
        (notice(state.done))
        div.panel {
            h2 { "Details" }
            @if manage {
                (other_errors(state.edit.1, FORM_FIELDS))
                form method="post" action=(base) {
                    (layout::csrf_field(me))
                    (customer_fields(state.edit.0, "edit", state.edit.1))
                    button type="submit" { "Save" }
                }
            } @else {
                table {
                    tr { th { "External ID" } td.mono { (customer.external_id.as_deref().unwrap_or("")) } }
                    tr { th { "Description" } td { (customer.description) } }
                    tr { th { "Labels" } td { @for l in &customer.labels { span.tag { (l) } } } }
                }
            }
        }
        (super::customer_vars::panel(me, &base, &vars, write_vars, state.new_var))
        (super::customer_connections::panel(me, &base, customer.id, &connections))
        @if manage {
            div.panel {
                h2 { "Delete customer" }
                p.muted { "Deletes the customer with its config variables and every instance deployed to it." }
                form method="post" action=(format!("{base}/delete"))
                    data-confirm="Delete this customer and everything deployed to it?" {
                    (layout::csrf_field(me))
                    button.danger type="submit" { "Delete customer" }
                }
            }
        }
    };
    respond(status, page(me, Section::Customers, &customer.name, body))
}

/// `GET /customers/{id}` query.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    done: Option<String>,
}

impl ShowQuery {
    /// The notice code.
    pub fn done(&self) -> Option<&str> {
        self.done.as_deref()
    }
}

/// `GET /customers/{id}`.
pub async fn show(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let customer = match console
        .services
        .customer(&me.me.caller, customer_uuid(&gid))
        .await
    {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    let edit = CustomerForm::of(&customer);
    let none = Errors::default();
    let new_var = super::customer_vars::VarForm::default();
    render_show(
        &console,
        &me,
        &gid,
        ShowState {
            edit: (&edit, &none),
            new_var: (&new_var, &none),
            done: q.done.as_deref(),
        },
        StatusCode::OK,
    )
    .await
}

/// `POST /customers/{id}`: saves the customer's fields.
pub async fn update(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<CustomerForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let changes = CustomerChanges {
        name: Some(form.name.clone()),
        external_id: Some(form.external_id.trim().to_string()),
        description: Some(form.description.clone()),
        labels: Some(form::list(&form.labels)),
    };
    match console
        .services
        .update_customer(&me.me.caller, customer_uuid(&gid), changes)
        .await
    {
        Ok(c) => see_other(&format!("/customers/{}?done=saved", customer_gid(c.id))),
        Err(ServiceError::Invalid(e)) => {
            let errors = Errors(e);
            let none = Errors::default();
            let new_var = super::customer_vars::VarForm::default();
            render_show(
                &console,
                &me,
                &gid,
                ShowState {
                    edit: (&form, &errors),
                    new_var: (&new_var, &none),
                    done: None,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failure(e),
    }
}

/// A form with only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
}

/// `POST /customers/{id}/delete`.
pub async fn delete(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    redirect_or_fail(
        console
            .services
            .delete_customer(&me.me.caller, customer_uuid(&gid))
            .await,
        |_| "/customers?done=deleted".to_string(),
    )
}
