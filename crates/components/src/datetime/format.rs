//! `formatDateTime`'s format strings, with the tokens of Day.js / Moment (what Prismatic's
//! format input documents): `YYYY YY M MM MMM MMMM D DD Do d ddd dddd H HH h hh m mm s ss SSS
//! A a Z ZZ X x`; text in `[brackets]` is copied as is, as is every other character.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

/// The longest format string.
pub(crate) const MAX_FORMAT: usize = 1024;

/// Tokens, longest first so `YYYY` wins over `YY`.
const TOKENS: &[&str] = &[
    "YYYY", "MMMM", "dddd", "SSS", "MMM", "ddd", "YY", "MM", "DD", "Do", "HH", "hh", "mm", "ss",
    "ZZ", "M", "D", "d", "H", "h", "m", "s", "A", "a", "Z", "X", "x",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn offset(t: &DateTime<FixedOffset>, colon: bool) -> String {
    let secs = t.offset().local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

fn token(t: &DateTime<FixedOffset>, tok: &str) -> String {
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    let month = t.month0() as usize;
    let weekday = t.weekday().num_days_from_sunday() as usize;
    match tok {
        "YYYY" => format!("{:04}", t.year()),
        "YY" => format!("{:02}", t.year().rem_euclid(100)),
        "MMMM" => MONTHS[month].to_string(),
        "MMM" => MONTHS[month][..3].to_string(),
        "MM" => format!("{:02}", t.month()),
        "M" => t.month().to_string(),
        "DD" => format!("{:02}", t.day()),
        "D" => t.day().to_string(),
        "Do" => ordinal(t.day()),
        "dddd" => DAYS[weekday].to_string(),
        "ddd" => DAYS[weekday][..3].to_string(),
        "d" => weekday.to_string(),
        "HH" => format!("{:02}", t.hour()),
        "H" => t.hour().to_string(),
        "hh" => format!("{hour12:02}"),
        "h" => hour12.to_string(),
        "mm" => format!("{:02}", t.minute()),
        "m" => t.minute().to_string(),
        "ss" => format!("{:02}", t.second()),
        "s" => t.second().to_string(),
        "SSS" => format!("{:03}", t.timestamp_subsec_millis()),
        "A" => (if t.hour() < 12 { "AM" } else { "PM" }).to_string(),
        "a" => (if t.hour() < 12 { "am" } else { "pm" }).to_string(),
        "Z" => offset(t, true),
        "ZZ" => offset(t, false),
        "X" => t.timestamp().to_string(),
        _ => t.timestamp_millis().to_string(),
    }
}

/// `t` written with `format`.
pub(crate) fn format(t: &DateTime<FixedOffset>, format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            if let Some(end) = rest.find(']') {
                out.push_str(&rest[1..end]);
                rest = &rest[end + 1..];
                continue;
            }
        }
        match TOKENS.iter().find(|tok| rest.starts_with(**tok)) {
            Some(tok) => {
                out.push_str(&token(t, tok));
                rest = &rest[tok.len()..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}
