//! Redaction of connection secrets from logs, errors and results.

use std::borrow::Cow;
use std::collections::BTreeMap;

use plumb_core::action::{Connection, Data};
use plumb_core::connection_types;
use plumb_core::expr::ConfigValue;
use serde_json::Value;

/// Whether a connection's input is secret: per its connection type
/// ([`plumb_core::connection_types`]), and always for the keys of
/// [`SECRET_INPUT_KEYS`](plumb_core::connection_types::SECRET_INPUT_KEYS).
pub fn is_secret_field(connection: &Connection, field: &str) -> bool {
    connection_types::SECRET_INPUT_KEYS.contains(&field)
        || connection_types::find(&connection.component, &connection.key)
            .is_some_and(|t| t.is_secret(field))
}

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Replaces known secret strings.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor of the secret fields of the connections among `config`, plus `extra` strings.
    /// Strings shorter than 4 characters are not redacted (they would mangle everything).
    pub fn new(config: &BTreeMap<String, ConfigValue>, extra: &[String]) -> Self {
        let mut secrets: Vec<String> = config
            .values()
            .filter_map(|v| match v {
                ConfigValue::Connection(c) => Some(c),
                ConfigValue::Value(_) => None,
            })
            .flat_map(|c| {
                c.fields
                    .iter()
                    .filter(|(k, _)| is_secret_field(c, k))
                    .map(|(_, v)| v.clone())
            })
            .chain(extra.iter().cloned())
            .filter(|s| s.chars().count() >= 4)
            .collect();
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    /// Whether there is anything to redact.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Redacts a text.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.secrets.iter().any(|s| text.contains(s.as_str())) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_string();
        for s in &self.secrets {
            out = out.replace(s.as_str(), REDACTED);
        }
        Cow::Owned(out)
    }

    /// Redacts every string (and object key) in a JSON value.
    pub fn json(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(s) => {
                if let Cow::Owned(r) = self.text(s) {
                    *s = r;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            Value::Object(map) => {
                let keys_need: bool = map.keys().any(|k| matches!(self.text(k), Cow::Owned(_)));
                if keys_need {
                    let old = std::mem::take(map);
                    for (k, v) in old {
                        map.insert(self.text(&k).into_owned(), v);
                    }
                }
                map.values_mut().for_each(|v| self.json(v));
            }
            _ => {}
        }
    }

    /// Redacts JSON data (binary data is left alone: it is not printed as text).
    pub fn data(&self, data: &mut Data) {
        if let Data::Json(v) = data {
            self.json(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_secret_fields_only() {
        let mut config = BTreeMap::new();
        config.insert(
            "c".into(),
            ConfigValue::Connection(Connection {
                id: "c".into(),
                component: "http".into(),
                key: "basic".into(),
                fields: BTreeMap::from([
                    ("username".into(), "alice".into()),
                    ("password".into(), "hunter22".into()),
                ]),
            }),
        );
        let r = Redactor::new(&config, &[]);
        assert_eq!(r.text("login alice:hunter22"), "login alice:[REDACTED]");
        let mut v = json!({"a": ["xhunter22x"], "hunter22": 1});
        r.json(&mut v);
        assert_eq!(v, json!({"a": ["x[REDACTED]x"], "[REDACTED]": 1}));
    }
}
