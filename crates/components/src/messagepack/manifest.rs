//! What the `messagepack` component is: Prismatic's MessagePack actions (`decodeMessage` with
//! input `message`, `encodeMessage` with input `data`).

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec};
use serde_json::{json, Value};

use crate::util::Payload;

plumb_core::action_inputs! {
    /// The input of `decodeMessage`.
    pub struct DecodeInput {
        /// The MessagePack message: binary data (an earlier step's binary result), a list of
        /// bytes, a Node.js `Buffer` as JSON, or base64 text; at most 16 MiB.
        message: Payload = ("Message", Data),
    }
}

plumb_core::action_inputs! {
    /// The input of `encodeMessage`.
    pub struct EncodeInput {
        /// The value to encode.
        data: Value = ("Data", Data),
    }
}

/// The `messagepack` component's spec.
pub fn spec() -> ComponentSpec {
    ComponentSpec::builtin(
        super::KEY,
        "MessagePack",
        "Encode values as MessagePack, a compact binary form of JSON, and decode them back.",
    )
    .action(
        ActionSpec::new(
            "decodeMessage",
            "Decode",
            "Decode one MessagePack value into JSON.",
            DecodeInput::specs(),
        )
        .example(
            // {"data": [1, "two"]} as bytes.
            ActionExample::values(
                "A step result's bytes",
                &[(
                    "message",
                    json!([0x81, 0xa4, b'd', b'a', b't', b'a', 0x92, 0x01, 0xa3, b't', b'w', b'o']),
                )],
            )
            .answers(json!({"data": [1, "two"]})),
        )
        .example(
            // {"ok": true, "n": 1.5} in base64.
            ActionExample::values(
                "Base64 text",
                &[("message", json!("gqJva8Ohbss/+AAAAAAAAA=="))],
            )
            .answers(json!({"ok": true, "n": 1.5})),
        ),
    )
    .action(
        ActionSpec::new(
            "encodeMessage",
            "Encode",
            "Encode a value as MessagePack (binary data).",
            EncodeInput::specs(),
        )
        .example(ActionExample::values(
            "An object",
            &[("data", json!({"data": [1, "two"]}))],
        )),
    )
}
