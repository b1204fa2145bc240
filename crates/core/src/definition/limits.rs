//! Bounds on a definition's size, checked while it is read so that a hostile text stops early:
//! a "billion laughs" definition (aliases of aliases of aliases) is refused after counting what
//! its aliases would expand to, without building the expansion.
//!
//! The limits are fixed (not settings), so a definition accepted by one server is accepted by
//! every other one. Each refusal is a [`ProblemKind::Limit`] problem naming the limit and its
//! value.

use serde_json::Value;

use super::problems::{Problem, ProblemKind};
use super::yaml::Spans;

/// The bounds on one definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest definition text, in bytes.
    pub text_bytes: usize,
    /// Most YAML aliases (`*name`) in one definition.
    pub aliases: usize,
    /// Most YAML nodes (scalars, mappings, sequences and mapping keys) once every alias is
    /// expanded.
    pub nodes: usize,
    /// Deepest nesting of mappings and sequences, aliases expanded.
    pub depth: usize,
    /// Most steps in one definition, all flows, loops and branches included.
    pub steps: usize,
}

/// The limits every definition is held to.
pub const LIMITS: Limits = Limits {
    text_bytes: 1024 * 1024,
    aliases: 1_000,
    nodes: 200_000,
    depth: 64,
    steps: 1_000,
};

impl Default for Limits {
    fn default() -> Self {
        LIMITS
    }
}

impl Limits {
    /// The message for a text larger than [`Limits::text_bytes`].
    pub(crate) fn text_message(&self, len: usize) -> String {
        format!(
            "the definition is {len} bytes, larger than the limit of {} bytes (definition size limit)",
            self.text_bytes
        )
    }

    /// The message for more aliases than [`Limits::aliases`].
    pub(crate) fn aliases_message(&self) -> String {
        format!(
            "the definition uses more than {} YAML aliases (alias limit)",
            self.aliases
        )
    }

    /// The message for more nodes than [`Limits::nodes`].
    pub(crate) fn nodes_message(&self) -> String {
        format!(
            "the definition has more than {} YAML nodes once its aliases are expanded (node limit)",
            self.nodes
        )
    }

    /// The message for nesting deeper than [`Limits::depth`].
    pub(crate) fn depth_message(&self) -> String {
        format!(
            "the definition nests mappings and lists deeper than {} levels (depth limit)",
            self.depth
        )
    }
}

/// Counts the steps of a list of raw steps, their loop children and branches included; stops
/// counting past `cap`.
fn count_steps(steps: &Value, cap: usize, count: &mut usize) {
    let Value::Array(items) = steps else {
        return;
    };
    for step in items {
        if *count > cap {
            return;
        }
        *count += 1;
        let Value::Object(map) = step else {
            continue;
        };
        if let Some(children) = map.get("steps") {
            count_steps(children, cap, count);
        }
        if let Some(Value::Array(branches)) = map.get("branches") {
            for branch in branches {
                if let Some(children) = branch.get("steps") {
                    count_steps(children, cap, count);
                }
            }
        }
    }
}

/// The step-count problem of a raw definition value, if it has more than [`Limits::steps`]
/// steps.
pub(crate) fn check_steps(root: &Value, spans: &Spans, limits: &Limits) -> Option<Problem> {
    let Some(Value::Array(flows)) = root.get("flows") else {
        return None;
    };
    let mut count = 0usize;
    for flow in flows {
        if let Some(steps) = flow.get("steps") {
            count_steps(steps, limits.steps, &mut count);
        }
        if count > limits.steps {
            break;
        }
    }
    (count > limits.steps).then(|| {
        Problem::new(
            ProblemKind::Limit,
            format!(
                "the definition has more than {} steps (step limit)",
                limits.steps
            ),
            "/flows",
            spans.find("/flows"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::{parse, yaml, ProblemKind};
    use super::LIMITS;

    /// The classic "billion laughs": nine levels of nine aliases, 10^9 strings once expanded.
    const BILLION_LAUGHS: &str =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
";

    fn limit_problem(text: &str) -> String {
        let problems = parse(text).expect_err("over a limit");
        assert_eq!(problems.0.len(), 1, "{problems}");
        assert_eq!(problems.0[0].kind, ProblemKind::Limit, "{problems}");
        problems.0[0].message.clone()
    }

    #[test]
    fn billion_laughs_stops_at_the_node_limit() {
        let message = limit_problem(BILLION_LAUGHS);
        assert!(
            message.contains("200000") && message.contains("node limit"),
            "{message}"
        );
        // Stopped at the first alias that crosses the limit (in `f`), not at the end.
        let problems = parse(BILLION_LAUGHS).unwrap_err();
        assert_eq!(problems.0[0].line, 6, "{problems}");
    }

    #[test]
    fn aliases_are_capped() {
        let mut text = String::from("x: &x 1\nl:\n");
        for _ in 0..=LIMITS.aliases {
            text.push_str("  - *x\n");
        }
        let message = limit_problem(&text);
        assert!(
            message.contains("1000") && message.contains("alias limit"),
            "{message}"
        );
        // At the limit, aliases still work.
        let mut ok = String::from("x: &x 1\nl:\n");
        for _ in 0..LIMITS.aliases {
            ok.push_str("  - *x\n");
        }
        let (v, _) = yaml::parse(&ok).unwrap();
        assert_eq!(v["l"].as_array().unwrap().len(), LIMITS.aliases);
    }

    #[test]
    fn nesting_is_capped_without_recursion() {
        let nested = |levels: usize| format!("{}1{}", "[".repeat(levels), "]".repeat(levels));
        assert!(yaml::parse(&nested(LIMITS.depth)).is_ok());
        let message = limit_problem(&nested(LIMITS.depth + 1));
        assert!(
            message.contains("64") && message.contains("depth limit"),
            "{message}"
        );
        // Block nesting far past anything the parser could recurse through.
        let deep = format!("{}x\n", "- ".repeat(200_000));
        let message = limit_problem(&deep);
        assert!(message.contains("depth limit"), "{message}");
    }

    #[test]
    fn aliases_count_toward_nesting() {
        let inner = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let outer = format!("{}*a{}", "[".repeat(30), "]".repeat(30));
        let text = format!("a: &a {inner}\nb: {outer}\n");
        let message = limit_problem(&text);
        assert!(message.contains("depth limit"), "{message}");
    }

    #[test]
    fn text_size_is_capped() {
        let text = format!(
            "name: x\ndescription: \"{}\"\n",
            "y".repeat(LIMITS.text_bytes)
        );
        let message = limit_problem(&text);
        assert!(
            message.contains("1048576") && message.contains("definition size limit"),
            "{message}"
        );
    }

    fn with_steps(n: usize) -> String {
        let mut text =
            String::from("definitionVersion: 7\nname: big\nflows:\n  - name: f\n    steps:\n");
        for i in 0..n {
            text.push_str(&format!(
                "      - name: s{i}\n        action: {{key: k, component: {{key: c}}}}\n"
            ));
        }
        text
    }

    #[test]
    fn steps_are_capped() {
        let message = limit_problem(&with_steps(LIMITS.steps + 1));
        assert!(
            message.contains("1000") && message.contains("step limit"),
            "{message}"
        );
        // Loop children count too.
        let mut nested = with_steps(LIMITS.steps - 1);
        nested.push_str("      - name: loop\n        action: {key: k, component: {key: c}}\n        steps:\n          - name: inner\n            action: {key: k, component: {key: c}}\n");
        let message = limit_problem(&nested);
        assert!(message.contains("step limit"), "{message}");
        // At the limit the definition parses (validation is another matter).
        assert!(parse(&with_steps(LIMITS.steps)).is_ok());
    }

    #[test]
    fn ordinary_anchors_still_expand() {
        let text = "common: &h {type: value, value: x}\nuse: [*h, *h]\n";
        let (v, _) = yaml::parse(text).unwrap();
        assert_eq!(v["use"][1]["value"], "x");
    }
}
