//! `$ref`s within the document (`#/components/schemas/Pet`): every one checked on import (a
//! broken or external one is a problem at the pointer of the `$ref`), and resolved where plumb
//! reads a value (parameters, bodies, schemas). A reference cycle is not followed: at the point
//! where it repeats, the schema becomes `{}` (any value) marked `x-plumb-recursive`.

use serde_json::{Map, Value};

use crate::problems::Problem;

/// How many references deep resolution follows; past that a reference becomes `{}` marked
/// `x-plumb-ref` (bounds the size of resolved schemas of large, deeply linked documents).
const MAX_DEPTH: usize = 12;

/// Decodes one JSON pointer segment (`~1` is `/`, `~0` is `~`).
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// The value at a `#/a/b` reference, if the document has it.
pub fn target<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(doc);
    }
    let mut at = doc;
    for seg in pointer.strip_prefix('/')?.split('/') {
        let seg = unescape(seg);
        at = match at {
            Value::Object(map) => map.get(&seg)?,
            Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

/// Every `$ref` of the document that does not resolve, as problems at their pointers.
pub fn check(doc: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    walk(doc, doc, &mut String::new(), &mut problems);
    problems
}

fn walk(doc: &Value, value: &Value, pointer: &mut String, problems: &mut Vec<Problem>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let at = format!("{pointer}/$ref");
                if !r.starts_with('#') {
                    problems.push(Problem::at(
                        at,
                        format!(
                            "external reference `{r}`: plumb resolves references within the \
                             document only; bundle the document first"
                        ),
                    ));
                } else if target(doc, r).is_none() {
                    problems.push(Problem::at(
                        at,
                        format!("broken reference `{r}`: nothing is there"),
                    ));
                }
            }
            for (k, v) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                walk(doc, v, pointer, problems);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                walk(doc, v, pointer, problems);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// `value` with every `$ref` replaced by what it names (siblings of a `$ref` kept over it, as
/// 3.1 allows), cycles cut.
pub fn resolve(doc: &Value, value: &Value) -> Value {
    resolve_in(doc, value, &mut Vec::new())
}

fn resolve_in(doc: &Value, value: &Value, stack: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                if stack.len() >= MAX_DEPTH {
                    let mut cut = Map::new();
                    cut.insert("x-plumb-ref".into(), Value::String(r.clone()));
                    return Value::Object(cut);
                }
                if stack.iter().any(|s| s == r) {
                    let mut cut = Map::new();
                    cut.insert("x-plumb-recursive".into(), Value::String(r.clone()));
                    return Value::Object(cut);
                }
                let Some(found) = target(doc, r) else {
                    return value.clone();
                };
                stack.push(r.clone());
                let mut resolved = resolve_in(doc, found, stack);
                stack.pop();
                if let Value::Object(out) = &mut resolved {
                    for (k, v) in map {
                        if k != "$ref" {
                            out.insert(k.clone(), resolve_in(doc, v, stack));
                        }
                    }
                }
                return resolved;
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), resolve_in(doc, v, stack)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| resolve_in(doc, v, stack)).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cycles_are_cut_and_broken_refs_reported() {
        let doc = json!({
            "components": {"schemas": {
                "Node": {"type": "object", "properties": {
                    "next": {"$ref": "#/components/schemas/Node"},
                    "a~b/c": {"$ref": "#/components/schemas/Missing"}
                }}
            }}
        });
        let node = resolve(&doc, &json!({"$ref": "#/components/schemas/Node"}));
        assert_eq!(node["type"], "object");
        assert_eq!(
            node["properties"]["next"]["x-plumb-recursive"],
            "#/components/schemas/Node"
        );
        let problems = check(&doc);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].pointer,
            "/components/schemas/Node/properties/a~0b~1c/$ref"
        );
        assert!(problems[0].message.contains("Missing"));
    }

    #[test]
    fn mutual_recursion_ends() {
        let doc = json!({"d": {
            "A": {"properties": {"b": {"$ref": "#/d/B"}}},
            "B": {"properties": {"a": {"$ref": "#/d/A"}}}
        }});
        let a = resolve(&doc, &json!({"$ref": "#/d/A"}));
        assert_eq!(
            a["properties"]["b"]["properties"]["a"]["x-plumb-recursive"],
            "#/d/A"
        );
    }
}
