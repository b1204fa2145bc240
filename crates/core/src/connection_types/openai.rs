//! Connection types of the `openai` component: Prismatic's `openAiApiKey`.

use super::ValueFormat::Url;
use super::{ConnectionInput as I, ConnectionType};

/// An API key (sent as `Authorization: Bearer`), an optional organization ID (sent as
/// `OpenAI-Organization`) and plumb's own `baseUrl` (an OpenAI-compatible server, a proxy, a
/// test stand-in; Prismatic always calls `https://api.openai.com`).
pub const API_KEY: ConnectionType = ConnectionType {
    key: "openAiApiKey",
    label: "API Key",
    component: "openai",
    oauth2: false,
    own_inputs: &[
        I::password("apiKey", "API Key").required(),
        I::string("organization", "Organization"),
        I::string("baseUrl", "Base URL")
            .with_default("https://api.openai.com")
            .format(Url),
    ],
    shared_inputs: &[],
};
