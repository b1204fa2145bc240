//! XML to and from JSON, by the conventions of JavaScript's common XML parsers: an element is
//! a key; its text is its value, or, when it has attributes or child elements, an object of
//! its attributes (`@_name`), its text (`#text`) and its children (a repeated child is a list).
//! Text is trimmed; unless numbers are read as strings, `true`/`false` and decimal numbers
//! (without leading zeros) become JSON booleans and numbers. The declaration, comments,
//! processing instructions and the doctype are skipped.

use plumb_core::action::ActionError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{Map, Value};

/// The deepest element nesting read or written.
pub const MAX_DEPTH: usize = 256;

const ATTRIBUTE_PREFIX: &str = "@_";
const TEXT_KEY: &str = "#text";

/// An element being read.
struct Frame {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<(String, Value)>,
    text: String,
}

impl Frame {
    fn open(start: &BytesStart<'_>, key: &str) -> Result<Frame, ActionError> {
        let bad =
            |e: &dyn std::fmt::Display| ActionError::input(key, format!("is not valid XML: {e}"));
        let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
        let mut attributes = Vec::new();
        for a in start.attributes() {
            let a = a.map_err(|e| bad(&e))?;
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| bad(&e))?;
            attributes.push((
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                value.into_owned(),
            ));
        }
        Ok(Frame {
            name,
            attributes,
            children: Vec::new(),
            text: String::new(),
        })
    }

    fn close(self, numbers_as_strings: bool) -> (String, Value) {
        let text = self.text.trim();
        if self.attributes.is_empty() && self.children.is_empty() {
            return (self.name, scalar(text, numbers_as_strings));
        }
        let mut map = Map::new();
        for (k, v) in self.attributes {
            map.insert(format!("{ATTRIBUTE_PREFIX}{k}"), Value::String(v));
        }
        if !text.is_empty() {
            map.insert(TEXT_KEY.to_string(), scalar(text, numbers_as_strings));
        }
        group(&mut map, self.children);
        (self.name, Value::Object(map))
    }
}

/// Adds children to `map`, a repeated name becoming a list.
fn group(map: &mut Map<String, Value>, children: Vec<(String, Value)>) {
    for (name, value) in children {
        match map.get_mut(&name) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None => {
                map.insert(name, value);
            }
        }
    }
}

/// Text as a JSON value: a boolean or number when it reads as one (unless
/// `numbers_as_strings`), else the string.
fn scalar(text: &str, numbers_as_strings: bool) -> Value {
    if numbers_as_strings {
        return Value::String(text.to_string());
    }
    match text {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if is_plain_number(text) {
        if let Ok(i) = text.parse::<i64>() {
            return Value::from(i);
        }
        // An integer too large for i64 stays text rather than lose digits.
        let fractional = text.contains(['.', 'e', 'E']);
        if let Some(n) = fractional
            .then(|| text.parse::<f64>().ok())
            .flatten()
            .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(n);
        }
    }
    Value::String(text.to_string())
}

/// `-12`, `3.5`, `1e3`: an optional sign, digits without a leading zero (unless alone),
/// an optional fraction and exponent.
fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(i) => (&digits[..i], Some(&digits[i + 1..])),
        None => (digits, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(int)
        && (int == "0" || !int.starts_with('0'))
        && frac.is_none_or(all_digits)
        && exponent.is_none_or(|e| all_digits(e.strip_prefix(['-', '+']).unwrap_or(e)))
}

/// XML text as JSON (see the module docs).
pub fn xml_to_value(text: &str, numbers_as_strings: bool, key: &str) -> Result<Value, ActionError> {
    let bad = |e: &dyn std::fmt::Display| ActionError::input(key, format!("is not valid XML: {e}"));
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Frame> = Vec::new();
    let mut roots: Vec<(String, Value)> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| bad(&e))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ActionError::input(
                        key,
                        format!("nests elements deeper than {MAX_DEPTH}"),
                    ));
                }
                stack.push(Frame::open(&start, key)?);
            }
            Event::Empty(start) => {
                let closed = Frame::open(&start, key)?.close(numbers_as_strings);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(closed),
                    None => roots.push(closed),
                }
            }
            Event::End(_) => {
                let Some(frame) = stack.pop() else {
                    return Err(ActionError::input(
                        key,
                        "is not valid XML: an unopened end tag",
                    ));
                };
                let closed = frame.close(numbers_as_strings);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(closed),
                    None => roots.push(closed),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content().map_err(|e| bad(&e))?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().map_err(|e| bad(&e))?);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| bad(&e))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| bad(&e))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| bad(&format!("unknown entity `&{name};`")))?
                            .to_string()
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(ActionError::input(
            key,
            "is not valid XML: an element is not closed",
        ));
    }
    if roots.is_empty() {
        return Err(ActionError::input(key, "is not valid XML: no element"));
    }
    let mut map = Map::new();
    group(&mut map, roots);
    Ok(Value::Object(map))
}

/// A JSON object as XML text (see the module docs; the inverse mapping): each key an
/// element, a list repeating its element, `@_` keys attributes and `#text` the text; a
/// `?xml` key the declaration. No indentation.
pub fn value_to_xml(value: &Value, key: &str) -> Result<String, ActionError> {
    let Value::Object(map) = value else {
        return Err(ActionError::input(
            key,
            "must be an object (its keys are the top-level elements)",
        ));
    };
    let mut out = String::new();
    for (name, v) in map {
        if name == "?xml" {
            // A declaration, as JavaScript's parsers give it: `{"?xml": {"@_version": "1.0"}}`.
            out.push_str("<?xml");
            for (k, a) in v.as_object().into_iter().flatten() {
                if let Some(attribute) = k.strip_prefix(ATTRIBUTE_PREFIX).filter(|a| is_xml_name(a))
                {
                    out.push_str(&format!(
                        " {attribute}=\"{}\"",
                        quick_xml::escape::escape(text_of(a))
                    ));
                }
            }
            out.push_str("?>");
            continue;
        }
        element(name, v, &mut out, 0, key)?;
    }
    Ok(out)
}

fn element(
    name: &str,
    value: &Value,
    out: &mut String,
    depth: usize,
    key: &str,
) -> Result<(), ActionError> {
    if depth >= MAX_DEPTH {
        return Err(ActionError::input(
            key,
            format!("nests deeper than {MAX_DEPTH}"),
        ));
    }
    if let Value::Array(items) = value {
        for item in items {
            element(name, item, out, depth + 1, key)?;
        }
        return Ok(());
    }
    if !is_xml_name(name) {
        return Err(ActionError::input(
            key,
            format!("has key `{name}`, which is not an XML element name"),
        ));
    }
    out.push('<');
    out.push_str(name);
    match value {
        Value::Null => out.push_str("/>"),
        Value::Object(map) => {
            for (k, v) in map {
                if let Some(attribute) = k.strip_prefix(ATTRIBUTE_PREFIX) {
                    if !is_xml_name(attribute) {
                        return Err(ActionError::input(
                            key,
                            format!("has key `{k}`, which is not an XML attribute name"),
                        ));
                    }
                    out.push(' ');
                    out.push_str(attribute);
                    out.push_str("=\"");
                    out.push_str(&quick_xml::escape::escape(text_of(v)));
                    out.push('"');
                }
            }
            let content: Vec<(&String, &Value)> = map
                .iter()
                .filter(|(k, _)| !k.starts_with(ATTRIBUTE_PREFIX))
                .collect();
            if content.is_empty() {
                out.push_str("/>");
                return Ok(());
            }
            out.push('>');
            for (k, v) in content {
                if k == TEXT_KEY {
                    out.push_str(&quick_xml::escape::escape(text_of(v)));
                } else {
                    element(k, v, out, depth + 1, key)?;
                }
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        scalar => {
            out.push('>');
            out.push_str(&quick_xml::escape::escape(text_of(scalar)));
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
    Ok(())
}

fn text_of(value: &Value) -> String {
    super::formats::cell(value)
}

/// Whether `name` is an XML name (ASCII letters, digits, `_ - . :`, not starting with a digit,
/// `-` or `.`; other Unicode letters allowed).
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_' || first == ':')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}
