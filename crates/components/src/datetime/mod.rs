//! The `datetime` component: Prismatic's Date/Time actions: `getCurrentDateTime`,
//! `adjustDateTime`, ISO strings in a time zone, epoch conversions and `formatDateTime` with
//! Day.js-style format strings. Time zones come from the IANA database (`chrono-tz`).
//! Timestamps are answered as JavaScript's `toISOString` writes them
//! (`2024-03-10T14:30:00.000Z`).
//!
//! - `parse`: reading dates and zones; `format`: format strings.
//! - `manifest`: the spec, with examples (the "now" actions' examples have no fixed result).

mod format;
mod manifest;
mod parse;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::Component;
use serde_json::Value;

pub use manifest::spec;
use manifest::{
    AdjustInputs, CurrentInputs, FormatInputs, FromEpochInputs, IsoInputs, ToEpochInputs,
};

/// The component's key.
pub const KEY: &str = "datetime";

/// What a Date/Time action does.
#[derive(Debug, Clone, Copy)]
enum Op {
    Adjust,
    ToIso,
    ToLocalIso,
    ToEpoch,
    FromEpoch,
    Format,
    Now,
}

/// One Date/Time action.
struct DateTimeAction(Op);

/// The component: its spec and its actions.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    [
        ("adjustDateTime", Op::Adjust),
        ("convertToIsoString", Op::ToIso),
        ("convertToLocalIsoString", Op::ToLocalIso),
        ("convertToEpoch", Op::ToEpoch),
        ("convertFromEpoch", Op::FromEpoch),
        ("formatDateTime", Op::Format),
        ("getCurrentDateTime", Op::Now),
    ]
    .into_iter()
    .map(|(key, op)| (key, Arc::new(DateTimeAction(op)) as Arc<dyn Action>))
    .collect()
}

#[async_trait::async_trait]
impl Action for DateTimeAction {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        compute(self.0, &inputs, Utc::now()).map(Data::Json)
    }
}

/// Epoch milliseconds or seconds (rounded down) of `t`.
fn epoch(t: DateTime<Utc>, seconds: bool) -> Value {
    if seconds {
        Value::from(t.timestamp())
    } else {
        Value::from(t.timestamp_millis())
    }
}

fn adjust(i: &AdjustInputs) -> Result<Value, ActionError> {
    let t = parse::instant(&i.dateTimeInput, "dateTimeInput")?;
    let mut ms = 0.0;
    for (value, unit, key) in [
        (i.secondsInput, 1e3, "secondsInput"),
        (i.minutesInput, 6e4, "minutesInput"),
        (i.hoursInput, 3.6e6, "hoursInput"),
        (i.daysInput, 8.64e7, "daysInput"),
    ] {
        let part = value.unwrap_or(0.0) * unit;
        if !part.is_finite() || part.abs() > 8.64e15 {
            return Err(ActionError::input(key, "moves the date out of range"));
        }
        ms += part;
    }
    t.checked_add_signed(TimeDelta::milliseconds(ms.round() as i64))
        .filter(|t| t.timestamp_millis().abs() <= 8_640_000_000_000_000)
        .map(|t| Value::String(parse::iso(t)))
        .ok_or_else(|| ActionError::input("daysInput", "moves the date out of range"))
}

/// The action's result for `inputs` at time `now`.
fn compute(op: Op, inputs: &Inputs, now: DateTime<Utc>) -> Result<Value, ActionError> {
    match op {
        Op::Adjust => adjust(&AdjustInputs::from_inputs(inputs)?),
        Op::ToIso | Op::ToLocalIso => {
            let i = IsoInputs::from_inputs(inputs)?;
            let t = parse::instant(&i.dateTimeInput, "dateTimeInput")?;
            let zone = match i.timeZoneInput.as_deref() {
                None => None,
                Some(name) => Some(parse::zone(name, "timeZoneInput")?),
            };
            Ok(Value::String(match (op, zone) {
                (Op::ToIso, None) => parse::iso(t),
                (Op::ToIso, Some(z)) => z.at(t).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string(),
                (_, z) => z
                    .map_or(t.fixed_offset(), |z| z.at(t))
                    .format("%Y-%m-%dT%H:%M:%S%.3f")
                    .to_string(),
            }))
        }
        Op::ToEpoch => {
            let i = ToEpochInputs::from_inputs(inputs)?;
            let t = parse::instant(&i.dateTimeInput, "dateTimeInput")?;
            Ok(epoch(t, i.displayEpochInSecondsInput))
        }
        Op::FromEpoch => {
            let i = FromEpochInputs::from_inputs(inputs)?;
            let ms = if i.epochTimestampInSecondsInput {
                i.epochTimestampInput * 1000.0
            } else {
                i.epochTimestampInput
            };
            parse::from_millis(ms)
                .map(|t| Value::String(parse::iso(t)))
                .ok_or_else(|| ActionError::input("epochTimestampInput", "is out of range"))
        }
        Op::Format => {
            let i = FormatInputs::from_inputs(inputs)?;
            let t = parse::instant(&i.dateTimeInput, "dateTimeInput")?;
            let zone = parse::zone(&i.timeZoneInput, "timeZoneInput")?;
            if i.formatInput.len() > format::MAX_FORMAT {
                return Err(ActionError::input(
                    "formatInput",
                    format!("is longer than {} characters", format::MAX_FORMAT),
                ));
            }
            Ok(Value::String(format::format(&zone.at(t), &i.formatInput)))
        }
        Op::Now => {
            let i = CurrentInputs::from_inputs(inputs)?;
            Ok(if i.displayEpochInSecondsInput {
                epoch(now, true)
            } else {
                Value::String(parse::iso(now))
            })
        }
    }
}

#[cfg(test)]
mod tests;
