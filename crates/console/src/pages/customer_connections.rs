//! A customer's values of the organization-activated connections (customer-scoped scoped
//! config variables), on the customer's page: the per-customer inputs to fill in, the global
//! ones shown as shared. Secrets are password fields: never shown, blank keeps the stored value.

use std::collections::BTreeMap;

use axum::extract::{Form, Path, State};
use axum::response::Response;
use maud::{html, Markup};
use plumb_service::connections::values::{may_write, InputView, Target};
use plumb_store::connection_values::Slot;
use plumb_store::connections::{InputScope, ScopedVar};

use super::customer_uuid;
use crate::layout::{self, redirect_or_fail};
use crate::session::Signed;
use crate::Console;

/// One connection's inputs for one customer.
pub struct Shown {
    /// The connection.
    pub var: ScopedVar,
    /// Whether the customer has values.
    pub has_values: bool,
    /// Its inputs.
    pub inputs: Vec<InputView>,
}

/// The connections of a customer's page.
pub async fn load(console: &Console, me: &Signed, customer: uuid::Uuid) -> Vec<Shown> {
    let caller = &me.me.caller;
    let mut out = vec![];
    for var in console
        .services
        .customer_connections(caller)
        .await
        .unwrap_or_default()
    {
        if let Ok((set, inputs)) = console
            .services
            .connection_values(caller, &var, customer)
            .await
        {
            out.push(Shown {
                var,
                has_values: set.is_some(),
                inputs,
            });
        }
    }
    out
}

/// The panel.
pub fn panel(me: &Signed, base: &str, customer: uuid::Uuid, shown: &[Shown]) -> Markup {
    html! {
        @if !shown.is_empty() {
            div.panel {
                h2 { "Connections" }
                p.muted { "Organization-activated connections: the values this customer's instances use." }
                @for s in shown {
                    @let write = may_write(&me.me.caller, &s.var, Slot::Customer(customer));
                    @let gid = plumb_core::id::encode("ScopedConfigVariable", s.var.id);
                    fieldset.panel {
                        legend { (s.var.key) @if s.has_values { " ✓" } }
                        form method="post" action=(format!("{base}/connections/{gid}")) {
                            (layout::csrf_field(me))
                            @for i in &s.inputs {
                                @let id = format!("c-{}-{}", s.var.id, i.name);
                                div.field {
                                    label for=(id) { (i.label) @if i.scope == InputScope::Global { " (shared by every customer)" } }
                                    @if i.scope == InputScope::Global || !write {
                                        input type="text" id=(id) disabled
                                            value=(if i.secret { if i.is_set { "•••••• (set)".to_string() } else { String::new() } } else { i.value.clone().unwrap_or_default() });
                                    } @else if i.secret {
                                        input type="password" id=(id) name=(format!("in.{}", i.name)) autocomplete="off"
                                            placeholder=(if i.is_set { "set — leave blank to keep" } else { "" });
                                    } @else {
                                        input type="text" id=(id) name=(format!("in.{}", i.name))
                                            value=(i.value.clone().unwrap_or_default());
                                    }
                                }
                            }
                            @if write { button.secondary type="submit" { "Save connection" } }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /customers/{id}/connections/{scoped}`: saves the customer's values.
pub async fn save(
    State(console): State<Console>,
    me: Signed,
    Path((gid, scoped)): Path<(String, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Some(r) = me.csrf_refusal(form.get("_csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let inputs = crate::form::conn_inputs(&form);
    let scoped = plumb_core::id::decode("ScopedConfigVariable", &scoped).ok();
    redirect_or_fail(
        console
            .services
            .set_connection_values(
                &me.me.caller,
                scoped,
                Target::Customer(customer_uuid(&gid)),
                &inputs,
                false,
            )
            .await,
        |_| format!("/customers/{gid}?done=saved"),
    )
}
