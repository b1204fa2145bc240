//! A small pool of QuickJS runtimes, each on its own thread.
//!
//! QuickJS runtimes are `!Send`, so they never cross an `.await`: every worker thread owns one
//! runtime and takes jobs from a shared channel; the async side waits on a oneshot reply.
//! Each job gets a fresh context (so no global state leaks between executions or tenants) on a
//! reused runtime. A runtime is reused only when the call left nothing on it: its queued jobs
//! ran to completion within the call's own limits ([`sandbox::run`]), its timers were
//! dropped, and a garbage collection after the call freed the dead context (so its memory does
//! not count against the next call's limit and no finalizer of it can run later). A runtime
//! that hit its memory or time limit, failed with work still queued, or panicked is replaced.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rquickjs::{Context, Function, Runtime};
use tokio::sync::oneshot;

use super::sandbox::{self, CodeError, Job, JobOutput, Ran};

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
        prime(&runtime)?;
        Ok(Worker {
            runtime,
            deadline,
            interrupted,
        })
    }

    /// Runs one job; the flag says whether the runtime can serve another.
    fn run(&self, job: Job, limits: Limits) -> (Result<JobOutput, CodeError>, bool) {
        let limit_ms = job.limit_ms;
        if let Ok(mut d) = self.deadline.lock() {
            *d = Some(job.deadline);
        }
        self.interrupted.store(false, Ordering::SeqCst);
        let Ran {
            mut result,
            mut reusable,
        } = sandbox::run(&self.runtime, job, limits);
        if let Ok(mut d) = self.deadline.lock() {
            *d = None;
        }
        if self.interrupted.load(Ordering::SeqCst) {
            result = Err(CodeError::Timeout(limit_ms));
        }
        // A runtime that ran out of memory or time may hold half-built state: it goes.
        if matches!(
            result,
            Err(CodeError::Timeout(_) | CodeError::OutOfMemory(_) | CodeError::Engine(_))
        ) {
            reusable = false;
        }
        if reusable {
            // The dropped context is a cycle (its functions hold their realm), so only a
            // collection frees it. Collecting now, with nothing else alive on the runtime,
            // costs what a collection every few calls would (it walks the same dead
            // objects), keeps the next call's memory limit its own, and makes sure that a
            // finalizer of this call's objects runs now or never: one that the collection
            // queued makes the runtime unusable.
            self.runtime.run_gc();
            reusable = !self.runtime.is_job_pending();
        }
        (result, reusable)
    }
}

/// Makes a first Rust function in a context no code ever runs in. rquickjs caches the
/// prototype of Rust functions on the runtime when the first one is made; that prototype (and
/// so its context) stays alive as long as the runtime. Priming keeps that context an empty
/// one rather than the first caller's (host functions get their own context's prototype, see
/// [`sandbox::host_fn`]).
fn prime(runtime: &Runtime) -> Result<(), CodeError> {
    let context = Context::base(runtime).map_err(|e| CodeError::Engine(e.to_string()))?;
    context
        .with(|ctx| Function::new(ctx, || ()).map(drop))
        .map_err(|e| CodeError::Engine(e.to_string()))
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
        let (result, reusable) =
            std::panic::catch_unwind(AssertUnwindSafe(|| current.run(job, limits))).unwrap_or_else(
                |_| {
                    (
                        Err(CodeError::Engine("the JavaScript engine panicked".into())),
                        false,
                    )
                },
            );
        if !reusable {
            worker = None;
        }
        let _ = reply.send(result);
    }
}
