//! What the `datetime` component is: action keys, input keys and defaults follow Prismatic's
//! Date/Time component; examples are run by the runtime's catalog test, except those of
//! `getCurrentDateTime`, whose result is the clock's.

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec};
use serde_json::{json, Value};

plumb_core::action_inputs! {
    /// The inputs of `adjustDateTime`.
    pub struct AdjustInputs {
        /// The date/time to adjust: an ISO 8601 timestamp (an earlier step's date), a date, or
        /// epoch milliseconds.
        dateTimeInput: serde_json::Value = ("Date/Time", String),
        /// Seconds to add (negative to subtract).
        secondsInput: Option<f64> = ("Seconds", Number),
        /// Minutes to add (negative to subtract).
        minutesInput: Option<f64> = ("Minutes", Number),
        /// Hours to add (negative to subtract).
        hoursInput: Option<f64> = ("Hours", Number),
        /// Days (24 hours each) to add (negative to subtract).
        daysInput: Option<f64> = ("Days", Number),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `convertToIsoString` and `convertToLocalIsoString`.
    pub struct IsoInputs {
        /// The date/time to convert: an ISO 8601 timestamp, a date, or epoch milliseconds.
        dateTimeInput: serde_json::Value = ("Date/Time", String),
        /// The time zone to write it in: an IANA name (`America/New_York`) or an offset
        /// (`+05:30`); UTC when not given.
        timeZoneInput: Option<String> = ("Time Zone", String),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `convertToEpoch`.
    pub struct ToEpochInputs {
        /// The date/time to convert: an ISO 8601 timestamp, a date, or epoch milliseconds.
        dateTimeInput: serde_json::Value = ("Date/Time", String),
        /// Answer seconds (rounded down) instead of milliseconds.
        displayEpochInSecondsInput: bool = ("Display Epoch In Seconds", Boolean, default "false"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `convertFromEpoch`.
    pub struct FromEpochInputs {
        /// The epoch timestamp: milliseconds since 1970-01-01T00:00:00Z (or seconds, below).
        epochTimestampInput: f64 = ("Epoch Timestamp", Number),
        /// The timestamp is in seconds, not milliseconds.
        epochTimestampInSecondsInput: bool = ("Epoch Timestamp in Seconds", Boolean, default "false"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `formatDateTime`.
    pub struct FormatInputs {
        /// The date/time to format: an ISO 8601 timestamp, a date, or epoch milliseconds.
        dateTimeInput: serde_json::Value = ("Date/Time", String),
        /// The time zone to write it in: an IANA name (case ignored) or an offset.
        timeZoneInput: String = ("Time Zone", String, default "etc/UTC"),
        /// The format: `YYYY` year, `MM` month, `DD` day, `HH` 24-hour, `hh` 12-hour, `A`
        /// AM/PM, `mm` minute, `ss` second, `SSS` milliseconds, `Z` offset (`+02:00`), `MMMM`
        /// month name, `dddd` day name, `Do` day with suffix; `[text]` is copied as is (at most
        /// 1,024 characters).
        formatInput: String = ("Format", String, default "YYYY-MM-DDTHH:mm:ss.SSSZ"),
    }
}

plumb_core::action_inputs! {
    /// The input of `getCurrentDateTime`.
    pub struct CurrentInputs {
        /// Answer epoch seconds instead of an ISO timestamp.
        displayEpochInSecondsInput: bool = ("Display Epoch In Seconds", Boolean, default "false"),
    }
}

fn ex(title: &str, pairs: &[(&str, Value)], result: Value) -> ActionExample {
    ActionExample::values(title, pairs).answers(result)
}

/// The `datetime` component's spec.
pub fn spec() -> ComponentSpec {
    ComponentSpec::builtin(
        super::KEY,
        "Date/Time",
        "Gets, adjusts, converts and formats dates and times.",
    )
    .action(
        ActionSpec::new(
            "adjustDateTime",
            "Adjust Date/Time",
            "Adds (or with negative numbers subtracts) seconds, minutes, hours and days to a \
                 date/time; answers an ISO timestamp in UTC.",
            AdjustInputs::specs(),
        )
        .example(ex(
            "A week and five minutes later",
            &[
                ("dateTimeInput", json!("2024-03-10T14:30:00.000Z")),
                ("daysInput", json!("7")),
                ("hoursInput", json!("")),
                ("minutesInput", json!("5")),
            ],
            json!("2024-03-17T14:35:00.000Z"),
        ))
        .example(ex(
            "An hour earlier crosses into last year",
            &[
                ("dateTimeInput", json!("2024-01-01")),
                ("hoursInput", json!(-1)),
            ],
            json!("2023-12-31T23:00:00.000Z"),
        )),
    )
    .action(
        ActionSpec::new(
            "convertToIsoString",
            "Convert Date/Time To ISO String",
            "Writes a date/time as an ISO 8601 timestamp: in UTC (`Z`), or in a time zone \
                 with its offset.",
            IsoInputs::specs(),
        )
        .example(ex(
            "In UTC",
            &[("dateTimeInput", json!("2024-03-10T16:30:00+02:00"))],
            json!("2024-03-10T14:30:00.000Z"),
        ))
        .example(ex(
            "In New York on the day daylight saving time starts",
            &[
                ("dateTimeInput", json!("2024-03-10T14:30:00Z")),
                ("timeZoneInput", json!("America/New_York")),
            ],
            json!("2024-03-10T10:30:00.000-04:00"),
        )),
    )
    .action(
        ActionSpec::new(
            "convertToLocalIsoString",
            "Convert Date/Time To Local ISO String",
            "Writes a date/time as the local time of a time zone, an ISO 8601 timestamp \
                 without offset.",
            IsoInputs::specs(),
        )
        .example(ex(
            "Local time in India",
            &[
                ("dateTimeInput", json!("2024-07-01T12:00:00Z")),
                ("timeZoneInput", json!("Asia/Kolkata")),
            ],
            json!("2024-07-01T17:30:00.000"),
        )),
    )
    .action(
        ActionSpec::new(
            "convertToEpoch",
            "Convert Date To Epoch",
            "A date/time as milliseconds (or seconds) since the Unix epoch.",
            ToEpochInputs::specs(),
        )
        .example(ex(
            "Milliseconds",
            &[("dateTimeInput", json!("2024-01-01T00:00:00Z"))],
            json!(1_704_067_200_000_i64),
        ))
        .example(ex(
            "Seconds",
            &[
                ("dateTimeInput", json!("2024-01-01T00:00:00.999Z")),
                ("displayEpochInSecondsInput", json!(true)),
            ],
            json!(1_704_067_200),
        )),
    )
    .action(
        ActionSpec::new(
            "convertFromEpoch",
            "Convert Epoch Timestamp To Date",
            "An epoch timestamp (milliseconds or seconds) as an ISO timestamp in UTC.",
            FromEpochInputs::specs(),
        )
        .example(ex(
            "Milliseconds",
            &[("epochTimestampInput", json!("1704067200000"))],
            json!("2024-01-01T00:00:00.000Z"),
        ))
        .example(ex(
            "Seconds",
            &[
                ("epochTimestampInput", json!(1_704_067_200)),
                ("epochTimestampInSecondsInput", json!(true)),
            ],
            json!("2024-01-01T00:00:00.000Z"),
        )),
    )
    .action(
        ActionSpec::new(
            "formatDateTime",
            "Format Date/Time",
            "Writes a date/time in a time zone with a format string.",
            FormatInputs::specs(),
        )
        .example(ex(
            "The default format",
            &[("dateTimeInput", json!("2024-03-10T14:30:05.123Z"))],
            json!("2024-03-10T14:30:05.123+00:00"),
        ))
        .example(ex(
            "A US date with a 12-hour clock in Berlin",
            &[
                ("dateTimeInput", json!("2024-03-10T14:30:05Z")),
                ("timeZoneInput", json!("Europe/Berlin")),
                ("formatInput", json!("MM/DD/YYYY hh:mm A")),
            ],
            json!("03/10/2024 03:30 PM"),
        ))
        .example(ex(
            "Words and escaped text",
            &[
                ("dateTimeInput", json!("2024-03-10T14:30:05Z")),
                ("formatInput", json!("dddd, MMMM Do YYYY [at] HH:mm")),
            ],
            json!("Sunday, March 10th 2024 at 14:30"),
        )),
    )
    .action(
        ActionSpec::new(
            "getCurrentDateTime",
            "Get Current Date/Time",
            "The current date/time in UTC, as an ISO timestamp or epoch seconds.",
            CurrentInputs::specs(),
        )
        .example(ActionExample::values("Now", &[]))
        .example(ActionExample::values(
            "Now in epoch seconds",
            &[("displayEpochInSecondsInput", json!(true))],
        )),
    )
}
