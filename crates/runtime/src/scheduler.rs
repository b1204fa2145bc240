//! Schedules: the cron of each scheduled flow of a deployed, enabled instance (from its trigger
//! step's `schedule` input, a literal or a `schedule` config var, with a time zone), stored by
//! [`sync_schedules`] and fired by [`run_scheduler`] on every node. A tick is claimed in the
//! database (see `plumb_store::schedules`), so it fires once however many nodes poll; after
//! downtime the missed ticks fire once, not as a burst (the next tick is computed from now).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use croner::Cron;
use plumb_core::definition::{Definition, Flow, Input};
use plumb_core::expr::ConfigValue;
use plumb_engine::CancellationToken;
use plumb_store::instances::Instance;
use plumb_store::schedules::Schedule;

use crate::bindings::resolve_instance_config_partial;
use crate::executor::{QueueError, Runtime, TriggerInput};

/// Why a schedule is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("flow `{flow}`: {message}")]
pub struct ScheduleProblem {
    /// The flow.
    pub flow: String,
    /// What is wrong.
    pub message: String,
}

/// The first tick of `cron` in `time_zone` strictly after `after_ms`.
pub fn next_tick(cron: &str, time_zone: &str, after_ms: i64) -> Result<i64, String> {
    let pattern = Cron::from_str(cron).map_err(|e| format!("invalid cron `{cron}`: {e}"))?;
    let tz = chrono_tz::Tz::from_str(if time_zone.is_empty() {
        "UTC"
    } else {
        time_zone
    })
    .map_err(|_| format!("unknown time zone `{time_zone}`"))?;
    let after = Utc
        .timestamp_millis_opt(after_ms)
        .single()
        .ok_or("time out of range")?
        .with_timezone(&tz);
    let next = pattern
        .find_next_occurrence(&after, false)
        .map_err(|e| format!("cron `{cron}` has no next time: {e}"))?;
    Ok(next.with_timezone(&Utc).timestamp_millis())
}

/// Whether a flow is started by a schedule.
pub fn is_scheduled(flow: &Flow) -> bool {
    flow.schedule.is_some()
        || flow
            .trigger()
            .is_some_and(|t| t.schedule.is_some() || t.action.component.key == "schedule-triggers")
}

/// The cron and time zone of a scheduled flow, given the instance's resolved config.
fn flow_cron(
    flow: &Flow,
    config: &std::collections::BTreeMap<String, ConfigValue>,
) -> Result<(String, String), String> {
    let input: Option<Input> = match flow.trigger().and_then(|t| t.schedule.clone()) {
        Some(i) => Some(i),
        None => flow
            .schedule
            .clone()
            .and_then(|v| serde_json::from_value(v).ok()),
    };
    let Some(input) = input else {
        return Err("its schedule trigger has no schedule".into());
    };
    let meta_tz = input
        .meta
        .as_ref()
        .and_then(|m| m.get("timeZone"))
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match input.kind.as_str() {
        "value" => Ok((text(&input.value), meta_tz)),
        "configVar" => {
            let key = text(&input.value);
            match config.get(&key) {
                Some(ConfigValue::Value(v)) => {
                    // A schedule config var holds the cron, or `{value, timeZone}` as JSON.
                    let s = text(v);
                    match serde_json::from_str::<serde_json::Value>(&s) {
                        Ok(serde_json::Value::Object(o)) => Ok((
                            o.get("value").map(text).unwrap_or_default(),
                            o.get("timeZone").map(text).unwrap_or(meta_tz),
                        )),
                        _ => Ok((s, meta_tz)),
                    }
                }
                _ => Err(format!("its schedule config var `{key}` has no value")),
            }
        }
        other => Err(format!("a schedule of type `{other}` is not supported")),
    }
}

/// The schedules an instance's scheduled flows would have once deployed and enabled (whatever
/// its current state), and the problems of flows whose schedule is unusable.
pub async fn planned_schedules(
    runtime: &Runtime,
    instance: &Instance,
) -> Result<(Vec<Schedule>, Vec<ScheduleProblem>), QueueError> {
    let store = &runtime.store;
    let mut schedules = Vec::new();
    let mut problems = Vec::new();
    let def: Arc<Definition> = runtime
        .version_definition(instance.org_id, instance.integration_version_id)
        .await?;
    let flows = store
        .instance_flow_configs(instance.org_id, instance.id)
        .await?;
    // Bindings that cannot be resolved do not stop the schedules: each tick's execution
    // fails and says which config var is unusable.
    let config = resolve_instance_config_partial(store, runtime.vault.as_ref(), instance, &def)
        .await?
        .config
        .values;
    let now = plumb_store::now_ms();
    for flow in def.flows.iter().filter(|f| is_scheduled(f)) {
        let Some(fc) = flows.iter().find(|c| c.flow_name == flow.name) else {
            continue;
        };
        let tick = flow_cron(flow, &config)
            .and_then(|(cron, tz)| next_tick(&cron, &tz, now).map(|t| (cron, tz, t)));
        match tick {
            Ok((cron, tz, next)) => schedules.push(Schedule {
                flow_config_id: fc.id,
                org_id: instance.org_id,
                instance_id: instance.id,
                cron,
                time_zone: if tz.is_empty() { "UTC".into() } else { tz },
                next_fire_at: next,
                last_fired_at: None,
            }),
            Err(message) => problems.push(ScheduleProblem {
                flow: flow.name.clone(),
                message,
            }),
        }
    }
    Ok((schedules, problems))
}

/// Stores the schedules of an instance: its scheduled flows when it is deployed and enabled,
/// none otherwise. Answers the problems of flows whose schedule is unusable (they do not tick).
pub async fn sync_schedules(
    runtime: &Runtime,
    instance: &Instance,
) -> Result<Vec<ScheduleProblem>, QueueError> {
    let (schedules, problems) = if instance.enabled && instance.deployed_at.is_some() {
        planned_schedules(runtime, instance).await?
    } else {
        (Vec::new(), Vec::new())
    };
    runtime
        .store
        .replace_instance_schedules(instance.org_id, instance.id, &schedules)
        .await?;
    Ok(problems)
}

/// Fires due schedules every `every` until `shutdown`.
pub async fn run_scheduler(runtime: Arc<Runtime>, every: Duration, shutdown: CancellationToken) {
    loop {
        if let Err(e) = fire_due(&runtime).await {
            tracing::error!(error = %e, "firing schedules failed");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// Fires every schedule due now (each tick once across all nodes); answers how many this node
/// fired.
pub async fn fire_due(runtime: &Runtime) -> Result<usize, QueueError> {
    let store = &runtime.store;
    let now = plumb_store::now_ms();
    let mut fired = 0;
    for s in store.due_schedules(now, 100).await? {
        let next = match next_tick(&s.cron, &s.time_zone, now) {
            Ok(t) => t,
            Err(e) => {
                // Checked when it was stored; only a changed time zone database gets here.
                tracing::error!(error = %e, flow_config = %s.flow_config_id, "unusable schedule");
                continue;
            }
        };
        let (flow, instance) = match store.flow_config_for_trigger(s.flow_config_id).await {
            Ok(x) => x,
            Err(plumb_store::StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        if !instance.enabled || instance.deployed_at.is_none() {
            continue;
        }
        let trigger = TriggerInput {
            body: None,
            content_type: None,
            headers: Default::default(),
            query: Default::default(),
        };
        let new = runtime
            .new_execution(&instance, &flow, trigger, "schedule")
            .await?;
        if let Some(e) = store.fire_schedule(&s, next, new).await? {
            tracing::debug!(execution = %e.id, flow = %flow.flow_name, "schedule fired");
            fired += 1;
        }
    }
    if fired > 0 {
        runtime.wake.notify_waiters();
    }
    Ok(fired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_tick_honours_time_zone_and_skips_missed_ticks() {
        // 2026-01-01T00:00:00Z
        let t0 = 1_767_225_600_000;
        let next = next_tick("*/5 * * * *", "UTC", t0).unwrap();
        assert_eq!(next - t0, 5 * 60_000);
        // 09:00 in New York is 14:00 UTC in January.
        let ny = next_tick("0 9 * * *", "America/New_York", t0).unwrap();
        assert_eq!((ny - t0) / 3_600_000, 14);
        // Long after a missed tick, the next one is after "now", not the missed one.
        let later = t0 + 3 * 3_600_000 + 1;
        assert!(next_tick("*/5 * * * *", "UTC", later).unwrap() > later);
        assert!(next_tick("not a cron", "UTC", t0).is_err());
        assert!(next_tick("* * * * *", "Mars/Olympus", t0).is_err());
    }
}
