//! Data-driven expression tests: input (as YAML-ish JSON) → resolved value or error.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::action::{Connection, Data, InputValue};
use crate::definition::Input;

fn scope_data() -> (
    BTreeMap<String, ConfigValue>,
    BTreeMap<String, Data>,
    Vec<LoopFrame>,
) {
    let mut config = BTreeMap::new();
    config.insert("base".into(), ConfigValue::Value(json!("http://poke")));
    config.insert("Bucket Name".into(), ConfigValue::Value(json!("avatars")));
    config.insert(
        "aws".into(),
        ConfigValue::Connection(Connection::new(
            "aws".into(),
            "aws-s3".into(),
            "apiKeySecret".into(),
            BTreeMap::from([("accessKeyId".into(), "AK".into())]),
        )),
    );
    let mut results = BTreeMap::new();
    results.insert(
        "getPokemonData".into(),
        Data::Json(
            json!({"sprites": {"front_default": "http://img/1.png"}, "list": [{"id": 7}], "n": 3}),
        ),
    );
    results.insert(
        "getPokemonAvatar".into(),
        Data::Binary {
            bytes: vec![1, 2, 3],
            content_type: "image/png".into(),
        },
    );
    let loops = vec![LoopFrame {
        step: "loopOverItems".into(),
        item: json!({"title": "hello"}),
        index: 2,
    }];
    (config, results, loops)
}

fn input(v: Value) -> Input {
    serde_json::from_value(v).unwrap()
}

#[test]
fn resolves_table() {
    let (config, results, loops) = scope_data();
    let scope = Scope {
        config: &config,
        results: &results,
        loops: &loops,
    };
    let cases: Vec<(Value, Value)> = vec![
        (json!({"type": "value", "value": "x"}), json!("x")),
        (json!({"type": "value", "value": 5}), json!(5)),
        (
            json!({"type": "reference", "value": "getPokemonData.results.sprites.front_default"}),
            json!("http://img/1.png"),
        ),
        (
            json!({"type": "reference", "value": "getPokemonData.results.list.0.id"}),
            json!(7),
        ),
        (
            json!({"type": "reference", "value": "getPokemonData.results.missing.deep"}),
            Value::Null,
        ),
        (
            json!({"type": "reference", "value": "loopOverItems.currentItem.title"}),
            json!("hello"),
        ),
        (
            json!({"type": "reference", "value": "loopOverItems.index"}),
            json!(2),
        ),
        (
            json!({"type": "configVar", "value": "base"}),
            json!("http://poke"),
        ),
        (json!({"type": "configVar", "value": ""}), Value::Null),
        (json!({"type": "reference", "value": ""}), Value::Null),
        (
            json!({"type": "reference", "value": "getPokemonData.results.list[0].id"}),
            json!(7),
        ),
        (json!({"type": "template", "value": ""}), json!("")),
        (
            json!({"type": "template", "value": "{{configVars.base}}/api/{{$getPokemonData.results.n}}"}),
            json!("http://poke/api/3"),
        ),
        (
            json!({"type": "template", "value": "{{#Bucket Name}}-{{$loopOverItems.currentItem.title}}"}),
            json!("avatars-hello"),
        ),
        (json!({"type": "complex", "value": []}), json!([])),
        (
            json!({"type": "complex", "value": [{"type": "value", "value": "a"}, {"type": "configVar", "value": "base"}]}),
            json!(["a", "http://poke"]),
        ),
        (
            json!({"type": "complex", "value": [
                {"name": "Accept", "type": "value", "value": "application/json"},
                {"name": {"type": "value", "value": "_page"}, "type": "reference", "value": "loopOverItems.index"}
            ]}),
            json!({"Accept": "application/json", "_page": 2}),
        ),
        (
            json!({"type": "complex", "value": ["and", ["exists", {"type": "reference", "value": "getPokemonData.results.n"}]]}),
            json!(["and", ["exists", 3]]),
        ),
    ];
    for (raw, want) in cases {
        let expr = Expr::parse(&input(raw.clone())).unwrap_or_else(|e| panic!("{raw}: {e}"));
        let got = resolve(&expr, &scope).unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert_eq!(got, InputValue::Data(Data::Json(want)), "{raw}");
    }
}

#[test]
fn binary_and_connections() {
    let (config, results, loops) = scope_data();
    let scope = Scope {
        config: &config,
        results: &results,
        loops: &loops,
    };
    let bin = Expr::parse(&input(
        json!({"type": "reference", "value": "getPokemonAvatar.results"}),
    ))
    .unwrap();
    assert!(matches!(
        resolve(&bin, &scope).unwrap(),
        InputValue::Data(Data::Binary { .. })
    ));
    let conn = Expr::parse(&input(json!({"type": "configVar", "value": "aws"}))).unwrap();
    assert!(
        matches!(resolve(&conn, &scope).unwrap(), InputValue::Connection(c) if c.key == "apiKeySecret")
    );

    let errors: Vec<(Value, &str)> = vec![
        (
            json!({"type": "reference", "value": "getPokemonAvatar.results.width"}),
            "binary results have no fields",
        ),
        (
            json!({"type": "template", "value": "x{{$getPokemonAvatar.results}}"}),
            "binary data (image/png)",
        ),
        (
            json!({"type": "complex", "value": [{"type": "reference", "value": "getPokemonAvatar.results"}]}),
            "binary data",
        ),
        (
            json!({"type": "reference", "value": "notRunYet.results"}),
            "has not run",
        ),
        (
            json!({"type": "reference", "value": "otherLoop.currentItem"}),
            "not an enclosing loop",
        ),
        (json!({"type": "configVar", "value": "nope"}), "not set"),
        (
            json!({"type": "template", "value": "{{configVars.aws}}"}),
            "is a connection",
        ),
    ];
    for (raw, want) in errors {
        let expr = Expr::parse(&input(raw.clone())).unwrap();
        let err = resolve(&expr, &scope).unwrap_err().to_string();
        assert!(err.contains(want), "{raw}: {err}");
    }
}

#[test]
fn parse_errors() {
    let cases: Vec<(Value, &str, bool)> = vec![
        (
            json!({"type": "reference", "value": "step.bogus"}),
            "/value",
            false,
        ),
        (
            json!({"type": "template", "value": "{{oops"}),
            "/value",
            true,
        ),
        (json!({"type": "magic", "value": 1}), "/type", false),
        (
            json!({"type": "complex", "value": [{"type": "value", "value": 1}, {"type": "reference", "value": "x"}]}),
            "/value/1/value",
            false,
        ),
        (
            json!({"type": "reference", "value": ["a"]}),
            "/value",
            false,
        ),
    ];
    for (raw, pointer, is_template) in cases {
        let e = Expr::parse(&input(raw.clone())).unwrap_err();
        assert_eq!(e.pointer, pointer, "{raw}");
        assert_eq!(e.is_template, is_template, "{raw}");
    }
}

#[test]
fn collects_references_and_config_vars() {
    let expr = Expr::parse(&input(json!({"type": "complex", "value": [
        {"name": "a", "type": "template", "value": "{{configVars.x}}{{$s1.results.a}}"},
        {"name": "b", "type": "reference", "value": "s2.results"},
        {"name": "c", "type": "configVar", "value": "y"}
    ]})))
    .unwrap();
    let refs: Vec<String> = expr.references().iter().map(|r| r.step.clone()).collect();
    assert_eq!(refs, ["s1", "s2"]);
    assert_eq!(expr.config_vars(), ["x", "y"]);
}
