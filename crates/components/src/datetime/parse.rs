//! Reading dates and time zones as Prismatic's Date/Time inputs take them: an ISO 8601 /
//! RFC 3339 timestamp (`2024-03-10T14:30:00Z`, `2024-03-10T14:30:00.123+02:00`), one without
//! an offset (read as UTC, the zone Prismatic runs in), a date (`2024-03-10`, midnight UTC), an
//! RFC 2822 date, or epoch milliseconds (a number or digits). Zones are IANA names (case
//! ignored: `America/New_York`, `etc/UTC`) or fixed offsets (`+05:30`).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use plumb_core::action::ActionError;
use serde_json::Value;

/// The instant `value` names, or an error naming `input`.
pub(crate) fn instant(value: &Value, input: &str) -> Result<DateTime<Utc>, ActionError> {
    let bad = || {
        ActionError::input(
            input,
            "is not a date/time (give an ISO 8601 timestamp such as 2024-03-10T14:30:00Z, a \
             date, or epoch milliseconds)",
        )
    };
    match value {
        Value::Number(n) => n.as_f64().and_then(from_millis).ok_or_else(bad),
        Value::String(s) => from_text(s.trim()).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// The instant `ms` milliseconds after the Unix epoch (fractions of a millisecond dropped).
pub(crate) fn from_millis(ms: f64) -> Option<DateTime<Utc>> {
    if !ms.is_finite() || ms.abs() > 8.64e15 {
        return None;
    }
    DateTime::from_timestamp_millis(ms.trunc() as i64)
}

fn from_text(s: &str) -> Option<DateTime<Utc>> {
    if s.is_empty() {
        return None;
    }
    if s.len() <= 16 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<f64>().ok().and_then(from_millis);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M%#z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
    }
    DateTime::parse_from_rfc2822(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A time zone: an IANA zone or a fixed offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Zone {
    Named(Tz),
    Fixed(FixedOffset),
}

impl Zone {
    /// `t` as the zone's local time, with its offset at that instant.
    pub(crate) fn at(self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        match self {
            Zone::Named(tz) => t.with_timezone(&tz).fixed_offset(),
            Zone::Fixed(offset) => t.with_timezone(&offset),
        }
    }
}

/// The zone `name` names, or an error naming `input`.
pub(crate) fn zone(name: &str, input: &str) -> Result<Zone, ActionError> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("z") || name.eq_ignore_ascii_case("utc") {
        return Ok(Zone::Named(Tz::UTC));
    }
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(Zone::Named(tz));
    }
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(name))
    {
        return Ok(Zone::Named(*tz));
    }
    if let Ok(t) = DateTime::parse_from_str(
        &format!("2000-01-01T00:00:00{name}"),
        "%Y-%m-%dT%H:%M:%S%#z",
    ) {
        return Ok(Zone::Fixed(*t.offset()));
    }
    Err(ActionError::input(
        input,
        format!("`{name}` is not a time zone (give an IANA name such as America/New_York, or an offset such as +05:30)"),
    ))
}

/// JavaScript's `toISOString`: UTC with milliseconds and `Z`.
pub(crate) fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
