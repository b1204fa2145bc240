//! The properties the fuzz targets (`fuzz/fuzz_targets/`) check, shared with the regression
//! test (`tests/fuzz_regressions.rs`) that replays every input the fuzzers found.

use plumb_core::definition::{self, Input};
use plumb_core::expr::{Expr, Reference, Template};
use plumb_core::id;
use serde_json::Value;

/// Any text parses to a definition or problems, never a panic; a definition that parses exports
/// to YAML that parses again.
pub fn definition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = definition::parse(text) {
        let none: Vec<plumb_core::component::ComponentSpec> = Vec::new();
        let _ = parsed.validate(&none);
        let exported = definition::export(&parsed.definition);
        assert!(
            definition::parse(&exported).is_ok(),
            "an exported definition does not parse again:\n{exported}"
        );
    }
}

const KINDS: &[&str] = &["value", "reference", "configVar", "template", "complex"];

/// A definition input of any type and value, a reference and a template of any text: an
/// expression or an error, never a panic.
pub fn expressions(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let _ = Reference::parse(text);
    let _ = Template::parse(text);
    let value = serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.into()));
    let mut input = Input::value(value);
    input.kind = KINDS[usize::from(kind) % KINDS.len()].to_string();
    if let Ok(expr) = Expr::parse(&input) {
        let _ = expr.references();
        let _ = expr.config_vars();
    }
}

/// Any text decodes to a type and UUID or an error; an encoded ID decodes back to itself.
pub fn global_ids(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = id::decode_any(text);
        let _ = id::decode("Customer", text);
    }
    if data.len() >= 16 {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&data[..16]);
        let uuid = uuid::Uuid::from_bytes(bytes);
        let name = String::from_utf8_lossy(&data[16..]);
        let encoded = id::encode(&name, uuid);
        if let Ok((t, u)) = id::decode_any(&encoded) {
            assert_eq!(u, uuid);
            assert_eq!(t, name);
        }
    }
}
