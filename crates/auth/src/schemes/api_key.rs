//! `apiKey`: a static key in a header (default), a query parameter or a cookie, under a
//! configurable `name` (default `X-API-Key`). The placement is shared with `apiKeyDynamic`.

use plumb_core::action::Connection;
use reqwest::header::{HeaderValue, COOKIE};

use crate::error::AuthError;
use crate::fields::Fields;
use crate::request::Outgoing;
use plumb_core::secret::SecretString;

/// Where an API key goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    Header,
    Query,
    Cookie,
}

/// The `location` and `name` of an API key.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    location: Location,
    name: String,
}

impl Placement {
    pub(crate) fn from_fields(f: &Fields<'_>) -> Result<Self, AuthError> {
        let location = match f.opt("location").map(str::to_ascii_lowercase).as_deref() {
            None | Some("header") => Location::Header,
            Some("query") => Location::Query,
            Some("cookie") => Location::Cookie,
            Some(_) => {
                return Err(AuthError::invalid(
                    "location",
                    "expected header, query or cookie",
                ))
            }
        };
        let name = f.opt("name").unwrap_or("X-API-Key").to_string();
        if location == Location::Header
            && reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
        {
            return Err(AuthError::invalid("name", "not a valid header name"));
        }
        Ok(Placement { location, name })
    }

    pub(crate) fn apply(&self, req: &mut Outgoing, key: &SecretString) -> Result<(), AuthError> {
        match self.location {
            Location::Header => req
                .set_header(&self.name, key.expose(), true)
                .map_err(|_| AuthError::invalid("apiKey", "the key is not a valid header value")),
            Location::Query => {
                req.url
                    .query_pairs_mut()
                    .append_pair(&self.name, key.expose());
                Ok(())
            }
            Location::Cookie => {
                let pair = format!("{}={}", self.name, key.expose());
                let value = match req.headers.get(COOKIE).and_then(|v| v.to_str().ok()) {
                    Some(existing) if !existing.is_empty() => format!("{existing}; {pair}"),
                    _ => pair,
                };
                let mut v = HeaderValue::from_str(&value).map_err(|_| {
                    AuthError::invalid("apiKey", "the key is not a valid cookie value")
                })?;
                v.set_sensitive(true);
                req.headers.insert(COOKIE, v);
                Ok(())
            }
        }
    }
}

/// A static API key.
#[derive(Debug, Clone)]
pub(crate) struct ApiKey {
    key: SecretString,
    placement: Placement,
}

impl ApiKey {
    pub(crate) fn from_connection(conn: &Connection) -> Result<Self, AuthError> {
        let f = Fields::new(conn);
        Ok(ApiKey {
            key: f.secret("apiKey")?,
            placement: Placement::from_fields(&f)?,
        })
    }

    pub(crate) fn apply(&self, req: &mut Outgoing) -> Result<(), AuthError> {
        self.placement.apply(req, &self.key)
    }
}
