//! Definition tests: the round trip, and one data-driven case per validation problem.

use super::*;
use crate::component::{ActionSpec, ComponentSpec, ConnectionSpec, InputKind, InputSpec};

fn input(key: &str, kind: InputKind, required: bool) -> InputSpec {
    InputSpec::new(key, key, kind, required, None, "")
}

fn action(key: &str, inputs: &[InputSpec], is_trigger: bool) -> ActionSpec {
    let a = ActionSpec::new(key, key, "", inputs.to_vec());
    if is_trigger {
        a.trigger()
    } else {
        a
    }
}

fn component(key: &str, actions: Vec<ActionSpec>, connections: &[&str]) -> ComponentSpec {
    let mut c = ComponentSpec::builtin(key, key, "");
    c.actions = actions;
    c.connections = connections
        .iter()
        .map(|k| ConnectionSpec {
            id: uuid::Uuid::nil(),
            key: (*k).to_string(),
            label: (*k).to_string(),
            scheme: (*k).to_string(),
            oauth2: false,
            inputs: Vec::new(),
        })
        .collect();
    c
}

fn manifests() -> Vec<ComponentSpec> {
    let webhook = [
        input("body", InputKind::Data, false),
        input("contentType", InputKind::String, false),
        input("headers", InputKind::List, false),
        input("statusCode", InputKind::String, false),
    ];
    let http = [
        input("url", InputKind::String, true),
        input("responseType", InputKind::String, false),
        input("connection", InputKind::Connection, false),
        input("headers", InputKind::List, false),
    ];
    let s3_put = [
        input("accessKey", InputKind::Connection, true),
        input("awsRegion", InputKind::String, false),
        input("bucket", InputKind::String, true),
        input("objectKey", InputKind::String, true),
        input("fileContents", InputKind::Data, true),
    ];
    let code = [input("code", InputKind::Code, true)];
    let loop_items = [input("items", InputKind::Data, true)];
    let branch_expr = [input("conditions", InputKind::List, true)];
    vec![
        component(
            "webhook-triggers",
            vec![action("webhook", &webhook, true)],
            &[],
        ),
        component(
            "schedule-triggers",
            vec![action("schedule", &[], true)],
            &[],
        ),
        component(
            "http",
            vec![
                action("httpGet", &http, false),
                action("httpPost", &http, false),
            ],
            &["basic"],
        ),
        component(
            "aws-s3",
            vec![action("putObject", &s3_put, false)],
            &["apiKeySecret"],
        ),
        component("code", vec![action("runCode", &code, false)], &[]),
        component(
            "loop",
            vec![
                action("loopOverItems", &loop_items, false),
                action("breakLoop", &[], false),
            ],
            &[],
        ),
        component(
            "branch",
            vec![action("branchOnExpression", &branch_expr, false)],
            &[],
        ),
    ]
}

const POKEMON: &str = include_str!("testdata/pokemon.yaml");

#[test]
fn pokemon_is_valid_and_round_trips() {
    let parsed = parse(POKEMON).unwrap();
    let problems = parsed.validate(&manifests());
    assert!(problems.is_empty(), "{}", Problems(problems));
    let def = &parsed.definition;
    assert_eq!(def.flows[0].steps.len(), 5);
    assert_eq!(
        def.extra.get("endpointType").and_then(|v| v.as_str()),
        Some("flow_specific")
    );
    let scoped = def.config_var("Shared Salesforce").unwrap();
    assert_eq!(
        scoped.use_scoped_config_var.as_deref(),
        Some("salesforce-prod")
    );
    assert_eq!(
        def.flows[0].steps[3]
            .error_config
            .as_ref()
            .unwrap()
            .error_type,
        ErrorType::Retry
    );

    let exported = export(def);
    if std::env::var_os("PRINT_EXPORT").is_some() {
        println!("{exported}");
    }
    let again = parse(&exported).unwrap();
    assert_eq!(&again.definition, def, "{exported}");
    // The export is stable.
    assert_eq!(export(&again.definition), exported);
    // And equal, as data, to the source (field order aside).
    let (src, _) = yaml::parse(POKEMON).unwrap();
    let (out, _) = yaml::parse(&exported).unwrap();
    assert_eq!(src, out);
}

const HEAD: &str = "name: T
definitionVersion: 7
requiredConfigVars:
  - key: base
    dataType: string
flows:
  - name: F
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
";

fn problems_of(steps: &str) -> Vec<Problem> {
    let text = format!("{HEAD}{steps}");
    match parse(&text) {
        Ok(p) => p.validate(&manifests()),
        Err(e) => e.0,
    }
}

/// A validation case: name, steps, expected (kind, line, step).
type Case<'a> = (&'a str, String, Vec<(ProblemKind, usize, &'a str)>);

/// Each case: steps appended to the head, and the expected problems as (kind, line within the
/// snippet, from 1, and the step named).
#[test]
fn validation_table() {
    use ProblemKind::*;
    let get = |name: &str, url: &str| {
        format!("      - name: {name}\n        action: {{key: httpGet, component: {{key: http}}}}\n        inputs:\n          url: {url}\n")
    };
    let cases: Vec<Case<'_>> = vec![
        ("valid", get("A", "{type: value, value: 'http://x'}"), vec![]),
        (
            "unknown component",
            "      - name: A\n        action: {key: x, component: {key: nope}}\n".into(),
            vec![(UnknownComponent, 2, "A")],
        ),
        (
            "unknown action",
            "      - name: A\n        action: {key: httpFly, component: {key: http}}\n".into(),
            vec![(UnknownAction, 2, "A")],
        ),
        (
            "unknown input",
            format!("{}          urll: {{type: value, value: x}}\n", get("A", "{type: value, value: x}")),
            vec![(UnknownInput, 5, "A")],
        ),
        (
            "missing required input",
            "      - name: A\n        action: {key: httpGet, component: {key: http}}\n        inputs:\n          responseType: {type: value, value: json}\n".into(),
            vec![(MissingInput, 3, "A")],
        ),
        ("reference to unknown step", get("A", "{type: reference, value: ghost.results.x}"), vec![(UnknownStep, 4, "A")]),
        (
            "reference to a later step",
            format!("{}{}", get("A", "{type: reference, value: b.results}"), get("B", "{type: value, value: x}")),
            vec![(StepNotEarlier, 4, "A")],
        ),
        ("reference to itself", get("A", "{type: reference, value: a.results}"), vec![(StepNotEarlier, 4, "A")]),
        ("undeclared config var", get("A", "{type: configVar, value: nope}"), vec![(UndeclaredConfigVar, 4, "A")]),
        ("undeclared config var in template", get("A", "{type: template, value: \"{{configVars.nope}}/x\"}"), vec![(UndeclaredConfigVar, 4, "A")]),
        ("template syntax", get("A", "{type: template, value: '{{configVars.base'}"), vec![(TemplateSyntax, 4, "A")]),
        ("bad reference syntax", get("A", "{type: reference, value: 'a.resultz'}"), vec![(InvalidExpression, 4, "A")]),
        ("unknown input type", get("A", "{type: magic, value: x}"), vec![(InvalidExpression, 4, "A")]),
        (
            "duplicate step names",
            format!("{}{}", get("Get Data", "{type: value, value: x}"), get("get data", "{type: value, value: y}")),
            vec![(DuplicateStepName, 5, "get data")],
        ),
        (
            "currentItem outside its loop",
            get("A", "{type: reference, value: trigger.currentItem}"),
            vec![(NotInLoop, 4, "A")],
        ),
        (
            "loop state inside the loop is fine",
            format!(
                "      - name: Loop\n        action: {{key: loopOverItems, component: {{key: loop}}}}\n        inputs:\n          items: {{type: reference, value: trigger.results.body.data}}\n        steps:\n  {}  {}  {}",
                get("In", "{type: reference, value: loop.currentItem.url}").replace("\n      ", "\n        "),
                "      - name: Stop\n          action: {key: breakLoop, component: {key: loop}}\n",
                ""
            ),
            vec![],
        ),
        (
            "sibling branch is not earlier",
            "      - name: Pick\n        action: {key: branchOnExpression, component: {key: branch}}\n        inputs:\n          conditions: {type: complex, value: [{name: Yes, type: complex, value: [and, [exists, {type: reference, value: trigger.results}]]}]}\n        branches:\n          - name: Yes\n            steps:\n              - name: One\n                action: {key: httpGet, component: {key: http}}\n                inputs: {url: {type: value, value: x}}\n          - name: Else\n            steps:\n              - name: Two\n                action: {key: httpGet, component: {key: http}}\n                inputs: {url: {type: reference, value: one.results}}\n".into(),
            vec![(StepNotEarlier, 15, "Two")],
        ),
        (
            "schedule that is not cron",
            "      - name: Later\n        action: {key: noop, component: {key: nope}}\n        schedule: {type: value, value: every day}\n".replace("noop, component: {key: nope}", "httpGet, component: {key: http}").replace("schedule:", "inputs: {url: {type: value, value: x}}\n        schedule:"),
            vec![(Schedule, 4, "Later")],
        ),
        (
            "breakLoop outside a loop",
            "      - name: Stop\n        action: {key: breakLoop, component: {key: loop}}\n".into(),
            vec![(NotInLoop, 1, "Stop")],
        ),
        (
            "all at once",
            format!(
                "{}{}{}",
                get("A", "{type: reference, value: ghost.results}"),
                "      - name: B\n        action: {key: nope, component: {key: nope}}\n",
                get("C", "{type: template, value: '{{oops}}'}")
            ),
            vec![(UnknownStep, 4, "A"), (UnknownComponent, 6, "B"), (TemplateSyntax, 10, "C")],
        ),
    ];
    let head_lines = HEAD.lines().count();
    for (name, steps, want) in cases {
        let got = problems_of(&steps);
        let got_short: Vec<(ProblemKind, usize, &str)> = got
            .iter()
            .map(|p| {
                (
                    p.kind,
                    p.line.saturating_sub(head_lines),
                    p.step.as_deref().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(got_short, want, "case `{name}`: {}", Problems(got.clone()));
        for p in &got {
            assert_eq!(p.flow.as_deref(), Some("F"), "case `{name}`");
            assert!(p.column > 0, "case `{name}`");
        }
    }
}

#[test]
fn problem_names_the_input() {
    let steps = "      - name: A\n        action: {key: httpGet, component: {key: http}}\n        inputs:\n          url: {type: configVar, value: nope}\n";
    let p = &problems_of(steps)[0];
    assert_eq!(p.input.as_deref(), Some("url"));
    assert_eq!(p.pointer, "/flows/0/steps/1/inputs/url");
    assert_eq!((p.line, p.column), (HEAD.lines().count() + 4, 11));
    assert!(
        p.to_string()
            .contains("flow \"F\", step \"A\", input \"url\""),
        "{p}"
    );
}

#[test]
fn top_level_problems() {
    use ProblemKind::*;
    let cases: Vec<(&str, ProblemKind, usize)> = vec![
        ("name: [unclosed\n", Yaml, 2),
        ("- a\n- b\n", Structure, 1),
        ("name: x\nflows:\n  - name: F\n    steps: nope\n", Structure, 4),
        ("name: x\ndefinitionVersion: 6\nflows: []\n", Version, 2),
        ("name: x\nflows:\n  - name: F\n    steps: []\n", Trigger, 3),
        (
            "name: x\nrequiredConfigVars:\n  - key: a\n  - key: a\nflows: []\n",
            DuplicateConfigVar,
            4,
        ),
        (
            "name: x\nconfigPages:\n  - name: P\n    elements:\n      - {type: configVar, value: ghost}\nflows: []\n",
            UndeclaredConfigVar,
            5,
        ),
        (
            "name: x\nrequiredConfigVars:\n  - key: c\n    dataType: connection\n    connection: {key: oauth, component: {key: http}}\nflows: []\n",
            UnknownConnection,
            5,
        ),
        (
            "name: x\nflows:\n  - name: F\n    steps:\n      - name: T\n        action: {key: httpGet, component: {key: http}}\n        inputs: {url: {type: value, value: x}}\n",
            Trigger,
            5,
        ),
    ];
    for (text, kind, line) in cases {
        let problems = match parse(text) {
            Ok(p) => p.validate(&manifests()),
            Err(e) => e.0,
        };
        assert!(
            problems.iter().any(|p| p.kind == kind && p.line == line),
            "{text}: {}",
            Problems(problems.clone())
        );
    }
}

#[test]
fn structure_problems_all_at_once() {
    let text = "name: x
flows:
  - name: F
    steps:
      - name: T
        isTrigger: yes please
        action: {key: webhook}
      - action: {key: a, component: {key: http}}
        inputs:
          url: just a string
      - name: L
        action: {key: loopOverItems, component: {key: loop}}
        errorConfig: {errorType: explode}
        steps: nope
";
    let problems = parse(text).unwrap_err().0;
    let got: Vec<(usize, Option<&str>, &str)> = problems
        .iter()
        .map(|p| (p.line, p.step.as_deref(), p.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (6, Some("T"), "`isTrigger` must be true or false"),
            (7, Some("T"), "`action.component` is missing"),
            (8, None, "`name` is missing"),
            (10, None, "an input must be `{type, value}`"),
            (
                13,
                Some("L"),
                "`errorType` must be fail, ignore or retry, not \"explode\""
            ),
            (14, Some("L"), "`steps` must be a list, not a string"),
        ],
        "{}",
        Problems(problems.clone())
    );
    assert!(problems
        .iter()
        .all(|p| p.kind == ProblemKind::Structure && p.flow.as_deref() == Some("F")));
}

#[test]
fn unknown_fields_survive() {
    let text = "name: x\nfutureField: {a: 1}\nflows:\n  - name: F\n    queueConfig: {usesFifoQueue: false}\n    steps:\n      - name: T\n        isTrigger: true\n        stableKey: abc\n        action: {key: webhook, component: {key: webhook-triggers, signature: ''}}\n";
    let def = load(text, &manifests()).unwrap();
    let out = export(&def);
    for needle in ["futureField", "queueConfig", "stableKey", "signature"] {
        assert!(out.contains(needle), "{needle} lost:\n{out}");
    }
}
