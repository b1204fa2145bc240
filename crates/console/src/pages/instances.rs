//! Instances: the list, the deploy wizard (1. customer and published version, 2. the config
//! variables page by page as the definition's `configPages` lay them out, each bound to a
//! customer config variable, an organization config variable or credential, or a value; then
//! create and deploy), and one instance (flows with webhook URLs, bindings, enable, disable,
//! deploy, delete).

use std::collections::BTreeMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use plumb_core::definition::{ConfigVarDecl, Definition};
use plumb_runtime::bindings::BindingInput;
use plumb_service::instance_changes::{InstanceInput, InstanceQuery, InstanceUpdate};
use plumb_service::instances::require_deployer;
use plumb_service::integrations::parsed;
use plumb_service::ServiceError;
use plumb_store::config_vars::ConfigVar;
use plumb_store::connections::ScopedVar;
use plumb_store::instances::{BindingKind, Instance};
use plumb_store::integrations::{Integration, IntegrationFilter};
use plumb_store::PageRequest;
use serde::Deserialize;

use super::customers::{CsrfForm, ShowQuery};
use super::integrations::{integration_gid, integration_uuid};
use super::{customer_gid, customer_uuid};
use crate::form::Errors;
use crate::layout::{self, empty, failure, notice, page, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// Most required config variables a wizard form carries.
const MAX_VARS: usize = 500;

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

async fn customer_names(console: &Console, me: &Signed) -> BTreeMap<uuid::Uuid, String> {
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

/// The wizard's query: its first stage's choices.
#[derive(Deserialize, Default)]
pub struct WizardQuery {
    #[serde(default)]
    customer: String,
    #[serde(default)]
    integration: String,
}

/// The published versions, newest first.
async fn versions(console: &Console, me: &Signed) -> Result<Vec<Integration>, Response> {
    let filter = IntegrationFilter {
        all_versions: true,
        ..IntegrationFilter::default()
    };
    let mut v: Vec<Integration> = console
        .services
        .integrations(&me.me.caller, &filter, &PageRequest::default())
        .await
        .map_err(failure)?
        .items
        .into_iter()
        .filter(|i| i.is_published)
        .collect();
    v.sort_by(|a, b| (&a.name, b.version_number).cmp(&(&b.name, a.version_number)));
    Ok(v)
}

fn steps(current: usize) -> Markup {
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

/// `GET /instances/new`: stage 1 (choose), or stage 2 once both are chosen.
pub async fn wizard(
    State(console): State<Console>,
    me: Signed,
    Query(q): Query<WizardQuery>,
) -> Response {
    if let Err(e) = require_deployer(&me.me.caller) {
        return failure(e);
    }
    if !q.customer.is_empty() && !q.integration.is_empty() {
        return stage_two(&console, &me, &q, &BTreeMap::new(), &Errors::default()).await;
    }
    let versions = match versions(&console, &me).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let names = customer_names(&console, &me).await;
    let body = html! {
        p { a href="/instances" { "← Instances" } }
        h1 { "Deploy an instance" }
        (steps(0))
        div.panel {
            @if versions.is_empty() || names.is_empty() {
                (empty("Nothing to deploy yet.", "You need a customer and a published integration version first."))
            } @else {
                form method="get" action="/instances/new" {
                    div.row {
                        div.field {
                            label for="customer" { "Customer" }
                            select id="customer" name="customer" required {
                                @for (id, name) in &names {
                                    option value=(customer_gid(*id)) selected[customer_gid(*id) == q.customer] { (name) }
                                }
                            }
                        }
                        div.field {
                            label for="integration" { "Integration version" }
                            select id="integration" name="integration" required {
                                @for v in &versions {
                                    option value=(integration_gid(v.id)) { (v.name) " v" (v.version_number) }
                                }
                            }
                        }
                    }
                    button type="submit" { "Next" }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        page(&me, Section::Instances, "Deploy an instance", body),
    )
}

/// The config variables in the order of the definition's config pages: (page title, vars);
/// vars on no page come last under "Config variables".
fn pages_of(def: &Definition) -> Vec<(String, Vec<ConfigVarDecl>)> {
    let mut placed = std::collections::BTreeSet::new();
    let mut out = vec![];
    for p in def.config_pages.iter().flatten() {
        let vars: Vec<ConfigVarDecl> = p
            .elements
            .iter()
            .filter(|e| e.kind == "configVar")
            .filter_map(|e| e.value.as_str())
            .filter_map(|k| def.config_var(k).cloned())
            .collect();
        for v in &vars {
            placed.insert(v.key.clone());
        }
        if !vars.is_empty() {
            out.push((p.name.clone(), vars));
        }
    }
    let rest: Vec<ConfigVarDecl> = def
        .required_config_vars
        .iter()
        .filter(|v| !placed.contains(&v.key))
        .cloned()
        .collect();
    if !rest.is_empty() {
        out.push(("Config variables".to_string(), rest));
    }
    out
}

/// The choices for one variable: `(option value, label, preselected)`.
fn choices(
    v: &ConfigVarDecl,
    customer_vars: &[ConfigVar],
    org_vars: &[ConfigVar],
    scoped: &[ScopedVar],
    chosen: Option<&str>,
) -> Vec<(String, String, bool)> {
    let mut out = vec![];
    if v.is_connection() {
        for s in scoped {
            out.push((
                format!("scoped:{}", s.id),
                format!("Organization credential: {}", s.key),
                s.key == v.key,
            ));
        }
        out.push(("default:".into(), "Its default (definition)".into(), false));
    } else {
        for c in customer_vars {
            out.push((
                format!("customer:{}", c.id),
                format!("Customer config variable: {}", c.key),
                c.key == v.key,
            ));
        }
        for o in org_vars {
            out.push((
                format!("org:{}", o.id),
                format!("Organization config variable: {}", o.key),
                o.key == v.key,
            ));
        }
        out.push(("value:".into(), "The value typed here".into(), false));
    }
    let matched = out.iter().any(|c| c.2);
    if let Some(c) = chosen {
        for o in &mut out {
            o.2 = o.0 == c;
        }
    } else if !matched {
        if let Some(last) = out.last_mut() {
            last.2 = true;
        }
    }
    out
}

async fn stage_two(
    console: &Console,
    me: &Signed,
    q: &WizardQuery,
    form: &BTreeMap<String, String>,
    errors: &Errors,
) -> Response {
    let caller = &me.me.caller;
    let customer = match console
        .services
        .customer(caller, customer_uuid(&q.customer))
        .await
    {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    let version = match console
        .services
        .integration(caller, integration_uuid(&q.integration))
        .await
    {
        Ok(v) if v.is_published => v,
        Ok(_) => return failure(ServiceError::NotFound("Integration version")),
        Err(e) => return failure(e),
    };
    let Some(def) = parsed(&version.definition) else {
        return failure(ServiceError::NotFound("Integration version"));
    };
    let all = PageRequest {
        first: Some(1000),
        ..PageRequest::default()
    };
    let customer_vars = console
        .services
        .customer_config_vars(caller, Some(Some(customer.id)), &all)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let org_vars = console
        .services
        .org_config_vars(caller, None, &all)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let scoped = console
        .services
        .scoped_config_vars(caller)
        .await
        .unwrap_or_default();
    let status = if errors.0.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let keys: Vec<String> = def
        .required_config_vars
        .iter()
        .map(|v| v.key.clone())
        .collect();
    let index = |key: &str| keys.iter().position(|k| k == key).unwrap_or(0);
    let default_name = format!("{} for {}", version.name, customer.name);
    let body = html! {
        p { a href="/instances/new" { "← Choose again" } }
        h1 { "Deploy " (version.name) " v" (version.version_number) " to " (customer.name) }
        (steps(1))
        @if !errors.0.is_empty() {
            div.notice.error role="alert" {
                @for (f, m) in &errors.0 .0 { @for line in m { div { (f) ": " (line) } } }
            }
        }
        form method="post" action="/instances" {
            (layout::csrf_field(me))
            input type="hidden" name="customer" value=(q.customer);
            input type="hidden" name="integration" value=(q.integration);
            div.panel {
                div.field {
                    label for="name" { "Instance name" }
                    input type="text" id="name" name="name" required
                        value=(form.get("name").map(String::as_str).unwrap_or(&default_name));
                }
            }
            @for (title, vars) in pages_of(&def) {
                fieldset.panel {
                    legend { (title) }
                    @for v in &vars {
                        @let i = index(&v.key);
                        @let chosen = form.get(&format!("bind{i}")).map(String::as_str);
                        div.row {
                            input type="hidden" name=(format!("key{i}")) value=(v.key);
                            div.field {
                                label for=(format!("bind{i}")) { (v.key) }
                                @if let Some(d) = &v.description { span.hint { (d) } }
                                select id=(format!("bind{i}")) name=(format!("bind{i}")) {
                                    @for (value, label, selected) in choices(v, &customer_vars, &org_vars, &scoped, chosen) {
                                        option value=(value) selected[selected] { (label) }
                                    }
                                }
                            }
                            @if !v.is_connection() {
                                div.field {
                                    label for=(format!("value{i}")) { "Value (when typed here)" }
                                    input type="text" id=(format!("value{i}")) name=(format!("value{i}"))
                                        value=(form.get(&format!("value{i}")).map(String::as_str).unwrap_or(""));
                                }
                            }
                        }
                    }
                }
            }
            button type="submit" { "Create and deploy" }
        }
    };
    respond(
        status,
        page(me, Section::Instances, "Deploy an instance", body),
    )
}

/// The bindings a wizard form gives.
fn bindings(form: &BTreeMap<String, String>) -> Vec<BindingInput> {
    let mut out = vec![];
    for i in 0..MAX_VARS {
        let Some(key) = form.get(&format!("key{i}")) else {
            break;
        };
        let choice = form
            .get(&format!("bind{i}"))
            .map(String::as_str)
            .unwrap_or("");
        let (kind, id) = choice.split_once(':').unwrap_or((choice, ""));
        let id = uuid::Uuid::parse_str(id).ok();
        let mut b = BindingInput {
            key: key.clone(),
            value: None,
            values: None,
            customer_config_variable: None,
            organization_config_variable: None,
            scoped_config_variable: None,
        };
        match kind {
            "customer" => b.customer_config_variable = id,
            "org" => b.organization_config_variable = id,
            "scoped" => b.scoped_config_variable = id,
            "value" => b.value = form.get(&format!("value{i}")).cloned(),
            _ => continue,
        }
        out.push(b);
    }
    out
}

/// `POST /instances`: creates the instance with its bindings and deploys it.
pub async fn create(
    State(console): State<Console>,
    me: Signed,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if let Some(r) = me.csrf_refusal(form.get("_csrf").map(String::as_str).unwrap_or("")) {
        return r;
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let q = WizardQuery {
        customer: get("customer"),
        integration: get("integration"),
    };
    let input = InstanceInput {
        name: get("name"),
        description: String::new(),
        customer: customer_uuid(&q.customer),
        integration: integration_uuid(&q.integration),
        worker_group: None,
        config_variables: bindings(&form),
    };
    let caller = &me.me.caller;
    let instance = match console.services.create_instance(caller, input).await {
        Ok(i) => i,
        Err(ServiceError::Invalid(e)) => {
            return stage_two(&console, &me, &q, &form, &Errors(e)).await
        }
        Err(e) => return failure(e),
    };
    match console
        .services
        .deploy_instance(caller, Some(instance.id))
        .await
    {
        Ok(i) => see_other(&format!("/instances/{}?done=deployed", instance_gid(i.id))),
        // Created but not deployable yet: its page says why.
        Err(ServiceError::Invalid(_)) => see_other(&format!(
            "/instances/{}?done=created",
            instance_gid(instance.id)
        )),
        Err(e) => failure(e),
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
    match console
        .services
        .deploy_instance(&me.me.caller, instance_uuid(&gid))
        .await
    {
        Ok(_) => see_other(&format!("/instances/{gid}?done=deployed")),
        Err(e) => failure(e),
    }
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
    match console
        .services
        .update_instance(&me.me.caller, instance_uuid(&gid), update)
        .await
    {
        Ok(_) => see_other(&format!("/instances/{gid}?done=saved")),
        Err(e) => failure(e),
    }
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
    match console
        .services
        .delete_instance(&me.me.caller, instance_uuid(&gid))
        .await
    {
        Ok(_) => see_other("/instances?done=deleted"),
        Err(e) => failure(e),
    }
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
