#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_core::action::{ActionError, Data};
use serde_json::{json, Value};

use super::expr::{evaluate, ExprError, MAX_DEPTH, MAX_LENGTH};
use super::manifest::ACTIONS;
use super::ops::{compute, MAX_NUMBERS};
use crate::testing::{context, inputs};

fn run(key: &str, pairs: Vec<(&str, Value)>) -> Result<Value, ActionError> {
    let action = ACTIONS.iter().find(|a| a.key == key).expect(key);
    compute(action.op, &inputs(pairs))
}

fn input_error(result: Result<Value, ActionError>) -> (String, String) {
    match result {
        Err(ActionError::InvalidInput { input, message }) => (input, message),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[tokio::test]
async fn actions_run_through_the_component() {
    let c = super::component();
    c.check().unwrap();
    let t = context(json!({}), vec![]);
    let out = c
        .action("add")
        .unwrap()
        .run(&t.ctx, inputs(vec![("numbers", json!([1, 2]))]))
        .await
        .unwrap();
    assert_eq!(out, Data::Json(json!(3)));
}

#[test]
fn lists_fold_in_order() {
    assert_eq!(
        run("subtract", vec![("numbers", json!([1, 2, 3]))]).unwrap(),
        json!(-4)
    );
    assert_eq!(
        run("divide", vec![("numbers", json!([9]))]).unwrap(),
        json!(9)
    );
    assert_eq!(
        run("add", vec![("numbers", json!("[1, 2.5]"))]).unwrap(),
        json!(3.5)
    );
    assert_eq!(
        run("multiply", vec![("numbers", json!(7))]).unwrap(),
        json!(7)
    );
    assert_eq!(
        run("add", vec![("numbers", json!([0.1, 0.2]))]).unwrap(),
        json!(0.30000000000000004)
    );
}

#[test]
fn bad_lists_name_the_input() {
    let (input, message) = input_error(run("add", vec![("numbers", json!([1, "two"]))]));
    assert_eq!(
        (input.as_str(), message.as_str()),
        ("numbers", "item 1 is not a number")
    );
    let (input, _) = input_error(run("add", vec![("numbers", json!([]))]));
    assert_eq!(input, "numbers");
    let (input, _) = input_error(run("add", vec![]));
    assert_eq!(input, "numbers");
    let too_many: Vec<u32> = (0..=MAX_NUMBERS as u32).collect();
    let (input, message) = input_error(run("add", vec![("numbers", json!(too_many))]));
    assert_eq!(input, "numbers");
    assert!(message.contains("at most"), "{message}");
    let (input, _) = input_error(run("max", vec![("dynamicNumbers", json!("[1, x]"))]));
    assert_eq!(input, "dynamicNumbers");
    let (input, _) = input_error(run("min", vec![]));
    assert_eq!(input, "numbers");
}

#[test]
fn dynamic_numbers_win_over_numbers() {
    let out = run(
        "max",
        vec![("numbers", json!([100])), ("dynamicNumbers", json!([1, 2]))],
    );
    assert_eq!(out.unwrap(), json!(2));
}

#[test]
fn results_that_are_not_finite_are_errors_naming_the_input() {
    let (input, message) = input_error(run("divide", vec![("numbers", json!([1, 0]))]));
    assert_eq!(input, "numbers");
    assert!(message.contains("no finite number"), "{message}");
    assert_eq!(
        input_error(run("sqrt", vec![("number", json!(-1))])).0,
        "number"
    );
    assert_eq!(
        input_error(run("acos", vec![("number", json!(2))])).0,
        "number"
    );
    assert_eq!(
        input_error(run("exp", vec![("exponent", json!(1000))])).0,
        "exponent"
    );
    assert_eq!(
        input_error(run("evaluate", vec![("expression", json!("1/0"))])).0,
        "expression"
    );
    assert_eq!(
        input_error(run("log", vec![("number", json!(5)), ("base", json!(1))])).0,
        "base"
    );
}

#[test]
fn numbers_must_be_numbers() {
    let (input, message) = input_error(run("abs", vec![("number", json!("abc"))]));
    assert_eq!(
        (input.as_str(), message.as_str()),
        ("number", "must be a number")
    );
    assert_eq!(input_error(run("abs", vec![])).1, "is required");
    assert_eq!(
        input_error(run("pow", vec![("base", json!(2))])).0,
        "exponent"
    );
}

#[test]
fn random_numbers_stay_in_range() {
    for _ in 0..200 {
        let n = run("randomInt", vec![("min", json!(1)), ("max", json!(3))]).unwrap();
        assert!([json!(1), json!(2), json!(3)].contains(&n), "{n}");
        let x = run("random", vec![("min", json!(-1)), ("max", json!(1))]).unwrap();
        let x = x.as_f64().unwrap();
        assert!((-1.0..1.0).contains(&x), "{x}");
    }
    let (input, _) = input_error(run("random", vec![("min", json!(2)), ("max", json!(1))]));
    assert_eq!(input, "max");
    let (input, _) = input_error(run(
        "randomInt",
        vec![("min", json!(1.2)), ("max", json!(1.8))],
    ));
    assert_eq!(input, "max");
}

#[test]
fn expressions_follow_javascript_precedence() {
    let cases = [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("-2^2", -4.0),
        ("2^3^2", 512.0),
        ("2 ** 3", 8.0),
        ("7 % 4", 3.0),
        ("10 / 4", 2.5),
        ("1 + 2 << 1", 6.0),
        ("6 & 3 | 8", 10.0),
        ("-8 >> 1", -4.0),
        ("max(1, 5, 3) + min(2, -2)", 3.0),
        ("round(2.5) + floor(-1.5)", 1.0),
        ("1.5e2", 150.0),
        ("  .5 + .5 ", 1.0),
        ("pow(2, 8)", 256.0),
    ];
    for (text, expected) in cases {
        assert_eq!(evaluate(text), Ok(expected), "{text}");
    }
    assert!((evaluate("2 * pi").unwrap() - std::f64::consts::TAU).abs() < 1e-12);
}

#[test]
fn bad_expressions_say_what_is_wrong() {
    assert_eq!(evaluate("1 +"), Err(ExprError::UnexpectedEnd));
    assert_eq!(evaluate("2 $ 3"), Err(ExprError::Unexpected("$".into(), 2)));
    assert_eq!(
        evaluate("foo + 1"),
        Err(ExprError::UnknownName("foo".into()))
    );
    assert_eq!(
        evaluate("sqrt(1, 2)"),
        Err(ExprError::Arity("sqrt".into(), 2))
    );
    assert_eq!(evaluate("(1 + 2"), Err(ExprError::UnexpectedEnd));
    assert_eq!(evaluate("1 2"), Err(ExprError::Unexpected("2".into(), 2)));
    assert_eq!(evaluate(&"1+".repeat(MAX_LENGTH)), Err(ExprError::TooLong));
    let deep = format!(
        "{}1{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(evaluate(&deep), Err(ExprError::TooDeep));
    let signs = format!("{}1", "-".repeat(MAX_DEPTH + 1));
    assert_eq!(evaluate(&signs), Err(ExprError::TooDeep));
    let (input, message) = input_error(run("evaluate", vec![("expression", json!("2 +* 3"))]));
    assert_eq!(input, "expression");
    assert!(message.contains("unexpected `*`"), "{message}");
}
