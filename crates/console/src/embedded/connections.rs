//! The customer's connections screen (`showConnections`, `/customer-connections/`): the
//! customer-activated connections (`managedBy: customer`) with the inputs the customer fills in,
//! saved as its own values. Inputs shared by every customer are not shown; secrets are password
//! fields, never filled back (blank keeps the stored value). Connections the organization fills
//! in are not listed (`plumb_service::connections::values::visible`).
//!
//! An OAuth 2.0 authorization-code connection shows whether it is connected and a Connect
//! button: the screen saves the form's inputs, asks for the authorize URL
//! (`POST /embedded/screens/connections/authorize`) and opens it in a pop-up; the
//! authorization server sends the pop-up to `/oauth2/callback`, which stores the tokens
//! sealed; the screen asks `GET /embedded/screens/connections/state` until the connection is
//! connected, then closes the pop-up and shows it connected.

use std::collections::BTreeMap;

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Json;
use maud::{html, Markup};
use plumb_service::connections::authorize::{self, Authorize};
use plumb_service::connections::values::Target;
use plumb_service::ServiceError;
use plumb_store::connections::InputScope;
use serde::Deserialize;

use super::{failed, fragment, refusal, Embedder};
use crate::layout::empty;
use crate::Console;

/// The connection a save is for.
#[derive(Deserialize, Default)]
pub struct SaveQuery {
    #[serde(default)]
    id: String,
}

async fn render(
    console: &Console,
    me: &Embedder,
    notice: Option<Markup>,
) -> Result<Markup, ServiceError> {
    let caller = &me.caller;
    let customer = caller.customer_id.ok_or(ServiceError::Forbidden)?;
    let mut shown = vec![];
    for var in console.services.customer_connections(caller).await? {
        let (set, inputs) = console
            .services
            .connection_values(caller, &var, customer)
            .await?;
        let oauth = authorize::is_authorization_code(&var);
        let connected = oauth
            && set.is_some()
            && console
                .services
                .connection_authorized(caller, &var, customer)
                .await?;
        shown.push((var, set.is_some(), inputs, oauth, connected));
    }
    Ok(html! {
        div data-view="connections" {
            h1 { "Connections" }
            @if let Some(n) = notice { (n) }
            @if shown.is_empty() {
                (empty("No connections to set up.", "Connections appear here when an integration needs your own account."))
            }
            @for (var, has, inputs, oauth, connected) in &shown {
                @let gid = plumb_core::id::encode("ScopedConfigVariable", var.id);
                form.panel data-connection-form=(gid) {
                    h2 { (var.key) @if *has { " " span.status.ok { "Saved" } } }
                    @if !var.description.is_empty() { p.muted { (var.description) } }
                    @for i in inputs.iter().filter(|i| i.scope != InputScope::Global) {
                        @let id = format!("c-{}-{}", var.id, i.name);
                        div.field {
                            label for=(id) { (i.label) }
                            @if i.secret {
                                input type="password" id=(id) name=(format!("in.{}", i.name)) autocomplete="off"
                                    placeholder=(if i.is_set { "set — leave blank to keep" } else { "" });
                            } @else {
                                input type="text" id=(id) name=(format!("in.{}", i.name))
                                    value=(i.value.clone().unwrap_or_default());
                            }
                        }
                    }
                    @if *oauth {
                        p data-oauth-state {
                            @if *connected { span.status.ok { "Connected" } }
                            @else { span.status.running { "Not connected" } }
                        }
                        button type="button" data-authorize=(gid) {
                            @if *connected { "Reconnect" } @else { "Connect" }
                        }
                        " "
                    }
                    button type="submit" { "Save" }
                }
            }
        }
    })
}

/// `GET /embedded/screens/connections`.
pub async fn screen(State(console): State<Console>, me: Embedder) -> Response {
    match render(&console, &me, None).await {
        Ok(m) => fragment(StatusCode::OK, m),
        Err(e) => failed(e),
    }
}

/// `POST /embedded/screens/connections/save?id=<connection>`: saves the customer's values.
pub async fn save(
    State(console): State<Console>,
    me: Embedder,
    Query(q): Query<SaveQuery>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let inputs = crate::form::conn_inputs(&form);
    let scoped = plumb_core::id::decode("ScopedConfigVariable", &q.id).ok();
    let answer = console
        .services
        .set_connection_values(
            &me.caller,
            scoped,
            Target::Customer(me.caller.customer_id),
            &inputs,
            false,
        )
        .await;
    let (status, notice) = match answer {
        Ok(_) => (
            StatusCode::OK,
            html! { div.notice.ok role="status" { "Saved." } },
        ),
        Err(ServiceError::Invalid(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            html! {
                div.notice.error role="alert" {
                    @for (f, m) in &errors.0 { @for line in m { div { (f) ": " (line) } } }
                }
            },
        ),
        Err(e) => return failed(e),
    };
    match render(&console, &me, Some(notice)).await {
        Ok(m) => fragment(status, m),
        Err(e) => failed(e),
    }
}

/// `POST /embedded/screens/connections/authorize?id=<connection>`: starts the authorization of
/// the customer's values; answers `{authorizeUrl}` (JSON), or `{error}`.
pub async fn authorize(
    State(console): State<Console>,
    me: Embedder,
    Query(q): Query<SaveQuery>,
) -> Response {
    let what = Authorize {
        scoped: plumb_core::id::decode("ScopedConfigVariable", &q.id).ok(),
        customer: None,
        is_test: false,
    };
    match console
        .services
        .authorize_connection(&me.caller, what)
        .await
    {
        Ok(url) => Json(serde_json::json!({ "authorizeUrl": url })).into_response(),
        Err(ServiceError::Invalid(errors)) => refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            &errors
                .0
                .iter()
                .map(|(f, m)| format!("{f}: {}", m.join("; ")))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Err(e) => failed(e),
    }
}

/// `GET /embedded/screens/connections/state?id=<connection>`: `{connected}` (JSON).
pub async fn state(
    State(console): State<Console>,
    me: Embedder,
    Query(q): Query<SaveQuery>,
) -> Response {
    let answer = async {
        let customer = me.caller.customer_id.ok_or(ServiceError::Forbidden)?;
        let id = plumb_core::id::decode("ScopedConfigVariable", &q.id)
            .map_err(|_| ServiceError::NotFound("Connection"))?;
        let var = console
            .services
            .customer_connections(&me.caller)
            .await?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or(ServiceError::NotFound("Connection"))?;
        console
            .services
            .connection_authorized(&me.caller, &var, customer)
            .await
    };
    match answer.await {
        Ok(connected) => Json(serde_json::json!({ "connected": connected })).into_response(),
        Err(e) => failed(e),
    }
}
