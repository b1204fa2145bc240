//! What the `text-manipulation` component is: action keys, input keys and defaults follow
//! Prismatic's Text Manipulation component; examples are run by the runtime's catalog test.

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec, InputSpec};
use serde_json::{json, Value};

use crate::util::{Count, KeyValues, Text};

plumb_core::action_inputs! {
    /// The input of the one-text actions.
    pub struct TextInput {
        /// The text to manipulate.
        text: Text = ("Text", String),
    }
}

plumb_core::action_inputs! {
    /// The input of `decodeBase64`.
    pub struct Base64Input {
        /// The base64 text to decode (standard or URL-safe alphabet, padding optional); the
        /// decoded bytes are read as UTF-8.
        text: Text = ("Base64 Text", String),
    }
}

plumb_core::action_inputs! {
    /// The input of `encodeBase64`.
    pub struct EncodeInput {
        /// The text (encoded as UTF-8) or binary data (a file from an earlier step) to encode.
        text: Text = ("Text or file", Data),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `slice`.
    pub struct SliceInputs {
        /// The text to take a part of.
        text: Text = ("Text", String),
        /// Where the part starts (0 is the first character; negative counts from the end).
        sliceStart: Option<f64> = ("Slice start", Number),
        /// Where the part stops, not included (the end when not given; negative counts from
        /// the end).
        sliceStop: Option<f64> = ("Slice stop", Number),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `replace`.
    pub struct ReplaceInputs {
        /// The text to change.
        text: Text = ("Text", String),
        /// The substring to find; every occurrence is replaced.
        find: Text = ("Substring to find and be replaced", String),
        /// What each occurrence becomes (empty removes them).
        replace: Option<String> = ("The substring to replace instances of 'find' with", String),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `replaceMultipleSubstring`.
    pub struct ReplaceMultipleInputs {
        /// The text to change.
        text: Text = ("Text", String),
        /// The replacements, applied in order: a list of `{key, value}` where every `key` in
        /// the text becomes its `value` (or an object of them).
        replaceWith: KeyValues = ("Replace With", List),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `join`.
    pub struct JoinInputs {
        /// The strings to join (a list; values that are not strings are taken as JSON text).
        strings: serde_json::Value = ("Strings", List),
        /// What goes between two strings (nothing when not given).
        separator: Option<String> = ("Separator", String),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `joinLines`.
    pub struct JoinLinesInputs {
        /// The strings to join, one a line.
        strings: serde_json::Value = ("Strings", List),
        /// The newline: `\n`, or `\r\n` for Windows line ends.
        newlineType: Option<String> = ("Newline type", String, default "\n"),
        /// How many newlines go between two strings (at most 100).
        numberOfNewlines: Count = ("Number of newlines", Number, default "1"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `match`.
    pub struct MatchInputs {
        /// The text to search.
        text: Text = ("Text", String),
        /// The regular expression (Rust `regex` syntax, which covers JavaScript's common
        /// forms; no look-around or back-references; at most 4,096 characters).
        regex: String = ("Regex", String),
        /// Flags: `g` answers every match, `i` ignores case, `m` makes `^`/`$` match at line
        /// ends, `s` lets `.` match newlines. Without `g` the answer is the first match and its
        /// groups.
        regexFlags: Option<String> = ("Regex Flags", String, default "g"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `splitLines`.
    pub struct SplitLinesInputs {
        /// The text to split at newlines (`\n` or `\r\n`).
        text: Text = ("Text", String),
        /// Leave out blank lines (like a trailing newline's).
        filterBlankLines: bool = ("Filter Blank Lines", Boolean, default "true"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `split`.
    pub struct SplitInputs {
        /// The text to split.
        text: Text = ("Text", String),
        /// Where to split; empty splits into single characters.
        separator: Option<String> = ("Separator", String),
    }
}

fn ex(title: &str, pairs: &[(&str, Value)], result: Value) -> ActionExample {
    ActionExample::values(title, pairs).answers(result)
}

fn text(title: &str, input: &str, result: Value) -> ActionExample {
    ex(title, &[("text", json!(input))], result)
}

/// One action: key, label, description, inputs and examples.
type TextAction = (
    &'static str,
    &'static str,
    &'static str,
    Vec<InputSpec>,
    Vec<ActionExample>,
);

/// Key, label, description, inputs and examples of every action, in the order of Prismatic's
/// page.
fn actions() -> Vec<TextAction> {
    vec![
        (
            "decodeBase64",
            "Decode Base64",
            "Decodes base64 text into the text it encodes.",
            Base64Input::specs(),
            vec![
                text(
                    "Decode a greeting",
                    "SGVsbG8sIFdvcmxkIQ==",
                    json!("Hello, World!"),
                ),
                text("Without padding", "aGk", json!("hi")),
            ],
        ),
        (
            "encodeBase64",
            "Encode Base64",
            "Encodes text (as UTF-8) or a file as base64.",
            EncodeInput::specs(),
            vec![
                text(
                    "Encode a greeting",
                    "Hello, World!",
                    json!("SGVsbG8sIFdvcmxkIQ=="),
                ),
                text("Non-ASCII text", "héllo", json!("aMOpbGxv")),
            ],
        ),
        (
            "slice",
            "Extract Substring",
            "A part of a text, from a start index up to (not including) a stop index.",
            SliceInputs::specs(),
            vec![
                ex(
                    "Characters 0 to 5",
                    &[
                        ("text", json!("Hello, World!")),
                        ("sliceStart", json!(0)),
                        ("sliceStop", json!(5)),
                    ],
                    json!("Hello"),
                ),
                ex(
                    "The last six characters",
                    &[("text", json!("Hello, World!")), ("sliceStart", json!(-6))],
                    json!("World!"),
                ),
            ],
        ),
        (
            "replace",
            "Find & Replace",
            "Replaces every occurrence of a substring with another.",
            ReplaceInputs::specs(),
            vec![
                ex(
                    "Move a file to another folder",
                    &[
                        ("text", json!("Unprocessed Directory/report.csv")),
                        ("find", json!("Unprocessed Directory")),
                        ("replace", json!("Processed Directory")),
                    ],
                    json!("Processed Directory/report.csv"),
                ),
                ex(
                    "Remove a prefix",
                    &[
                        ("text", json!("gh-42")),
                        ("find", json!("gh-")),
                        ("replace", json!("")),
                    ],
                    json!("42"),
                ),
            ],
        ),
        (
            "replaceMultipleSubstring",
            "Find & Replace Multiple Substrings",
            "Replaces every occurrence of several substrings, each with its own replacement.",
            ReplaceMultipleInputs::specs(),
            vec![ex(
                "Fill in a template",
                &[
                    ("text", json!("Dear NAME, your order ORDER shipped.")),
                    (
                        "replaceWith",
                        json!([{"key": "NAME", "value": "Ada"}, {"key": "ORDER", "value": "#1234"}]),
                    ),
                ],
                json!("Dear Ada, your order #1234 shipped."),
            )],
        ),
        (
            "htmlDecode",
            "HTML Decode",
            "Replaces HTML character references (`&lt;`, `&#39;`, ...) with their characters.",
            TextInput::specs(),
            vec![text(
                "Decode markup",
                "&lt;p&gt;Fish &amp; Chips &#8211; &#x1F41F;&lt;/p&gt;",
                json!("<p>Fish & Chips – 🐟</p>"),
            )],
        ),
        (
            "htmlEncode",
            "HTML Encode",
            "Escapes the characters that are special in HTML (`& < > \" '`).",
            TextInput::specs(),
            vec![text(
                "Encode markup",
                "<a href=\"x\">Tom & Jerry's</a>",
                json!("&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"),
            )],
        ),
        (
            "join",
            "Join",
            "Joins strings into one, with an optional separator between them.",
            JoinInputs::specs(),
            vec![
                ex(
                    "Build a key",
                    &[("strings", json!(["gh", "42"])), ("separator", json!("-"))],
                    json!("gh-42"),
                ),
                ex(
                    "No separator",
                    &[
                        ("strings", json!(["s3://", "bucket", "/key"])),
                        ("separator", json!("")),
                    ],
                    json!("s3://bucket/key"),
                ),
            ],
        ),
        (
            "joinLines",
            "Join Lines",
            "Joins strings into one, with newlines between them.",
            JoinLinesInputs::specs(),
            vec![
                ex(
                    "A comment's lines",
                    &[
                        (
                            "strings",
                            json!(["[Ticket Created in GitHub]", "Title: Broken link"]),
                        ),
                        ("newlineType", json!("\n")),
                        ("numberOfNewlines", json!("1")),
                    ],
                    json!("[Ticket Created in GitHub]\nTitle: Broken link"),
                ),
                ex(
                    "Paragraphs",
                    &[
                        ("strings", json!(["one", "two"])),
                        ("newlineType", json!("\n")),
                        ("numberOfNewlines", json!(2)),
                    ],
                    json!("one\n\ntwo"),
                ),
            ],
        ),
        (
            "lowerCase",
            "Lower Case",
            "The text in lower case.",
            TextInput::specs(),
            vec![text(
                "Lower-case a sentence",
                "Hello, WORLD!",
                json!("hello, world!"),
            )],
        ),
        (
            "match",
            "Match Regex",
            "Matches a text against a regular expression: every match with `g`, else the first \
             match and its groups; null when nothing matches.",
            MatchInputs::specs(),
            vec![
                ex(
                    "Every number",
                    &[("text", json!("Order 12 of 345")), ("regex", json!("\\d+"))],
                    json!(["12", "345"]),
                ),
                ex(
                    "The first match and its groups",
                    &[
                        ("text", json!("user@example.com")),
                        ("regex", json!("(\\w+)@([\\w.]+)")),
                        ("regexFlags", json!("i")),
                    ],
                    json!(["user@example.com", "user", "example.com"]),
                ),
                ex(
                    "No match",
                    &[("text", json!("abc")), ("regex", json!("\\d"))],
                    Value::Null,
                ),
            ],
        ),
        (
            "trim",
            "Remove Whitespace",
            "The text without its leading and trailing whitespace.",
            TextInput::specs(),
            vec![text("Trim", "  padded text \n", json!("padded text"))],
        ),
        (
            "splitLines",
            "Split Lines",
            "Splits a text at its newlines.",
            SplitLinesInputs::specs(),
            vec![
                text(
                    "Lines of a file",
                    "first\r\nsecond\n\nthird\n",
                    json!(["first", "second", "third"]),
                ),
                ex(
                    "Keep blank lines",
                    &[
                        ("text", json!("a\n\nb\n")),
                        ("filterBlankLines", json!(false)),
                    ],
                    json!(["a", "", "b", ""]),
                ),
            ],
        ),
        (
            "split",
            "Split String",
            "Splits a text into a list of strings at each separator.",
            SplitInputs::specs(),
            vec![
                ex(
                    "Owner and repository",
                    &[
                        ("text", json!("prismatic-io/examples")),
                        ("separator", json!("/")),
                    ],
                    json!(["prismatic-io", "examples"]),
                ),
                ex(
                    "A file name's extension",
                    &[
                        ("text", json!("report.2024.csv")),
                        ("separator", json!(".")),
                    ],
                    json!(["report", "2024", "csv"]),
                ),
            ],
        ),
        (
            "stringLength",
            "String Length",
            "The length of a text (in UTF-16 code units, as JavaScript counts).",
            TextInput::specs(),
            vec![
                text("A word", "hello", json!(5)),
                text("The empty text", "", json!(0)),
                text("An emoji counts twice", "🐟", json!(2)),
            ],
        ),
        (
            "upperCase",
            "Upper Case",
            "The text in upper case.",
            TextInput::specs(),
            vec![text(
                "Upper-case a title",
                "Hello, World!",
                json!("HELLO, WORLD!"),
            )],
        ),
    ]
}

/// The `text-manipulation` component's spec.
pub fn spec() -> ComponentSpec {
    let mut spec = ComponentSpec::builtin(
        super::KEY,
        "Text Manipulation",
        "Common operations on strings and lists of strings.",
    );
    for (key, label, description, inputs, examples) in actions() {
        let mut a = ActionSpec::new(key, label, description, inputs);
        for e in examples {
            a = a.example(e);
        }
        spec = spec.action(a);
    }
    spec
}
