//! Base64 texts inside JSON results (a binary body plumb's HTTP component encodes for
//! `includeFullResponse`, an API's `content` field): a JSON string that is wholly base64 is
//! decoded and its bytes searched with every pattern, so a secret is found in it whatever its
//! alignment and whatever form it took inside (JSON-escaped, Basic, percent-encoded). A match
//! is replaced in the decoded bytes, which are encoded again in the same alphabet and padding:
//! the string stays valid base64.

use aho_corasick::AhoCorasick;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use super::REDACTED;

/// Shorter strings are not decoded: they cannot hold a secret of 4 bytes and something else,
/// and short words of letters and digits are base64 by accident.
pub const MIN_DECODED_TEXT: usize = 16;

fn engine(url_safe: bool, pad: bool) -> GeneralPurpose {
    let config = GeneralPurposeConfig::new()
        .with_encode_padding(pad)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let alphabet = if url_safe {
        &alphabet::URL_SAFE
    } else {
        &alphabet::STANDARD
    };
    GeneralPurpose::new(alphabet, config)
}

/// Whether `s` is wholly base64 of one alphabet: `Some(url_safe)`, or `None`.
fn alphabet_of(s: &str) -> Option<bool> {
    if s.len() < MIN_DECODED_TEXT {
        return None;
    }
    let body = s.trim_end_matches('=');
    if s.len() - body.len() > 2 {
        return None;
    }
    let (mut standard, mut url) = (false, false);
    for b in body.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => {}
            b'+' | b'/' => standard = true,
            b'-' | b'_' => url = true,
            _ => return None,
        }
    }
    match (standard, url) {
        (true, true) => None,
        (_, url) => Some(url),
    }
}

/// `s` with every match inside its decoded bytes replaced, encoded again; `None` when `s` is
/// no base64 text or its bytes hold no match.
pub fn redact_base64(ac: &AhoCorasick, s: &str) -> Option<String> {
    let url_safe = alphabet_of(s)?;
    let pad = s.ends_with('=');
    let engine = engine(url_safe, pad);
    let bytes = engine.decode(s).ok()?;
    let mut matches = ac.find_iter(bytes.as_slice()).peekable();
    matches.peek()?;
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for m in matches {
        out.extend_from_slice(&bytes[at..m.start()]);
        out.extend_from_slice(REDACTED.as_bytes());
        at = m.end();
    }
    out.extend_from_slice(&bytes[at..]);
    Some(engine.encode(out))
}

/// Whether `s` is a candidate for [`redact_base64`] (cheap: no decoding).
pub fn is_candidate(s: &str) -> bool {
    alphabet_of(s).is_some()
}
