//! [`Completions`]: in-process notice that an execution ended, so a synchronous webhook call
//! answered by this node's workers returns as soon as its run ends. Executions run by another
//! node are seen by polling the store ([`Completions::wait`] does both).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plumb_core::action::Data;
use plumb_store::executions::ExecutionStatus;
use plumb_store::{Store, StoreError};
use tokio::sync::watch;
use uuid::Uuid;

/// How an execution ended, as a waiting caller sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// `SUCCESS` or `ERROR`.
    pub status: ExecutionStatus,
    /// The final result (last step's result or a `stopExecution` response), when the run was
    /// in this process; `None` when it must be read from the store.
    pub result: Option<Data>,
    /// The error of a failed run.
    pub error: Option<String>,
}

type Waiters = HashMap<Uuid, watch::Sender<Option<Completion>>>;

/// The hub of in-process completion notices.
#[derive(Clone, Default)]
pub struct Completions {
    waiters: Arc<Mutex<Waiters>>,
}

impl Completions {
    /// A hub with no waiters.
    pub fn new() -> Completions {
        Completions::default()
    }

    /// Tells whoever waits for `id` that it ended.
    pub fn notify(&self, id: Uuid, completion: Completion) {
        if let Ok(mut w) = self.waiters.lock() {
            if let Some(tx) = w.remove(&id) {
                let _ = tx.send(Some(completion));
            }
        }
    }

    fn subscribe(&self, id: Uuid) -> watch::Receiver<Option<Completion>> {
        match self.waiters.lock() {
            Ok(mut w) => w
                .entry(id)
                .or_insert_with(|| watch::channel(None).0)
                .subscribe(),
            Err(_) => watch::channel(None).1,
        }
    }

    fn forget(&self, id: Uuid) {
        if let Ok(mut w) = self.waiters.lock() {
            w.remove(&id);
        }
    }

    /// Waits until execution `id` ends (a retry queued for it does not count: the attempt
    /// ended), at most `timeout`; `Ok(None)` when it did not end in time.
    pub async fn wait(
        &self,
        store: &Store,
        id: Uuid,
        timeout: Duration,
    ) -> Result<Option<Completion>, StoreError> {
        let mut rx = self.subscribe(id);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut poll = Duration::from_millis(20);
        let out = loop {
            if let Some(c) = rx.borrow().clone() {
                break Some(c);
            }
            match store.execution_status(id).await {
                Ok(s @ (ExecutionStatus::Success | ExecutionStatus::Error)) => {
                    // Prefer the in-process notice (it carries the result) if it is racing in.
                    let _ = tokio::time::timeout(Duration::from_millis(5), rx.changed()).await;
                    break Some(rx.borrow().clone().unwrap_or(Completion {
                        status: s,
                        result: None,
                        error: None,
                    }));
                }
                Ok(_) => {}
                Err(e) => {
                    self.forget(id);
                    return Err(e);
                }
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break None;
            }
            let wait = poll.min(deadline - now);
            let _ = tokio::time::timeout(wait, rx.changed()).await;
            poll = (poll * 2).min(Duration::from_millis(500));
        };
        self.forget(id);
        Ok(out)
    }
}
