//! `/login` (sign in with an API token) and `/logout`.

use axum::extract::{Form, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::html;
use plumb_service::ServiceError;
use serde::Deserialize;

use crate::form::Errors;
use crate::layout::{bare, failure, respond};
use crate::session::{
    cookie, csrf_matches, csrf_refused, see_other, session_cookie, set_cookie, Signed,
    LOGIN_COOKIE, SESSION_COOKIE,
};
use crate::Console;

/// How long the sign-in form stays valid: one hour.
const LOGIN_FORM_TTL_S: i64 = 3600;

fn login_page(csrf: &str, errors: &Errors) -> maud::Markup {
    let error = errors.of("token");
    bare(
        "Sign in",
        html! {
            div.panel.login {
                h1 { "Sign in to plumb" }
                p.muted { "Paste an API token of your organization (" code { "plumb org create" } " prints one)." }
                form method="post" action="/login" {
                    input type="hidden" name="_csrf" value=(csrf);
                    div.field {
                        label for="token" { "API token" }
                        input type="password" id="token" name="token" autocomplete="off" required
                            autofocus aria-invalid=[error.as_ref().map(|_| "true")];
                        @if let Some(e) = &error { span.error role="alert" { (e) } }
                    }
                    button type="submit" { "Sign in" }
                }
            }
        },
    )
}

/// A sign-in form with a fresh CSRF cookie.
fn form_response(console: &Console, status: StatusCode, errors: &Errors) -> Response {
    let csrf = plumb_store::sessions::random_secret();
    let mut r = respond(status, login_page(&csrf, errors));
    r.headers_mut().insert(
        SET_COOKIE,
        set_cookie(
            LOGIN_COOKIE,
            &csrf,
            "/login",
            LOGIN_FORM_TTL_S,
            console.secure_cookies,
        ),
    );
    r
}

/// `GET /login`.
pub async fn page(State(console): State<Console>) -> Response {
    form_response(&console, StatusCode::OK, &Errors::default())
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /login`: a valid token opens a session and goes to the console.
pub async fn submit(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !csrf_matches(&expected, &form.csrf) {
        return csrf_refused();
    }
    match console.services.sign_in(&form.token).await {
        Ok((secret, _)) => {
            let mut r = see_other("/customers");
            let h = r.headers_mut();
            h.append(SET_COOKIE, session_cookie(&secret, console.secure_cookies));
            h.append(
                SET_COOKIE,
                set_cookie(LOGIN_COOKIE, "", "/login", 0, console.secure_cookies),
            );
            r
        }
        Err(ServiceError::Invalid(e)) => {
            form_response(&console, StatusCode::UNAUTHORIZED, &Errors(e))
        }
        Err(e) => failure(e),
    }
}

/// The sign-out form (its CSRF token only).
#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /logout`: ends the session.
pub async fn logout(
    State(console): State<Console>,
    me: Signed,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    if let Err(e) = console.services.sign_out(&me.secret).await {
        return failure(e);
    }
    let mut r = see_other("/login");
    r.headers_mut().insert(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", "/", 0, console.secure_cookies),
    );
    r
}
