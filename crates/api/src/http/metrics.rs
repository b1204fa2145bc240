//! Prometheus metrics: request counts and latencies by route and status, served as text at
//! `/metrics`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::AppState;

/// Labels of an HTTP request metric.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The matched route (`/api`, `/trigger/{id}`), never the raw path.
    pub route: String,
    /// The HTTP method, or `OTHER` for one outside the standard set.
    pub method: String,
    /// The status code.
    pub status: u16,
}

/// The process's metrics registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    queued: Gauge,
    running: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("plumb");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        let queued = Gauge::default();
        let running = Gauge::default();
        registry.register(
            "executions_queued",
            "Executions waiting for a worker (all nodes; read at scrape time)",
            queued.clone(),
        );
        registry.register(
            "executions_running",
            "Executions running (all nodes; read at scrape time)",
            running.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            queued,
            running,
        }
    }
}

impl Metrics {
    /// Records one served request.
    pub fn observe(&self, labels: RequestLabels, seconds: f64) {
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
    }

    /// The registry in Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            tracing::error!("metrics encoding failed");
        }
        out
    }
}

/// The method label: a standard method's name, `OTHER` for any other (so made-up methods
/// cannot grow the label set).
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

/// Middleware recording every request. Labels are bounded: the route is the matched route's
/// template (`/trigger/{id}`), or `unmatched` for any path no route matches; the method is
/// [`method_label`].
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = method_label(req.method()).to_string();
    let response = next.run(req).await;
    state.metrics.observe(
        RequestLabels {
            route,
            method,
            status: response.status().as_u16(),
        },
        start.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`. The queue gauges are read from the store at each scrape.
pub async fn render(State(state): State<AppState>) -> Response {
    match state.store.queue_depth().await {
        Ok(d) => {
            state.metrics.queued.set(d.queued);
            state.metrics.running.set(d.running);
        }
        Err(e) => tracing::warn!(error = %e, "reading the queue depth for metrics failed"),
    }
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
