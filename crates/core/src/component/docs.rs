//! Component reference docs generated from specs: one Markdown section per component, with its
//! actions, their inputs (key, kind, required, default, description), an example step for each
//! action, and its connection types. `docs/components.md` embeds the built-ins' reference between
//! two markers, kept in sync by a test (regenerate with `PLUMB_UPDATE_DOCS=1`).

use std::fmt::Write;

use super::{ActionSpec, ComponentSpec};

/// The marker before the generated reference in a Markdown file.
pub const BEGIN_MARKER: &str = "<!-- BEGIN GENERATED COMPONENT REFERENCE -->";
/// The marker after it.
pub const END_MARKER: &str = "<!-- END GENERATED COMPONENT REFERENCE -->";

/// The reference of several components, in the order given.
pub fn reference(components: &[&ComponentSpec]) -> String {
    let mut out = String::new();
    for c in components {
        out.push_str(&component(c));
    }
    out
}

/// The reference section of one component.
pub fn component(c: &ComponentSpec) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### `{}` — {}\n", c.key, c.label);
    let _ = writeln!(out, "{}\n", c.description);
    for a in &c.actions {
        out.push_str(&action(c, a));
    }
    if !c.connections.is_empty() {
        let _ = writeln!(out, "#### Connection types of `{}`\n", c.key);
        let _ = writeln!(out, "| key | label | inputs (secret ones marked 🔒) |");
        let _ = writeln!(out, "| --- | --- | --- |");
        for conn in &c.connections {
            let inputs: Vec<String> = conn
                .inputs
                .iter()
                .map(|i| {
                    let lock = if i.secret { " 🔒" } else { "" };
                    let req = if i.required { "*" } else { "" };
                    format!("`{}`{req}{lock}", i.key)
                })
                .collect();
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                conn.key,
                conn.label,
                inputs.join(", ")
            );
        }
        out.push('\n');
    }
    out
}

fn action(c: &ComponentSpec, a: &ActionSpec) -> String {
    let mut out = String::new();
    let kind = if a.is_trigger { "trigger" } else { "action" };
    let _ = writeln!(out, "#### `{}` ({kind}) — {}\n", a.key, a.label);
    let _ = writeln!(out, "{}\n", a.description);
    if a.inputs.is_empty() {
        let _ = writeln!(out, "No inputs.\n");
    } else {
        let _ = writeln!(out, "| input | kind | required | default | description |");
        let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
        for i in &a.inputs {
            let default = match &i.default {
                Some(d) if d.contains('\n') => "(multi-line)".to_string(),
                Some(d) => format!("`{}`", d.replace('|', "\\|")),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                i.key,
                i.kind.as_str(),
                if i.required { "yes" } else { "no" },
                default,
                i.description.replace('\n', " ").replace('|', "\\|"),
            );
        }
        out.push('\n');
    }
    if let Some(example) = a.examples.first() {
        let step = serde_json::json!([{
            "name": example.title,
            "action": {"key": a.key, "component": {"key": c.key}},
            "inputs": example.inputs,
        }]);
        // JSON is YAML: the step list reads as a definition's `steps`.
        let text = serde_json::to_string(&step).unwrap_or_default();
        let _ = writeln!(out, "Example step:\n\n```json\n{text}\n```\n");
        if let Some(result) = &example.result {
            let text = serde_json::to_string(result).unwrap_or_default();
            let _ = writeln!(out, "Its result's `data`: `{text}`\n");
        }
    }
    out
}
