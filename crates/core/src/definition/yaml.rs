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
//!
//! [`emit`] is our own small emitter (JSON values only need block maps, block lists and
//! scalars): `yaml-rust2`'s emitter writes some multi-line strings as literal blocks that do not
//! read back (a first line starting with spaces), and code steps are multi-line text.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::limits::{Limits, LIMITS};

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

/// What kind of YAML error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlErrorKind {
    /// The text is not valid YAML (or not the subset definitions use).
    Syntax,
    /// The text is valid YAML but exceeds one of the [`Limits`] (size, aliases, nodes, depth).
    Limit,
}

/// A YAML syntax error, or a limit exceeded while reading.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} at line {}, column {}", position.line, position.column)]
pub struct YamlError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub position: Position,
    /// A syntax error or a limit.
    pub kind: YamlErrorKind,
}

enum Body {
    Seq(Vec<Value>),
    Map {
        map: Map<String, Value>,
        key: Option<String>,
    },
}

struct Frame {
    body: Body,
    anchor: usize,
    /// The node count when this container started (its own node not counted yet).
    start_nodes: usize,
    /// The nesting height of its deepest child so far (0: only scalars).
    height: usize,
}

/// A value kept for its aliases, with what expanding it costs.
struct Anchored {
    value: Value,
    /// Nodes in the value (the value itself included).
    nodes: usize,
    /// Nesting height of the value (0 for a scalar, 1 for a flat mapping or list).
    height: usize,
}

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    /// Pointer of each open container, parallel to `stack`.
    pointers: Vec<String>,
    spans: HashMap<String, Position>,
    anchors: HashMap<usize, Anchored>,
    root: Option<Value>,
    documents: usize,
    /// Nodes built so far, aliases counted by what they expand to.
    nodes: usize,
    aliases: usize,
    error: Option<YamlError>,
}

impl Builder {
    fn new(limits: Limits) -> Builder {
        Builder {
            limits,
            stack: Vec::new(),
            pointers: Vec::new(),
            spans: HashMap::new(),
            anchors: HashMap::new(),
            root: None,
            documents: 0,
            nodes: 0,
            aliases: 0,
            error: None,
        }
    }

    fn fail(&mut self, message: impl Into<String>, mark: Marker) {
        self.fail_as(YamlErrorKind::Syntax, message, mark);
    }

    fn fail_as(&mut self, kind: YamlErrorKind, message: impl Into<String>, mark: Marker) {
        if self.error.is_none() {
            self.error = Some(YamlError {
                message: message.into(),
                position: mark.into(),
                kind,
            });
        }
    }

    /// Counts `n` more nodes; false (and the error set) past the node limit.
    fn count(&mut self, n: usize, mark: Marker) -> bool {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.nodes {
            let message = self.limits.nodes_message();
            self.fail_as(YamlErrorKind::Limit, message, mark);
            return false;
        }
        true
    }

    /// Records that a child of nesting height `height` was added to the open container.
    fn child_height(&mut self, height: usize) {
        if let Some(top) = self.stack.last_mut() {
            top.height = top.height.max(height);
        }
    }

    /// The pointer of the node that starts now, or `None` when it is a mapping key.
    fn child_pointer(&self) -> Option<String> {
        let parent = self.pointers.last().map(String::as_str).unwrap_or("");
        match self.stack.last().map(|f| &f.body) {
            None => Some(String::new()),
            Some(Body::Seq(items)) => Some(format!("{parent}/{}", items.len())),
            Some(Body::Map { key: Some(k), .. }) => Some(format!("{parent}/{}", escape_segment(k))),
            Some(Body::Map { key: None, .. }) => None,
        }
    }

    /// Whether the open container is a mapping waiting for its next key.
    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last().map(|f| &f.body),
            Some(Body::Map { key: None, .. })
        )
    }

    fn push_value(&mut self, value: Value, mark: Marker) {
        match self.stack.last_mut().map(|f| &mut f.body) {
            None => self.root = Some(value),
            Some(Body::Seq(items)) => items.push(value),
            Some(Body::Map { map, key }) => {
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
                if !self.count(1, mark) {
                    return;
                }
                if let Some(Frame {
                    body: Body::Map { key: k @ None, .. },
                    ..
                }) = self.stack.last_mut()
                {
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
                    let anchored = Anchored {
                        value: value.clone(),
                        nodes: 1,
                        height: 0,
                    };
                    self.anchors.insert(anchor, anchored);
                }
                self.push_value(value, mark);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let start_nodes = self.nodes;
                if !self.count(1, mark) {
                    return;
                }
                let Some(pointer) = self.start_node(mark) else {
                    self.fail("mapping keys must be plain scalars", mark);
                    return;
                };
                if self.stack.len() >= self.limits.depth {
                    let message = self.limits.depth_message();
                    self.fail_as(YamlErrorKind::Limit, message, mark);
                    return;
                }
                self.pointers.push(pointer);
                let body = if matches!(ev, Event::SequenceStart(..)) {
                    Body::Seq(Vec::new())
                } else {
                    Body::Map {
                        map: Map::new(),
                        key: None,
                    }
                };
                self.stack.push(Frame {
                    body,
                    anchor,
                    start_nodes,
                    height: 0,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.pointers.pop();
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                let value = match frame.body {
                    Body::Seq(items) => Value::Array(items),
                    Body::Map { map, .. } => Value::Object(map),
                };
                let height = frame.height + 1;
                if frame.anchor > 0 {
                    let anchored = Anchored {
                        value: value.clone(),
                        nodes: self.nodes - frame.start_nodes,
                        height,
                    };
                    self.anchors.insert(frame.anchor, anchored);
                }
                self.child_height(height);
                self.push_value(value, mark);
            }
            Event::Alias(id) => {
                if self.expects_key() {
                    self.fail("aliases cannot be mapping keys", mark);
                    return;
                }
                self.aliases += 1;
                if self.aliases > self.limits.aliases {
                    let message = self.limits.aliases_message();
                    self.fail_as(YamlErrorKind::Limit, message, mark);
                    return;
                }
                let (nodes, height) = self
                    .anchors
                    .get(&id)
                    .map_or((1, 0), |a| (a.nodes, a.height));
                // Counted before anything is copied: a bomb stops here.
                if !self.count(nodes, mark) {
                    return;
                }
                if self.stack.len() + height > self.limits.depth {
                    let message = self.limits.depth_message();
                    self.fail_as(YamlErrorKind::Limit, message, mark);
                    return;
                }
                self.start_node(mark);
                let value = self
                    .anchors
                    .get(&id)
                    .map_or(Value::Null, |a| a.value.clone());
                self.child_height(height);
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

/// Parses YAML text into a JSON value and the positions of its nodes, within [`LIMITS`].
pub fn parse(text: &str) -> Result<(Value, Spans), YamlError> {
    parse_within(text, &LIMITS)
}

/// Parses YAML text within `limits`: a text, alias count, node count (aliases expanded) or
/// nesting beyond them stops the reading at once with a [`YamlErrorKind::Limit`] error.
pub fn parse_within(text: &str, limits: &Limits) -> Result<(Value, Spans), YamlError> {
    if text.len() > limits.text_bytes {
        return Err(YamlError {
            message: limits.text_message(text.len()),
            position: Position { line: 1, column: 1 },
            kind: YamlErrorKind::Limit,
        });
    }
    let mut builder = Builder::new(*limits);
    let mut parser = Parser::new_from_str(text);
    // Events are pulled one at a time (the parser's own `load` recurses once per nesting
    // level), so deep nesting cannot exhaust the stack and the first error stops the reading.
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            message: e.info().to_string(),
            position: (*e.marker()).into(),
            kind: YamlErrorKind::Syntax,
        })?;
        if event == Event::StreamEnd {
            break;
        }
        builder.on_event(event, mark);
        if let Some(e) = builder.error {
            return Err(e);
        }
    }
    let root = builder.root.unwrap_or(Value::Null);
    Ok((root, Spans(builder.spans)))
}

/// Whether a string can be written as a plain (unquoted) scalar and read back as the same string.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let last = s.chars().last().unwrap_or(first);
    if first.is_whitespace() || last.is_whitespace() || "-?:,[]{}#&*!|>'\"%@`.~+".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.chars().any(|c| c.is_control())
    {
        return false;
    }
    // Words other YAML readers take for booleans or nulls stay quoted.
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
    ) {
        return false;
    }
    plain_scalar(s) == Value::String(s.to_string())
}

/// Whether a multi-line string can be a literal block (`|`): no control characters, and a first
/// line that does not start with whitespace (that would need an indentation indicator).
fn block_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\t', '\n'])
        && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

fn quoted(s: &str) -> String {
    // A JSON string is a valid YAML double-quoted scalar.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn key(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// Writes a scalar after `key:` or `- ` (the leading space included); `indent` is the
/// indentation of block content.
fn scalar(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Null => out.push_str(" null"),
        Value::Bool(b) => out.push_str(if *b { " true" } else { " false" }),
        Value::Number(n) => {
            out.push(' ');
            out.push_str(&n.to_string());
        }
        Value::String(s) if plain_ok(s) => {
            out.push(' ');
            out.push_str(s);
        }
        Value::String(s) if block_ok(s) => {
            let body = s.trim_end_matches('\n');
            let trailing = s.len() - body.len();
            out.push_str(" |");
            out.push_str(match trailing {
                0 => "-",
                1 => "",
                _ => "+",
            });
            let pad = " ".repeat(indent);
            for line in body.split('\n') {
                out.push('\n');
                if !line.is_empty() {
                    out.push_str(&pad);
                    out.push_str(line);
                }
            }
            for _ in 1..trailing {
                out.push('\n');
            }
        }
        Value::String(s) => {
            out.push(' ');
            out.push_str(&quoted(s));
        }
        Value::Array(_) | Value::Object(_) => {}
    }
}

fn is_empty_container(v: &Value) -> Option<&'static str> {
    match v {
        Value::Array(a) if a.is_empty() => Some(" []"),
        Value::Object(o) if o.is_empty() => Some(" {}"),
        _ => None,
    }
}

/// Writes the entries of a mapping, each on its own line at `indent`. With `inline_first`, the
/// first entry continues the current line (after `- `).
fn mapping(out: &mut String, map: &Map<String, Value>, indent: usize, inline_first: bool) {
    for (i, (k, v)) in map.iter().enumerate() {
        if !(inline_first && i == 0) {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&key(k));
        out.push(':');
        node(out, v, indent);
    }
}

/// Writes a value after `key:` at `indent`.
fn node(out: &mut String, v: &Value, indent: usize) {
    if let Some(empty) = is_empty_container(v) {
        out.push_str(empty);
        return;
    }
    match v {
        Value::Object(map) => mapping(out, map, indent + 2, false),
        Value::Array(items) => sequence(out, items, indent + 2),
        scalar_value => scalar(out, scalar_value, indent + 2),
    }
}

/// Writes the items of a sequence, each `- ` on its own line at `indent`.
fn sequence(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
        out.push('-');
        if let Some(empty) = is_empty_container(item) {
            out.push_str(empty);
            continue;
        }
        match item {
            Value::Object(map) => {
                out.push(' ');
                mapping(out, map, indent + 2, true);
            }
            Value::Array(inner) => sequence(out, inner, indent + 2),
            scalar_value => scalar(out, scalar_value, indent + 2),
        }
    }
}

/// Emits a JSON value as a YAML document: block mappings and sequences, plain scalars where
/// they read back unchanged, literal blocks for multi-line text, double quotes otherwise.
pub fn emit(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => {
            mapping(&mut out, map, 0, true);
        }
        Value::Array(items) if !items.is_empty() => {
            sequence(&mut out, items, 0);
            out.remove(0);
        }
        other => {
            scalar(&mut out, other, 2);
            if let Some(empty) = is_empty_container(other) {
                out.push_str(empty);
            }
            out.remove(0);
        }
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

    #[test]
    fn emit_round_trips_tricky_strings() {
        let strings = [
            "- x",
            "#c",
            " lead",
            "trail ",
            "a\n  b\n",
            "x\ny",
            "  indented\nfirst\n",
            "line  \nspaces  ",
            "{{configVars.x}}",
            "é ü ✓",
            "'q",
            "\"dq",
            "null",
            "~",
            "",
            "0x10",
            "1e3",
            "yes",
            "No",
            "@at",
            "`tick",
            "a: b: c",
            "[1]",
            "*alias",
            "&anchor",
            "!tag",
            "%dir",
            "tab\there",
            "\r\n",
            "ends\n\n",
            "\n",
            "---",
            "...",
            "? q",
            "| pipe",
            "> gt",
            "-1",
            ".5",
            "+1",
            "0o17",
            "1_000",
        ];
        for s in strings {
            let v = json!({ "k": s, "l": [s] });
            let text = emit(&v);
            let (back, _) = parse(&text).unwrap_or_else(|e| panic!("{s:?}: {e}\n{text}"));
            assert_eq!(back, v, "{s:?}\n{text}");
        }
    }
}
