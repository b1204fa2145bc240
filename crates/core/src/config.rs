//! Config variable data types and value validation.
//!
//! Values are stored as strings (as Prismatic's API carries them); [`DataType::validate`] checks a
//! value against its type before anything is written.

use serde::{Deserialize, Serialize};

/// The data type of a config variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    /// Any text.
    String,
    /// `true` or `false`.
    Boolean,
    /// A finite decimal number.
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An RFC 3339 timestamp.
    Timestamp,
    /// One of a fixed list of strings (the list is not checked here).
    Picklist,
    /// Source code or any text.
    Code,
    /// A cron expression of five or six fields.
    Schedule,
    /// A connection (credentials); its value is a set of inputs, not a string.
    Connection,
}

/// The error of a value that does not match its data type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

impl DataType {
    /// Every data type, in the order of the public contract.
    pub const ALL: [DataType; 9] = [
        DataType::String,
        DataType::Boolean,
        DataType::Number,
        DataType::Date,
        DataType::Timestamp,
        DataType::Picklist,
        DataType::Code,
        DataType::Schedule,
        DataType::Connection,
    ];

    /// The type's name as the API spells it (`string`, `boolean`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::String => "string",
            DataType::Boolean => "boolean",
            DataType::Number => "number",
            DataType::Date => "date",
            DataType::Timestamp => "timestamp",
            DataType::Picklist => "picklist",
            DataType::Code => "code",
            DataType::Schedule => "schedule",
            DataType::Connection => "connection",
        }
    }

    /// Parses a type name, case-insensitively.
    pub fn parse(name: &str) -> Option<DataType> {
        let lower = name.trim().to_ascii_lowercase();
        DataType::ALL.into_iter().find(|t| t.as_str() == lower)
    }

    /// Checks that `value` is a valid value of this type.
    pub fn validate(self, value: &str) -> Result<(), InvalidValue> {
        match self {
            DataType::String | DataType::Code | DataType::Picklist => Ok(()),
            DataType::Boolean => match value {
                "true" | "false" => Ok(()),
                _ => Err(InvalidValue("must be true or false".into())),
            },
            DataType::Number => match value.trim().parse::<f64>() {
                Ok(n) if n.is_finite() && !value.trim().is_empty() => Ok(()),
                _ => Err(InvalidValue("must be a number".into())),
            },
            DataType::Date => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|_| ())
                .map_err(|_| InvalidValue("must be a date (YYYY-MM-DD)".into())),
            DataType::Timestamp => chrono::DateTime::parse_from_rfc3339(value)
                .map(|_| ())
                .map_err(|_| InvalidValue("must be an RFC 3339 timestamp".into())),
            DataType::Schedule => validate_cron(value),
            DataType::Connection => Err(InvalidValue(
                "a connection is set through its inputs, not a value".into(),
            )),
        }
    }
}

/// A light structural check of a cron expression: 5 or 6 fields of cron characters.
/// (The scheduler parses it fully when it is used.)
fn validate_cron(value: &str) -> Result<(), InvalidValue> {
    let fields: Vec<&str> = value.split_whitespace().collect();
    let ok_chars = |f: &&str| {
        f.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '/' | ',' | '-' | '?' | '#'))
    };
    if (fields.len() == 5 || fields.len() == 6) && fields.iter().all(ok_chars) {
        Ok(())
    } else {
        Err(InvalidValue(
            "must be a cron expression of 5 or 6 fields".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_table() {
        let cases: &[(DataType, &str, bool)] = &[
            (DataType::String, "anything", true),
            (DataType::Boolean, "true", true),
            (DataType::Boolean, "yes", false),
            (DataType::Number, "3.25", true),
            (DataType::Number, "-7", true),
            (DataType::Number, "seven", false),
            (DataType::Number, "NaN", false),
            (DataType::Number, "", false),
            (DataType::Date, "2026-11-25", true),
            (DataType::Date, "2026-13-01", false),
            (DataType::Timestamp, "2026-11-25T10:00:00Z", true),
            (DataType::Timestamp, "2026-11-25", false),
            (DataType::Schedule, "*/5 * * * *", true),
            (DataType::Schedule, "every minute", false),
            (DataType::Connection, "x", false),
        ];
        for (t, v, ok) in cases {
            assert_eq!(t.validate(v).is_ok(), *ok, "{t:?} {v:?}");
        }
    }

    #[test]
    fn parse_names() {
        assert_eq!(DataType::parse("Number"), Some(DataType::Number));
        assert_eq!(DataType::parse("nope"), None);
        for t in DataType::ALL {
            assert_eq!(DataType::parse(t.as_str()), Some(t));
        }
    }
}
