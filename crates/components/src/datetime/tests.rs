#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use plumb_core::action::{ActionError, Data};
use serde_json::{json, Value};

use super::{compute, format, parse, Op};
use crate::testing::{context, inputs};

fn run(op: Op, pairs: Vec<(&str, Value)>) -> Result<Value, ActionError> {
    let now: DateTime<Utc> = "2025-06-15T08:09:10.456Z".parse().unwrap();
    compute(op, &inputs(pairs), now)
}

fn bad_input(r: Result<Value, ActionError>) -> String {
    match r {
        Err(ActionError::InvalidInput { input, .. }) => input,
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_fixtures_steps_run_through_the_component() {
    let c = super::component();
    c.check().unwrap();
    let t = context(json!({}), vec![]);
    let now = c
        .action("getCurrentDateTime")
        .unwrap()
        .run(&t.ctx, inputs(vec![]))
        .await
        .unwrap();
    let Data::Json(Value::String(now)) = now else {
        panic!("{now:?}")
    };
    assert!(now.ends_with('Z') && now.len() == 24, "{now}");
    let later = c
        .action("adjustDateTime")
        .unwrap()
        .run(
            &t.ctx,
            inputs(vec![
                ("dateTimeInput", json!(now)),
                ("daysInput", json!("7")),
                ("hoursInput", json!("")),
                ("minutesInput", json!("5")),
                ("secondsInput", json!("")),
            ]),
        )
        .await
        .unwrap();
    let Data::Json(Value::String(later)) = later else {
        panic!("{later:?}")
    };
    let (a, b): (DateTime<Utc>, DateTime<Utc>) = (now.parse().unwrap(), later.parse().unwrap());
    assert_eq!((b - a).num_seconds(), 7 * 86_400 + 300);
}

#[test]
fn now_is_the_clock() {
    assert_eq!(
        run(Op::Now, vec![]).unwrap(),
        json!("2025-06-15T08:09:10.456Z")
    );
    assert_eq!(
        run(Op::Now, vec![("displayEpochInSecondsInput", json!("true"))]).unwrap(),
        json!(1_749_974_950)
    );
}

#[test]
fn dates_are_read_in_many_shapes() {
    let ms = |v: Value| parse::instant(&v, "d").unwrap().timestamp_millis();
    assert_eq!(ms(json!("2024-01-01T00:00:00Z")), 1_704_067_200_000);
    assert_eq!(ms(json!("2024-01-01T01:00:00+01:00")), 1_704_067_200_000);
    assert_eq!(ms(json!("2024-01-01T00:00:00.250")), 1_704_067_200_250);
    assert_eq!(ms(json!("2024-01-01 00:00:00")), 1_704_067_200_000);
    assert_eq!(ms(json!("2024-01-01")), 1_704_067_200_000);
    assert_eq!(
        ms(json!("Mon, 01 Jan 2024 00:00:00 +0000")),
        1_704_067_200_000
    );
    assert_eq!(ms(json!(1_704_067_200_000_i64)), 1_704_067_200_000);
    assert_eq!(ms(json!("1704067200000")), 1_704_067_200_000);
    for bad in [json!("yesterday"), json!(""), json!(true), json!(1e300)] {
        assert!(parse::instant(&bad, "d").is_err(), "{bad}");
    }
}

#[test]
fn zones_are_iana_names_or_offsets() {
    assert!(parse::zone("etc/UTC", "z").is_ok());
    assert!(parse::zone("america/new_york", "z").is_ok());
    assert!(parse::zone("+05:30", "z").is_ok());
    assert!(parse::zone("UTC", "z").is_ok());
    let r = run(
        Op::ToIso,
        vec![
            ("dateTimeInput", json!("2024-01-01T00:00:00Z")),
            ("timeZoneInput", json!("+05:30")),
        ],
    );
    assert_eq!(r.unwrap(), json!("2024-01-01T05:30:00.000+05:30"));
    let r = run(
        Op::ToIso,
        vec![
            ("dateTimeInput", json!("2024-01-01")),
            ("timeZoneInput", json!("Mars/Olympus")),
        ],
    );
    assert_eq!(bad_input(r), "timeZoneInput");
    // Local time without a zone is UTC's.
    let r = run(
        Op::ToLocalIso,
        vec![("dateTimeInput", json!("2024-01-01T10:00:00+02:00"))],
    );
    assert_eq!(r.unwrap(), json!("2024-01-01T08:00:00.000"));
}

#[test]
fn bad_inputs_name_their_input() {
    assert_eq!(
        bad_input(run(Op::Adjust, vec![("dateTimeInput", json!("soon"))])),
        "dateTimeInput"
    );
    assert_eq!(bad_input(run(Op::Adjust, vec![])), "dateTimeInput");
    let r = run(
        Op::Adjust,
        vec![
            ("dateTimeInput", json!("2024-01-01")),
            ("daysInput", json!(1e12)),
        ],
    );
    assert_eq!(bad_input(r), "daysInput");
    let r = run(
        Op::Adjust,
        vec![
            ("dateTimeInput", json!("2024-01-01")),
            ("hoursInput", json!("x")),
        ],
    );
    assert_eq!(bad_input(r), "hoursInput");
    assert_eq!(
        bad_input(run(
            Op::FromEpoch,
            vec![("epochTimestampInput", json!(1e300))]
        )),
        "epochTimestampInput"
    );
    let r = run(
        Op::Format,
        vec![
            ("dateTimeInput", json!("2024-01-01")),
            ("formatInput", json!("Y".repeat(2000))),
        ],
    );
    assert_eq!(bad_input(r), "formatInput");
}

#[test]
fn format_tokens() {
    let t = parse::zone("America/Los_Angeles", "z")
        .unwrap()
        .at("2024-11-03T07:05:09.007Z".parse().unwrap());
    let f = |fmt: &str| format::format(&t, fmt);
    assert_eq!(
        f("YYYY-MM-DD HH:mm:ss.SSS Z"),
        "2024-11-03 00:05:09.007 -07:00"
    );
    assert_eq!(f("YY M D H m s ZZ"), "24 11 3 0 5 9 -0700");
    assert_eq!(f("h:mm a ddd MMM Do"), "12:05 am Sun Nov 3rd");
    assert_eq!(f("[YYYY] X x"), "YYYY 1730617509 1730617509007");
    // An unclosed bracket is text, its letters tokens (`s` seconds, `d` weekday).
    assert_eq!(f("[unclosed"), "[unclo9e0");
    // An hour later the same wall clock reads standard time.
    let t = parse::zone("America/Los_Angeles", "z")
        .unwrap()
        .at("2024-11-03T09:05:09Z".parse().unwrap());
    assert_eq!(format::format(&t, "HH:mm Z"), "01:05 -08:00");
}
