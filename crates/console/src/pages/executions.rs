//! Executions: a filterable list (newest first) and one execution with its step timeline,
//! results, logs and replay. A running execution's page refreshes itself until it ends.

use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use maud::{html, Markup};
use plumb_service::executions::{may_replay, ExecutionQuery};
use plumb_store::executions::{Execution, ExecutionStatus, StepStatus, StepValue};
use plumb_store::PageRequest;
use serde::Deserialize;

use super::customers::{CsrfForm, ShowQuery};
use crate::layout::{self, empty, failure, notice, page, respond, Section};
use crate::session::{see_other, Signed};
use crate::Console;

/// Executions per page of the list.
const PAGE: u32 = 50;
/// Most bytes of a step result shown on the page.
const MAX_SHOWN: usize = 64 * 1024;

/// The global ID of an execution (its URL segment).
pub fn execution_gid(id: uuid::Uuid) -> String {
    plumb_core::id::encode("InstanceExecutionResult", id)
}

fn execution_uuid(gid: &str) -> Option<uuid::Uuid> {
    plumb_core::id::decode("InstanceExecutionResult", gid).ok()
}

fn time(ms: Option<i64>) -> String {
    ms.map(|t| {
        plumb_store::to_datetime(t)
            .format("%Y-%m-%d %H:%M:%S%.3f")
            .to_string()
    })
    .unwrap_or_default()
}

fn duration(start: Option<i64>, end: Option<i64>) -> String {
    match (start, end) {
        (Some(s), Some(e)) => format!("{} ms", e.saturating_sub(s)),
        _ => String::new(),
    }
}

fn status_tag(s: ExecutionStatus) -> Markup {
    let class = match s {
        ExecutionStatus::Success => "status ok",
        ExecutionStatus::Error => "status error",
        _ => "status running",
    };
    html! { span class=(class) { (s.as_str()) } }
}

/// The list's filters.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    flow: String,
    #[serde(default)]
    instance: String,
}

/// `GET /executions`: the newest executions first.
pub async fn list(
    State(console): State<Console>,
    me: Signed,
    Query(q): Query<ListQuery>,
) -> Response {
    let query = ExecutionQuery {
        status: ExecutionStatus::parse(&q.status),
        is_test: match q.kind.as_str() {
            "test" => Some(true),
            "live" => Some(false),
            _ => None,
        },
        flow_name: Some(q.flow.trim().to_string()).filter(|f| !f.is_empty()),
        instance: (!q.instance.is_empty())
            .then(|| plumb_core::id::decode("Instance", &q.instance).ok()),
        ..ExecutionQuery::default()
    };
    let req = PageRequest {
        last: Some(PAGE),
        ..PageRequest::default()
    };
    let rows = match console
        .services
        .executions(&me.me.caller, query, &req)
        .await
    {
        Ok(p) => p.items,
        Err(e) => return failure(e),
    };
    let body = html! {
        h1 { "Executions" }
        div.toolbar {
            form method="get" action="/executions" {
                label.sr-only for="status" { "Status" }
                select id="status" name="status" {
                    option value="" { "Any status" }
                    @for s in ["QUEUED", "PENDING", "SUCCESS", "ERROR"] {
                        option value=(s) selected[q.status == s] { (s) }
                    }
                }
                label.sr-only for="kind" { "Kind" }
                select id="kind" name="kind" {
                    option value="" { "Test and live" }
                    option value="test" selected[q.kind == "test"] { "Test runs" }
                    option value="live" selected[q.kind == "live"] { "Instance runs" }
                }
                label.sr-only for="flow-filter" { "Flow" }
                input type="search" id="flow-filter" name="flow" value=(q.flow) placeholder="Flow name";
                @if !q.instance.is_empty() { input type="hidden" name="instance" value=(q.instance); }
                button.secondary type="submit" { "Filter" }
            }
        }
        div.panel {
            @if rows.is_empty() {
                (empty("No executions match.", "Run a test from an integration's page, or call a deployed instance's webhook."))
            } @else {
                table {
                    thead { tr { th { "Started" } th { "Flow" } th { "Status" } th { "Kind" } th { "Duration" } } }
                    tbody {
                        @for e in rows.iter().rev() {
                            tr {
                                td { a href=(format!("/executions/{}", execution_gid(e.id))) { (time(e.started_at.or(Some(e.queued_at)))) } }
                                td { (e.flow_name) }
                                td { (status_tag(e.status)) }
                                td.muted { (e.invoke_type) }
                                td.muted { (duration(e.started_at, e.ended_at)) }
                            }
                        }
                    }
                }
            }
        }
    };
    respond(
        axum::http::StatusCode::OK,
        page(&me, Section::Executions, "Executions", body),
    )
}

fn shown(value: &Option<StepValue>) -> String {
    match value {
        None => String::new(),
        Some(StepValue::Binary {
            bytes,
            content_type,
        }) => format!("(binary: {} bytes of {content_type})", bytes.len()),
        Some(StepValue::Json(text)) => {
            let pretty = serde_json_pretty(text);
            if pretty.len() > MAX_SHOWN {
                let mut end = MAX_SHOWN;
                while !pretty.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{}\n… ({} bytes in all)", &pretty[..end], pretty.len())
            } else {
                pretty
            }
        }
    }
}

fn serde_json_pretty(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string())
}

async fn detail(console: &Console, me: &Signed, e: &Execution) -> Result<Markup, Response> {
    let steps = console
        .services
        .step_results(e, &PageRequest::default())
        .await
        .map_err(failure)?
        .items;
    let logs = console
        .services
        .execution_logs(e, None, &PageRequest::default())
        .await
        .map_err(failure)?
        .items;
    let replay = may_replay(&me.me.caller);
    Ok(html! {
        div.panel {
            table {
                tr { th { "Status" } td { (status_tag(e.status)) } }
                tr { th { "Kind" } td { (e.invoke_type) @if e.is_test { " (test run)" } } }
                tr { th { "Queued" } td { (time(Some(e.queued_at))) } }
                tr { th { "Started" } td { (time(e.started_at)) } }
                tr { th { "Ended" } td { (time(e.ended_at)) } }
                tr { th { "Duration" } td { (duration(e.started_at, e.ended_at)) } }
                tr { th { "Attempt" } td { (e.attempt) " of " (e.max_attempts) } }
                @if let Some(err) = &e.error { tr { th { "Error" } td.error-text { (err) } } }
            }
            @if replay && matches!(e.status, ExecutionStatus::Success | ExecutionStatus::Error) {
                form method="post" action=(format!("/executions/{}/replay", execution_gid(e.id))) {
                    (layout::csrf_field(me))
                    button.secondary type="submit" { "Replay" }
                }
            }
        }
        div.panel {
            h2 { "Steps" }
            @if steps.is_empty() {
                (empty("No step has ended yet.", "This page refreshes while the execution runs."))
            } @else {
                ol.timeline {
                    @for s in &steps {
                        li class=(if s.status == StepStatus::Success { "step ok" } else { "step error" }) {
                            div.step-head {
                                strong { (s.step_name) }
                                @if !s.iteration.is_empty() {
                                    span.muted { " iteration " (s.iteration.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(".")) }
                                }
                                span.muted { " · " (s.status.as_str()) " · " (s.ended_at.saturating_sub(s.started_at)) " ms" }
                            }
                            @if let Some(err) = &s.error { div.error-text { (err) } }
                            @if s.value.is_some() {
                                details {
                                    summary { "Result" }
                                    pre.code { (shown(&s.value)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        div.panel {
            h2 { "Logs" }
            @if logs.is_empty() {
                (empty("No log lines.", "Steps write here (the log component, console.log in code steps)."))
            } @else {
                table {
                    thead { tr { th { "Time" } th { "Severity" } th { "Step" } th { "Message" } } }
                    tbody {
                        @for l in &logs {
                            tr {
                                td.muted { (time(Some(l.timestamp))) }
                                td { (l.severity) }
                                td { (l.step_name.as_deref().unwrap_or("")) }
                                td.mono { (l.message) }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// `GET /executions/{id}`.
pub async fn show(
    State(console): State<Console>,
    me: Signed,
    Path(gid): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let e = match console
        .services
        .execution(&me.me.caller, execution_uuid(&gid))
        .await
    {
        Ok(e) => e,
        Err(e) => return failure(e),
    };
    let body = match detail(&console, &me, &e).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let running = matches!(e.status, ExecutionStatus::Queued | ExecutionStatus::Pending);
    let body = html! {
        p { a href="/executions" { "← Executions" } }
        h1 { "Execution of " (e.flow_name) }
        (notice(q.done()))
        (body)
    };
    respond(
        axum::http::StatusCode::OK,
        layout::page_refreshing(
            &me,
            Section::Executions,
            "Execution",
            body,
            running.then_some(1),
        ),
    )
}

/// `POST /executions/{id}/replay`: queues the execution again and opens the new one.
pub async fn replay(
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
        .replay_execution(&me.me.caller, Some(execution_uuid(&gid)))
        .await
    {
        Ok(new) => see_other(&format!(
            "/executions/{}?done=created",
            execution_gid(new.id)
        )),
        Err(e) => failure(e),
    }
}
