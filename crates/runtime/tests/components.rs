//! The component catalog as the product ships it: every built-in component is documented (its
//! generated reference is in docs/components.md), every action has an example step that
//! validates as part of a definition, and the examples that give their result answer it.
//!
//! Regenerate the reference with `PLUMB_UPDATE_DOCS=1 cargo test -p plumb-runtime --test components`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_core::component::{docs, ActionExample, ActionSpec, ComponentSpec};
use plumb_engine::{RunRequest, StepOutcome};
use serde_json::{json, Value};

fn builtins() -> Vec<ComponentSpec> {
    plumb_runtime::catalog().builtins().cloned().collect()
}

/// A definition running `example` of `action`: a webhook trigger then the step (or the trigger
/// step itself), with a connection config var for every `configVar` input.
fn definition(c: &ComponentSpec, a: &ActionSpec, e: &ActionExample) -> String {
    let mut config_vars = Vec::new();
    for input in e.inputs.as_object().into_iter().flatten() {
        if input.1["type"] == "configVar" {
            let conn = c
                .connections
                .first()
                .expect("a component with a connection type");
            config_vars.push(json!({
                "key": input.1["value"], "dataType": "connection",
                "connection": {"key": conn.key, "component": {"key": c.key}},
            }));
        }
    }
    let mut step = json!({
        "name": "Example",
        "action": {"key": a.key, "component": {"key": c.key}},
        "inputs": e.inputs,
    });
    if let (Some(s), Some(extra)) = (step.as_object_mut(), e.step.as_object()) {
        for (k, v) in extra {
            s.insert(k.clone(), v.clone());
        }
    }
    let steps = if a.is_trigger {
        step["isTrigger"] = json!(true);
        vec![step]
    } else {
        let trigger = json!({
            "name": "Trigger", "isTrigger": true,
            "action": {"key": "webhook", "component": {"key": "webhook-triggers"}},
        });
        if a.key == "breakLoop" {
            // `breakLoop` only makes sense inside a loop.
            vec![
                trigger,
                json!({
                    "name": "Each",
                    "action": {"key": "loopOverItems", "component": {"key": "loop"}},
                    "inputs": {"items": {"type": "value", "value": [1]}},
                    "steps": [step],
                }),
            ]
        } else {
            vec![trigger, step]
        }
    };
    json!({
        "name": format!("{} {}", c.key, a.key), "definitionVersion": 7,
        "requiredConfigVars": config_vars,
        "flows": [{"name": "F", "steps": steps}],
    })
    .to_string()
}

#[test]
fn every_builtin_action_has_an_example_that_validates() {
    let engine = plumb_runtime::engine();
    let mut checked = 0;
    for c in builtins() {
        assert!(!c.description.is_empty(), "{} has no description", c.key);
        for a in &c.actions {
            assert!(
                !a.description.is_empty(),
                "{}/{} has no description",
                c.key,
                a.key
            );
            assert!(!a.examples.is_empty(), "{}/{} has no example", c.key, a.key);
            for e in &a.examples {
                let text = definition(&c, a, e);
                engine.load(&text).unwrap_or_else(|p| {
                    panic!("{}/{} example `{}`: {p}\n{text}", c.key, a.key, e.title)
                });
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} examples");
}

#[tokio::test]
async fn examples_that_give_their_result_answer_it() {
    let engine = plumb_runtime::engine();
    let mut ran = 0;
    for c in builtins() {
        for a in &c.actions {
            for e in a.examples.iter().filter(|e| e.result.is_some()) {
                let def = engine.load(&definition(&c, a, e)).unwrap();
                let result = engine.run(&def, RunRequest::new("F")).await;
                let step = result
                    .steps
                    .iter()
                    .find(|s| s.name == "Example")
                    .unwrap_or_else(|| panic!("{}/{}: no step record", c.key, a.key));
                match &step.outcome {
                    StepOutcome::Succeeded { result } => assert_eq!(
                        match result {
                            plumb_core::action::Data::Json(v) => Some(v),
                            _ => None,
                        },
                        e.result.as_ref(),
                        "{}/{} example `{}`",
                        c.key,
                        a.key,
                        e.title
                    ),
                    other => panic!("{}/{} example `{}`: {other:?}", c.key, a.key, e.title),
                }
                ran += 1;
            }
        }
    }
    assert!(ran >= 3, "only {ran} examples ran");
}

#[test]
fn the_docs_hold_the_generated_reference() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/components.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let specs = builtins();
    let reference = docs::reference(&specs.iter().collect::<Vec<_>>());
    let (Some(begin), Some(end)) = (text.find(docs::BEGIN_MARKER), text.find(docs::END_MARKER))
    else {
        panic!("docs/components.md lacks the reference markers");
    };
    let current = &text[begin + docs::BEGIN_MARKER.len()..end];
    let wanted = format!("\n{reference}");
    if current != wanted {
        if std::env::var_os("PLUMB_UPDATE_DOCS").is_some() {
            let updated = format!(
                "{}{}{wanted}{}",
                &text[..begin],
                docs::BEGIN_MARKER,
                &text[end..]
            );
            std::fs::write(&path, updated).unwrap();
        } else {
            panic!(
                "docs/components.md's generated reference is out of date: run \
                 PLUMB_UPDATE_DOCS=1 cargo test -p plumb-runtime --test components"
            );
        }
    }
    for c in &specs {
        for a in &c.actions {
            assert!(
                reference.contains(&format!("#### `{}`", a.key)),
                "{}/{}",
                c.key,
                a.key
            );
        }
    }
}

#[test]
fn the_examples_in_the_reference_are_valid_json_steps() {
    for c in builtins() {
        let md = docs::component(&c);
        for block in md.split("```json\n").skip(1) {
            let block = block.split("```").next().unwrap_or_default();
            let steps: Value = serde_json::from_str(block).unwrap();
            assert_eq!(steps[0]["action"]["component"]["key"], json!(c.key));
        }
    }
}
