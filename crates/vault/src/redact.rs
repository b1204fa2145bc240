//! [`Redactor`]: replaces every occurrence of known secret values in a text with `[redacted]`,
//! for execution logs, step errors and any message that might echo a credential.

use std::borrow::Cow;
use std::fmt;

use aho_corasick::{AhoCorasick, MatchKind};

use plumb_core::secret::REDACTED;

/// Secrets shorter than this many bytes are ignored: redacting `"a"` or `"1"` everywhere would
/// mangle every log line while protecting nothing.
pub const MIN_SECRET_LEN: usize = 4;

/// Replaces occurrences of a fixed set of secret strings with `[redacted]`.
///
/// Each secret is also matched in the two forms it most often takes inside a log line: escaped
/// inside a JSON string (`"` → `\"`) and percent-encoded in a URL (`/` → `%2F`).
///
/// Built once per execution (or per organization) from the secrets in play, then applied to
/// each log line in time linear in the line's length (Aho-Corasick), whatever the number of
/// secrets. Overlapping secrets are handled by redacting the longest match at each position.
/// `Debug` shows only how many secrets it holds. The matcher keeps its own copy of the patterns
/// (not zeroized on drop): keep a redactor only as long as the execution or request it serves.
#[derive(Clone, Default)]
pub struct Redactor {
    matcher: Option<Matcher>,
    count: usize,
}

#[derive(Clone)]
enum Matcher {
    Automaton(AhoCorasick),
    /// Only if the automaton cannot be built (pattern sets of gigabytes): slow, but never
    /// fails open. Patterns sorted longest first.
    Naive(Vec<String>),
}

impl Redactor {
    /// Builds a redactor for `secrets`, ignoring those shorter than [`MIN_SECRET_LEN`] bytes and
    /// duplicates.
    pub fn new<I, S>(secrets: I) -> Redactor
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut patterns: Vec<String> = Vec::new();
        for secret in secrets {
            let secret = secret.as_ref();
            if secret.len() < MIN_SECRET_LEN {
                continue;
            }
            patterns.push(secret.to_owned());
            let json = json_escaped(secret);
            if json != secret {
                patterns.push(json);
            }
            let url = percent_encoded(secret);
            if url != secret {
                patterns.push(url);
            }
        }
        patterns.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        patterns.dedup();
        let count = patterns.len();
        if count == 0 {
            return Redactor::default();
        }
        let matcher = match AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
        {
            Ok(automaton) => {
                // Zeroize our copies; the automaton keeps its own.
                for mut p in patterns {
                    zeroize::Zeroize::zeroize(&mut p);
                }
                Matcher::Automaton(automaton)
            }
            Err(_) => Matcher::Naive(patterns),
        };
        Redactor {
            matcher: Some(matcher),
            count,
        }
    }

    /// How many distinct patterns it redacts (secrets and their encoded forms).
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it redacts nothing.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Returns `text` with every secret replaced by `[redacted]`; borrows when there is nothing
    /// to replace.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.matcher {
            None => Cow::Borrowed(text),
            Some(Matcher::Automaton(automaton)) => {
                if !automaton.is_match(text) {
                    return Cow::Borrowed(text);
                }
                let mut out = String::with_capacity(text.len());
                automaton.replace_all_with(text, &mut out, |_, _, dst| {
                    dst.push_str(REDACTED);
                    true
                });
                Cow::Owned(out)
            }
            Some(Matcher::Naive(patterns)) => {
                let mut out = Cow::Borrowed(text);
                for p in patterns {
                    if out.contains(p.as_str()) {
                        out = Cow::Owned(out.replace(p.as_str(), REDACTED));
                    }
                }
                out
            }
        }
    }

    /// Redacts every string inside a JSON value, in place (keys included).
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        if self.matcher.is_none() {
            return;
        }
        match value {
            Value::String(s) => {
                if let Cow::Owned(r) = self.redact(s) {
                    *s = r;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (k, mut v) in entries {
                    self.redact_json(&mut v);
                    map.insert(self.redact(&k).into_owned(), v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// `secret` as it appears between the quotes of a JSON string.
fn json_escaped(secret: &str) -> String {
    let quoted = serde_json::Value::String(secret.to_owned()).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .map_or_else(|| secret.to_owned(), str::to_owned)
}

/// `secret` percent-encoded as in a URL query (RFC 3986 unreserved characters kept).
fn percent_encoded(secret: &str) -> String {
    let mut out = String::with_capacity(secret.len());
    for byte in secret.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.count)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table() {
        let r = Redactor::new(["hunter22", "abc", "token-XYZ", "token-XYZ-long", "hunter22"]);
        assert_eq!(r.len(), 3, "short and duplicate secrets are dropped");
        let r2 = Redactor::new(["p@ss \"word\"/1"]);
        for (input, expected) in [
            (
                r#"{"password":"p@ss \"word\"/1"}"#,
                r#"{"password":"[redacted]"}"#,
            ),
            (
                "GET /x?pw=p%40ss%20%22word%22%2F1&a=1",
                "GET /x?pw=[redacted]&a=1",
            ),
            ("raw p@ss \"word\"/1", "raw [redacted]"),
        ] {
            assert_eq!(r2.redact(input), expected, "{input}");
        }
        let cases = [
            ("nothing here", "nothing here"),
            ("password=hunter22", "password=[redacted]"),
            ("hunter22hunter22", "[redacted][redacted]"),
            ("abc is too short to redact", "abc is too short to redact"),
            ("Bearer token-XYZ-long!", "Bearer [redacted]!"),
            ("Bearer token-XYZ.", "Bearer [redacted]."),
            ("", ""),
            ("ünïcödé hunter22 ✓", "ünïcödé [redacted] ✓"),
        ];
        for (input, expected) in cases {
            assert_eq!(r.redact(input), expected, "{input}");
        }
    }

    #[test]
    fn borrows_when_clean() {
        let r = Redactor::new(["secret-value"]);
        assert!(matches!(r.redact("clean line"), Cow::Borrowed(_)));
        let empty = Redactor::new(Vec::<String>::new());
        assert!(empty.is_empty());
        assert!(matches!(empty.redact("secret-value"), Cow::Borrowed(_)));
    }

    #[test]
    fn json() {
        let r = Redactor::new(["s3cr3t-key"]);
        let mut v = json!({
            "headers": {"Authorization": "Bearer s3cr3t-key"},
            "list": ["a", "s3cr3t-key", 1, null],
            "s3cr3t-key": true
        });
        r.redact_json(&mut v);
        assert_eq!(
            v,
            json!({
                "headers": {"Authorization": "Bearer [redacted]"},
                "list": ["a", "[redacted]", 1, null],
                "[redacted]": true
            })
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let r = Redactor::new(["do-not-print"]);
        assert_eq!(format!("{r:?}"), "Redactor { secrets: 1 }");
    }
}
