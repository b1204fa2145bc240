//! API tokens, on the Settings page (admins): list, create (the secret shown once, on the
//! answer page only), revoke.

use axum::extract::{Form, Path, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use maud::{html, Markup};
use plumb_service::tokens::NewToken;
use plumb_service::ServiceError;
use plumb_store::tokens::{ApiToken, Role};

use super::customers::CsrfForm;
use crate::form::Errors;
use crate::layout::{self, failure, page, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// The tokens panel of the Settings page.
pub fn panel(me: &Signed, tokens: &[ApiToken], errors: &Errors) -> Markup {
    html! {
        div.panel {
            h2 { "API tokens" }
            p.muted { "Tokens sign in to the console and call the API (" code { "Authorization: Bearer" } "). A secret is shown once, when the token is created." }
            table {
                thead { tr { th { "Name" } th { "Roles" } th { "Customer" } th { "Created" } th {} } }
                tbody {
                    @for t in tokens {
                        tr {
                            td { (t.name) }
                            td { @for r in &t.roles { span.tag { (r.as_str()) } } }
                            td.muted { @if t.customer_id.is_some() { "bound to one customer" } }
                            td.muted { (plumb_store::to_datetime(t.created_at).format("%Y-%m-%d %H:%M")) }
                            td.actions {
                                @if t.revoked_at.is_some() {
                                    span.status.error { "revoked" }
                                } @else if t.id == me.me.caller.token_id {
                                    span.muted { "this session" }
                                } @else {
                                    form method="post" action=(format!("/settings/tokens/{}/revoke", plumb_core::id::encode("ApiToken", t.id)))
                                        data-confirm="Revoke this token? It stops working at once." {
                                        (layout::csrf_field(me))
                                        button.danger type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Create a token" }
            @for (f, m) in &errors.0 .0 { div.notice.error role="alert" { (f) ": " (m.join("; ")) } }
            form method="post" action="/settings/tokens" {
                (layout::csrf_field(me))
                div.row {
                    div.field {
                        label for="token-name" { "Name" }
                        input type="text" id="token-name" name="name" required;
                    }
                    fieldset.field {
                        legend { "Roles" }
                        @for r in Role::ALL {
                            label {
                                input type="checkbox" name="roles" value=(r.as_str()) checked[r == Role::Viewer];
                                " " (r.as_str())
                            }
                        }
                    }
                }
                button type="submit" { "Create token" }
            }
        }
    }
}

/// `POST /settings/tokens`: creates a token and shows its secret once.
pub async fn create(
    State(console): State<Console>,
    me: Signed,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        form.iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Some(r) = me.csrf_refusal(&get("_csrf")) {
        return r;
    }
    let new = NewToken {
        name: get("name"),
        roles: form
            .iter()
            .filter(|(f, _)| f == "roles")
            .map(|(_, v)| v.clone())
            .collect(),
        customer: None,
    };
    match console.services.create_token(&me.me.caller, new).await {
        Ok((record, secret)) => {
            let body = html! {
                p { a href="/settings" { "← Settings" } }
                h1 { "Token created" }
                div.panel {
                    p { "The secret of " strong { (record.name) } " is shown only now: copy it and keep it safe." }
                    label for="secret" { "Secret" }
                    input.mono type="text" id="secret" readonly value=(secret);
                }
            };
            let mut r = respond(
                StatusCode::OK,
                page(&me, Section::Settings, "Token created", body),
            );
            r.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(ServiceError::Invalid(e)) => {
            super::settings::render_with_token_errors(&console, &me, Errors(e)).await
        }
        Err(e) => failure(e),
    }
}

/// `POST /settings/tokens/{id}/revoke`.
pub async fn revoke(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    let id = plumb_core::id::decode("ApiToken", &gid).ok();
    match console.services.revoke_token(&me.me.caller, id).await {
        Ok(_) => see_other("/settings?done=revoked"),
        Err(e) => failure(e),
    }
}
