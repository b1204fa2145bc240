//! The document of a bench run (`--json`) and its human summary.

use std::time::Duration;

use plumb_store::Backend;
use serde_json::{json, Value};

use super::load::Calls;
use super::measure::{self, Ended};
use super::BenchArgs;

/// What the document is made of.
pub struct Inputs<'a> {
    /// The flags.
    pub args: &'a BenchArgs,
    /// Workers of the server.
    pub workers: usize,
    /// The database's engine.
    pub backend: Backend,
    /// What the calls saw.
    pub calls: &'a Calls,
    /// How long calls were sent.
    pub load_elapsed: Duration,
    /// From the first call to the end of the drain.
    pub total_elapsed: Duration,
    /// How long the drain took.
    pub drain: Duration,
    /// Executions ended when the calls stopped.
    pub during_load: Ended,
    /// Executions ended at the end of the drain.
    pub ended: Ended,
    /// `endedAt - queuedAt` of each ended execution (ms).
    pub times: &'a [f64],
    /// CPU time of the process over the load and the drain.
    pub cpu: Option<Duration>,
    /// CPU time of the load thread (the client and the loopback target) over the same time.
    pub load_cpu: Option<Duration>,
    /// Database growth over the load and the drain.
    pub db_bytes: Option<i64>,
    /// Load averages when the calls started.
    pub load_before: Option<[f64; 3]>,
    /// Load averages at the end.
    pub load_after: Option<[f64; 3]>,
}

fn per_second(n: usize, d: Duration) -> f64 {
    round(n as f64 / d.as_secs_f64().max(1e-9), 1)
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Builds the document.
pub fn document(i: Inputs<'_>) -> Value {
    let a = i.args;
    let completed = i.ended.success;
    let accepted = i.calls.accepted();
    let per_execution = |d: Option<Duration>| {
        d.filter(|_| completed > 0)
            .map(|d| round(ms(d) / completed as f64, 3))
    };
    let plumb_cpu = i
        .cpu
        .map(|c| c.saturating_sub(i.load_cpu.unwrap_or_default()));
    let end_to_end = if a.sync {
        measure::percentiles(&i.calls.accept_ms)
    } else {
        measure::percentiles(i.times)
    };
    json!({
        "plumb_version": env!("CARGO_PKG_VERSION"),
        "machine": measure::machine(),
        "load_average_before": i.load_before,
        "load_average_after": i.load_after,
        "settings": {
            "database": match i.backend { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" },
            "database_url": a.database_url.as_deref().map(redact_url),
            "mode": if a.rate.is_some() { "open" } else { "closed" },
            "concurrency": a.rate.is_none().then_some(a.concurrency),
            "rate": a.rate,
            "duration_s": a.duration,
            "sync": a.sync,
            "customers": a.customers,
            "workers": i.workers,
            "drain_timeout_s": a.drain_timeout,
            "flow": "webhook → runCode → httpGet (loopback) → runCode",
        },
        "accepted": accepted,
        "accepted_per_s": per_second(accepted, i.load_elapsed),
        "completed": completed,
        "completed_per_s": per_second(completed, i.total_elapsed),
        "completed_during_load": i.during_load.success,
        "completed_during_load_per_s": per_second(i.during_load.success, i.load_elapsed),
        "load_s": round(i.load_elapsed.as_secs_f64(), 3),
        "drain_s": round(i.drain.as_secs_f64(), 3),
        "unfinished": accepted.saturating_sub(i.ended.total()),
        "accept_ms": measure::percentiles(&i.calls.accept_ms),
        "end_to_end_ms": end_to_end,
        "end_to_end_source": if a.sync { "client: call sent to answer read" } else { "server: queuedAt to endedAt (ms clock)" },
        "queued_to_ended_ms": measure::percentiles(i.times),
        "errors": i.calls.errors + i.ended.error,
        "call_errors": i.calls.errors,
        "failed_executions": i.ended.error,
        "missed_sends": i.calls.missed,
        "first_error": i.calls.first_error,
        "peak_rss_bytes": measure::peak_rss(),
        "db_bytes": i.db_bytes,
        "db_bytes_per_execution": i.db_bytes.filter(|_| completed > 0).map(|b| round(b as f64 / completed as f64, 1)),
        "cpu_ms_per_execution": per_execution(plumb_cpu),
        "process_cpu_ms_per_execution": per_execution(i.cpu),
        "load_generator_cpu_ms": i.load_cpu.map(|d| round(ms(d), 1)),
    })
}

/// A database URL without its password.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

fn triple(v: &Value) -> String {
    format!(
        "p50 {} / p95 {} / p99 {} ms",
        show(&v["p50"]),
        show(&v["p95"]),
        show(&v["p99"])
    )
}

/// Prints the human summary of a document.
pub fn print_summary(d: &Value) {
    let s = &d["settings"];
    let m = &d["machine"];
    let load = match s["mode"].as_str() {
        Some("open") => format!("open loop at {}/s", show(&s["rate"])),
        _ => format!("closed loop, concurrency {}", show(&s["concurrency"])),
    };
    println!(
        "plumb bench: {} {}, {}, {} s, {} customers, {} workers",
        show(&s["database"]),
        if s["sync"] == true { "sync" } else { "async" },
        load,
        show(&s["duration_s"]),
        show(&s["customers"]),
        show(&s["workers"]),
    );
    println!(
        "machine:     {} cores, {}; load average {} -> {}",
        show(&m["cores"]),
        show(&m["cpu_model"]),
        show(&d["load_average_before"]),
        show(&d["load_average_after"]),
    );
    println!(
        "accepted:    {} ({}/s)",
        show(&d["accepted"]),
        show(&d["accepted_per_s"])
    );
    println!(
        "completed:   {} ({}/s overall, {}/s during the load); drain {} s, {} unfinished",
        show(&d["completed"]),
        show(&d["completed_per_s"]),
        show(&d["completed_during_load_per_s"]),
        show(&d["drain_s"]),
        show(&d["unfinished"]),
    );
    println!("accept:      {}", triple(&d["accept_ms"]));
    println!(
        "end to end:  {} ({})",
        triple(&d["end_to_end_ms"]),
        show(&d["end_to_end_source"])
    );
    println!(
        "errors:      {} ({} calls, {} executions; {} open-loop sends missed){}",
        show(&d["errors"]),
        show(&d["call_errors"]),
        show(&d["failed_executions"]),
        show(&d["missed_sends"]),
        d["first_error"]
            .as_str()
            .map(|e| format!("; first: {e}"))
            .unwrap_or_default(),
    );
    println!(
        "per execution: {} ms CPU (process {} ms, load generator excluded), {} DB bytes",
        show(&d["cpu_ms_per_execution"]),
        show(&d["process_cpu_ms_per_execution"]),
        show(&d["db_bytes_per_execution"]),
    );
    println!("peak RSS:    {} bytes", show(&d["peak_rss_bytes"]));
}
