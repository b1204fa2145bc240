//! A customer's plain config variables, on the customer's page: add, change, delete.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use plumb_service::config_vars::VarInput;
use plumb_service::ServiceError;
use plumb_store::config_vars::ConfigVar;
use serde::Deserialize;

use super::customer_uuid;
use super::customers::{render_show, CsrfForm, CustomerForm, ShowState};
use crate::form::{other_errors, Errors, Text};
use crate::layout::{self, failure, redirect_or_fail};
use crate::session::{see_other, Signed};
use crate::Console;

/// The data types a plain variable can have, as the form offers them.
pub const DATA_TYPES: &[&str] = &[
    "string",
    "boolean",
    "number",
    "date",
    "timestamp",
    "picklist",
    "code",
    "schedule",
];

/// A config variable form.
#[derive(Deserialize, Default, Clone)]
pub struct VarForm {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub value: String,
    #[serde(default, rename = "dataType")]
    pub data_type: String,
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
}

/// The select of data types, `current` chosen.
pub fn data_type_select(id: &str, current: &str) -> Markup {
    let current = if current.is_empty() {
        "string"
    } else {
        current
    };
    html! {
        div.field {
            label for=(id) { "Data type" }
            select id=(id) name="dataType" {
                @for t in DATA_TYPES {
                    option value=(t) selected[*t == current] { (t) }
                }
            }
        }
    }
}

/// The config variables panel of a customer's page.
pub fn panel(
    me: &Signed,
    base: &str,
    vars: &[ConfigVar],
    write: bool,
    new: (&VarForm, &Errors),
) -> Markup {
    html! {
        div.panel {
            h2 { "Config variables" }
            @if vars.is_empty() {
                (layout::empty("No config variables for this customer.", if write {
                    "Add the values this customer's instances read (keys as in the integration's required config vars)."
                } else {
                    "A deployer or admin sets them."
                }))
            } @else {
                table {
                    thead { tr { th { "Key" } th { "Value" } th { "Type" } th {} } }
                    tbody {
                        @for v in vars {
                            @let vid = plumb_core::id::encode("CustomerConfigVariable", v.id);
                            tr {
                                td.mono { (v.key) }
                                td {
                                    @if write {
                                        form.inline-edit method="post" action=(format!("{base}/config-vars/{vid}")) {
                                            (layout::csrf_field(me))
                                            label.sr-only for=(format!("v-{vid}")) { "Value of " (v.key) }
                                            input type="text" id=(format!("v-{vid}")) name="value" value=(v.value);
                                            button.secondary type="submit" { "Save" }
                                        }
                                    } @else {
                                        span.mono { (v.value) }
                                    }
                                }
                                td.muted { (v.data_type) }
                                td.actions {
                                    @if write {
                                        form method="post" action=(format!("{base}/config-vars/{vid}/delete"))
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
                h2 { "Add a config variable" }
                (other_errors(new.1, &["key", "value", "dataType"]))
                form method="post" action=(format!("{base}/config-vars")) {
                    (layout::csrf_field(me))
                    div.row {
                        (Text { name: "key", id: "var-key", label: "Key", value: &new.0.key, hint: None,
                            required: true, field: "key" }.render(new.1))
                        (Text { name: "value", id: "var-value", label: "Value", value: &new.0.value,
                            hint: None, required: false, field: "value" }.render(new.1))
                        (data_type_select("var-type", &new.0.data_type))
                    }
                    button type="submit" { "Add variable" }
                }
            }
        }
    }
}

fn var_id(gid: &str) -> Option<uuid::Uuid> {
    plumb_core::id::decode("CustomerConfigVariable", gid).ok()
}

fn data_type(form: &VarForm) -> Option<String> {
    Some(form.data_type.clone()).filter(|t| !t.is_empty())
}

/// `POST /customers/{id}/config-vars`: adds a variable.
pub async fn create(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<VarForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let input = VarInput {
        key: Some(form.key.clone()),
        value: Some(form.value.clone()),
        data_type: data_type(&form),
    };
    match console
        .services
        .create_customer_config_var(&me.me.caller, Some(customer_uuid(&gid)), input)
        .await
    {
        Ok(_) => see_other(&format!("/customers/{gid}?done=created")),
        Err(ServiceError::Invalid(e)) => {
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
            let errors = Errors(e);
            render_show(
                &console,
                &me,
                &gid,
                ShowState {
                    edit: (&edit, &none),
                    new_var: (&form, &errors),
                    done: None,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failure(e),
    }
}

/// `POST /customers/{id}/config-vars/{var}`: changes a value.
pub async fn update(
    State(console): State<Console>,
    me: Signed,
    Path((gid, var)): Path<(String, String)>,
    Form(form): Form<VarForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let Some(id) = var_id(&var) else {
        return failure(ServiceError::NotFound("Customer config variable"));
    };
    let input = VarInput {
        key: None,
        value: Some(form.value.clone()),
        data_type: data_type(&form),
    };
    redirect_or_fail(
        console
            .services
            .update_customer_config_var(&me.me.caller, id, input)
            .await,
        |_| format!("/customers/{gid}?done=saved"),
    )
}

/// `POST /customers/{id}/config-vars/{var}/delete`.
pub async fn delete(
    State(console): State<Console>,
    me: Signed,
    Path((gid, var)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let Some(id) = var_id(&var) else {
        return failure(ServiceError::NotFound("Customer config variable"));
    };
    redirect_or_fail(
        console
            .services
            .delete_customer_config_var(&me.me.caller, id)
            .await,
        |_| format!("/customers/{gid}?done=deleted"),
    )
}
