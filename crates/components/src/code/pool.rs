//! A small pool of QuickJS runtimes, each on its own thread.
//!
//! QuickJS runtimes are `!Send`, so they never cross an `.await`: every worker thread owns one
//! runtime and takes jobs from a shared channel; the async side waits on a oneshot reply.
//! Each job gets a fresh context (so no global state leaks between executions or tenants) on a
//! reused runtime; a runtime that hit its memory or time limit is replaced.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rquickjs::Runtime;
use tokio::sync::oneshot;

use super::sandbox::{self, CodeError, Job, JobOutput};

/// Limits applied to every `runCode` call.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Heap limit of one runtime, in bytes.
    pub memory_bytes: usize,
    /// JavaScript stack limit, in bytes.
    pub stack_bytes: usize,
    /// Wall-clock limit of one call (the step's deadline may cut it shorter).
    pub time_limit: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 * 1024 * 1024,
            stack_bytes: 1024 * 1024,
            time_limit: Duration::from_secs(30),
        }
    }
}

/// Calls between full garbage collections of a runtime.
const GC_EVERY: u32 = 32;

/// Native stack of a worker thread: comfortably above the JS stack limit.
const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

struct Envelope {
    job: Job,
    reply: oneshot::Sender<Result<JobOutput, CodeError>>,
}

/// A pool of JavaScript worker threads.
pub struct JsPool {
    sender: Mutex<mpsc::Sender<Envelope>>,
    limits: Limits,
}

impl std::fmt::Debug for JsPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsPool")
            .field("limits", &self.limits)
            .finish()
    }
}

impl JsPool {
    /// Starts `workers` threads (at least one) applying `limits`.
    pub fn new(workers: usize, limits: Limits) -> Result<Self, CodeError> {
        let (sender, receiver) = mpsc::channel::<Envelope>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..workers.max(1) {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("plumb-js-{n}"))
                .stack_size(THREAD_STACK_BYTES)
                .spawn(move || worker_loop(&receiver, limits))
                .map_err(|e| CodeError::Engine(format!("cannot start a JavaScript worker: {e}")))?;
        }
        Ok(JsPool {
            sender: Mutex::new(sender),
            limits,
        })
    }

    /// The process-wide pool: one worker per core, at most four, default limits.
    pub fn shared() -> Result<&'static JsPool, CodeError> {
        static POOL: OnceLock<Result<JsPool, CodeError>> = OnceLock::new();
        POOL.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            JsPool::new(cores.min(4), Limits::default())
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// The limits of this pool.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Runs one job on a worker and waits for its answer.
    pub(crate) async fn run(&self, job: Job) -> Result<JobOutput, CodeError> {
        let (reply, answer) = oneshot::channel();
        {
            let sender = self
                .sender
                .lock()
                .map_err(|_| CodeError::Engine("the JavaScript pool is poisoned".into()))?;
            sender
                .send(Envelope { job, reply })
                .map_err(|_| CodeError::Engine("the JavaScript pool has stopped".into()))?;
        }
        answer
            .await
            .map_err(|_| CodeError::Engine("the JavaScript worker stopped".into()))?
    }
}

/// One runtime with the interrupt handler wired to a per-job deadline.
struct Worker {
    runtime: Runtime,
    /// Jobs run since the last full garbage collection.
    since_gc: std::cell::Cell<u32>,
    deadline: Arc<Mutex<Option<Instant>>>,
    interrupted: Arc<AtomicBool>,
}

impl Worker {
    fn new(limits: Limits) -> Result<Self, CodeError> {
        let runtime = Runtime::new().map_err(|e| CodeError::Engine(e.to_string()))?;
        runtime.set_memory_limit(limits.memory_bytes);
        runtime.set_max_stack_size(limits.stack_bytes);
        let deadline: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
        let interrupted = Arc::new(AtomicBool::new(false));
        let (d, flag) = (Arc::clone(&deadline), Arc::clone(&interrupted));
        runtime.set_interrupt_handler(Some(Box::new(move || {
            let due = d.lock().map(|g| *g).unwrap_or(None);
            let stop = due.is_some_and(|due| Instant::now() >= due);
            if stop {
                flag.store(true, Ordering::SeqCst);
            }
            stop
        })));
        Ok(Worker {
            runtime,
            since_gc: std::cell::Cell::new(0),
            deadline,
            interrupted,
        })
    }

    fn run(&self, job: Job, limits: Limits) -> Result<JobOutput, CodeError> {
        let limit_ms = job.limit_ms;
        if let Ok(mut d) = self.deadline.lock() {
            *d = Some(job.deadline);
        }
        self.interrupted.store(false, Ordering::SeqCst);
        let result = sandbox::run(&self.runtime, job, limits);
        // Dropping the context frees what reference counting can; cycles wait for a full
        // collection, which costs more than a whole call, so it runs every few calls.
        let n = self.since_gc.get() + 1;
        if n >= GC_EVERY {
            self.runtime.run_gc();
            self.since_gc.set(0);
        } else {
            self.since_gc.set(n);
        }
        if let Ok(mut d) = self.deadline.lock() {
            *d = None;
        }
        if self.interrupted.load(Ordering::SeqCst) {
            return Err(CodeError::Timeout(limit_ms));
        }
        result
    }
}

fn worker_loop(receiver: &Mutex<mpsc::Receiver<Envelope>>, limits: Limits) {
    let mut worker: Option<Worker> = None;
    loop {
        let next = match receiver.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(Envelope { job, reply }) = next else {
            return;
        };
        if worker.is_none() {
            match Worker::new(limits) {
                Ok(w) => worker = Some(w),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    continue;
                }
            }
        }
        let Some(current) = worker.as_ref() else {
            continue;
        };
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| current.run(job, limits)))
            .unwrap_or_else(|_| Err(CodeError::Engine("the JavaScript engine panicked".into())));
        // A runtime that ran out of memory or time may hold half-built state: replace it.
        if matches!(
            result,
            Err(CodeError::Timeout(_) | CodeError::OutOfMemory(_) | CodeError::Engine(_))
        ) {
            worker = None;
        }
        let _ = reply.send(result);
    }
}
