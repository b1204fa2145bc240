//! A structural pass over the raw YAML value before typed deserialization, so that shape
//! errors (a missing `name`, `steps` that is not a list, an input without `type`) are all
//! reported at once, with their flow, step and position.

use serde_json::{Map, Value};

use super::problems::{Problem, ProblemKind};
use super::yaml::{escape_segment, Spans};

struct Checker<'a> {
    spans: &'a Spans,
    problems: Vec<Problem>,
    flow: Option<String>,
    step: Option<String>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

impl Checker<'_> {
    fn problem(&mut self, pointer: String, message: String, input: Option<&str>) {
        let mut p = Problem::new(
            ProblemKind::Structure,
            message,
            pointer.clone(),
            self.spans.find(&pointer),
        );
        p.flow = self.flow.clone();
        p.step = self.step.clone();
        p.input = input.map(str::to_string);
        self.problems.push(p);
    }

    /// A required string field.
    fn string<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        field: &str,
        at: &str,
    ) -> Option<&'v str> {
        match map.get(field) {
            Some(Value::String(s)) => Some(s),
            None | Some(Value::Null) => {
                self.problem(at.to_string(), format!("`{field}` is missing"), None);
                None
            }
            Some(other) => {
                self.problem(
                    format!("{at}/{field}"),
                    format!("`{field}` must be a string, not {}", type_name(other)),
                    None,
                );
                None
            }
        }
    }

    /// An optional list field.
    fn list<'v>(&mut self, map: &'v Map<String, Value>, field: &str, at: &str) -> &'v [Value] {
        match map.get(field) {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => &[],
            Some(other) => {
                self.problem(
                    format!("{at}/{field}"),
                    format!("`{field}` must be a list, not {}", type_name(other)),
                    None,
                );
                &[]
            }
        }
    }

    fn object<'v>(&mut self, v: &'v Value, what: &str, at: &str) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            other => {
                self.problem(
                    at.to_string(),
                    format!("{what} must be a mapping, not {}", type_name(other)),
                    None,
                );
                None
            }
        }
    }

    fn steps(&mut self, steps: &[Value], at: &str) {
        for (i, s) in steps.iter().enumerate() {
            let ptr = format!("{at}/{i}");
            let Some(map) = self.object(s, "a step", &ptr) else {
                continue;
            };
            let saved = self.step.take();
            self.step = map.get("name").and_then(Value::as_str).map(str::to_string);
            self.string(map, "name", &ptr);
            match map.get("action") {
                Some(a) => {
                    let ap = format!("{ptr}/action");
                    if let Some(action) = self.object(a, "`action`", &ap) {
                        self.string(action, "key", &ap);
                        match action.get("component") {
                            Some(c) => {
                                let cp = format!("{ap}/component");
                                if let Some(component) = self.object(c, "`component`", &cp) {
                                    self.string(component, "key", &cp);
                                }
                            }
                            None => self.problem(
                                ap.clone(),
                                "`action.component` is missing".into(),
                                None,
                            ),
                        }
                    }
                }
                None => self.problem(ptr.clone(), "`action` is missing".into(), None),
            }
            match map.get("inputs") {
                None | Some(Value::Null) => {}
                Some(Value::Object(inputs)) => {
                    for (k, input) in inputs {
                        let ip = format!("{ptr}/inputs/{}", escape_segment(k));
                        match input {
                            Value::Object(m) if m.get("type").is_some_and(Value::is_string) => {}
                            _ => {
                                self.problem(ip, "an input must be `{type, value}`".into(), Some(k))
                            }
                        }
                    }
                }
                Some(other) => self.problem(
                    format!("{ptr}/inputs"),
                    format!("`inputs` must be a mapping, not {}", type_name(other)),
                    None,
                ),
            }
            if let Some(v) = map.get("isTrigger") {
                if !v.is_boolean() && !v.is_null() {
                    self.problem(
                        format!("{ptr}/isTrigger"),
                        "`isTrigger` must be true or false".into(),
                        None,
                    );
                }
            }
            if let Some(Value::Object(ec)) = map.get("errorConfig") {
                if let Some(t) = ec.get("errorType") {
                    if !matches!(t.as_str(), Some("fail" | "ignore" | "retry")) {
                        self.problem(
                            format!("{ptr}/errorConfig/errorType"),
                            format!("`errorType` must be fail, ignore or retry, not {t}"),
                            None,
                        );
                    }
                }
            }
            let children = self.list(map, "steps", &ptr);
            self.steps(children, &format!("{ptr}/steps"));
            let branches = self.list(map, "branches", &ptr);
            for (bi, b) in branches.iter().enumerate() {
                let bp = format!("{ptr}/branches/{bi}");
                if let Some(branch) = self.object(b, "a branch", &bp) {
                    self.string(branch, "name", &bp);
                    let steps = self.list(branch, "steps", &bp);
                    self.steps(steps, &format!("{bp}/steps"));
                }
            }
            self.step = saved;
        }
    }
}

/// Every structural problem of a raw definition value.
pub(crate) fn check(root: &Value, spans: &Spans) -> Vec<Problem> {
    let mut c = Checker {
        spans,
        problems: Vec::new(),
        flow: None,
        step: None,
    };
    let Some(map) = c.object(root, "a definition", "") else {
        return c.problems;
    };
    c.string(map, "name", "");
    for (i, cv) in c.list(map, "requiredConfigVars", "").iter().enumerate() {
        let p = format!("/requiredConfigVars/{i}");
        if let Some(m) = c.object(cv, "a config var", &p) {
            c.string(m, "key", &p);
        }
    }
    for (i, page) in c.list(map, "configPages", "").iter().enumerate() {
        let p = format!("/configPages/{i}");
        if let Some(m) = c.object(page, "a config page", &p) {
            c.string(m, "name", &p);
            c.list(m, "elements", &p);
        }
    }
    for (i, flow) in c.list(map, "flows", "").iter().enumerate() {
        let p = format!("/flows/{i}");
        let Some(m) = c.object(flow, "a flow", &p) else {
            continue;
        };
        c.flow = m.get("name").and_then(Value::as_str).map(str::to_string);
        c.string(m, "name", &p);
        let steps = c.list(m, "steps", &p);
        c.steps(steps, &format!("{p}/steps"));
        c.flow = None;
    }
    c.problems.sort_by_key(|p| (p.line, p.column));
    c.problems
}
