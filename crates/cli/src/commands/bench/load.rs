//! The load generator: webhook calls over loopback HTTP (a pooled reqwest client), closed loop
//! or open loop, and the loopback target the flow calls, both on one thread with a runtime of
//! its own, so that its CPU time can be subtracted from the process's.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use super::measure;

/// Most open-loop calls in flight at once; a call due while that many wait is not sent and is
/// counted as missed (so a stalled server cannot exhaust the file descriptors).
const OPEN_LOOP_IN_FLIGHT: usize = 512;

/// How calls are sent.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// `concurrency` callers, each sending its next call when the last is answered.
    Closed {
        /// Calls in flight.
        concurrency: usize,
    },
    /// Calls sent at a fixed rate, answered or not.
    Open {
        /// Calls per second.
        rate: f64,
    },
}

/// One load run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The webhooks, called in turn.
    pub webhooks: Vec<String>,
    /// Closed or open loop.
    pub mode: Mode,
    /// How long calls are sent.
    pub duration: Duration,
    /// Synchronous calls (`plumb-synchronous: true`).
    pub sync: bool,
}

/// What the calls saw.
#[derive(Debug, Default)]
pub struct Calls {
    /// Answer times of the accepted calls (ms, from sending to the whole answer read).
    pub accept_ms: Vec<f64>,
    /// Calls that failed: no answer, an error status, or an unexpected body.
    pub errors: usize,
    /// The first failure, for the report.
    pub first_error: Option<String>,
    /// Open loop: calls due while `OPEN_LOOP_IN_FLIGHT` were in flight, not sent.
    pub missed: usize,
}

impl Calls {
    /// Calls answered well (with an execution ID, or with the flow's result when synchronous).
    pub fn accepted(&self) -> usize {
        self.accept_ms.len()
    }

    fn add(&mut self, outcome: Result<f64, String>) {
        match outcome {
            Ok(ms) => self.accept_ms.push(ms),
            Err(e) => {
                self.errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(e);
                }
            }
        }
    }

    fn merge(&mut self, other: Calls) {
        self.accept_ms.extend(other.accept_ms);
        self.errors += other.errors;
        self.missed += other.missed;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

type Job = (Plan, oneshot::Sender<anyhow::Result<Calls>>);

/// The generator's thread: serves the loopback target and runs plans.
pub struct Generator {
    target: String,
    /// The thread's ID (for its CPU time in `/proc/self/task`).
    tid: Option<u32>,
    jobs: mpsc::UnboundedSender<Job>,
}

impl Generator {
    /// Starts the thread, its runtime and the loopback target.
    pub async fn start() -> anyhow::Result<Generator> {
        let (ready_tx, ready_rx) = oneshot::channel();
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        std::thread::Builder::new()
            .name("bench-load".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(anyhow!("starting the load runtime: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(anyhow!("binding the target: {e}")));
                            return;
                        }
                    };
                    let addr = listener.local_addr().map(|a| format!("http://{a}"));
                    tokio::spawn(async move {
                        let _ = axum::serve(listener, super::setup::target_router()).await;
                    });
                    let _ = ready_tx.send(
                        addr.map(|a| (a, measure::thread_id()))
                            .map_err(anyhow::Error::from),
                    );
                    while let Some((plan, reply)) = rx.recv().await {
                        let _ = reply.send(drive(plan).await);
                    }
                });
            })
            .context("starting the load thread")?;
        let (target, tid) = ready_rx
            .await
            .map_err(|_| anyhow!("the load thread ended"))??;
        Ok(Generator { target, tid, jobs })
    }

    /// The loopback target's base URL.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// CPU time the thread has used so far, if the platform tells.
    pub fn cpu(&self) -> Option<Duration> {
        self.tid.and_then(measure::thread_cpu)
    }

    /// Runs a plan on the thread.
    pub async fn run(&self, plan: Plan) -> anyhow::Result<Calls> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send((plan, tx))
            .map_err(|_| anyhow!("the load thread ended"))?;
        rx.await.map_err(|_| anyhow!("the load thread ended"))?
    }
}

/// Sends the plan's calls.
async fn drive(plan: Plan) -> anyhow::Result<Calls> {
    if plan.webhooks.is_empty() {
        return Err(anyhow!("no webhooks to call"));
    }
    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()
        .context("building the HTTP client")?;
    let shared = Arc::new(Shared {
        http,
        webhooks: plan.webhooks,
        sync: plan.sync,
        next: AtomicUsize::new(0),
    });
    let deadline = tokio::time::Instant::now() + plan.duration;
    let mut calls = Calls::default();
    match plan.mode {
        Mode::Closed { concurrency } => {
            let mut callers = JoinSet::new();
            for _ in 0..concurrency {
                let shared = shared.clone();
                callers.spawn(async move {
                    let mut calls = Calls::default();
                    while tokio::time::Instant::now() < deadline {
                        calls.add(shared.call().await);
                    }
                    calls
                });
            }
            while let Some(done) = callers.join_next().await {
                calls.merge(done.context("a caller failed")?);
            }
        }
        Mode::Open { rate } => {
            let start = tokio::time::Instant::now();
            let mut in_flight = JoinSet::new();
            for i in 0u64.. {
                let due = start + Duration::from_secs_f64(i as f64 / rate);
                if due >= deadline {
                    break;
                }
                tokio::time::sleep_until(due).await;
                while let Some(done) = in_flight.try_join_next() {
                    calls.add(done.map_err(|e| e.to_string()).and_then(|r| r));
                }
                if in_flight.len() >= OPEN_LOOP_IN_FLIGHT {
                    calls.missed += 1;
                    continue;
                }
                let shared = shared.clone();
                in_flight.spawn(async move { shared.call().await });
            }
            while let Some(done) = in_flight.join_next().await {
                calls.add(done.map_err(|e| e.to_string()).and_then(|r| r));
            }
        }
    }
    Ok(calls)
}

/// What every call shares.
struct Shared {
    http: reqwest::Client,
    webhooks: Vec<String>,
    sync: bool,
    next: AtomicUsize,
}

impl Shared {
    /// One webhook call; answers its time in ms, or why it failed.
    async fn call(&self) -> Result<f64, String> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let url = &self.webhooks[n % self.webhooks.len()];
        let mut request = self.http.post(url).json(&json!({ "n": n }));
        if self.sync {
            request = request.header("plumb-synchronous", "true");
        }
        let sent = Instant::now();
        let response = request.send().await.map_err(|e| format!("call {n}: {e}"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("call {n}: reading the answer: {e}"))?;
        let ms = sent.elapsed().as_secs_f64() * 1000.0;
        if !status.is_success() {
            return Err(format!(
                "call {n} answered {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            ));
        }
        let body: Value =
            serde_json::from_slice(&body).map_err(|e| format!("call {n}: not JSON: {e}"))?;
        let good = if self.sync {
            body["ok"] == true
        } else {
            body["executionId"].is_string()
        };
        if good {
            Ok(ms)
        } else {
            Err(format!("call {n}: unexpected answer {body}"))
        }
    }
}
