//! Connection types: the kinds of credentials the built-in components accept, and the checks
//! on a set of input values.
//!
//! The registry is one explicit list, [`all`], of [`ConnectionType`] constants declared per
//! component ([`http`], [`aws_s3`], [`salesforce`], [`slack`], [`openai`], [`postgres`],
//! [`aws_sqs`] (SQS and SNS)). Each type has a stable identity
//! ([`ConnectionType::id`], a UUID v5 of `component/key`) so its global ID is the same on every
//! server, and typed [`ConnectionInput`]s. [`validate_inputs`] reports every problem of a set of
//! values at once.
//!
//! Invariant: an input is `secret` whenever its type is `password` or its key is one of
//! [`SECRET_INPUT_KEYS`] (a few others are too, e.g. `apiKeyDynamic`'s `parameters`); secret
//! values are write-only everywhere above this crate.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use uuid::Uuid;

pub mod aws_s3;
pub mod aws_sqs;
pub mod http;
pub mod openai;
pub mod postgres;
pub mod salesforce;
pub mod slack;
mod validate;

pub use validate::{validate_inputs, InputError, ValidationMode};

/// The GraphQL type name of a connection type's global ID (`base64("Connection:<uuid>")`).
pub const GLOBAL_ID_TYPE: &str = "Connection";

/// The UUID v5 namespace of connection type IDs. Never change it: IDs are public.
pub const ID_NAMESPACE: Uuid = Uuid::from_u128(0x3a7b_a4db_e600_40f0_938f_9cb3_34fa_8dc0);

/// Input keys that are always secret (product contract), whatever their type.
pub const SECRET_INPUT_KEYS: &[&str] = &[
    "password",
    "clientSecret",
    "secretAccessKey",
    "sessionToken",
    "apiKey",
    "token",
    "key",
    "accessToken",
    "refreshToken",
    "proxyPassword",
    "privateKey",
];

/// The type of a connection input, as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionInputType {
    /// One line of text.
    String,
    /// A secret line of text (write-only).
    Password,
    /// Multi-line text.
    Text,
    /// `true` or `false`.
    Boolean,
    /// File contents: PEM text or a `data:` URL.
    Data,
}

impl ConnectionInputType {
    /// The type's name (`string`, `password`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionInputType::String => "string",
            ConnectionInputType::Password => "password",
            ConnectionInputType::Text => "text",
            ConnectionInputType::Boolean => "boolean",
            ConnectionInputType::Data => "data",
        }
    }
}

/// A finer shape check on a value, beyond its type (not part of the API answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueFormat {
    /// Anything.
    Any,
    /// An absolute URL (`scheme://host...`).
    Url,
    /// A non-negative whole number (milliseconds, counts).
    Integer,
    /// A JSON object.
    JsonObject,
    /// A JSON pointer (`/a/b`).
    JsonPointer,
    /// PEM text (`-----BEGIN ...`) or a `data:` URL.
    Pem,
}

/// One input of a connection type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInput {
    /// The input's key (`username`, `clientSecret`, ...).
    pub key: &'static str,
    /// A human label.
    pub label: &'static str,
    /// Its type.
    #[serde(rename = "type")]
    pub input_type: ConnectionInputType,
    /// Whether a complete set of values must give it (an input with a default never misses).
    pub required: bool,
    /// The value used when none is given.
    pub default: Option<&'static str>,
    /// Whether its value is write-only: never returned, logged or shown.
    pub secret: bool,
    /// The allowed values, when the input is a choice; empty otherwise.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub options: &'static [&'static str],
    /// The value's shape, checked by [`validate_inputs`].
    #[serde(skip)]
    pub format: ValueFormat,
}

impl ConnectionInput {
    /// An optional, non-secret input of `input_type` with no default.
    pub const fn new(
        key: &'static str,
        label: &'static str,
        input_type: ConnectionInputType,
    ) -> ConnectionInput {
        ConnectionInput {
            key,
            label,
            input_type,
            required: false,
            default: None,
            secret: matches!(input_type, ConnectionInputType::Password),
            options: &[],
            format: ValueFormat::Any,
        }
    }

    /// An optional `string` input.
    pub const fn string(key: &'static str, label: &'static str) -> ConnectionInput {
        ConnectionInput::new(key, label, ConnectionInputType::String)
    }

    /// An optional, secret `password` input.
    pub const fn password(key: &'static str, label: &'static str) -> ConnectionInput {
        ConnectionInput::new(key, label, ConnectionInputType::Password)
    }

    /// Marks it required.
    pub const fn required(mut self) -> ConnectionInput {
        self.required = true;
        self
    }

    /// Gives it a default.
    pub const fn with_default(mut self, value: &'static str) -> ConnectionInput {
        self.default = Some(value);
        self
    }

    /// Marks it secret.
    pub const fn secret(mut self) -> ConnectionInput {
        self.secret = true;
        self
    }

    /// Restricts it to `options`.
    pub const fn options(mut self, options: &'static [&'static str]) -> ConnectionInput {
        self.options = options;
        self
    }

    /// Sets its value format.
    pub const fn format(mut self, format: ValueFormat) -> ConnectionInput {
        self.format = format;
        self
    }
}

/// A connection type: a kind of credentials a component accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionType {
    /// Its key, unique within the component (`basic`, `oauth2ClientCredentials`, ...).
    pub key: &'static str,
    /// A human label.
    pub label: &'static str,
    /// The key of the component that declares it (`http`, `aws-s3`, `salesforce`).
    pub component: &'static str,
    /// Whether it needs the interactive OAuth 2.0 authorization-code flow (a redirect to
    /// `/oauth2/callback`). Such types cannot be organization-activated: the organization cannot
    /// sign in on the customer's behalf.
    pub oauth2: bool,
    /// Its own inputs.
    pub own_inputs: &'static [ConnectionInput],
    /// Shared inputs appended after its own (the transport inputs of `http` connections).
    pub shared_inputs: &'static [ConnectionInput],
}

impl ConnectionType {
    /// Every input: its own, then the shared ones.
    pub fn inputs(&self) -> impl Iterator<Item = &'static ConnectionInput> + Clone {
        self.own_inputs.iter().chain(self.shared_inputs.iter())
    }

    /// The input of `key`.
    pub fn input(&self, key: &str) -> Option<&'static ConnectionInput> {
        self.inputs().find(|i| i.key == key)
    }

    /// Its stable ID: UUID v5 of `"{component}/{key}"` in [`ID_NAMESPACE`], the same on every
    /// server and release.
    pub fn id(&self) -> Uuid {
        type_id(self.component, self.key)
    }

    /// Its global ID for the API: `base64("Connection:<id>")`.
    pub fn global_id(&self) -> String {
        crate::id::encode(GLOBAL_ID_TYPE, self.id())
    }

    /// Its secret inputs.
    pub fn secret_inputs(&self) -> impl Iterator<Item = &'static ConnectionInput> {
        self.inputs().filter(|i| i.secret)
    }

    /// Whether input `key` exists and is secret.
    pub fn is_secret(&self, key: &str) -> bool {
        self.input(key).is_some_and(|i| i.secret)
    }

    /// Whether input `key` exists and is not secret, i.e. whether its value may be shown. Use
    /// this (not `!is_secret`) to decide what a read returns: an unknown key is never shown.
    pub fn is_public(&self, key: &str) -> bool {
        self.input(key).is_some_and(|i| !i.secret)
    }

    /// `values` with every input that has a default and no (or an empty) value filled in with
    /// its default; the values that take effect when the connection is used.
    pub fn with_defaults(
        &self,
        values: &std::collections::BTreeMap<String, String>,
    ) -> std::collections::BTreeMap<String, String> {
        let mut out = values.clone();
        for input in self.inputs() {
            if let Some(default) = input.default {
                let entry = out.entry(input.key.to_owned()).or_default();
                if entry.trim().is_empty() {
                    *entry = default.to_owned();
                }
            }
        }
        out
    }
}

impl Serialize for ConnectionType {
    /// `{id, key, label, component, oauth2, inputs}`, `inputs` listing own and shared inputs.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let inputs: Vec<&ConnectionInput> = self.inputs().collect();
        let mut s = serializer.serialize_struct("ConnectionType", 6)?;
        s.serialize_field("id", &self.id())?;
        s.serialize_field("key", self.key)?;
        s.serialize_field("label", self.label)?;
        s.serialize_field("component", self.component)?;
        s.serialize_field("oauth2", &self.oauth2)?;
        s.serialize_field("inputs", &inputs)?;
        s.end()
    }
}

fn type_id(component: &str, key: &str) -> Uuid {
    Uuid::new_v5(&ID_NAMESPACE, format!("{component}/{key}").as_bytes())
}

/// Every connection type of the built-in components, grouped by component.
static ALL: [ConnectionType; 22] = [
    http::BASIC,
    http::API_KEY,
    http::API_KEY_DYNAMIC,
    http::BEARER,
    http::AWS_SIG_V4,
    http::OAUTH2_CLIENT_CREDENTIALS,
    http::OAUTH2_PASSWORD,
    http::OAUTH2_AUTHORIZATION_CODE,
    http::OPEN_ID_CONNECT,
    http::MUTUAL_TLS,
    aws_s3::API_KEY_SECRET,
    salesforce::CLIENT_CREDENTIALS,
    salesforce::OAUTH2,
    salesforce::JWT_BEARER,
    salesforce::BASIC,
    slack::OAUTH2,
    slack::WEBHOOK_URL,
    slack::BEARER,
    openai::API_KEY,
    postgres::POSTGRES,
    aws_sqs::SQS_API_KEY_SECRET,
    aws_sqs::SNS_API_KEY_SECRET,
];

/// Every connection type of the built-in components.
pub fn all() -> &'static [ConnectionType] {
    &ALL
}

/// The connection types of `component`, in declaration order.
pub fn for_component(component: &str) -> impl Iterator<Item = &'static ConnectionType> + '_ {
    ALL.iter().filter(move |t| t.component == component)
}

/// The connection type `key` of `component`.
/// Whether input `input` of connection type `component`/`key` is secret: always for the keys of
/// [`SECRET_INPUT_KEYS`]; for a known connection type, every input it does not declare public
/// (an input the type does not know is secret too). Secret inputs travel in
/// [`crate::action::Connection::secrets`]; public ones are shown to code steps.
pub fn is_secret_input(component: &str, key: &str, input: &str) -> bool {
    SECRET_INPUT_KEYS.contains(&input) || find(component, key).is_some_and(|t| !t.is_public(input))
}

/// Finds a connection type by component and key.
pub fn find(component: &str, key: &str) -> Option<&'static ConnectionType> {
    ALL.iter()
        .find(|t| t.component == component && t.key == key)
}

/// The connection type whose [`ConnectionType::id`] is `id`.
pub fn find_by_id(id: Uuid) -> Option<&'static ConnectionType> {
    ALL.iter().find(|t| t.id() == id)
}

/// The connection type named by a global ID (`base64("Connection:<uuid>")`).
pub fn find_by_global_id(global_id: &str) -> Option<&'static ConnectionType> {
    crate::id::decode(GLOBAL_ID_TYPE, global_id)
        .ok()
        .and_then(find_by_id)
}

#[cfg(test)]
mod tests;
