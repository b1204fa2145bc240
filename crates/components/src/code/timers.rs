//! `setTimeout` / `clearTimeout` for code steps. Callbacks wait in a queue that the settle
//! loop fires, earliest first, when the job queue is empty, sleeping on the worker thread
//! until the next one is due; a timer due after the step's deadline ends the call as a timeout.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::function::Opt;
use rquickjs::{Ctx, Function, Object};

/// Longest accepted delay (the step's time limit cuts it shorter anyway).
const MAX_DELAY: Duration = Duration::from_secs(24 * 3600);

/// Pending timers of one call.
#[derive(Default)]
pub(crate) struct Timers<'js> {
    next_id: u32,
    queue: Vec<(Instant, u32, Function<'js>)>,
}

/// The timers, shared by the host functions and the settle loop.
pub(crate) type Shared<'js> = Rc<RefCell<Timers<'js>>>;

/// Adds `setTimer(callback, ms)` and `clearTimer(id)` to the host object.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> rquickjs::Result<Shared<'js>> {
    let shared: Shared<'js> = Rc::default();
    let timers = Rc::clone(&shared);
    host.set(
        "setTimer",
        Function::new(ctx.clone(), move |callback: Function<'js>, ms: Opt<f64>| {
            let ms = ms.0.filter(|m| m.is_finite() && *m > 0.0).unwrap_or(0.0);
            let delay = Duration::from_secs_f64(ms / 1000.0).min(MAX_DELAY);
            let mut t = timers.borrow_mut();
            t.next_id = t.next_id.wrapping_add(1);
            let id = t.next_id;
            t.queue.push((Instant::now() + delay, id, callback));
            id
        })?,
    )?;
    let timers = Rc::clone(&shared);
    host.set(
        "clearTimer",
        Function::new(ctx.clone(), move |id: Opt<u32>| {
            if let Some(id) = id.0 {
                timers.borrow_mut().queue.retain(|(_, i, _)| *i != id);
            }
        })?,
    )?;
    Ok(shared)
}

/// Takes the earliest timer (ties in creation order).
pub(crate) fn take_next<'js>(shared: &Shared<'js>) -> Option<(Instant, Function<'js>)> {
    let mut t = shared.borrow_mut();
    let index = t
        .queue
        .iter()
        .enumerate()
        .min_by_key(|(_, (due, id, _))| (*due, *id))
        .map(|(i, _)| i)?;
    let (due, _, callback) = t.queue.remove(index);
    Some((due, callback))
}

/// Drops every pending timer (before the context goes away).
pub(crate) fn clear(shared: &Shared<'_>) {
    shared.borrow_mut().queue.clear();
}
