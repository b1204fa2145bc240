//! Workers: `N` loops per process that claim due executions of their group from the store and
//! run them ([`Runtime::run_claimed`]); one housekeeping loop that puts executions of lost
//! workers back on the queue and prunes old history.
//!
//! **Shares.** One customer holds at most [`WorkerConfig::customer_share`] of a process's
//! workers, one organization at most [`WorkerConfig::org_share`]: a claim skips tenants at
//! their share, so a tenant whose executions hang (a silent server, a slow step) leaves the
//! other workers to everyone else. Cluster-wide caps (`customer_limit`, `org_limit`) count
//! running executions across every process. Graceful shutdown stops claiming, lets
//! running executions finish within a grace period, and hands back the rest (their leases
//! expire and another worker runs them again).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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
    /// Most executions of one organization running at once, across all workers (0: no limit).
    pub org_limit: i64,
    /// Share of this process's workers one customer may hold (0 < share ≤ 1; at least one
    /// worker). The default, 0.75, keeps one of two workers free for other customers.
    pub customer_share: f64,
    /// Share of this process's workers one organization may hold (default 1: no reserve).
    pub org_share: f64,
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
            org_limit: 0,
            customer_share: 0.75,
            org_share: 1.0,
            max_recoveries: 3,
            retention_age: Some(Duration::from_secs(30 * 24 * 3600)),
            retention_count: None,
        }
    }
}

impl WorkerConfig {
    /// How many of this process's workers a tenant with `share` may hold (at least one).
    pub fn workers_for_share(&self, share: f64) -> usize {
        let share = if share.is_finite() {
            share.clamp(0.0, 1.0)
        } else {
            1.0
        };
        // Truncation is the point: a share rounds down to whole workers.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = (self.concurrency as f64 * share).floor() as usize;
        n.clamp(1, self.concurrency.max(1))
    }
}

/// What this process's workers run, per customer and per organization (for the shares).
#[derive(Debug, Default)]
struct Running {
    customers: HashMap<uuid::Uuid, usize>,
    orgs: HashMap<uuid::Uuid, usize>,
}

/// The shares of a process's workers, shared by its claim loops.
#[derive(Debug)]
struct Shares {
    customer_max: usize,
    org_max: usize,
    running: Mutex<Running>,
    /// Serializes compute-skip-then-claim so two loops cannot both take a tenant's last slot.
    claiming: tokio::sync::Mutex<()>,
}

impl Shares {
    fn new(config: &WorkerConfig) -> Shares {
        Shares {
            customer_max: config.workers_for_share(config.customer_share),
            org_max: config.workers_for_share(config.org_share),
            running: Mutex::new(Running::default()),
            claiming: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether a tenant can ever be at its share (with a share of every worker, nobody is).
    fn active(&self, concurrency: usize) -> bool {
        self.customer_max < concurrency || self.org_max < concurrency
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Running> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The customers and organizations at their share now.
    fn at_share(&self) -> (Vec<uuid::Uuid>, Vec<uuid::Uuid>) {
        let running = self.lock();
        let full = |m: &HashMap<uuid::Uuid, usize>, max: usize| {
            m.iter()
                .filter(|(_, n)| **n >= max)
                .map(|(id, _)| *id)
                .collect::<Vec<_>>()
        };
        (
            full(&running.customers, self.customer_max),
            full(&running.orgs, self.org_max),
        )
    }

    fn start(&self, customer: Option<uuid::Uuid>, org: uuid::Uuid) {
        let mut running = self.lock();
        if let Some(c) = customer {
            *running.customers.entry(c).or_default() += 1;
        }
        *running.orgs.entry(org).or_default() += 1;
    }

    /// Counts a run's end; answers whether its customer or organization was at its share
    /// (loops may have skipped it and should look again).
    fn end(&self, customer: Option<uuid::Uuid>, org: uuid::Uuid) -> bool {
        let mut running = self.lock();
        let down = |m: &mut HashMap<uuid::Uuid, usize>, id: uuid::Uuid, max: usize| {
            let Some(n) = m.get_mut(&id) else {
                return false;
            };
            let was_full = *n >= max;
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&id);
            }
            was_full
        };
        let customer_full =
            customer.is_some_and(|c| down(&mut running.customers, c, self.customer_max));
        let org_full = down(&mut running.orgs, org, self.org_max);
        customer_full || org_full
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
    let shares = Arc::new(Shares::new(&config));
    for slot in 0..config.concurrency {
        let runtime = runtime.clone();
        let config = config.clone();
        let shutdown = shutdown.clone();
        let shares = shares.clone();
        let name = format!("{node}/{slot}");
        loops.spawn(async move { work(runtime, config, shares, name, shutdown).await });
    }
    {
        let runtime = runtime.clone();
        let config = config.clone();
        let shutdown = shutdown.clone();
        loops.spawn(async move { housekeeping(runtime, config, shutdown).await });
    }
    if let Some(group) = config.group.clone() {
        // Calls of model integrations routed to this group are sent from here.
        runtime.models.serve_group(&group);
        loops.spawn(crate::models::relay::serve(
            runtime.models.clone(),
            group,
            node.clone(),
            shutdown.clone(),
        ));
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
    shares: Arc<Shares>,
    name: String,
    shutdown: CancellationToken,
) {
    let mut opts = ClaimOptions {
        worker: name.clone(),
        group: config.group.clone(),
        lease_ms: i64::try_from(config.lease.as_millis()).unwrap_or(30_000),
        customer_limit: config.customer_limit,
        org_limit: config.org_limit,
        skip_customers: Vec::new(),
        skip_orgs: Vec::new(),
    };
    let with_shares = shares.active(config.concurrency);
    let mut backoff = config.poll;
    while !shutdown.is_cancelled() {
        // Listen before looking, so an enqueue between the look and the sleep is not missed.
        let woken = runtime.wake.notified();
        let claimed = if with_shares {
            let _claiming = shares.claiming.lock().await;
            (opts.skip_customers, opts.skip_orgs) = shares.at_share();
            let claimed = runtime.store.claim_execution(&opts).await;
            if let Ok(Some(e)) = &claimed {
                shares.start(e.customer_id, e.org_id);
            }
            claimed
        } else {
            runtime.store.claim_execution(&opts).await
        };
        match claimed {
            Ok(Some(execution)) => {
                backoff = config.poll;
                let (customer, org) = (execution.customer_id, execution.org_id);
                runtime.run_claimed(execution, &name, config.lease).await;
                // A tenant's slot is free again: wake loops that skipped it.
                if with_shares && shares.end(customer, org) {
                    runtime.wake.notify_waiters();
                }
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
