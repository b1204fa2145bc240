//! The deploy wizard: 1. the customer and a published version; 2. the config variables page by
//! page as the definition's `configPages` lay them out, each bound to one of the customer's config
//! variables, an organization config variable or credential, or a value typed there; then create
//! and deploy.

use std::collections::BTreeMap;

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use plumb_core::definition::{ConfigVarDecl, Definition};
use plumb_runtime::bindings::BindingInput;
use plumb_service::instance_changes::InstanceInput;
use plumb_service::instances::require_deployer;
use plumb_service::integrations::parsed;
use plumb_service::ServiceError;
use plumb_store::config_vars::ConfigVar;
use plumb_store::connections::ScopedVar;
use plumb_store::integrations::{Integration, IntegrationFilter};
use plumb_store::PageRequest;
use serde::Deserialize;

use super::instances::{customer_names, instance_gid, steps};
use super::integrations::{integration_gid, integration_uuid};
use super::{customer_gid, customer_uuid};
use crate::form::Errors;
use crate::layout::{self, empty, failure, page, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// Most required config variables a wizard form carries.
const MAX_VARS: usize = 500;

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
