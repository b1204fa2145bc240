//! The page shell (header, navigation, who is signed in), notices, error pages, and how a
//! service failure becomes a page.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use plumb_service::ServiceError;

use crate::assets;
use crate::session::Signed;

/// The sections of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Customers and their config.
    Customers,
    /// Integrations: import, test, publish.
    Integrations,
    /// Instances: deploy, enable, disable.
    Instances,
    /// Executions and their results.
    Executions,
    /// Integration models (OpenAPI).
    Models,
    /// The organization's settings.
    Settings,
}

const SECTIONS: &[(Section, &str, &str)] = &[
    (Section::Customers, "/customers", "Customers"),
    (Section::Integrations, "/integrations", "Integrations"),
    (Section::Instances, "/instances", "Instances"),
    (Section::Executions, "/executions", "Executions"),
    (Section::Models, "/models", "Models"),
    (Section::Settings, "/settings", "Settings"),
];

fn head(title: &str, refresh: Option<u32>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            @if let Some(seconds) = refresh { meta http-equiv="refresh" content=(seconds); }
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · plumb" }
            link rel="stylesheet" href=(assets::css_url());
            script src=(assets::js_url()) defer {}
        }
    }
}

/// A signed-in page: the shell around `body`, `section` marked current.
pub fn page(me: &Signed, section: Section, title: &str, body: Markup) -> Markup {
    page_refreshing(me, section, title, body, None)
}

/// [`page`], reloading itself every `refresh` seconds when given (a running execution).
pub fn page_refreshing(
    me: &Signed,
    section: Section,
    title: &str,
    body: Markup,
    refresh: Option<u32>,
) -> Markup {
    let roles = me
        .me
        .caller
        .roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, refresh))
            body {
                header.top {
                    a.brand href="/" { "plumb" }
                    nav aria-label="Main" {
                        @for (s, href, label) in SECTIONS {
                            @if *s == section {
                                a href=(href) aria-current="page" { (label) }
                            } @else {
                                a href=(href) { (label) }
                            }
                        }
                    }
                    div.who {
                        a.api href="/api" title="GraphiQL: the GraphQL API, with its schema" { "API" }
                        span title="Signed in with this API token" { (me.me.token_name) " (" (roles) ")" }
                        form method="post" action="/logout" {
                            (csrf_field(me))
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page with no session (sign-in, errors).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, None))
            body { main { (body) } }
        }
    }
}

/// The hidden CSRF field every form of a session carries.
pub fn csrf_field(me: &Signed) -> Markup {
    html! { input type="hidden" name="_csrf" value=(me.me.csrf); }
}

/// An HTML response.
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A standalone error page.
pub fn error_page(status: StatusCode, title: &str, text: &str) -> Response {
    respond(
        status,
        bare(
            title,
            html! {
                div.panel.login {
                    h1 { (title) }
                    p { (text) }
                    p { a href="/" { "Back to the console" } }
                }
            },
        ),
    )
}

/// A service failure that is not invalid input, as a page: not found, forbidden or internal.
pub fn failure(e: ServiceError) -> Response {
    match e {
        ServiceError::NotFound(what) => error_page(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!(
                "This {} does not exist, or you may not see it.",
                what.to_lowercase()
            ),
        ),
        ServiceError::Forbidden => error_page(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Your token's roles do not allow this action.",
        ),
        ServiceError::Invalid(errors) => {
            let text = errors
                .0
                .iter()
                .map(|(f, m)| format!("{f}: {}", m.join("; ")))
                .collect::<Vec<_>>()
                .join(", ");
            error_page(StatusCode::UNPROCESSABLE_ENTITY, "Invalid input", &text)
        }
        ServiceError::Store(e) => {
            tracing::error!(error = %e, "store failure");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The request failed on the server. Try again in a moment.",
            )
        }
    }
}

/// A service answer as a response: `303` to `to(answer)` on success, else the failure's page.
pub fn redirect_or_fail<T>(
    answer: Result<T, ServiceError>,
    to: impl FnOnce(T) -> String,
) -> Response {
    match answer {
        Ok(t) => crate::session::see_other(&to(t)),
        Err(e) => failure(e),
    }
}

/// A notice after a redirect: `done` is a fixed code from the URL, never echoed text.
pub fn notice(done: Option<&str>) -> Markup {
    let text = match done {
        Some("created") => "Created.",
        Some("saved") => "Saved.",
        Some("deleted") => "Deleted.",
        Some("published") => "Published a new version.",
        Some("deployed") => "Deployed.",
        Some("revoked") => "Token revoked.",
        Some("credential") => "Credential created and tested.",
        Some("test-passed") => "Credential test passed: a token was obtained.",
        Some("test-nothing") => {
            "This credential's type has no token to obtain; its values are complete."
        }
        _ => return html! {},
    };
    html! { div.notice.ok role="status" { (text) } }
}

/// The empty state of a list: what is missing and what to do next.
pub fn empty(title: &str, next: &str) -> Markup {
    html! {
        div.empty {
            strong { (title) }
            (next)
        }
    }
}
