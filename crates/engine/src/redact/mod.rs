//! Redaction of connection secrets from step results, logs and errors.
//!
//! A [`Redactor`] is built once per execution from the secret inputs of the connections among
//! its config (and any extra strings), with every form of each secret that plumb or an HTTP
//! client produces ([`forms`]), and replaces each match by [`REDACTED`] in one pass over a text,
//! the strings of a JSON value, or the bytes of a binary result (Aho-Corasick, leftmost-longest:
//! the longest form at each position wins). A JSON string that is wholly base64 is also decoded
//! and its bytes searched ([`embedded`]). The engine applies it to a step's result when the
//! step produces it, before later steps, conditions, the execution's result or any record see it.

mod embedded;
mod forms;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use plumb_core::action::{Connection, Data};
use plumb_core::connection_types;
use plumb_core::expr::ConfigValue;
use serde_json::Value;

pub use embedded::MIN_DECODED_TEXT;
pub use forms::MIN_BASE64_CORE;

/// Whether a connection's input is secret: always for the keys of
/// [`SECRET_INPUT_KEYS`](plumb_core::connection_types::SECRET_INPUT_KEYS); for a known connection
/// type ([`plumb_core::connection_types`]), every input it does not declare public (an input the
/// type does not know is secret too). What is not secret is shown to code steps as
/// `configVars.<key>.<input>`; what is secret is redacted everywhere.
pub fn is_secret_field(connection: &Connection, field: &str) -> bool {
    connection_types::is_secret_input(&connection.component, &connection.key, field)
}

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Secrets shorter than this many bytes are not redacted (they would mangle everything).
pub const MIN_SECRET_LEN: usize = 4;

/// Input pairs `(user, secret)` that plumb sends as `base64(user:secret)`.
const PAIRS: &[(&str, &str)] = &[
    ("username", "password"),
    ("clientId", "clientSecret"),
    ("proxyUsername", "proxyPassword"),
];

/// Replaces known secrets, in every form plumb produces, with [`REDACTED`]. `Debug` shows only
/// how many patterns it holds.
#[derive(Clone, Default)]
pub struct Redactor {
    matcher: Option<AhoCorasick>,
    patterns: usize,
    /// A byte no pattern contains: the strings of a JSON value joined by it are searched in
    /// one pass (a match cannot span two strings).
    separator: Option<u8>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("patterns", &self.patterns)
            .finish()
    }
}

/// The secrets of one connection: its secret inputs, the string values of a secret input that
/// is a JSON object (`apiKeyDynamic`'s `parameters`), and its `(user, secret)` pairs.
fn connection_secrets(c: &Connection, values: &mut Vec<String>, pairs: &mut Vec<(String, String)>) {
    for v in c.secrets.values() {
        let v = v.expose();
        values.push(v.to_string());
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(v) {
            values.extend(map.values().filter_map(|x| x.as_str().map(str::to_owned)));
        }
    }
    for (user, secret) in PAIRS {
        if let (Some(u), Some(s)) = (c.value(user), c.secrets.get(*secret)) {
            if s.expose().len() >= MIN_SECRET_LEN {
                pairs.push((u.to_string(), s.expose().to_string()));
            }
        }
    }
}

/// Appends every string and object key of `value` to `out`, each followed by `sep`; sets
/// `base64` when a string is a base64 text (to be decoded and searched on its own).
fn join_strings(value: &Value, sep: u8, out: &mut Vec<u8>, base64: &mut bool) {
    match value {
        Value::String(s) => {
            out.extend_from_slice(s.as_bytes());
            out.push(sep);
            *base64 = *base64 || embedded::is_candidate(s);
        }
        Value::Array(items) => items.iter().for_each(|v| join_strings(v, sep, out, base64)),
        Value::Object(map) => {
            for (k, v) in map {
                out.extend_from_slice(k.as_bytes());
                out.push(sep);
                join_strings(v, sep, out, base64);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

impl Redactor {
    /// A redactor of the secret inputs of the connections among `config`, plus `extra`
    /// strings. Strings shorter than [`MIN_SECRET_LEN`] bytes are not redacted.
    pub fn new(config: &BTreeMap<String, ConfigValue>, extra: &[String]) -> Self {
        let mut values = Vec::new();
        let mut pairs = Vec::new();
        for c in config.values().filter_map(|v| match v {
            ConfigValue::Connection(c) => Some(c),
            ConfigValue::Value(_) => None,
        }) {
            connection_secrets(c, &mut values, &mut pairs);
        }
        values.extend(extra.iter().cloned());
        Self::build(&values, &pairs)
    }

    /// A redactor of `secrets` and of the `base64(user:secret)` forms of `pairs`.
    pub fn from_secrets(secrets: &[String], pairs: &[(String, String)]) -> Self {
        Self::build(secrets, pairs)
    }

    fn build(secrets: &[String], pairs: &[(String, String)]) -> Self {
        let mut patterns = Vec::new();
        for s in secrets.iter().filter(|s| s.len() >= MIN_SECRET_LEN) {
            forms::secret_forms(s, &mut patterns);
        }
        for (user, secret) in pairs {
            forms::pair_forms(user, secret, &mut patterns);
        }
        forms::with_escaped_slashes(&mut patterns);
        patterns.retain(|p| p.len() >= MIN_SECRET_LEN);
        patterns.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        patterns.dedup();
        if patterns.is_empty() {
            return Redactor::default();
        }
        let count = patterns.len();
        let mut seen = [false; 256];
        for b in patterns.iter().flat_map(|p| p.bytes()) {
            seen[usize::from(b)] = true;
        }
        let separator = (0..=255u8).find(|b| !seen[usize::from(*b)]);
        // Building fails only past the automaton's size limits (gigabytes of patterns); then
        // every text is replaced whole rather than let a secret through.
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&patterns)
            .ok();
        Redactor {
            matcher,
            patterns: count,
            separator,
        }
    }

    /// Whether there is anything to redact.
    pub fn is_empty(&self) -> bool {
        self.patterns == 0
    }

    /// How many patterns it matches (secrets and their forms).
    pub fn len(&self) -> usize {
        self.patterns
    }

    /// Redacts a text; borrows when there is nothing to replace.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.is_empty() {
            return Cow::Borrowed(text);
        }
        let Some(ac) = &self.matcher else {
            return Cow::Owned(REDACTED.to_string());
        };
        let mut matches = ac.find_iter(text);
        let Some(first) = matches.next() else {
            return Cow::Borrowed(text);
        };
        let mut out = String::with_capacity(text.len());
        out.push_str(&text[..first.start()]);
        out.push_str(REDACTED);
        let mut at = first.end();
        for m in matches {
            out.push_str(&text[at..m.start()]);
            out.push_str(REDACTED);
            at = m.end();
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// Redacts a text in place; answers whether anything was replaced.
    fn string(&self, s: &mut String) -> bool {
        match self.text(s) {
            Cow::Borrowed(_) => false,
            Cow::Owned(r) => {
                *s = r;
                true
            }
        }
    }

    /// Redacts a JSON string in place: a base64 text inside its decoded bytes first, then as
    /// text. Answers whether anything was replaced.
    fn json_string(&self, s: &mut String) -> bool {
        let decoded = match &self.matcher {
            Some(ac) => embedded::redact_base64(ac, s),
            None => None,
        };
        let found = decoded.is_some();
        if let Some(r) = decoded {
            *s = r;
        }
        self.string(s) || found
    }

    /// Redacts every string (and object key) in a JSON value; answers whether anything was
    /// replaced.
    pub fn json(&self, value: &mut Value) -> bool {
        if self.is_empty() {
            return false;
        }
        // The common case, nothing to replace, in one search over every string of the value
        // (base64 texts are decoded and searched one by one).
        if let (Some(ac), Some(sep)) = (&self.matcher, self.separator) {
            if !matches!(value, Value::String(_)) {
                let mut joined = Vec::new();
                let mut base64 = false;
                join_strings(value, sep, &mut joined, &mut base64);
                if !base64 && ac.find(joined.as_slice()).is_none() {
                    return false;
                }
            }
        }
        self.json_walk(value)
    }

    fn json_walk(&self, value: &mut Value) -> bool {
        match value {
            Value::String(s) => self.json_string(s),
            Value::Array(items) => {
                // Every item is redacted (no short circuit).
                let mut found = false;
                for v in items {
                    found |= self.json_walk(v);
                }
                found
            }
            Value::Object(map) => {
                let mut found = false;
                if map.keys().any(|k| matches!(self.text(k), Cow::Owned(_))) {
                    found = true;
                    let old = std::mem::take(map);
                    for (k, v) in old {
                        map.insert(self.text(&k).into_owned(), v);
                    }
                }
                for v in map.values_mut() {
                    found |= self.json_walk(v);
                }
                found
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => false,
        }
    }

    /// Redacts bytes (every pattern matched byte for byte; each match becomes the bytes of
    /// [`REDACTED`]); answers whether anything was replaced.
    pub fn bytes(&self, bytes: &mut Vec<u8>) -> bool {
        if self.is_empty() {
            return false;
        }
        let Some(ac) = &self.matcher else {
            *bytes = REDACTED.as_bytes().to_vec();
            return true;
        };
        let mut matches = ac.find_iter(bytes.as_slice());
        let Some(first) = matches.next() else {
            return false;
        };
        let mut out = Vec::with_capacity(bytes.len());
        out.extend_from_slice(&bytes[..first.start()]);
        out.extend_from_slice(REDACTED.as_bytes());
        let mut at = first.end();
        for m in matches {
            out.extend_from_slice(&bytes[at..m.start()]);
            out.extend_from_slice(REDACTED.as_bytes());
            at = m.end();
        }
        out.extend_from_slice(&bytes[at..]);
        *bytes = out;
        true
    }

    /// Redacts a step result: the strings of JSON data, the bytes and content type of binary
    /// data. Answers whether anything was replaced.
    pub fn data(&self, data: &mut Data) -> bool {
        match data {
            Data::Json(v) => self.json(v),
            Data::Binary {
                bytes,
                content_type,
            } => {
                let found = self.bytes(bytes);
                self.string(content_type) || found
            }
        }
    }
}
