//! plumb-auth: outbound authentication and transport for every HTTP-backed action.
//!
//! - [`AuthClient`]: one per process. [`AuthClient::connect`] validates a resolved
//!   [`Connection`](plumb_core::action::Connection) and returns a [`Connected`] handle whose
//!   [`Connected::send`] applies the connection's scheme, refreshes tokens, retries once after
//!   a 401 and returns the standard [`Envelope`].
//! - [`transport`]: the pooled `reqwest` client of a connection (timeout, TLS verification,
//!   extra CA, mutual TLS, proxy), cached per connection; [`BaseUrl`] for model integrations.
//! - [`egress`]: the egress policy (deny / allow entries) every outbound request is checked
//!   against: on its URL, on every redirect, on DNS answers and on the connected socket.
//! - [`schemes`]: one module per connection type (`basic`, `apiKey`, `awsSigV4`, OAuth 2.0,
//!   OpenID Connect, Salesforce, ...).
//! - [`token`]: [`TokenSet`], the [`TokenStore`] trait (with a cross-process [`TokenLease`]),
//!   [`MemoryTokenStore`]; refresh is single-flight per connection.
//! - [`envelope`]: `{ok, method, url, status, statusText, headers, body, text, parseError}`,
//!   built by [`envelope::from_response`] only.
//!
//! Secrets are [`SecretString`]s: never in `Debug`, errors or logs.

pub mod base_url;
mod client;
pub mod egress;
pub mod envelope;
mod error;
mod fields;
mod request;
pub mod schemes;
pub mod token;
pub mod transport;

pub use base_url::BaseUrl;
pub use client::{AuthClient, Connected, RawResponse, DEFAULT_EXPIRY_SKEW};
pub use egress::{EgressDenied, EgressPolicy};
pub use envelope::{from_response, Envelope};
pub use error::AuthError;
pub use fields::decode_pem;
pub use plumb_core::secret::SecretString;
pub use request::RequestParts;
pub use reqwest::Method;
pub use schemes::aws_sigv4::{AwsSigV4, SigV4Options, SignedParts};
pub use schemes::oauth2_authorization_code::{
    AuthorizationRequest, CallbackParams, StartedAuthorization,
};
pub use token::{MemoryTokenStore, TokenLease, TokenSet, TokenStore, TokenStoreError};
pub use transport::{Transport, CONNECT_TIMEOUT, DEFAULT_TIMEOUT, INSECURE_TLS_WARNING};
