//! What the `math` component is: action keys, input keys and defaults follow Prismatic's Math
//! component; examples are run by the runtime's catalog test.

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec, InputSpec};
use serde_json::{json, Value};

use super::ops::{fround, js_round, Fold, Op};

plumb_core::action_inputs! {
    /// The input of the one-number actions.
    pub struct NumberInput {
        /// The number to apply the function to (a number or numeric text).
        number: f64 = ("Number", Number),
    }
}

plumb_core::action_inputs! {
    /// The input of `exp`.
    pub struct ExponentInput {
        /// The power to raise e to.
        exponent: f64 = ("Exponent", Number),
    }
}

plumb_core::action_inputs! {
    /// The input of the list actions.
    pub struct NumbersInput {
        /// The numbers, in order: a list of numbers or numeric texts (or its JSON text), at
        /// most 10,000.
        numbers: serde_json::Value = ("Numbers", List),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `max` and `min`.
    pub struct ExtremeInputs {
        /// The numbers to compare (at most 10,000).
        numbers: Option<serde_json::Value> = ("Numbers", List),
        /// The numbers as JSON (a list, or its JSON text, from an earlier step); when given it
        /// is used instead of `numbers`.
        dynamicNumbers: Option<serde_json::Value> = ("Dynamic Numbers", Data),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `log`.
    pub struct LogInputs {
        /// The number whose logarithm is taken.
        number: f64 = ("Number", Number),
        /// The logarithm's base (positive, not 1).
        base: f64 = ("Exponent Base", Number, default "10"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `pow`.
    pub struct PowInputs {
        /// The base x of x^y.
        base: f64 = ("Base", Number),
        /// The exponent y of x^y.
        exponent: f64 = ("Exponent", Number),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `random` and `randomInt`.
    pub struct RangeInputs {
        /// The lowest value answered.
        min: f64 = ("Min", Number),
        /// The highest value (`randomInt` includes it; `random` stays below it).
        max: f64 = ("Max", Number),
    }
}

plumb_core::action_inputs! {
    /// The input of `evaluate`.
    pub struct ExpressionInput {
        /// The arithmetic expression, e.g. `5 + 3 * 4^3`: numbers, `+ - * / %`, `^` or `**`
        /// for powers, the bitwise `& | << >>`, parentheses, `pi`, `e` and functions such as
        /// `sqrt(2)` or `max(1, 2)` (at most 4,096 characters).
        expression: String = ("Expression", String),
    }
}

/// One action of the component.
pub(crate) struct MathAction {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub op: Op,
}

const fn unary(
    key: &'static str,
    label: &'static str,
    description: &'static str,
    f: fn(f64) -> f64,
) -> MathAction {
    MathAction {
        key,
        label,
        description,
        op: Op::Unary(f),
    }
}

const fn fold(
    key: &'static str,
    label: &'static str,
    description: &'static str,
    f: Fold,
) -> MathAction {
    MathAction {
        key,
        label,
        description,
        op: Op::Fold(f),
    }
}

/// Every action, in the order of Prismatic's page.
pub(crate) const ACTIONS: &[MathAction] = &[
    unary(
        "abs",
        "Absolute Value",
        "The absolute value of a number.",
        f64::abs,
    ),
    fold("add", "Add Numbers", "The sum of the numbers.", Fold::Add),
    unary(
        "acos",
        "Arccosine",
        "The arccosine of a number, in radians.",
        f64::acos,
    ),
    unary(
        "asin",
        "Arcsine",
        "The arcsine of a number, in radians.",
        f64::asin,
    ),
    unary(
        "atan",
        "Arctangent",
        "The arctangent of a number, in radians.",
        f64::atan,
    ),
    unary(
        "ceil",
        "Ceiling",
        "The smallest integer not below the number.",
        f64::ceil,
    ),
    unary(
        "cos",
        "Cosine",
        "The cosine of an angle in radians.",
        f64::cos,
    ),
    unary("cbrt", "Cube Root", "The cube root of a number.", f64::cbrt),
    fold(
        "divide",
        "Divide Numbers",
        "The first number divided by each of the others in turn.",
        Fold::Divide,
    ),
    MathAction {
        key: "evaluate",
        label: "Evaluate Expression",
        description: "The value of an arithmetic expression such as `2 * 3 + 7`.",
        op: Op::Evaluate,
    },
    MathAction {
        key: "exp",
        label: "e^x",
        description: "e (2.718..., the base of natural logarithms) raised to a power.",
        op: Op::Exp,
    },
    unary(
        "fround",
        "Float-round",
        "The nearest single-precision float to a number.",
        fround,
    ),
    unary(
        "floor",
        "Floor",
        "The largest integer not above the number.",
        f64::floor,
    ),
    unary(
        "acosh",
        "Hyperbolic Arccosine",
        "The hyperbolic arccosine of a number.",
        f64::acosh,
    ),
    unary(
        "asinh",
        "Hyperbolic Arcsine",
        "The hyperbolic arcsine of a number.",
        f64::asinh,
    ),
    unary(
        "atanh",
        "Hyperbolic Arctangent",
        "The hyperbolic arctangent of a number.",
        f64::atanh,
    ),
    unary(
        "cosh",
        "Hyperbolic Cosine",
        "The hyperbolic cosine of a number.",
        f64::cosh,
    ),
    unary(
        "sinh",
        "Hyperbolic Sine",
        "The hyperbolic sine of a number.",
        f64::sinh,
    ),
    unary(
        "tanh",
        "Hyperbolic Tangent",
        "The hyperbolic tangent of a number.",
        f64::tanh,
    ),
    fold(
        "hypot",
        "Hypotenuse",
        "The square root of the sum of the squares of the numbers.",
        Fold::Hypot,
    ),
    MathAction {
        key: "log",
        label: "Logarithm",
        description: "The logarithm of a number in a given base (10 by default).",
        op: Op::Log,
    },
    MathAction {
        key: "max",
        label: "Maximum",
        description: "The largest of the numbers.",
        op: Op::Extreme(true),
    },
    MathAction {
        key: "min",
        label: "Minimum",
        description: "The smallest of the numbers.",
        op: Op::Extreme(false),
    },
    fold(
        "multiply",
        "Multiply Numbers",
        "The product of the numbers.",
        Fold::Multiply,
    ),
    unary(
        "naturalLog",
        "Natural Log",
        "The natural logarithm (ln) of a number.",
        f64::ln,
    ),
    MathAction {
        key: "pow",
        label: "Power",
        description: "A base raised to an exponent (x^y).",
        op: Op::Pow,
    },
    MathAction {
        key: "randomInt",
        label: "Random Integer",
        description: "A pseudo-random integer from min to max, both included.",
        op: Op::Random(true),
    },
    MathAction {
        key: "random",
        label: "Random Number",
        description: "A pseudo-random number from min (included) to max (excluded).",
        op: Op::Random(false),
    },
    unary(
        "round",
        "Round",
        "The number rounded to the nearest integer (halves round up, as in JavaScript).",
        js_round,
    ),
    unary("sin", "Sine", "The sine of an angle in radians.", f64::sin),
    unary(
        "sqrt",
        "Square Root",
        "The positive square root of a number.",
        f64::sqrt,
    ),
    fold(
        "subtract",
        "Subtract Numbers",
        "The first number minus each of the others in turn.",
        Fold::Subtract,
    ),
    unary(
        "tan",
        "Tangent",
        "The tangent of an angle in radians.",
        f64::tan,
    ),
    unary(
        "trunc",
        "Truncate Number",
        "The integer part of a number, its fractional digits removed.",
        f64::trunc,
    ),
];

fn inputs(op: Op) -> Vec<InputSpec> {
    match op {
        Op::Unary(_) => NumberInput::specs(),
        Op::Exp => ExponentInput::specs(),
        Op::Fold(_) => NumbersInput::specs(),
        Op::Extreme(_) => ExtremeInputs::specs(),
        Op::Log => LogInputs::specs(),
        Op::Pow => PowInputs::specs(),
        Op::Random(_) => RangeInputs::specs(),
        Op::Evaluate => ExpressionInput::specs(),
    }
}

fn ex(title: &str, pairs: &[(&str, Value)], result: Option<Value>) -> ActionExample {
    let e = ActionExample::values(title, pairs);
    match result {
        Some(r) => e.answers(r),
        None => e,
    }
}

/// One-number examples: (number, result) pairs.
fn number_examples(key: &str) -> Vec<(Value, Value)> {
    match key {
        "abs" => vec![(json!(-7.25), json!(7.25)), (json!("12"), json!(12))],
        "acos" | "asin" | "atan" => vec![(json!(if key == "acos" { 1 } else { 0 }), json!(0))],
        "ceil" => vec![(json!(4.2), json!(5)), (json!(-4.2), json!(-4))],
        "cos" | "cosh" => vec![(json!(0), json!(1))],
        "cbrt" => vec![(json!(27), json!(3)), (json!(-8), json!(-2))],
        "fround" => vec![
            (json!(5.5), json!(5.5)),
            (json!(5.05), json!(5.050000190734863)),
        ],
        "floor" => vec![(json!(4.8), json!(4)), (json!(-4.2), json!(-5))],
        "acosh" => vec![(json!(1), json!(0))],
        "asinh" | "atanh" | "sinh" | "tanh" | "sin" | "tan" => vec![(json!(0), json!(0))],
        "naturalLog" => vec![(json!(1), json!(0))],
        "round" => vec![
            (json!(2.5), json!(3)),
            (json!(-2.5), json!(-2)),
            (json!("7.49"), json!(7)),
        ],
        "sqrt" => vec![(json!(16), json!(4)), (json!(2.25), json!(1.5))],
        "trunc" => vec![(json!(-4.7), json!(-4)), (json!(13.37), json!(13))],
        _ => Vec::new(),
    }
}

fn examples(action: &MathAction) -> Vec<ActionExample> {
    let key = action.key;
    let list = |title: &str, numbers: Value, result: Value| {
        ex(title, &[("numbers", numbers)], Some(result))
    };
    match action.op {
        Op::Unary(_) => number_examples(key)
            .into_iter()
            .map(|(n, r)| ex(&format!("{key} of {n}"), &[("number", n)], Some(r)))
            .collect(),
        Op::Exp => vec![
            ex("e^0", &[("exponent", json!(0))], Some(json!(1))),
            ex(
                "e^1",
                &[("exponent", json!(1))],
                Some(json!(std::f64::consts::E)),
            ),
        ],
        Op::Fold(Fold::Add) => vec![
            list("Add three numbers", json!([1, 2, 3.5]), json!(6.5)),
            list("Numeric texts count too", json!(["10", 5]), json!(15)),
        ],
        Op::Fold(Fold::Subtract) => vec![list(
            "Subtract from the first number",
            json!([10, 3, 2]),
            json!(5),
        )],
        Op::Fold(Fold::Multiply) => {
            vec![list("Multiply three numbers", json!([2, 3, 4]), json!(24))]
        }
        Op::Fold(Fold::Divide) => vec![
            list(
                "Divide the first number by the others",
                json!([100, 4, 5]),
                json!(5),
            ),
            list("A fraction", json!([1, 4]), json!(0.25)),
        ],
        Op::Fold(Fold::Hypot) => vec![list("A 3-4-5 triangle", json!([3, 4]), json!(5))],
        Op::Extreme(max) => vec![
            list(
                if max { "The largest" } else { "The smallest" },
                json!([4, -1, 9.5]),
                if max { json!(9.5) } else { json!(-1) },
            ),
            ex(
                "Numbers from an earlier step's JSON",
                &[("dynamicNumbers", json!("[3, 7, 5]"))],
                Some(json!(if max { 7 } else { 3 })),
            ),
        ],
        Op::Log => vec![
            ex("Base 10", &[("number", json!(100))], Some(json!(2))),
            ex(
                "Base 2",
                &[("number", json!(8)), ("base", json!(2))],
                Some(json!(3)),
            ),
        ],
        Op::Pow => vec![
            ex(
                "2^10",
                &[("base", json!(2)), ("exponent", json!(10))],
                Some(json!(1024)),
            ),
            ex(
                "A square root as a power",
                &[("base", json!(9)), ("exponent", json!(0.5))],
                Some(json!(3)),
            ),
        ],
        Op::Random(integer) => vec![
            ex(
                if integer {
                    "A die roll"
                } else {
                    "A number from 0 to 1"
                },
                &[
                    ("min", json!(if integer { 1 } else { 0 })),
                    ("max", json!(if integer { 6 } else { 1 })),
                ],
                None,
            ),
            ex(
                "A range of one value",
                &[("min", json!(5)), ("max", json!(5))],
                Some(json!(5)),
            ),
        ],
        Op::Evaluate => vec![
            ex(
                "Powers first",
                &[("expression", json!("5 + 3 * 4^3"))],
                Some(json!(197)),
            ),
            ex(
                "Arithmetic",
                &[("expression", json!("2 * 3 + 7"))],
                Some(json!(13)),
            ),
            ex(
                "A bit shift",
                &[("expression", json!("5 << 2"))],
                Some(json!(20)),
            ),
            ex(
                "Parentheses and functions",
                &[("expression", json!("(1 + 2) * sqrt(16) / 4"))],
                Some(json!(3)),
            ),
        ],
    }
}

/// The `math` component's spec.
pub fn spec() -> ComponentSpec {
    let mut spec = ComponentSpec::builtin(
        super::KEY,
        "Math",
        "Common math on numbers and lists of numbers.",
    );
    for action in ACTIONS {
        let mut a = ActionSpec::new(
            action.key,
            action.label,
            action.description,
            inputs(action.op),
        );
        for e in examples(action) {
            a = a.example(e);
        }
        spec = spec.action(a);
    }
    spec
}
