//! What the `http` component is: action and input names follow Prismatic's HTTP component.

use plumb_core::action::{Connection, Data};
use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec, InputSpec};
use serde_json::json;

use crate::util::{Count, KeyValues};

plumb_core::action_inputs! {
    /// The inputs of every HTTP action (`httpRequest` adds `method` after `url`).
    pub struct HttpInputs {
        /// The URL to call (`http` or `https`); query parameters may be in it or in `queryParams`.
        url: String = ("URL", String),
        /// The request body: JSON, text or binary data from an earlier step.
        data: Option<Data> = ("Data", Data),
        /// Request headers: a list of `{key, value}` or an object.
        headers: KeyValues = ("Header", List),
        /// Query parameters added to the URL's own: a list of `{key, value}` or an object.
        queryParams: KeyValues = ("Query Parameter", List),
        /// How the answer is returned: `json` (parsed, text when it does not parse), `text` or
        /// `binary` (bytes with the response's content type).
        responseType: String = ("Response Type", String, default "json"),
        /// Milliseconds an attempt may take (the connection's or 30 s when not given).
        timeout: Count = ("Timeout (ms)", Number),
        /// Retries after the first attempt (on 429, 5xx and network errors).
        maxRetries: Count = ("Max Retry Count", Number, default "0"),
        /// Milliseconds before the first retry.
        retryDelayMS: Count = ("Retry Delay (ms)", Number, default "0"),
        /// Retry every failure status, not only 429 and 5xx.
        retryOnAllErrors: bool = ("Retry On All Errors", Boolean, default "false"),
        /// Double the delay after each retry.
        useExponentialBackoff: bool = ("Use Exponential Backoff", Boolean, default "false"),
        /// Answer the whole envelope (`ok, method, url, status, statusText, headers, body, text,
        /// parseError`) instead of the body.
        includeFullResponse: bool = ("Include Full Response", Boolean, default "false"),
        /// Accept an invalid TLS certificate.
        ignoreSslErrors: bool = ("Ignore SSL Errors", Boolean, default "false"),
        /// Log the request (method, URL without its query, header names).
        debugRequest: bool = ("Debug Request", Boolean, default "false"),
        /// A connection of one of this component's types, which authenticates the request.
        connection: Option<Connection> = ("Connection", Connection),
    }
}

plumb_core::action_inputs! {
    /// The method of `httpRequest`.
    pub struct MethodInput {
        /// The HTTP method (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`, `OPTIONS`).
        method: String = ("Method", String, default "GET"),
    }
}

fn request_inputs() -> Vec<InputSpec> {
    let mut inputs = HttpInputs::specs();
    inputs.splice(1..1, MethodInput::specs());
    inputs
}

fn example(method: &str) -> ActionExample {
    let mut pairs = vec![("url", json!("https://pokeapi.co/api/v2/pokemon/pikachu"))];
    if method != "GET" && method != "DELETE" {
        pairs.push(("data", json!({"name": "pikachu"})));
    }
    ActionExample::values(format!("{method} a Pokemon"), &pairs)
}

/// The `http` component's spec.
pub fn spec() -> ComponentSpec {
    let mut spec = ComponentSpec::builtin(
        super::KEY,
        "HTTP",
        "Make HTTP requests, optionally authenticated by a connection.",
    );
    for (key, label, method) in [
        ("httpGet", "GET Request", "GET"),
        ("httpPost", "POST Request", "POST"),
        ("httpPut", "PUT Request", "PUT"),
        ("httpPatch", "PATCH Request", "PATCH"),
        ("httpDelete", "DELETE Request", "DELETE"),
    ] {
        spec = spec.action(
            ActionSpec::new(
                key,
                label,
                format!("Issue a {method} request."),
                HttpInputs::specs(),
            )
            .example(example(method)),
        );
    }
    let mut generic = example("PUT");
    if let Some(map) = generic.inputs.as_object_mut() {
        map.insert("method".into(), json!({"type": "value", "value": "PUT"}));
    }
    spec.action(
        ActionSpec::new(
            "httpRequest",
            "Generic Request",
            "Issue a request with any method.",
            request_inputs(),
        )
        .example(generic),
    )
    .with_registered_connections()
}
