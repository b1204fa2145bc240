//! Real Prismatic exports (byte-for-byte copies from prismatic-io/examples, see
//! `fixtures/prismatic/README.md`) parse with plumb's definition parser unchanged; the only
//! problems validation reports are the steps (and connections) that use components or actions
//! plumb does not have, each with its YAML line and column; without those steps, what remains
//! validates and round-trips through export.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::HashSet;

use plumb_core::definition::{self, Definition, ProblemKind, Step};
use plumb_core::expr::{camel_case, Expr, RefTarget};

struct Fixture {
    file: &'static str,
    /// Every step using a component or action plumb lacks: (flow, step, component, action).
    foreign_steps: &'static [(&'static str, &'static str, &'static str, &'static str)],
    /// Connection config vars of components plumb lacks: (config var, component).
    foreign_connections: &'static [(&'static str, &'static str)],
    /// After removing only the foreign steps: the problems left, (flow, step, kind), each a
    /// reference to a removed step (`UnknownStep`) or a flow whose trigger was removed.
    dangling: &'static [(&'static str, &'static str, ProblemKind)],
    /// After also removing the steps that read a removed step's results (and flows whose
    /// trigger was removed): the steps kept, (flow, step), in document order.
    kept: &'static [(&'static str, &'static str)],
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        file: "split-payload-example.yml",
        foreign_steps: &[("Flow 1", "Get Execution Results", "prismatic", "rawRequest")],
        foreign_connections: &[("Prismatic Connection", "prismatic")],
        dangling: &[
            ("Flow 1", "Get Step Results", ProblemKind::UnknownStep),
            ("Flow 1", "Branch on Expression", ProblemKind::UnknownStep),
        ],
        kept: &[
            ("Flow 1", "Integration Trigger"),
            ("Flow 1", "GET Request"),
            ("Flow 1", "Chunks"),
            ("Flow 1", "Parallelize the Data"),
            ("Flow 1", "POST Request"),
            ("Flow 1", "Fetch the Results"),
            ("Flow 1", "Wait until complete"),
            ("Flow 1", "Execution - Get Value"),
            ("Flow 1", "Flatten"),
            ("Capitalize Titles", "Flow 2 Trigger"),
            ("Capitalize Titles", "Loop Over Items"),
            ("Capitalize Titles", "Upper Case"),
            ("Capitalize Titles", "Add Key/Value to Object"),
        ],
    },
    Fixture {
        file: "amazon-s3-events.yml",
        foreign_steps: &[
            (
                "Create and configure SNS topic",
                "Get Bucket Location",
                "aws-s3",
                "getBucketLocation",
            ),
            (
                "Create and configure SNS topic",
                "Create SNS Topic For S3 Event Notification",
                "aws-s3",
                "createTopic",
            ),
            (
                "Create and configure SNS topic",
                "Get Current Account",
                "aws-s3",
                "getCurrentAccount",
            ),
            (
                "Create and configure SNS topic",
                "Update SNS Topic Policy For S3 Event Notification",
                "aws-s3",
                "updateTopicPolicy",
            ),
            (
                "Create and configure SNS topic",
                "Bucket SNS Event Trigger Configuration",
                "aws-s3",
                "bucketEventTriggerConfiguration",
            ),
            (
                "Create and configure SNS topic",
                "Subscribe to SNS Topic",
                "aws-s3",
                "subscribeToTopic",
            ),
            (
                "Receive SNS Notification",
                "Receive SNS Notification Trigger",
                "aws-s3",
                "snsS3NotificationWebhook",
            ),
        ],
        foreign_connections: &[],
        dangling: &[
            (
                "Receive SNS Notification",
                "Deserialize JSON",
                ProblemKind::Trigger,
            ),
            (
                "Receive SNS Notification",
                "Deserialize JSON",
                ProblemKind::UnknownStep,
            ),
        ],
        kept: &[("Create and configure SNS topic", "Integration Trigger")],
    },
];

fn text(file: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/prismatic/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Whether plumb's registry has the step's component and action.
fn is_known(step: &Step) -> bool {
    plumb_runtime::catalog()
        .view(None)
        .get(&step.action.component.key)
        .is_some_and(|c| c.spec().find_action(&step.action.key).is_some())
}

/// Every step of a flow, nested ones included, in document order.
fn walk<'a>(steps: &'a [Step], out: &mut Vec<&'a Step>) {
    for s in steps {
        out.push(s);
        walk(s.steps.as_deref().unwrap_or_default(), out);
        for b in s.branches.iter().flatten() {
            walk(&b.steps, out);
        }
    }
}

fn all_steps(def: &Definition) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in &def.flows {
        let mut steps = Vec::new();
        walk(&f.steps, &mut steps);
        out.extend(steps.iter().map(|s| (f.name.clone(), s.name.clone())));
    }
    out
}

/// Removes (recursively, in loops and branches) the steps `drop` says to, collecting the
/// camelCased names of every removed step, its nested steps included.
fn remove(steps: &mut Vec<Step>, drop: &dyn Fn(&Step) -> bool, removed: &mut HashSet<String>) {
    steps.retain(|s| {
        if drop(s) {
            let mut gone = Vec::new();
            walk(std::slice::from_ref(s), &mut gone);
            removed.extend(gone.iter().map(|g| camel_case(&g.name)));
            false
        } else {
            true
        }
    });
    for s in steps.iter_mut() {
        if let Some(children) = &mut s.steps {
            remove(children, drop, removed);
        }
        for b in s.branches.iter_mut().flatten() {
            remove(&mut b.steps, drop, removed);
        }
    }
}

/// Whether one of the step's own inputs reads the results of a step in `removed`.
fn reads_removed(step: &Step, removed: &HashSet<String>) -> bool {
    step.inputs.values().any(|input| {
        Expr::parse(input).is_ok_and(|e| {
            e.references()
                .iter()
                .any(|r| r.target == RefTarget::Results && removed.contains(&r.step))
        })
    })
}

/// The definition without the foreign steps and the connection config vars (and their config
/// page elements) of components plumb lacks. Gives the removed steps' names per flow.
fn without_foreign(def: &Definition) -> (Definition, Vec<HashSet<String>>) {
    let registry = plumb_runtime::catalog().view(None);
    let mut def = def.clone();
    let mut removed_per_flow = Vec::new();
    for f in &mut def.flows {
        let mut removed = HashSet::new();
        remove(&mut f.steps, &|s| !is_known(s), &mut removed);
        removed_per_flow.push(removed);
    }
    let foreign_conn: HashSet<String> = def
        .required_config_vars
        .iter()
        .filter(|cv| {
            cv.connection
                .as_ref()
                .is_some_and(|c| registry.get(&c.component.key).is_none())
        })
        .map(|cv| cv.key.clone())
        .collect();
    def.required_config_vars
        .retain(|cv| !foreign_conn.contains(&cv.key));
    for page in def.config_pages.iter_mut().flatten() {
        page.elements.retain(|el| {
            !(el.kind == "configVar" && el.value.as_str().is_some_and(|k| foreign_conn.contains(k)))
        });
    }
    (def, removed_per_flow)
}

/// Also removes the steps that read a removed step's results (until none is left) and the
/// flows whose trigger was removed.
fn without_dependents(def: &Definition, removed_per_flow: Vec<HashSet<String>>) -> Definition {
    let mut def = def.clone();
    for (f, mut removed) in def.flows.iter_mut().zip(removed_per_flow) {
        loop {
            let before = removed.len();
            let snapshot = removed.clone();
            remove(&mut f.steps, &|s| reads_removed(s, &snapshot), &mut removed);
            if removed.len() == before {
                break;
            }
        }
    }
    def.flows
        .retain(|f| f.steps.first().is_some_and(|s| s.is_trigger == Some(true)));
    def
}

/// Exports and re-parses; the model must come back equal.
fn round_trip(def: &Definition) -> String {
    let yaml = definition::export(def);
    let back = definition::parse(&yaml)
        .unwrap_or_else(|e| panic!("re-parse of the export failed: {e}\n{yaml}"))
        .definition;
    assert_eq!(&back, def, "export → parse changed the model");
    yaml
}

#[test]
fn prismatic_exports_report_only_foreign_components() {
    for fx in FIXTURES {
        let text = text(fx.file);
        let parsed =
            definition::parse(&text).unwrap_or_else(|e| panic!("{}: does not parse: {e}", fx.file));
        assert_eq!(parsed.definition.definition_version, Some(7), "{}", fx.file);

        let problems = match plumb_runtime::engine().load(&text) {
            Ok(_) => panic!("{}: validated, but it uses foreign components", fx.file),
            Err(p) => p.0,
        };
        let lines: Vec<&str> = text.lines().collect();
        let mut steps_seen = Vec::new();
        let mut conns_seen = Vec::new();
        for p in &problems {
            assert!(
                matches!(
                    p.kind,
                    ProblemKind::UnknownComponent | ProblemKind::UnknownAction
                ),
                "{}: not a component problem: {p}",
                fx.file
            );
            assert!(p.line > 0 && p.column > 0, "{}: no position: {p}", fx.file);
            // The position is the `key:` naming the foreign component (or action).
            let at = &lines[p.line - 1][p.column - 1..];
            match (&p.step, p.kind) {
                (Some(step), kind) => {
                    let flow = p.flow.clone().unwrap_or_default();
                    let &(_, _, component, action) = fx
                        .foreign_steps
                        .iter()
                        .find(|(f, s, _, _)| *f == flow && s == step)
                        .unwrap_or_else(|| panic!("{}: unexpected problem: {p}", fx.file));
                    let key = if kind == ProblemKind::UnknownComponent {
                        assert!(
                            p.message.contains(&format!("component `{component}`")),
                            "{p}"
                        );
                        component
                    } else {
                        assert!(p.message.contains(&format!("no action `{action}`")), "{p}");
                        action
                    };
                    assert_eq!(at, format!("key: {key}"), "{}: {p}", fx.file);
                    steps_seen.push((flow, step.clone()));
                }
                (None, ProblemKind::UnknownComponent) => {
                    let &(cv, component) = fx
                        .foreign_connections
                        .iter()
                        .find(|(cv, _)| p.message.contains(&format!("connection `{cv}`")))
                        .unwrap_or_else(|| panic!("{}: unexpected problem: {p}", fx.file));
                    assert_eq!(at, format!("key: {component}"), "{}: {p}", fx.file);
                    conns_seen.push(cv.to_string());
                }
                _ => panic!("{}: unexpected problem: {p}", fx.file),
            }
        }
        // Exactly the expected steps, each once, in document order ...
        let expected: Vec<(String, String)> = fx
            .foreign_steps
            .iter()
            .map(|(f, s, _, _)| (f.to_string(), s.to_string()))
            .collect();
        assert_eq!(steps_seen, expected, "{}", fx.file);
        let expected_conns: Vec<String> = fx
            .foreign_connections
            .iter()
            .map(|(cv, _)| cv.to_string())
            .collect();
        assert_eq!(conns_seen, expected_conns, "{}", fx.file);
        // ... which are exactly the steps whose component or action the registry lacks.
        let mut foreign_in_model = Vec::new();
        for f in &parsed.definition.flows {
            let mut steps = Vec::new();
            walk(&f.steps, &mut steps);
            foreign_in_model.extend(
                steps
                    .iter()
                    .filter(|s| !is_known(s))
                    .map(|s| (f.name.clone(), s.name.clone())),
            );
        }
        assert_eq!(foreign_in_model, expected, "{}", fx.file);
        // The whole export round-trips.
        round_trip(&parsed.definition);
    }
}

#[test]
fn prismatic_exports_validate_without_foreign_steps() {
    for fx in FIXTURES {
        let parsed = definition::parse(&text(fx.file)).expect(fx.file);
        let (trimmed, removed) = without_foreign(&parsed.definition);
        // Only the foreign steps are gone.
        let before = all_steps(&parsed.definition);
        let after = all_steps(&trimmed);
        let foreign: Vec<(String, String)> = fx
            .foreign_steps
            .iter()
            .map(|(f, s, _, _)| (f.to_string(), s.to_string()))
            .collect();
        let gone: Vec<(String, String)> = before
            .iter()
            .filter(|s| !after.contains(s))
            .cloned()
            .collect();
        // (a foreign step's nested steps go with it)
        for s in &foreign {
            assert!(gone.contains(s), "{}: {s:?} kept", fx.file);
        }

        // What is left reports only references to the removed steps (and a flow whose
        // trigger was removed): every other construct validates as it is.
        let yaml = round_trip(&trimmed);
        let problems = match plumb_runtime::engine().load(&yaml) {
            Ok(_) => Vec::new(),
            Err(p) => p.0,
        };
        let mut seen = Vec::new();
        for p in &problems {
            let flow = p.flow.clone().unwrap_or_default();
            let fi = trimmed
                .flows
                .iter()
                .position(|f| f.name == flow)
                .unwrap_or_else(|| panic!("{}: {p}", fx.file));
            match p.kind {
                ProblemKind::UnknownStep => assert!(
                    removed[fi]
                        .iter()
                        .any(|r| p.message.contains(&format!("references step `{r}`"))),
                    "{}: not a removed step: {p}",
                    fx.file
                ),
                ProblemKind::Trigger => {}
                _ => panic!("{}: {p}", fx.file),
            }
            seen.push((flow, p.step.clone().unwrap_or_default(), p.kind));
        }
        let expected: Vec<(String, String, ProblemKind)> = fx
            .dangling
            .iter()
            .map(|(f, s, k)| (f.to_string(), s.to_string(), *k))
            .collect();
        assert_eq!(seen, expected, "{}", fx.file);

        // Without the steps that read removed results, it validates.
        let clean = without_dependents(&trimmed, removed);
        let yaml = round_trip(&clean);
        if let Err(p) = plumb_runtime::engine().load(&yaml) {
            panic!("{}: {p}", fx.file);
        }
        let kept = all_steps(&clean);
        let expected: Vec<(String, String)> = fx
            .kept
            .iter()
            .map(|(f, s)| (f.to_string(), s.to_string()))
            .collect();
        assert_eq!(kept, expected, "{}", fx.file);
    }
}

/// `salesforce-example.yml` is not covered by the tests above: besides the steps using actions
/// plumb lacks, it names inputs that plumb's own `salesforce` component does not take
/// (Prismatic's `query` action takes `queryString`, plumb's takes `query`; Prismatic's
/// `createRecord` takes `dynamicValues`). This pins every problem it reports, so a change to
/// either side shows here.
#[test]
fn salesforce_export_reports_only_its_foreign_steps() {
    let text = text("salesforce-example.yml");
    let parsed = definition::parse(&text).expect("parses");
    round_trip(&parsed.definition);
    let problems = match plumb_runtime::engine().load(&text) {
        Ok(_) => panic!("validated"),
        Err(p) => p.0,
    };
    let seen: Vec<(ProblemKind, &str, Option<&str>, usize, usize)> = problems
        .iter()
        .map(|p| {
            (
                p.kind,
                p.step.as_deref().unwrap_or_default(),
                p.input.as_deref(),
                p.line,
                p.column,
            )
        })
        .collect();
    // plumb's salesforce component takes Prismatic's input names (`queryString`,
    // `dynamicValues`), so only the steps of components plumb lacks are reported.
    use ProblemKind::UnknownAction;
    assert_eq!(
        seen,
        vec![(
            UnknownAction,
            "Process Salesforce Outbound Messages Trigger",
            None,
            285,
            11
        ),],
        "{problems:#?}"
    );
}
