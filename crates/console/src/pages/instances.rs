//! Instances: the list and one instance (flows with webhook URLs, bindings, Run now, enable,
//! disable, deploy, delete). The deploy wizard is `deploy_wizard`.

use std::collections::BTreeMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use plumb_service::instance_changes::{InstanceQuery, InstanceUpdate};
use plumb_service::instances::require_deployer;
use plumb_store::instances::{BindingKind, Instance};
use plumb_store::PageRequest;
use serde::Deserialize;

use super::customer_gid;
use super::customers::{CsrfForm, ShowQuery};
use super::integrations::integration_gid;
use crate::layout::{self, empty, failure, notice, page, redirect_or_fail, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// The global ID of an instance (its URL segment).
pub fn instance_gid(id: uuid::Uuid) -> String {
    plumb_core::id::encode("Instance", id)
}

fn instance_uuid(gid: &str) -> Option<uuid::Uuid> {
    plumb_core::id::decode("Instance", gid).ok()
}

fn may_deploy(me: &Signed) -> bool {
    require_deployer(&me.me.caller).is_ok()
}

/// `GET /instances`.
pub async fn list(
    State(console): State<Console>,
    me: Signed,
    Query(q): Query<ShowQuery>,
) -> Response {
    let caller = &me.me.caller;
    let rows = match console
        .services
        .instances(caller, InstanceQuery::default(), &PageRequest::default())
        .await
    {
        Ok(p) => p.items,
        Err(e) => return failure(e),
    };
    let names = customer_names(&console, &me).await;
    let body = html! {
        div.toolbar {
            h1 { "Instances" }
            @if may_deploy(&me) { a.button href="/instances/new" { "+ Instance" } }
        }
        (notice(q.done()))
        div.panel {
            @if rows.is_empty() {
                (empty("No instances yet.", "Publish an integration, then deploy an instance of it to a customer with + Instance."))
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Customer" } th { "State" } th { "Deployed" } } }
                    tbody {
                        @for i in &rows {
                            tr {
                                td { a href=(format!("/instances/{}", instance_gid(i.id))) { (i.name) } }
                                td { (names.get(&i.customer_id).map(String::as_str).unwrap_or("")) }
                                td { @if i.enabled { span.status.ok { "enabled" } } @else { span.status.running { "disabled" } } }
                                td.muted { (i.deployed_at.map(|t| plumb_store::to_datetime(t).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "not yet".into())) }
                            }
                        }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        page(&me, Section::Instances, "Instances", body),
    )
}

pub(crate) async fn customer_names(console: &Console, me: &Signed) -> BTreeMap<uuid::Uuid, String> {
    console
        .services
        .customers(
            &me.me.caller,
            Default::default(),
            &PageRequest {
                first: Some(1000),
                ..PageRequest::default()
            },
        )
        .await
        .map(|p| p.items.into_iter().map(|c| (c.id, c.name)).collect())
        .unwrap_or_default()
}

/// The wizard's stages, `current` marked.
pub(crate) fn steps(current: usize) -> Markup {
    let names = ["Customer and integration", "Config variables", "Deployed"];
    html! {
        ol.stages aria-label="Wizard stages" {
            @for (i, n) in names.iter().enumerate() {
                @if i < current { li.done { "✓ " (n) } }
                @else if i == current { li.current aria-current="step" { (n) } }
                @else { li { (n) } }
            }
        }
    }
}

fn binding_text(
    kind: BindingKind,
    value: Option<&str>,
    ref_id: Option<uuid::Uuid>,
    names: &BTreeMap<uuid::Uuid, String>,
) -> String {
    let named = || {
        ref_id
            .and_then(|r| names.get(&r).cloned())
            .unwrap_or_else(|| "(deleted)".into())
    };
    match kind {
        BindingKind::Value => format!("value {}", value.unwrap_or("")),
        BindingKind::Values => "connection inputs (set, not shown)".into(),
        BindingKind::Customer => format!("customer config variable {}", named()),
        BindingKind::Org => format!("organization config variable {}", named()),
        BindingKind::Scoped => format!("organization credential {}", named()),
    }
}

async fn show_instance(
    console: &Console,
    me: &Signed,
    i: &Instance,
    done: Option<&str>,
) -> Response {
    let caller = &me.me.caller;
    let flows = match console.services.instance_flows(caller, i).await {
        Ok(f) => f,
        Err(e) => return failure(e),
    };
    let bindings = console
        .services
        .instance_bindings(caller, i)
        .await
        .unwrap_or_default();
    let all = PageRequest {
        first: Some(1000),
        ..PageRequest::default()
    };
    let mut names: BTreeMap<uuid::Uuid, String> = BTreeMap::new();
    for v in console
        .services
        .customer_config_vars(caller, Some(Some(i.customer_id)), &all)
        .await
        .map(|p| p.items)
        .unwrap_or_default()
        .into_iter()
        .chain(
            console
                .services
                .org_config_vars(caller, None, &all)
                .await
                .map(|p| p.items)
                .unwrap_or_default(),
        )
    {
        names.insert(v.id, v.key);
    }
    for s in console
        .services
        .scoped_config_vars(caller)
        .await
        .unwrap_or_default()
    {
        names.insert(s.id, s.key);
    }
    let customer = console
        .services
        .customer(caller, Some(i.customer_id))
        .await
        .map(|c| c.name)
        .unwrap_or_default();
    let deploy = may_deploy(me);
    let gid = instance_gid(i.id);
    let body = html! {
        p { a href="/instances" { "← Instances" } }
        h1 { (i.name) }
        @if done == Some("deployed") { (steps(3)) }
        (notice(done))
        @if i.deployed_at.is_none() {
            div.notice.error { "Not deployed yet: deploy it once its config variables are all bound." }
        }
        div.panel {
            table {
                tr { th { "Customer" } td { a href=(format!("/customers/{}", customer_gid(i.customer_id))) { (customer) } } }
                tr { th { "Integration version" } td { a href=(format!("/integrations/{}", integration_gid(i.integration_version_id))) { "open" } } }
                tr { th { "State" } td { @if i.enabled { "enabled" } @else { "disabled" } } }
                tr { th { "Deployed" } td { (i.deployed_at.map(|t| plumb_store::to_datetime(t).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "not yet".into())) } }
            }
            @if deploy {
                div.inline-edit {
                    @if i.deployed_at.is_none() {
                        form method="post" action=(format!("/instances/{gid}/deploy")) {
                            (layout::csrf_field(me))
                            button type="submit" { "Deploy" }
                        }
                    }
                    form method="post" action=(format!("/instances/{gid}/enabled")) {
                        (layout::csrf_field(me))
                        input type="hidden" name="enabled" value=(if i.enabled { "false" } else { "true" });
                        button.secondary type="submit" { @if i.enabled { "Disable" } @else { "Enable" } }
                    }
                    form method="post" action=(format!("/instances/{gid}/delete")) data-confirm="Delete this instance?" {
                        (layout::csrf_field(me))
                        button.danger type="submit" { "Delete instance" }
                    }
                }
            }
        }
        div.panel {
            h2 { "Flows and webhook URLs" }
            table {
                thead { tr { th { "Flow" } th { "Webhook URL" } th { "Security" } th {} } }
                tbody {
                    @for f in &flows {
                        tr {
                            td { (f.flow_name) }
                            td.mono { (f.webhook_url) }
                            td.muted { (f.security) }
                            td.actions {
                                @if deploy && i.enabled {
                                    form method="post" action=(format!("/instances/{gid}/run")) {
                                        (layout::csrf_field(me))
                                        input type="hidden" name="flow" value=(f.flow_name);
                                        button.secondary type="submit" { "Run now" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { a href=(format!("/executions?instance={gid}")) { "This instance's executions" } }
        }
        @if caller.customer_id.is_none() {
            div.panel {
                h2 { "Config variables" }
                @if bindings.is_empty() {
                    (empty("No config variables bound.", "This instance's integration requires none."))
                } @else {
                    table {
                        thead { tr { th { "Key" } th { "Bound to" } } }
                        tbody {
                            @for b in &bindings {
                                tr { td.mono { (b.key) } td { (binding_text(b.kind, b.value.as_deref(), b.ref_id, &names)) } }
                            }
                        }
                    }
                }
            }
        }
    };
    respond(StatusCode::OK, page(me, Section::Instances, &i.name, body))
}

/// `GET /instances/{id}`.
pub async fn show(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    match console
        .services
        .instance(&me.me.caller, instance_uuid(&gid))
        .await
    {
        Ok(i) => show_instance(&console, &me, &i, q.done()).await,
        Err(e) => failure(e),
    }
}

/// `POST /instances/{id}/deploy`.
pub async fn deploy(
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
            .deploy_instance(&me.me.caller, instance_uuid(&gid))
            .await,
        |_| format!("/instances/{gid}?done=deployed"),
    )
}

/// The enable/disable form.
#[derive(Deserialize)]
pub struct EnabledForm {
    #[serde(default)]
    enabled: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /instances/{id}/enabled`.
pub async fn set_enabled(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<EnabledForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let update = InstanceUpdate {
        enabled: Some(form.enabled == "true"),
        ..InstanceUpdate::default()
    };
    redirect_or_fail(
        console
            .services
            .update_instance(&me.me.caller, instance_uuid(&gid), update)
            .await,
        |_| format!("/instances/{gid}?done=saved"),
    )
}

/// `POST /instances/{id}/delete`.
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
            .delete_instance(&me.me.caller, instance_uuid(&gid))
            .await,
        |_| "/instances?done=deleted".to_string(),
    )
}

/// The "Run now" form.
#[derive(Deserialize)]
pub struct RunForm {
    #[serde(default)]
    flow: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /instances/{id}/run`: queues a run of the flow and opens its execution.
pub async fn run(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<RunForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let flow = Some(form.flow.as_str()).filter(|f| !f.is_empty());
    match console
        .services
        .run_instance_flow(
            &me.me.caller,
            instance_uuid(&gid),
            flow,
            plumb_runtime::TriggerInput::default(),
        )
        .await
    {
        Ok(e) => see_other(&format!(
            "/executions/{}",
            super::executions::execution_gid(e.id)
        )),
        Err(e) => failure(e),
    }
}
