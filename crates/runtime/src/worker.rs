//! Workers: `N` loops per process that claim due executions of their group from the store and
//! run them ([`Runtime::run_claimed`]); one housekeeping loop that puts executions of lost
//! workers back on the queue and prunes old history. Graceful shutdown stops claiming, lets
//! running executions finish within a grace period, and hands back the rest (their leases
//! expire and another worker runs them again).

use std::sync::Arc;
use std::time::Duration;

use plumb_engine::CancellationToken;
use plumb_store::queue::{ClaimOptions, Retention};
use tokio::task::JoinSet;

use crate::executor::Runtime;

/// Settings of a process's workers.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How many executions run at once in this process.
    pub concurrency: usize,
    /// The worker group (`None`: the default group).
    pub group: Option<String>,
    /// Lease length; renewed every third of it.
    pub lease: Duration,
    /// How long an idle worker sleeps before looking again (a local enqueue wakes it sooner).
    pub poll: Duration,
    /// Most executions of one customer running at once, across all workers (0: no limit).
    pub customer_limit: i64,
    /// Lost-worker recoveries before an execution fails.
    pub max_recoveries: i64,
    /// Delete ended executions older than this (`None`: keep).
    pub retention_age: Option<Duration>,
    /// Keep at most this many ended executions per organization (`None`: no limit).
    pub retention_count: Option<i64>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            group: None,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
            customer_limit: 10,
            max_recoveries: 3,
            retention_age: Some(Duration::from_secs(30 * 24 * 3600)),
            retention_count: None,
        }
    }
}

/// Runs this process's workers until `shutdown` is cancelled; then waits up to `grace` for
/// running executions to end.
pub async fn run_workers(
    runtime: Arc<Runtime>,
    config: WorkerConfig,
    shutdown: CancellationToken,
    grace: Duration,
) {
    let node = format!("{}-{}", hostname(), uuid::Uuid::now_v7().simple());
    let mut loops = JoinSet::new();
    for slot in 0..config.concurrency {
        let runtime = runtime.clone();
        let config = config.clone();
        let shutdown = shutdown.clone();
        let name = format!("{node}/{slot}");
        loops.spawn(async move { work(runtime, config, name, shutdown).await });
    }
    {
        let runtime = runtime.clone();
        let config = config.clone();
        let shutdown = shutdown.clone();
        loops.spawn(async move { housekeeping(runtime, config, shutdown).await });
    }
    tracing::info!(node = %node, workers = config.concurrency, group = ?config.group, "workers started");
    shutdown.cancelled().await;
    let drained =
        tokio::time::timeout(grace, async { while loops.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        loops.abort_all();
        match runtime.store.expire_node_leases(&node).await {
            Ok(n) => tracing::warn!(
                executions = n,
                "executions still running at shutdown were handed back to the queue"
            ),
            Err(e) => {
                tracing::error!(error = %e, "handing back running executions failed; their leases expire")
            }
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "plumb".to_string())
}

async fn work(
    runtime: Arc<Runtime>,
    config: WorkerConfig,
    name: String,
    shutdown: CancellationToken,
) {
    let opts = ClaimOptions {
        worker: name.clone(),
        group: config.group.clone(),
        lease_ms: i64::try_from(config.lease.as_millis()).unwrap_or(30_000),
        customer_limit: config.customer_limit,
    };
    let mut backoff = config.poll;
    while !shutdown.is_cancelled() {
        // Listen before looking, so an enqueue between the look and the sleep is not missed.
        let woken = runtime.wake.notified();
        match runtime.store.claim_execution(&opts).await {
            Ok(Some(execution)) => {
                backoff = config.poll;
                runtime.run_claimed(execution, &name, config.lease).await;
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, worker = %name, "claiming an execution failed");
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = woken => {}
            _ = tokio::time::sleep(backoff) => {}
        }
    }
}

async fn housekeeping(runtime: Arc<Runtime>, config: WorkerConfig, shutdown: CancellationToken) {
    let every = (config.lease / 2).max(Duration::from_millis(200));
    let mut last_prune = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        match runtime
            .store
            .recover_expired_leases(config.max_recoveries)
            .await
        {
            Ok(r) => {
                if !r.requeued.is_empty() || !r.failed.is_empty() {
                    tracing::warn!(
                        requeued = r.requeued.len(),
                        failed = r.failed.len(),
                        "recovered executions of lost workers"
                    );
                    runtime.wake.notify_waiters();
                }
            }
            Err(e) => tracing::error!(error = %e, "recovering expired leases failed"),
        }
        if last_prune.elapsed() >= Duration::from_secs(60) {
            last_prune = tokio::time::Instant::now();
            let rules = Retention {
                ended_before: config.retention_age.map(|age| {
                    plumb_store::now_ms() - i64::try_from(age.as_millis()).unwrap_or(i64::MAX / 2)
                }),
                keep_per_org: config.retention_count,
                batch: 500,
            };
            match runtime.store.prune_executions(&rules).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "pruned execution history"),
                Err(e) => tracing::error!(error = %e, "pruning execution history failed"),
            }
        }
    }
}
