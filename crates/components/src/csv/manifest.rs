//! What the `csv` component is: Prismatic's CSV component's actions (`generateFromObject`,
//! `generate`, `parse`) and inputs (`inputArray`, `data`, `csv`, `delimiter`, `includeHeader`).

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec};
use serde_json::json;

use crate::util::{Encoded, Payload};

/// The `inputArray` default of Prismatic's page: two rows of two columns.
const SAMPLE_ARRAY: &str =
    r#"[{"Column 1":"foo","Column 2":"bar"},{"Column 1":"abc","Column 2":"def"}]"#;

plumb_core::action_inputs! {
    /// The inputs of `generateFromObject`.
    pub struct GenerateFromObject {
        /// A list of flat objects (or its JSON text): their keys are the columns, in order of
        /// first appearance; nested objects are flattened to `a__b`, lists written as JSON.
        inputArray: Encoded = ("Input Array", Data, default r#"[{"Column 1":"foo","Column 2":"bar"},{"Column 1":"abc","Column 2":"def"}]"#),
        /// The one character between cells (`\t` for a tab).
        delimiter: Option<String> = ("Delimiter", String, default ","),
        /// Whether the first row names the columns.
        includeHeader: Option<bool> = ("Include Header?", Boolean, default "true"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `generate`.
    pub struct Generate {
        /// The rows: a list of lists of cells (or its JSON text).
        data: Encoded = ("Data", Data),
        /// The one character between cells (`\t` for a tab).
        delimiter: Option<String> = ("Delimiter", String, default ","),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `parse`.
    pub struct Parse {
        /// CSV text (a string, or binary data holding UTF-8 text; at most 16 MiB).
        csv: Payload = ("CSV Data", Text),
        /// The one character between cells (`\t` for a tab).
        delimiter: Option<String> = ("Delimiter", String, default ","),
    }
}

/// The `csv` component's spec.
pub fn spec() -> ComponentSpec {
    let sample: serde_json::Value = serde_json::from_str(SAMPLE_ARRAY).unwrap_or_default();
    ComponentSpec::builtin(
        super::KEY,
        "CSV",
        "Build CSV text from lists of objects or rows, and parse CSV text into rows.",
    )
    .action(
        ActionSpec::new(
            "generateFromObject",
            "Generate CSV From Array",
            "Write a list of objects as CSV text, a header row first.",
            GenerateFromObject::specs(),
        )
        .example(
            ActionExample::values("Two rows", &[("inputArray", sample)])
                .answers(json!("Column 1,Column 2\nfoo,bar\nabc,def")),
        )
        .example(
            ActionExample::values(
                "Semicolons, no header, a missing key",
                &[
                    ("inputArray", json!([{"id": 1, "name": "Ash"}, {"id": 2}])),
                    ("delimiter", json!(";")),
                    ("includeHeader", json!(false)),
                ],
            )
            .answers(json!("1;Ash\n2;")),
        ),
    )
    .action(
        ActionSpec::new(
            "generate",
            "Generate (Deprecated)",
            "Write rows (lists of cells) as CSV text.",
            Generate::specs(),
        )
        .example(
            ActionExample::values(
                "Rows with a quoted cell",
                &[("data", json!([["id", "name"], ["1", "Ash, Jr."]]))],
            )
            .answers(json!("id,name\n1,\"Ash, Jr.\"")),
        ),
    )
    .action(
        ActionSpec::new(
            "parse",
            "Parse",
            "Parse CSV text into a list of rows, each a list of cells (text).",
            Parse::specs(),
        )
        .example(
            ActionExample::values("Two rows", &[("csv", json!("id,name\n1,Ash"))])
                .answers(json!([["id", "name"], ["1", "Ash"]])),
        )
        .example(
            ActionExample::values(
                "Tabs, quotes and a line break in a cell",
                &[
                    ("csv", json!("a\tb\n\"x\ty\"\t\"line 1\nline 2\"\n")),
                    ("delimiter", json!("\\t")),
                ],
            )
            .answers(json!([["a", "b"], ["x\ty", "line 1\nline 2"]])),
        ),
    )
}
