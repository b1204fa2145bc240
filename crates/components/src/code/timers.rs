//! `setTimeout` / `setInterval` / `clearTimeout` / `clearInterval` for code steps. Callbacks
//! wait in a queue that the settle loop fires, earliest first, when the job queue is empty,
//! sleeping on the worker thread until the next one is due; a timer due after the step's
//! deadline ends the call as a timeout. When the step ends the queue is cleared and closed:
//! a timer still pending never fires, and one set by work that runs after the step's result
//! is ready is ignored.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::function::Opt;
use rquickjs::{Ctx, Function, Object};

use super::sandbox::host_fn;

/// Longest accepted delay (the step's time limit cuts it shorter anyway).
const MAX_DELAY: Duration = Duration::from_secs(24 * 3600);

/// Shortest period of an interval (a zero period would spin the worker).
const MIN_PERIOD: Duration = Duration::from_millis(1);

/// One pending timer.
struct Timer<'js> {
    due: Instant,
    id: u32,
    /// The period of an interval; `None` for a one-shot timeout.
    every: Option<Duration>,
    callback: Function<'js>,
}

/// Pending timers of one call.
#[derive(Default)]
pub(crate) struct Timers<'js> {
    next_id: u32,
    /// Set when the step ends: no timer is accepted any more.
    closed: bool,
    queue: Vec<Timer<'js>>,
}

/// The timers, shared by the host functions and the settle loop.
pub(crate) type Shared<'js> = Rc<RefCell<Timers<'js>>>;

/// Adds `setTimer(callback, ms, repeat)` and `clearTimer(id)` to the host object.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> rquickjs::Result<Shared<'js>> {
    let shared: Shared<'js> = Rc::default();
    let timers = Rc::clone(&shared);
    host.set(
        "setTimer",
        host_fn(
            ctx,
            move |callback: Function<'js>, ms: Opt<f64>, repeat: Opt<bool>| {
                let ms = ms.0.filter(|m| m.is_finite() && *m > 0.0).unwrap_or(0.0);
                let delay = Duration::from_secs_f64(ms / 1000.0).min(MAX_DELAY);
                let mut t = timers.borrow_mut();
                if t.closed {
                    return 0;
                }
                t.next_id = t.next_id.wrapping_add(1).max(1);
                let id = t.next_id;
                let every = repeat.0.unwrap_or(false).then(|| delay.max(MIN_PERIOD));
                t.queue.push(Timer {
                    due: Instant::now() + delay,
                    id,
                    every,
                    callback,
                });
                id
            },
        )?,
    )?;
    let timers = Rc::clone(&shared);
    host.set(
        "clearTimer",
        host_fn(ctx, move |id: Opt<u32>| {
            if let Some(id) = id.0 {
                timers.borrow_mut().queue.retain(|timer| timer.id != id);
            }
        })?,
    )?;
    Ok(shared)
}

/// Takes the earliest timer (ties in creation order); an interval is queued again for its
/// next tick before its callback runs (so the callback can clear it).
pub(crate) fn take_next<'js>(shared: &Shared<'js>) -> Option<(Instant, Function<'js>)> {
    let mut t = shared.borrow_mut();
    let index = t
        .queue
        .iter()
        .enumerate()
        .min_by_key(|(_, timer)| (timer.due, timer.id))
        .map(|(i, _)| i)?;
    let timer = t.queue.remove(index);
    if let Some(every) = timer.every {
        t.queue.push(Timer {
            due: timer.due + every,
            id: timer.id,
            every: Some(every),
            callback: timer.callback.clone(),
        });
    }
    Some((timer.due, timer.callback))
}

/// Drops every pending timer and refuses new ones (the step has ended).
pub(crate) fn close(shared: &Shared<'_>) {
    let mut t = shared.borrow_mut();
    t.closed = true;
    t.queue.clear();
}
