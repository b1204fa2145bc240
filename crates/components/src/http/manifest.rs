//! The `http` component's manifest: action and input names follow Prismatic's HTTP component.

use plumb_core::component::{ActionManifest, ComponentManifest, InputKind, InputManifest};

const fn input(
    key: &'static str,
    label: &'static str,
    kind: InputKind,
    required: bool,
    default: Option<&'static str>,
) -> InputManifest {
    InputManifest {
        key,
        label,
        kind,
        required,
        default,
    }
}

/// Inputs every HTTP action shares, after `url` (and `method` for `httpRequest`).
macro_rules! common_inputs {
    ($($first:expr),*) => {
        &[
            $($first,)*
            input("data", "Data", InputKind::Data, false, None),
            input("headers", "Header", InputKind::List, false, None),
            input("queryParams", "Query Parameter", InputKind::List, false, None),
            input("responseType", "Response Type", InputKind::String, true, Some("json")),
            input("timeout", "Timeout (ms)", InputKind::Number, false, None),
            input("maxRetries", "Max Retry Count", InputKind::Number, false, Some("0")),
            input("retryDelayMS", "Retry Delay (ms)", InputKind::Number, false, Some("0")),
            input("retryOnAllErrors", "Retry On All Errors", InputKind::Boolean, false, Some("false")),
            input("useExponentialBackoff", "Use Exponential Backoff", InputKind::Boolean, false, Some("false")),
            input("includeFullResponse", "Include Full Response", InputKind::Boolean, false, Some("false")),
            input("ignoreSslErrors", "Ignore SSL Errors", InputKind::Boolean, false, Some("false")),
            input("debugRequest", "Debug Request", InputKind::Boolean, false, Some("false")),
            input("connection", "Connection", InputKind::Connection, false, None),
        ]
    };
}

const URL: InputManifest = input("url", "URL", InputKind::String, true, None);
const METHOD: InputManifest = input("method", "Method", InputKind::String, true, Some("GET"));

const INPUTS: &[InputManifest] = common_inputs!(URL);
const REQUEST_INPUTS: &[InputManifest] = common_inputs!(URL, METHOD);

const fn action(
    key: &'static str,
    label: &'static str,
    description: &'static str,
    inputs: &'static [InputManifest],
) -> ActionManifest {
    ActionManifest {
        key,
        label,
        description,
        inputs,
        is_trigger: false,
    }
}

const ACTIONS: &[ActionManifest] = &[
    action("httpGet", "GET Request", "Issue a GET request.", INPUTS),
    action("httpPost", "POST Request", "Issue a POST request.", INPUTS),
    action("httpPut", "PUT Request", "Issue a PUT request.", INPUTS),
    action(
        "httpPatch",
        "PATCH Request",
        "Issue a PATCH request.",
        INPUTS,
    ),
    action(
        "httpDelete",
        "DELETE Request",
        "Issue a DELETE request.",
        INPUTS,
    ),
    action(
        "httpRequest",
        "Generic Request",
        "Issue a request with any method.",
        REQUEST_INPUTS,
    ),
];

/// The `http` component's manifest.
pub fn manifest() -> ComponentManifest {
    ComponentManifest {
        key: super::KEY,
        label: "HTTP",
        description: "Make HTTP requests, optionally authenticated by a connection.",
        actions: ACTIONS,
        connections: &[
            "basic",
            "apiKey",
            "apiKeyDynamic",
            "bearer",
            "awsSigV4",
            "oauth2ClientCredentials",
            "oauth2Password",
            "oauth2AuthorizationCode",
            "openIdConnect",
            "mutualTls",
        ],
    }
}
