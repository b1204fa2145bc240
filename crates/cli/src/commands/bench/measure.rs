//! What `plumb bench` measures besides the calls: CPU time (`/proc/self/stat`, and the load
//! thread's in `/proc/self/task`), peak RSS (`VmHWM`), database size (SQLite's files with
//! their WAL, or `pg_database_size`), the executions' queue-to-end times, and the machine.

use std::path::Path;
use std::time::Duration;

use plumb_store::executions::{ExecutionFilter, ExecutionStatus};
use plumb_store::PageRequest;
use plumb_store::Store;
use serde_json::{json, Value};
use uuid::Uuid;

/// Clock ticks per second of `/proc/*/stat` times (`USER_HZ`, 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;

/// User plus system CPU time in a `/proc/.../stat` text.
fn stat_cpu(stat: &str) -> Option<Duration> {
    // Fields after the command name (which may hold spaces), from field 3 (state).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis(
        (utime + stime) * 1000 / TICKS_PER_SECOND,
    ))
}

/// CPU time this process has used (all threads), if the platform tells.
pub fn process_cpu() -> Option<Duration> {
    stat_cpu(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// The calling thread's ID, if the platform tells.
pub fn thread_id() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// CPU time thread `tid` of this process has used.
pub fn thread_cpu(tid: u32) -> Option<Duration> {
    stat_cpu(&std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?)
}

/// The process's peak resident set size in bytes (`VmHWM`).
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut it = text.split_whitespace().map(|v| v.parse::<f64>().ok());
    Some([it.next()??, it.next()??, it.next()??])
}

/// The machine: cores and CPU model.
pub fn machine() -> Value {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|c| {
        c.lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, m)| m.trim().to_string())
    });
    json!({
        "cores": cores,
        "cpu_model": model,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
    })
}

/// Bytes the database takes: SQLite's file plus its WAL, or PostgreSQL's
/// `pg_database_size`.
pub async fn db_bytes(store: &Store, sqlite: Option<&Path>) -> anyhow::Result<Option<i64>> {
    if let Some(size) = store.database_size().await? {
        return Ok(Some(size));
    }
    let Some(path) = sqlite else {
        return Ok(None);
    };
    let mut total = 0u64;
    for suffix in ["", "-wal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(meta) = std::fs::metadata(&name) {
            total += meta.len();
        }
    }
    Ok(i64::try_from(total).ok())
}

/// Ended executions, by outcome.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ended {
    /// Ended well.
    pub success: usize,
    /// Ended with an error.
    pub error: usize,
}

impl Ended {
    /// All ended executions.
    pub fn total(&self) -> usize {
        self.success + self.error
    }
}

/// Counts the organization's executions with `status`.
async fn count(store: &Store, org: Uuid, status: ExecutionStatus) -> anyhow::Result<usize> {
    let filter = ExecutionFilter {
        status: Some(status),
        is_test: Some(false),
        ..ExecutionFilter::default()
    };
    let page = store
        .list_executions(
            org,
            &filter,
            &PageRequest {
                first: Some(1),
                ..PageRequest::default()
            },
        )
        .await?;
    Ok(usize::try_from(page.total)?)
}

/// The organization's ended executions so far.
pub async fn ended(store: &Store, org: Uuid) -> anyhow::Result<Ended> {
    Ok(Ended {
        success: count(store, org, ExecutionStatus::Success).await?,
        error: count(store, org, ExecutionStatus::Error).await?,
    })
}

/// `endedAt - queuedAt` (ms) of each ended execution of the organization.
pub async fn execution_times(store: &Store, org: Uuid) -> anyhow::Result<Vec<f64>> {
    let filter = ExecutionFilter {
        is_test: Some(false),
        ..ExecutionFilter::default()
    };
    let mut times = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_executions(
                org,
                &filter,
                &PageRequest {
                    first: Some(1000),
                    after: after.clone(),
                    ..PageRequest::default()
                },
            )
            .await?;
        for e in &page.items {
            if let Some(ended) = e.ended_at {
                times.push((ended - e.queued_at) as f64);
            }
        }
        match (page.has_next, page.items.last()) {
            (true, Some(last)) => after = Some(last.id.to_string()),
            _ => return Ok(times),
        }
    }
}

/// `{p50, p95, p99}` (nearest rank, ms rounded to µs) of `values`; nulls when empty.
pub fn percentiles(values: &[f64]) -> Value {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |p: f64| -> Value {
        if sorted.is_empty() {
            return Value::Null;
        }
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        let v = sorted[rank.clamp(1, sorted.len()) - 1];
        json!((v * 1000.0).round() / 1000.0)
    };
    json!({ "p50": at(50.0), "p95": at(95.0), "p99": at(99.0) })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn stat_cpu_reads_utime_and_stime() {
        let stat = "4242 (plumb (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0";
        assert_eq!(stat_cpu(stat), Some(Duration::from_millis(3000)));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let p = percentiles(&values);
        assert_eq!(p["p50"], json!(50.0));
        assert_eq!(p["p95"], json!(95.0));
        assert_eq!(p["p99"], json!(99.0));
        assert_eq!(percentiles(&[])["p50"], Value::Null);
    }
}
