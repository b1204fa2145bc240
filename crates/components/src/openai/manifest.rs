//! What the `openai` component is: its actions' inputs (Prismatic's OpenAI keys for
//! `createChatCompletion`; plumb's own `createEmbedding`) and its connection type.

use plumb_core::action::Connection;
use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec};
use serde_json::{json, Value};

use crate::util::{Count, Encoded};

/// The most chat messages, or embedding input strings, one step sends (OpenAI's own limit for
/// embedding inputs).
pub(crate) const MAX_ITEMS: usize = 2048;
/// The most completion choices one step asks for (OpenAI's limit of `n`).
pub(crate) const MAX_CHOICES: u64 = 128;
/// The longest a step waits for an answer, in ms (10 minutes).
pub(crate) const MAX_TIMEOUT_MS: u64 = 600_000;

plumb_core::action_inputs! {
    /// The connection every action takes first.
    pub struct Account {
        /// An OpenAI API key connection (`openAiApiKey`).
        connection: Connection = ("Connection", Connection),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `createChatCompletion` after the connection.
    pub struct Chat {
        /// The model (`gpt-4.1-2025-04-14`, `gpt-5-mini-2025-08-07`, ...).
        model: Option<String> = ("Model", String, default "gpt-3.5-turbo"),
        /// The conversation: a JSON list of `{role, content}` messages (at most 2048); Prismatic's
        /// sample conversation when not given.
        messages: Encoded = ("Messages", Code, default r#"[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Who won the world series in 2020?"},{"role":"assistant","content":"The Los Angeles Dodgers won the World Series in 2020."},{"role":"user","content":"Where was it played?"}]"#),
        /// Sampling temperature, 0 to 2: higher is more random.
        temperature: Option<f64> = ("Temperature", Number, default "1"),
        /// Nucleus sampling: only the tokens of the top `top_p` probability mass are considered.
        topP: Option<f64> = ("top_p", Number, default "1"),
        /// How many completion choices to generate (1 to 128).
        numChoices: Count = ("Number of choices", Number, default "1"),
        /// How long to wait for the answer, in ms (at most 600000).
        timeout: Count = ("Timeout (ms)", Number, default "10000"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `createEmbedding` after the connection.
    pub struct Embedding {
        /// The embedding model.
        model: Option<String> = ("Model", String, default "text-embedding-3-small"),
        /// The text to embed: a string, or a list of strings (at most 2048).
        input: Value = ("Input", Data),
        /// The number of dimensions of each embedding (text-embedding-3 and later models).
        dimensions: Count = ("Dimensions", Number),
        /// How long to wait for the answer, in ms (at most 600000).
        timeout: Count = ("Timeout (ms)", Number, default "10000"),
    }
}

fn example(title: &str, pairs: &[(&str, serde_json::Value)]) -> ActionExample {
    let mut e = ActionExample::values(title, pairs);
    if let Some(map) = e.inputs.as_object_mut() {
        map.insert(
            "connection".into(),
            json!({"type": "configVar", "value": "OpenAI Connection"}),
        );
    }
    e
}

/// The `openai` component's spec.
pub fn spec() -> ComponentSpec {
    let mut chat = Account::specs();
    chat.extend(Chat::specs());
    let mut embed = Account::specs();
    embed.extend(Embedding::specs());
    ComponentSpec::builtin(
        super::KEY,
        "OpenAI",
        "Chat completions and embeddings from OpenAI's API (or an OpenAI-compatible server).",
    )
    .action(
        ActionSpec::new(
            "createChatCompletion",
            "Create Chat Completion",
            "Ask a model for the next message of a conversation (POST /v1/chat/completions).",
            chat,
        )
        .example(example(
            "Answer a question",
            &[
                ("model", json!("gpt-4.1-2025-04-14")),
                (
                    "messages",
                    json!([
                        {"role": "system", "content": "You are a helpful assistant."},
                        {"role": "user", "content": "Where was the 2020 World Series played?"}
                    ]),
                ),
                ("temperature", json!(0.2)),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "createEmbedding",
            "Create Embedding",
            "Turn text into embedding vectors (POST /v1/embeddings). plumb's own action.",
            embed,
        )
        .example(example(
            "Embed two sentences",
            &[
                ("model", json!("text-embedding-3-small")),
                (
                    "input",
                    json!(["The food was delicious.", "The waiter was friendly."]),
                ),
            ],
        )),
    )
    .with_registered_connections()
}
