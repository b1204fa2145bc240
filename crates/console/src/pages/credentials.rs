//! Organization credentials: the staged wizard (seed 004: Name → Entity type → Destination →
//! Authenticate, one stage at a time, Back and Next, each stage validated before the next, the
//! completed ones checked), which ends by testing the credential (a token request) and lists it
//! under Settings; and the Test button of a listed credential.
//!
//! The stages travel as hidden fields of one form; nothing is stored until the last stage.
//! Secret inputs are password fields and never rendered back (after a failed attempt they are
//! asked again).

use std::collections::BTreeMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use plumb_core::connection_types::{self, ConnectionType};
use plumb_service::connections::input::find_connection_type;
use plumb_service::connections::{require_designer, CredentialTest, NewScopedVar};
use plumb_service::{FieldErrors, ServiceError};
use serde::Deserialize;

use super::customers::CsrfForm;
use crate::form::Errors;
use crate::layout::{self, failure, page, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// The wizard's stages.
const STAGES: [&str; 4] = ["Name", "Entity type", "Destination", "Authenticate"];
/// The entity types a credential is for (the seed's billing product offers Bill only).
const ENTITY_TYPES: [&str; 1] = ["Bill"];
/// The destination listed first: Salesforce's client credentials (a Connected App).
const SALESFORCE: &str = "salesforce/clientCredentials";

/// The destinations: Salesforce first, then every other non-interactive connection type.
fn destinations() -> Vec<(String, String)> {
    let mut out = vec![(SALESFORCE.to_string(), "Salesforce".to_string())];
    for t in connection_types::all() {
        let id = format!("{}/{}", t.component, t.key);
        if id != SALESFORCE && !t.oauth2 {
            out.push((id, format!("{} — {}", t.component, t.label)));
        }
    }
    out
}

/// The wizard form: every stage's fields, the stage shown, and the button pressed.
#[derive(Deserialize, Default, Clone)]
pub struct WizardForm {
    #[serde(default)]
    stage: usize,
    #[serde(default)]
    name: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    go: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
    /// Authenticate inputs, as `in.<key>`.
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

fn stage_list(current: usize) -> Markup {
    html! {
        ol.stages aria-label="Stages" {
            @for (i, s) in STAGES.iter().enumerate() {
                @if i < current { li.done { "✓ " (i + 1) ". " (s) } }
                @else if i == current { li.current aria-current="step" { (i + 1) ". " (s) } }
                @else { li { (i + 1) ". " (s) } }
            }
        }
    }
}

fn hidden(form: &WizardForm, current: usize) -> Markup {
    html! {
        input type="hidden" name="stage" value=(current);
        @if current != 0 { input type="hidden" name="name" value=(form.name); }
        @if current != 1 { input type="hidden" name="entity" value=(form.entity); }
        @if current != 2 { input type="hidden" name="destination" value=(form.destination); }
    }
}

fn auth_inputs(ty: &ConnectionType, form: &WizardForm, errors: &Errors) -> Markup {
    let required: Vec<_> = ty.inputs().filter(|i| i.required).collect();
    let optional: Vec<_> = ty.inputs().filter(|i| !i.required).collect();
    let label = |key: &str, l: &str| -> String {
        // The seed's words for Salesforce's Connected App.
        match (ty.component, key) {
            ("salesforce", "externalCustomerId") => "External Customer Id".into(),
            ("salesforce", "clientId") => "Client Id".into(),
            ("salesforce", "clientSecret") => "Client Secret".into(),
            _ => l.to_string(),
        }
    };
    let hint = |key: &str| -> Option<&str> {
        match (ty.component, key) {
            ("salesforce", "externalCustomerId") => Some(
                "The subdomain of your Salesforce org: MyDomainName for MyDomainName.my.salesforce.com.",
            ),
            ("salesforce", "clientId") => Some("The client ID of your Connected App."),
            ("salesforce", "clientSecret") => Some("The client secret of your Connected App."),
            _ => None,
        }
    };
    let field = |i: &&plumb_core::connection_types::ConnectionInput| {
        let name = format!("in.{}", i.key);
        let id = format!("in-{}", i.key);
        let error = errors.of(&format!("inputs.{}", i.key));
        let value = if i.secret {
            String::new()
        } else {
            form.rest.get(&name).cloned().unwrap_or_default()
        };
        html! {
            div.field {
                label for=(id) { (label(i.key, i.label)) }
                input type=(if i.secret { "password" } else { "text" }) id=(id) name=(name)
                    value=(value) required[i.required && i.default.is_none()] autocomplete="off"
                    placeholder=[i.default]
                    aria-invalid=[error.as_ref().map(|_| "true")];
                @if let Some(h) = hint(i.key) { span.hint { (h) } }
                @if let Some(e) = &error { span.error { (e) } }
            }
        }
    };
    html! {
        h2 { (ty.component) " connection" }
        @for i in &required { (field(i)) }
        @if !optional.is_empty() {
            details {
                summary { "Advanced" }
                @for i in &optional { (field(i)) }
            }
        }
    }
}

fn wizard_page(me: &Signed, form: &WizardForm, errors: &Errors, notice: Option<&str>) -> Markup {
    let current = form.stage.min(STAGES.len() - 1);
    let body = html! {
        p { a href="/settings" { "← Settings" } }
        h1 { "Create a credential" }
        (stage_list(current))
        @if let Some(n) = notice { div.notice.error role="alert" { (n) } }
        div.panel {
            form method="post" action="/settings/credentials/new" {
                (layout::csrf_field(me))
                (hidden(form, current))
                @match current {
                    0 => {
                        h2 { "Name the credential" }
                        div.field {
                            label for="cred-name" { "Name" }
                            input type="text" id="cred-name" name="name" value=(form.name) required autofocus
                                aria-invalid=[errors.of("name").map(|_| "true")];
                            @if let Some(e) = errors.of("name") { span.error { (e) } }
                        }
                    }
                    1 => {
                        h2 { "Entity type settings" }
                        div.field {
                            label for="cred-entity" { "Entity type" }
                            select id="cred-entity" name="entity" {
                                @for t in ENTITY_TYPES { option value=(t) selected[form.entity == t] { (t) } }
                            }
                            @if let Some(e) = errors.of("entity") { span.error { (e) } }
                        }
                    }
                    2 => {
                        h2 { "Destination settings" }
                        div.field {
                            label for="cred-destination" { "Destination" }
                            select id="cred-destination" name="destination" {
                                @for (id, label) in destinations() {
                                    option value=(id) selected[form.destination == id] { (label) }
                                }
                            }
                            @if let Some(e) = errors.of("destination") { span.error { (e) } }
                        }
                    }
                    _ => {
                        @if let Some(ty) = find_connection_type(&form.destination) {
                            (auth_inputs(ty, form, errors))
                        }
                        @for (f, m) in &errors.others_of(&["name", "entity", "destination"], "inputs.") {
                            div.error { (f) ": " (m) }
                        }
                    }
                }
                div.inline-edit {
                    @if current > 0 {
                        button.secondary type="submit" name="go" value="back" formnovalidate { "Back" }
                    }
                    @if current + 1 < STAGES.len() {
                        button type="submit" name="go" value="next" { "Next" }
                    } @else {
                        button type="submit" name="go" value="create" { "Create Credential" }
                    }
                }
            }
        }
    };
    page(me, Section::Settings, "Create a credential", body)
}

/// `GET /settings/credentials/new`: stage 1.
pub async fn start(me: Signed) -> Response {
    if let Err(e) = require_designer(&me.me.caller) {
        return failure(e);
    }
    let form = WizardForm {
        entity: ENTITY_TYPES[0].into(),
        destination: SALESFORCE.into(),
        ..WizardForm::default()
    };
    respond(
        StatusCode::OK,
        wizard_page(&me, &form, &Errors::default(), None),
    )
}

/// The errors of stages up to `stage` (the first stage with an error is where to go back to).
fn check_stage(stage: usize, form: &WizardForm) -> Option<(usize, FieldErrors)> {
    let mut e = FieldErrors::default();
    if form.name.trim().is_empty() {
        e.add("name", "must not be empty");
    } else if form.name.chars().count() > 255 {
        e.add("name", "must be at most 255 characters");
    }
    if !e.is_empty() {
        return Some((0, e));
    }
    if stage >= 1 && !ENTITY_TYPES.contains(&form.entity.as_str()) {
        return Some((1, FieldErrors::one("entity", "choose an entity type")));
    }
    if stage >= 2 && find_connection_type(&form.destination).is_none_or(|t| t.oauth2) {
        return Some((2, FieldErrors::one("destination", "choose a destination")));
    }
    None
}

/// A stable key from a name: lowercase letters, digits and dashes.
fn stable_key(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "credential".into()
    } else {
        out
    }
}

/// `POST /settings/credentials/new`: Back, Next (after validating the stage) or, at the last
/// stage, create the credential, test it, and list it.
pub async fn step(
    State(console): State<Console>,
    me: Signed,
    Form(mut form): Form<WizardForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    if let Err(e) = require_designer(&me.me.caller) {
        return failure(e);
    }
    let render = |form: &WizardForm, errors: FieldErrors, notice: Option<&str>, status| {
        respond(status, wizard_page(&me, form, &Errors(errors), notice))
    };
    let stage = form.stage.min(STAGES.len() - 1);
    match form.go.as_str() {
        "back" => {
            form.stage = stage.saturating_sub(1);
            return render(&form, FieldErrors::default(), None, StatusCode::OK);
        }
        "next" if stage + 1 < STAGES.len() => {
            if let Some((at, errors)) = check_stage(stage, &form) {
                form.stage = at;
                return render(&form, errors, None, StatusCode::UNPROCESSABLE_ENTITY);
            }
            form.stage = stage + 1;
            return render(&form, FieldErrors::default(), None, StatusCode::OK);
        }
        _ => {}
    }
    if let Some((at, errors)) = check_stage(STAGES.len() - 1, &form) {
        form.stage = at;
        return render(&form, errors, None, StatusCode::UNPROCESSABLE_ENTITY);
    }
    form.stage = STAGES.len() - 1;
    let inputs = crate::form::conn_inputs(&form.rest);
    let new = NewScopedVar {
        key: form.name.trim().to_string(),
        stable_key: stable_key(&form.name),
        variable_scope: Some("org".into()),
        managed_by: Some("org".into()),
        connection: form.destination.clone(),
        description: Some(format!("Entity type: {}", form.entity)),
        inputs,
    };
    let caller = &me.me.caller;
    let var = match console.services.create_scoped_var(caller, new).await {
        Ok(v) => v,
        Err(ServiceError::Invalid(e)) => {
            // A taken name belongs to the first stage.
            if e.0.iter().any(|(f, _)| f == "stableKey" || f == "key") {
                form.stage = 0;
                return render(
                    &form,
                    FieldErrors::one("name", "a credential with this name already exists"),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
            return render(&form, e, None, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return failure(e),
    };
    match console.services.test_scoped_var(caller, Some(var.id)).await {
        Ok(CredentialTest::Passed) | Ok(CredentialTest::NothingToTest) => {
            see_other("/settings?done=credential")
        }
        Ok(CredentialTest::Failed(why)) => {
            // A credential that does not authenticate is not kept.
            if let Err(e) = console.services.delete_scoped_var(caller, var.id).await {
                return failure(e);
            }
            let text = format!("The credential was not created: its test failed: {why}");
            render(
                &form,
                FieldErrors::default(),
                Some(&text),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => failure(e),
    }
}

/// `POST /settings/credentials/{id}/test`.
pub async fn test(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let id = plumb_core::id::decode("ScopedConfigVariable", &gid).ok();
    match console.services.test_scoped_var(&me.me.caller, id).await {
        Ok(CredentialTest::Passed) => see_other("/settings?done=test-passed"),
        Ok(CredentialTest::NothingToTest) => see_other("/settings?done=test-nothing"),
        Ok(CredentialTest::Failed(why)) => layout::error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Credential test failed",
            &why,
        ),
        Err(e) => failure(e),
    }
}

/// The credentials panel of the Settings page.
pub fn panel(
    me: &Signed,
    credentials: &[plumb_store::connections::ScopedVar],
    write: bool,
) -> Markup {
    html! {
        div.panel {
            div.toolbar {
                h2 { "Credentials" }
                @if write { a.button href="/settings/credentials/new" { "+ Credential" } }
            }
            @if credentials.is_empty() {
                (layout::empty("No credentials yet.", if write {
                    "Create one with + Credential: its name, what it is for, where it connects, and how it authenticates."
                } else {
                    "A designer or admin creates them."
                }))
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Type" } th { "Description" } th {} } }
                    tbody {
                        @for c in credentials {
                            @let ty = connection_types::find_by_id(c.connection_type);
                            tr {
                                td { (c.key) }
                                td.muted { (ty.map(|t| format!("{}/{}", t.component, t.key)).unwrap_or_default()) }
                                td { (c.description) }
                                td.actions {
                                    @if write {
                                        form method="post" action=(format!("/settings/credentials/{}/test", plumb_core::id::encode("ScopedConfigVariable", c.id))) {
                                            (layout::csrf_field(me))
                                            button.secondary type="submit" { "Test" }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_keys_from_names() {
        assert_eq!(stable_key("Acme Salesforce (prod)"), "acme-salesforce-prod");
        assert_eq!(stable_key("  "), "credential");
    }
}
