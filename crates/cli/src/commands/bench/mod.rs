//! `plumb bench`: starts plumb in this process on a fresh store with a loopback HTTP target,
//! creates `--customers` customers with an instance each of the three-step flow
//! `webhook → runCode → httpGet (loopback) → runCode`, drives its webhooks over real loopback
//! HTTP (closed loop with `--concurrency`, or open loop with `--rate`), waits for the queued
//! executions to end (at most `--drain-timeout` seconds) and reports one document.
//!
//! - [`setup`]: the loopback target, the organization, the integration, customers, instances;
//! - [`load`]: the load generator, on a thread of its own (with the target), so its CPU time
//!   can be told apart from plumb's;
//! - [`measure`]: CPU time, peak RSS, database size, executions' times, percentiles;
//! - [`report`]: the JSON document and the human summary.

mod load;
mod measure;
mod report;
mod setup;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use plumb_api::ApiConfig;
use plumb_engine::CancellationToken;
use plumb_store::Store;

use crate::logging::{self, LogFormat};
use crate::serve::{self, QueueArgs, Serving};

/// Flags of `plumb bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Database URL: a fresh `sqlite://PATH` or `postgres://...` database (default: a SQLite
    /// file in a temporary directory, removed at the end).
    #[arg(long)]
    database_url: Option<String>,
    /// Customers, each with an instance of the flow; calls go to them in turn.
    #[arg(long, default_value_t = 10)]
    customers: usize,
    /// Closed loop: webhook calls in flight at once (each sends the next when it is answered).
    #[arg(long, default_value_t = 10, conflicts_with = "rate")]
    concurrency: usize,
    /// Open loop: webhook calls sent per second, whatever the answers (instead of
    /// `--concurrency`).
    #[arg(long)]
    rate: Option<f64>,
    /// Seconds of load.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Synchronous webhooks (header `plumb-synchronous: true`: the answer is the last step's
    /// result).
    #[arg(long)]
    sync: bool,
    /// Workers of the in-process server (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Most seconds to wait, after the load, for the queued executions to end.
    #[arg(long, default_value_t = 30.0)]
    drain_timeout: f64,
    /// Print the JSON document instead of the summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    queue: QueueArgs,
}

/// The store a run uses, and what to remove after it.
struct Db {
    url: String,
    /// The SQLite file (its size is measured with its WAL), if SQLite.
    sqlite_path: Option<PathBuf>,
}

/// The SQLite file a `sqlite:` URL names.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(path))
}

/// Runs `plumb bench`.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    logging::init(LogFormat::Text);
    if args.customers == 0 {
        bail!("--customers must be at least 1");
    }
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    if args.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        bail!("--rate must be a number of calls per second above 0");
    }
    if !(args.duration.is_finite() && args.duration > 0.0) {
        bail!("--duration must be a number of seconds above 0");
    }
    let temp = tempfile::tempdir().context("creating a temporary directory")?;
    let db = match &args.database_url {
        Some(url) => Db {
            url: url.clone(),
            sqlite_path: sqlite_path(url),
        },
        None => {
            let path = temp.path().join("bench.db");
            Db {
                url: format!("sqlite://{}", path.display()),
                sqlite_path: Some(path),
            }
        }
    };
    let store = Store::open(&db.url).await.context("opening the database")?;
    let master_key = serve::check_master_key(&store, &temp.path().join("master.key"))
        .await
        .context("the database must be a fresh one")?;

    // The load generator and the loopback target, on their own thread.
    let generator = load::Generator::start().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("listening on 127.0.0.1")?;
    let local = listener.local_addr()?;
    let egress = crate::egress::EgressArgs::default();
    egress.install(egress.policy()?, Some(local))?;
    let base = format!("http://{local}");
    let workers = serve::default_workers(args.workers);
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve::serve(
        Serving {
            store: store.clone(),
            master_key,
            listener,
            api: ApiConfig {
                public_url: base.clone(),
                ..ApiConfig::default()
            },
            workers,
            queue: args.queue.clone(),
            scheduler: false,
        },
        stop.clone(),
    ));

    let outcome = bench(&args, &store, &db, &base, generator, workers).await;
    stop.cancel();
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "the server ended with an error"),
        Err(e) => tracing::warn!(error = %e, "the server task failed"),
    }
    store.close().await;
    let doc = outcome?;
    if args.json {
        crate::output::json(&doc);
    } else {
        report::print_summary(&doc);
    }
    Ok(())
}

/// Sets up, loads, drains and measures; answers the document.
async fn bench(
    args: &BenchArgs,
    store: &Store,
    db: &Db,
    base: &str,
    generator: load::Generator,
    workers: usize,
) -> anyhow::Result<serde_json::Value> {
    let fixture = setup::create(store, base, generator.target(), args.customers).await?;

    let db_before = measure::db_bytes(store, db.sqlite_path.as_deref()).await?;
    let cpu_before = measure::process_cpu();
    let load_cpu_before = generator.cpu();
    let load_before = measure::load_average();
    let started = Instant::now();
    let plan = load::Plan {
        webhooks: fixture.webhooks.clone(),
        mode: match args.rate {
            Some(rate) => load::Mode::Open { rate },
            None => load::Mode::Closed {
                concurrency: args.concurrency,
            },
        },
        duration: Duration::from_secs_f64(args.duration),
        sync: args.sync,
    };
    let calls = generator.run(plan).await?;
    let load_elapsed = started.elapsed();
    let during_load = measure::ended(store, fixture.org_id).await?;

    // Drain: wait for every accepted execution to end, for at most --drain-timeout.
    let accepted = calls.accepted();
    let drain_started = Instant::now();
    let drain_limit = Duration::from_secs_f64(args.drain_timeout.max(0.0));
    let mut ended = during_load;
    while ended.total() < accepted && drain_started.elapsed() < drain_limit {
        tokio::time::sleep(Duration::from_millis(100)).await;
        ended = measure::ended(store, fixture.org_id).await?;
    }
    let drain = drain_started.elapsed();
    let total_elapsed = started.elapsed();
    let cpu_after = measure::process_cpu();
    let load_cpu_after = generator.cpu();
    let db_after = measure::db_bytes(store, db.sqlite_path.as_deref()).await?;
    let times = measure::execution_times(store, fixture.org_id).await?;

    Ok(report::document(report::Inputs {
        args,
        workers,
        backend: store.backend(),
        calls: &calls,
        load_elapsed,
        total_elapsed,
        drain,
        during_load,
        ended,
        times: &times,
        cpu: cpu_before.zip(cpu_after).map(|(b, a)| a.saturating_sub(b)),
        load_cpu: load_cpu_before
            .zip(load_cpu_after)
            .map(|(b, a)| a.saturating_sub(b)),
        db_bytes: db_before.zip(db_after).map(|(b, a)| a - b),
        load_before,
        load_after: measure::load_average(),
    }))
}
