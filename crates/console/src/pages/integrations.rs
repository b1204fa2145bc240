//! Integrations: the list and the import form, with validation problems shown at their lines.

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use plumb_service::integrations::may_design;
use plumb_service::ServiceError;
use plumb_store::integrations::{Integration, IntegrationFilter};
use plumb_store::PageRequest;
use serde::Deserialize;

use super::customers::ShowQuery;
use crate::form::Errors;
use crate::layout::{self, empty, failure, notice, page, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// The global ID of an integration row (its URL segment).
pub fn integration_gid(id: uuid::Uuid) -> String {
    plumb_core::id::encode("Integration", id)
}

/// An integration row's UUID from its URL segment.
pub fn integration_uuid(gid: &str) -> Option<uuid::Uuid> {
    plumb_core::id::decode("Integration", gid).ok()
}

/// The line a problem message names (`line L, column C: ...`).
pub fn problem_line(message: &str) -> Option<usize> {
    message
        .strip_prefix("line ")?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// A definition's problems, and its text with numbered lines, the lines with a problem marked.
pub fn problems_view(text: &str, errors: &Errors) -> Markup {
    let messages: Vec<String> = errors
        .0
         .0
        .iter()
        .flat_map(|(f, m)| {
            m.iter().map(move |m| {
                if f == "definition" {
                    m.clone()
                } else {
                    format!("{f}: {m}")
                }
            })
        })
        .collect();
    if messages.is_empty() {
        return html! {};
    }
    let lines: Vec<usize> = messages.iter().filter_map(|m| problem_line(m)).collect();
    html! {
        div.notice.error role="alert" {
            strong { (messages.len()) " problem" @if messages.len() != 1 { "s" } " in the definition" }
            ul.problems {
                @for m in &messages { li { (m) } }
            }
        }
        @if !lines.is_empty() {
            ol.listing aria-label="The definition, problem lines marked" {
                @for (i, line) in text.lines().enumerate() {
                    @if lines.contains(&(i + 1)) {
                        li.problem id=(format!("line-{}", i + 1)) { code { (line) } }
                    } @else {
                        li { code { (line) } }
                    }
                }
            }
        }
    }
}

/// The import form.
#[derive(Deserialize, Default)]
pub struct ImportForm {
    #[serde(default)]
    definition: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

fn list_page(
    me: &Signed,
    rows: &[Integration],
    form: &ImportForm,
    errors: &Errors,
    done: Option<&str>,
) -> Markup {
    let design = may_design(&me.me.caller);
    let body = html! {
        h1 { "Integrations" }
        (notice(done))
        div.panel {
            @if rows.is_empty() {
                (empty("No integrations yet.", if design {
                    "Import a definition (YAML, Prismatic's export format) below; the examples/ folder has one for every kind of flow."
                } else {
                    "A designer or admin imports them."
                }))
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Description" } th { "Updated" } } }
                    tbody {
                        @for r in rows {
                            tr {
                                td { a href=(format!("/integrations/{}", integration_gid(r.id))) { (r.name) } }
                                td { (r.description) }
                                td.muted { (plumb_store::to_datetime(r.updated_at).format("%Y-%m-%d %H:%M")) }
                            }
                        }
                    }
                }
            }
        }
        @if design {
            div.panel {
                h2 { "Import an integration" }
                (problems_view(&form.definition, errors))
                form method="post" action="/integrations" {
                    (layout::csrf_field(me))
                    div.field {
                        label for="definition" { "Definition (YAML)" }
                        textarea.code id="definition" name="definition" rows="16" required
                            aria-invalid=[(!errors.0.is_empty()).then_some("true")] { (form.definition) }
                    }
                    button type="submit" { "Import" }
                }
            }
        }
    };
    page(me, Section::Integrations, "Integrations", body)
}

async fn render_list(
    console: &Console,
    me: &Signed,
    form: &ImportForm,
    errors: &Errors,
    done: Option<&str>,
    status: StatusCode,
) -> Response {
    let filter = IntegrationFilter::default();
    match console
        .services
        .integrations(&me.me.caller, &filter, &PageRequest::default())
        .await
    {
        Ok(p) => respond(status, list_page(me, &p.items, form, errors, done)),
        Err(e) => failure(e),
    }
}

/// `GET /integrations`.
pub async fn list(
    State(console): State<Console>,
    me: Signed,
    Query(q): Query<ShowQuery>,
) -> Response {
    render_list(
        &console,
        &me,
        &ImportForm::default(),
        &Errors::default(),
        q.done(),
        StatusCode::OK,
    )
    .await
}

/// `POST /integrations`: imports a definition as a new integration.
pub async fn import(
    State(console): State<Console>,
    me: Signed,
    Form(form): Form<ImportForm>,
) -> Response {
    if let Some(r) = me.csrf_refusal(&form.csrf) {
        return r;
    }
    match console
        .services
        .import_integration(&me.me.caller, &form.definition, None)
        .await
    {
        Ok(r) => see_other(&format!(
            "/integrations/{}?done=created",
            integration_gid(r.id)
        )),
        Err(ServiceError::Invalid(e)) => {
            render_list(
                &console,
                &me,
                &form,
                &Errors(e),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failure(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_of_a_problem() {
        assert_eq!(
            problem_line("line 12, column 5: unknown component"),
            Some(12)
        );
        assert_eq!(problem_line("line 3: x"), Some(3));
        assert_eq!(problem_line("no line"), None);
    }
}
