//! The forms a secret takes on its way through plumb and the HTTP clients it uses: the patterns
//! a [`Redactor`](super::Redactor) matches for each secret.
//!
//! For a secret `s` (at least [`MIN_SECRET_LEN`](super::MIN_SECRET_LEN) bytes):
//! - `s` itself;
//! - `s` as it appears between the quotes of a JSON string: escaped by serde_json (`"` → `\"`,
//!   control characters), with `/` escaped as `\/` too, and with non-ASCII characters as
//!   `\uXXXX` (Python's `ensure_ascii`);
//! - `s` percent-encoded: each of four sets of characters left as they are (RFC 3986 unreserved,
//!   `application/x-www-form-urlencoded`, JavaScript's `encodeURIComponent`, a URL query), with
//!   a space as `%20` or `+`, upper- or lower-case hex digits;
//! - `s` in standard and URL-safe base64, with and without padding, and the characters that
//!   depend on `s` alone when `s` sits at any of the three byte alignments inside a longer
//!   base64 text (at least [`MIN_BASE64_CORE`] characters, so very short secrets only match
//!   whole), for `s` and for its form-encoded form;
//! - for a pair of a user name and a secret (HTTP Basic credentials, a client ID and secret of
//!   `client_secret_basic`, a proxy's user and password): base64 of `user:secret`, and of the
//!   form-encoded `user:secret`, in every base64 alphabet above.
//!
//! Every pattern containing `/` is also matched with `\/` (JSON serializers that escape slashes).

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// The shortest base64 fragment matched inside a longer base64 text: shorter fragments would
/// match by chance in large base64 bodies (images) and corrupt them.
pub const MIN_BASE64_CORE: usize = 6;

/// Which bytes a percent-encoder leaves as they are.
#[derive(Clone, Copy)]
enum Keep {
    /// RFC 3986 unreserved: `A-Z a-z 0-9 - . _ ~`.
    Unreserved,
    /// `application/x-www-form-urlencoded` (WHATWG, Rust's `form_urlencoded`): `A-Z a-z 0-9 * - . _`.
    Form,
    /// JavaScript's `encodeURIComponent`: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
    UriComponent,
    /// A URL query (Rust's `url`): every printable ASCII character but `" # < > '`.
    Query,
}

impl Keep {
    fn keeps(self, b: u8) -> bool {
        match self {
            Keep::Unreserved => b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'),
            Keep::Form => b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_'),
            Keep::UriComponent => {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
                    )
            }
            Keep::Query => b.is_ascii_graphic() && !matches!(b, b'"' | b'#' | b'<' | b'>' | b'\''),
        }
    }
}

/// `s` percent-encoded, leaving `keep`'s bytes, a space as `+` when `plus`, hex digits in
/// upper case when `upper`.
fn percent(s: &str, keep: Keep, plus: bool, upper: bool) -> String {
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    const LOWER: &[u8; 16] = b"0123456789abcdef";
    let digits = if upper { UPPER } else { LOWER };
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b == b' ' && plus {
            out.push('+');
        } else if keep.keeps(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(digits[usize::from(b >> 4)]));
            out.push(char::from(digits[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// `s` form-encoded as plumb's token requests and query keys are (`+` for a space).
pub fn form_encoded(s: &str) -> String {
    percent(s, Keep::Form, true, true)
}

/// `s` between the quotes of a JSON string, as serde_json writes it.
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_owned()).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .map_or_else(|| s.to_owned(), str::to_owned)
}

/// [`json_escaped`] with every non-ASCII character as `\uXXXX` (lower-case hex, UTF-16).
fn json_ascii_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in json_escaped(s).chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// The base64 characters that depend only on `bytes` when they start `align` bytes into a
/// 3-byte group of a longer base64 text (`align` in 0..3), in the standard and URL-safe
/// alphabets; empty when shorter than [`MIN_BASE64_CORE`].
fn base64_cores(bytes: &[u8], out: &mut Vec<String>) {
    for align in 0..3usize {
        let mut buf = vec![0u8; align];
        buf.extend_from_slice(bytes);
        // Character i covers bits [6i, 6i + 6); the secret covers [8 align, 8 (align + n)).
        let start = (8 * align).div_ceil(6);
        let end = 8 * (align + bytes.len()) / 6;
        if end < start + MIN_BASE64_CORE {
            continue;
        }
        for encoded in [STANDARD_NO_PAD.encode(&buf), URL_SAFE_NO_PAD.encode(&buf)] {
            if let Some(core) = encoded.get(start..end) {
                out.push(core.to_owned());
            }
        }
    }
}

/// `bytes` in every base64 alphabet, with and without padding.
fn base64_whole(bytes: &[u8], out: &mut Vec<String>) {
    out.push(STANDARD.encode(bytes));
    out.push(STANDARD_NO_PAD.encode(bytes));
    out.push(URL_SAFE.encode(bytes));
    out.push(URL_SAFE_NO_PAD.encode(bytes));
}

/// Every form of one secret (unsorted, may repeat).
pub fn secret_forms(secret: &str, out: &mut Vec<String>) {
    out.push(secret.to_owned());
    out.push(json_escaped(secret));
    out.push(json_ascii_escaped(secret));
    for keep in [
        Keep::Unreserved,
        Keep::Form,
        Keep::UriComponent,
        Keep::Query,
    ] {
        for plus in [false, true] {
            for upper in [true, false] {
                out.push(percent(secret, keep, plus, upper));
            }
        }
    }
    base64_whole(secret.as_bytes(), out);
    base64_cores(secret.as_bytes(), out);
    let form = form_encoded(secret);
    if form != secret {
        base64_whole(form.as_bytes(), out);
        base64_cores(form.as_bytes(), out);
    }
}

/// The base64 forms of `user:secret` credentials (HTTP Basic, `client_secret_basic`).
pub fn pair_forms(user: &str, secret: &str, out: &mut Vec<String>) {
    base64_whole(format!("{user}:{secret}").as_bytes(), out);
    base64_whole(
        format!("{}:{}", form_encoded(user), form_encoded(secret)).as_bytes(),
        out,
    );
}

/// Adds the `\/` variant of every pattern containing `/`.
pub fn with_escaped_slashes(patterns: &mut Vec<String>) {
    let escaped: Vec<String> = patterns
        .iter()
        .filter(|p| p.contains('/'))
        .map(|p| p.replace('/', "\\/"))
        .collect();
    patterns.extend(escaped);
}
