//! YAML text ↔ JSON values, keeping the line and column of every node.
//!
//! Why `yaml-rust2`: validation must point at the YAML line and column of each problem, so the
//! parser has to expose node positions. `serde_yaml` 0.9 is deprecated and only reports the
//! position of a syntax error; `yaml-rust2` is the maintained, pure-Rust, YAML 1.2 fork of
//! `yaml-rust` whose event parser gives a [`Marker`] (line, column) for every event, has two small
//! dependencies and also emits YAML. `saphyr` (same authors) has a span-carrying tree too, but its
//! API is still 0.0.x and changing. We build a [`serde_json::Value`] from the events and record
//! the position of every node under its JSON pointer in [`Spans`], so the typed model stays plain
//! serde and positions are looked up by path.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::yaml::{Hash, Yaml};
use yaml_rust2::YamlEmitter;

/// A line and column in the YAML text, both starting at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1.
    pub column: usize,
}

impl From<Marker> for Position {
    fn from(m: Marker) -> Self {
        Position {
            line: m.line(),
            column: m.col() + 1,
        }
    }
}

/// Positions of the nodes of a parsed document by JSON pointer (`/flows/0/steps/1/inputs/url`).
/// A mapping entry's pointer gives the position of its key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spans(HashMap<String, Position>);

impl Spans {
    /// The position of the node at `pointer`, or of its nearest ancestor that has one.
    pub fn find(&self, pointer: &str) -> Position {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.0.get(p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.0.get("").copied().unwrap_or_default(),
            }
        }
    }

    /// The exact position of the node at `pointer`, if recorded.
    pub fn get(&self, pointer: &str) -> Option<Position> {
        self.0.get(pointer).copied()
    }
}

/// Escapes one JSON pointer segment (`~` → `~0`, `/` → `~1`).
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A YAML syntax error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} at line {}, column {}", position.line, position.column)]
pub struct YamlError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub position: Position,
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
    },
    Map {
        map: Map<String, Value>,
        key: Option<String>,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// Pointer of each open container, parallel to `stack`.
    pointers: Vec<String>,
    spans: HashMap<String, Position>,
    anchors: HashMap<usize, Value>,
    root: Option<Value>,
    documents: usize,
    error: Option<YamlError>,
}

impl Builder {
    fn fail(&mut self, message: impl Into<String>, mark: Marker) {
        if self.error.is_none() {
            self.error = Some(YamlError {
                message: message.into(),
                position: mark.into(),
            });
        }
    }

    /// The pointer of the node that starts now, or `None` when it is a mapping key.
    fn child_pointer(&self) -> Option<String> {
        let parent = self.pointers.last().map(String::as_str).unwrap_or("");
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Seq { items, .. }) => Some(format!("{parent}/{}", items.len())),
            Some(Frame::Map { key: Some(k), .. }) => {
                Some(format!("{parent}/{}", escape_segment(k)))
            }
            Some(Frame::Map { key: None, .. }) => None,
        }
    }

    fn push_value(&mut self, value: Value, mark: Marker) {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => {
                if let Some(k) = key.take() {
                    if map.insert(k.clone(), value).is_some() {
                        self.fail(format!("duplicate key `{k}`"), mark);
                    }
                }
            }
        }
    }

    fn start_node(&mut self, mark: Marker) -> Option<String> {
        let pointer = self.child_pointer();
        if let Some(p) = &pointer {
            self.spans.entry(p.clone()).or_insert_with(|| mark.into());
        }
        pointer
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.fail("a definition is one YAML document", mark);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(Frame::Map { key: k @ None, .. }) = self.stack.last_mut() {
                    *k = Some(text.clone());
                    let parent = self.pointers.last().cloned().unwrap_or_default();
                    let p = format!("{parent}/{}", escape_segment(&text));
                    self.spans.insert(p, mark.into());
                    return;
                }
                self.start_node(mark);
                let is_str_tag = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value = if style == TScalarStyle::Plain && !is_str_tag {
                    plain_scalar(&text)
                } else {
                    Value::String(text)
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                self.push_value(value, mark);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let Some(pointer) = self.start_node(mark) else {
                    self.fail("mapping keys must be plain scalars", mark);
                    return;
                };
                self.pointers.push(pointer);
                if matches!(ev, Event::SequenceStart(..)) {
                    self.stack.push(Frame::Seq {
                        items: Vec::new(),
                        anchor,
                    });
                } else {
                    self.stack.push(Frame::Map {
                        map: Map::new(),
                        key: None,
                        anchor,
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.pointers.pop();
                let (value, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, anchor }) => (Value::Array(items), anchor),
                    Some(Frame::Map { map, anchor, .. }) => (Value::Object(map), anchor),
                    None => return,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                self.push_value(value, mark);
            }
            Event::Alias(id) => {
                if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
                    self.fail("aliases cannot be mapping keys", mark);
                    return;
                }
                self.start_node(mark);
                let value = self.anchors.get(&id).cloned().unwrap_or(Value::Null);
                self.push_value(value, mark);
            }
            _ => {}
        }
    }
}

/// Resolves a plain scalar with the YAML 1.2 core schema (JSON-compatible subset).
fn plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        if let Ok(i) = text.parse::<i64>() {
            return Value::Number(i.into());
        }
        if let Some(hex) = text.strip_prefix("0x") {
            if let Ok(i) = i64::from_str_radix(hex, 16) {
                return Value::Number(i.into());
            }
        }
        if let Some(oct) = text.strip_prefix("0o") {
            if let Ok(i) = i64::from_str_radix(oct, 8) {
                return Value::Number(i.into());
            }
        }
        let looks_float = text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
        if looks_float {
            if let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
                return Value::Number(n);
            }
        }
    }
    Value::String(text.to_string())
}

/// Parses YAML text into a JSON value and the positions of its nodes.
pub fn parse(text: &str) -> Result<(Value, Spans), YamlError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(|e| YamlError {
        message: e.info().to_string(),
        position: (*e.marker()).into(),
    })?;
    if let Some(e) = builder.error {
        return Err(e);
    }
    let root = builder.root.unwrap_or(Value::Null);
    Ok((root, Spans(builder.spans)))
}

fn to_yaml(value: &Value) -> Yaml {
    match value {
        Value::Null => Yaml::Null,
        Value::Bool(b) => Yaml::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Integer(i),
            None => Yaml::Real(n.to_string()),
        },
        Value::String(s) => Yaml::String(s.clone()),
        Value::Array(items) => Yaml::Array(items.iter().map(to_yaml).collect()),
        Value::Object(map) => {
            let mut hash = Hash::new();
            for (k, v) in map {
                hash.insert(Yaml::String(k.clone()), to_yaml(v));
            }
            Yaml::Hash(hash)
        }
    }
}

/// Emits a JSON value as a YAML document (keys in the value's order, multi-line strings as
/// literal blocks).
pub fn emit(value: &Value) -> String {
    let mut out = String::new();
    let mut emitter = YamlEmitter::new(&mut out);
    emitter.multiline_strings(true);
    // Writing to a String cannot fail; an error here would be an emitter bug.
    if emitter.dump(&to_yaml(value)).is_err() {
        return serde_json::to_string_pretty(value).unwrap_or_default();
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_and_positions() {
        let text = "a: 1\nb:\n  - x\n  - 'true'\n  - true\nc: {d: ~}\n";
        let (v, spans) = parse(text).unwrap();
        assert_eq!(
            v,
            json!({"a": 1, "b": ["x", "true", true], "c": {"d": null}})
        );
        assert_eq!(spans.get("/a"), Some(Position { line: 1, column: 1 }));
        assert_eq!(spans.get("/b/1"), Some(Position { line: 4, column: 5 }));
        assert_eq!(spans.find("/c/d/zz"), Position { line: 6, column: 5 });
    }

    #[test]
    fn syntax_error_has_position() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.position.line >= 1, "{e}");
    }

    #[test]
    fn duplicate_keys_rejected() {
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e}");
        assert_eq!(e.position.line, 2);
    }

    #[test]
    fn emit_round_trips() {
        let v = json!({"s": "true", "n": 3, "f": 1.5, "code": "line1\nline2\n", "l": [], "o": {}, "e": "", "x": null, "k/y": "a: b"});
        let (back, _) = parse(&emit(&v)).unwrap();
        assert_eq!(back, v);
    }
}
