//! Connection types of the `http` component. Every one also takes the [`TRANSPORT`] inputs.

use super::ConnectionInputType::{Boolean, Data, Text};
use super::ValueFormat::{Integer, JsonObject, JsonPointer, Pem, Url};
use super::{ConnectionInput as I, ConnectionType};

const COMPONENT: &str = "http";

const TIMEOUT: I = I::string("timeout", "Timeout (ms)").format(Integer);
const REJECT_UNAUTHORIZED: I = I::new(
    "rejectUnauthorized",
    "Reject invalid TLS certificates",
    Boolean,
)
.with_default("true");
const CA: I = I::new("ca", "CA certificates (PEM)", Data).format(Pem);
const PROXY_URL: I = I::string("proxyUrl", "Proxy URL").format(Url);
const PROXY_USERNAME: I = I::string("proxyUsername", "Proxy username");
const PROXY_PASSWORD: I = I::password("proxyPassword", "Proxy password");

/// The transport inputs every `http` connection accepts.
pub const TRANSPORT: &[I] = &[
    TIMEOUT,
    REJECT_UNAUTHORIZED,
    CA,
    PROXY_URL,
    PROXY_USERNAME,
    PROXY_PASSWORD,
];

/// [`TRANSPORT`] without `ca`, for `mutualTls`, which has its own `ca`.
const TRANSPORT_WITHOUT_CA: &[I] = &[
    TIMEOUT,
    REJECT_UNAUTHORIZED,
    PROXY_URL,
    PROXY_USERNAME,
    PROXY_PASSWORD,
];

const LOCATION: I = I::string("location", "Key location")
    .with_default("header")
    .options(&["header", "query", "cookie"]);
const NAME: I =
    I::string("name", "Header, query parameter or cookie name").with_default("X-API-Key");
const CLIENT_ID: I = I::string("clientId", "Client ID").required();
const CLIENT_SECRET: I = I::password("clientSecret", "Client secret").required();
const SCOPES: I = I::string("scopes", "Scopes (space separated)");
const AUTH_METHOD: I = I::string("authMethod", "Client authentication method")
    .with_default("client_secret_post")
    .options(&["client_secret_post", "client_secret_basic"]);
const TOKEN_URL: I = I::string("tokenUrl", "Token URL").required().format(Url);

const fn http(
    key: &'static str,
    label: &'static str,
    oauth2: bool,
    own_inputs: &'static [I],
) -> ConnectionType {
    ConnectionType {
        key,
        label,
        component: COMPONENT,
        oauth2,
        own_inputs,
        shared_inputs: TRANSPORT,
    }
}

/// HTTP Basic authentication.
pub const BASIC: ConnectionType = http(
    "basic",
    "Basic authentication",
    false,
    &[
        I::string("username", "Username").required(),
        I::password("password", "Password").required(),
    ],
);

/// A static API key sent in a header, query parameter or cookie.
pub const API_KEY: ConnectionType = http(
    "apiKey",
    "API key",
    false,
    &[I::password("apiKey", "API key").required(), LOCATION, NAME],
);

/// An API key fetched from a key endpoint, then sent like [`API_KEY`]. `parameters` is secret
/// because it usually carries the credentials of the key request.
pub const API_KEY_DYNAMIC: ConnectionType = http(
    "apiKeyDynamic",
    "API key (fetched from an endpoint)",
    false,
    &[
        I::string("method", "Key request method")
            .with_default("POST")
            .options(&["GET", "POST", "PUT", "PATCH"]),
        I::string("url", "Key request URL").required().format(Url),
        I::string("responsePointer", "JSON pointer to the key in the response")
            .required()
            .format(JsonPointer),
        I::new("parameters", "Key request parameters (JSON object)", Text)
            .secret()
            .format(JsonObject),
        LOCATION,
        NAME,
    ],
);

/// A bearer token.
pub const BEARER: ConnectionType = http(
    "bearer",
    "Bearer token",
    false,
    &[I::password("token", "Token").required()],
);

/// AWS Signature Version 4 request signing.
pub const AWS_SIG_V4: ConnectionType = http(
    "awsSigV4",
    "AWS Signature Version 4",
    false,
    &[
        I::string("accessKeyId", "Access key ID").required(),
        I::password("secretAccessKey", "Secret access key").required(),
        I::password("sessionToken", "Session token"),
        I::string("region", "Region").required(),
        I::string("service", "Service").required(),
    ],
);

const CLIENT_CREDENTIALS_INPUTS: [I; 7] = [
    TOKEN_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    SCOPES,
    I::string("audience", "Audience"),
    AUTH_METHOD,
    I::password("accessToken", "Access token (optional, pre-populated)"),
];

/// OAuth 2.0 client credentials grant.
pub const OAUTH2_CLIENT_CREDENTIALS: ConnectionType = http(
    "oauth2ClientCredentials",
    "OAuth 2.0 client credentials",
    false,
    &CLIENT_CREDENTIALS_INPUTS,
);

/// OAuth 2.0 resource owner password grant.
pub const OAUTH2_PASSWORD: ConnectionType = http(
    "oauth2Password",
    "OAuth 2.0 password",
    false,
    &[
        CLIENT_CREDENTIALS_INPUTS[0],
        CLIENT_CREDENTIALS_INPUTS[1],
        CLIENT_CREDENTIALS_INPUTS[2],
        CLIENT_CREDENTIALS_INPUTS[3],
        CLIENT_CREDENTIALS_INPUTS[4],
        CLIENT_CREDENTIALS_INPUTS[5],
        CLIENT_CREDENTIALS_INPUTS[6],
        I::string("username", "Username").required(),
        I::password("password", "Password").required(),
        I::string("refreshUrl", "Refresh URL").format(Url),
    ],
);

/// OAuth 2.0 authorization code grant (interactive: the user signs in through a redirect).
pub const OAUTH2_AUTHORIZATION_CODE: ConnectionType = http(
    "oauth2AuthorizationCode",
    "OAuth 2.0 authorization code",
    true,
    &[
        I::string("authorizeUrl", "Authorize URL")
            .required()
            .format(Url),
        TOKEN_URL,
        I::string("refreshUrl", "Refresh URL").format(Url),
        CLIENT_ID,
        CLIENT_SECRET,
        SCOPES,
        AUTH_METHOD,
        I::new("pkce", "Use PKCE", Boolean).with_default("true"),
    ],
);

/// OpenID Connect client credentials; the token endpoint comes from the issuer's discovery
/// document.
pub const OPEN_ID_CONNECT: ConnectionType = http(
    "openIdConnect",
    "OpenID Connect",
    false,
    &[
        I::string("issuer", "Issuer URL").required().format(Url),
        CLIENT_ID,
        CLIENT_SECRET,
        SCOPES,
        AUTH_METHOD,
    ],
);

/// Mutual TLS: a client certificate and key.
pub const MUTUAL_TLS: ConnectionType = ConnectionType {
    shared_inputs: TRANSPORT_WITHOUT_CA,
    ..http(
        "mutualTls",
        "Mutual TLS (client certificate)",
        false,
        &[
            I::new("certificate", "Client certificate (PEM)", Data)
                .required()
                .format(Pem),
            I::new("key", "Client private key (PEM)", Data)
                .required()
                .secret()
                .format(Pem),
            CA,
        ],
    )
};
