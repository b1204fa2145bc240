//! The organization's settings: its name, and the web origins allowed to embed its screens and
//! to call its embedded sign-in and API from a browser (`updateOrganization(input: {name,
//! embeddedAllowedOrigins})`, `organization { embeddedAllowedOrigins }`).
//!
//! Rules: only organization admins change them. A name is 1 to 255 characters (trimmed). Each origin is `http(s)://host[:port]` with no
//! path, query, user or wildcard (`*` is refused: an embedding site is named); they are stored
//! lowercase without a trailing slash; at most [`MAX_ORIGINS`], each at most 255 characters.
//! The list is replaced as a whole; an invalid entry changes nothing and is named by its index.

use crate::tokens::require_admin;
use crate::{Caller, FieldErrors, ServiceError, Services};

/// Most allowed origins of an organization.
pub const MAX_ORIGINS: usize = 20;

/// The normalized form of an origin, or why it is not one.
pub fn normalize_origin(text: &str) -> Result<String, &'static str> {
    let t = text.trim().trim_end_matches('/').to_ascii_lowercase();
    if t.is_empty() || t.len() > 255 {
        return Err("must be an origin of at most 255 characters");
    }
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .ok_or("must start with https:// or http://")?;
    if rest.is_empty()
        || rest.contains(['/', '?', '#', '@', '*', ' '])
        || rest.starts_with(':')
        || rest.ends_with(':')
    {
        return Err("must be scheme://host[:port], with no path, user or wildcard");
    }
    if let Some((_, port)) = rest.rsplit_once(':') {
        if !rest.starts_with('[') && port.parse::<u16>().is_err() {
            return Err("has a port that is not a number");
        }
    }
    Ok(t)
}

impl Services {
    /// Renames the organization.
    pub async fn rename_organization(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<(), ServiceError> {
        require_admin(caller)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 255 {
            return Err(ServiceError::invalid("name", "must be 1 to 255 characters"));
        }
        Ok(self.store.rename_org(caller.org_id, name).await?)
    }

    /// The organization's allowed embedding origins.
    pub async fn embedded_origins(&self, caller: &Caller) -> Result<Vec<String>, ServiceError> {
        require_admin(caller)?;
        Ok(self.store.embedded_origins(caller.org_id).await?)
    }

    /// Replaces the organization's allowed embedding origins; answers them normalized.
    pub async fn set_embedded_origins(
        &self,
        caller: &Caller,
        origins: &[String],
    ) -> Result<Vec<String>, ServiceError> {
        require_admin(caller)?;
        let mut errors = FieldErrors::default();
        if origins.len() > MAX_ORIGINS {
            errors.add(
                "embeddedAllowedOrigins",
                format!("at most {MAX_ORIGINS} origins"),
            );
        }
        let mut out: Vec<String> = Vec::new();
        for (i, o) in origins.iter().enumerate() {
            match normalize_origin(o) {
                Ok(n) if !out.contains(&n) => out.push(n),
                Ok(_) => {}
                Err(why) => errors.add(format!("embeddedAllowedOrigins.{i}"), why),
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        out.sort();
        self.store.set_embedded_origins(caller.org_id, &out).await?;
        Ok(out)
    }

    /// Whether a browser at `origin` may call embedded sign-in and the API (some organization
    /// allows it; a preflight names no organization, the bearer decides what the call may do).
    pub async fn embedded_origin_allowed(&self, origin: &str) -> bool {
        let Ok(origin) = normalize_origin(origin) else {
            return false;
        };
        match self.store.embedded_origin_known(&origin).await {
            Ok(known) => known,
            Err(e) => {
                tracing::error!(error = %e, "embedded origin lookup failed");
                false
            }
        }
    }

    /// Every origin some organization allows to embed it: the `frame-ancestors` of an embedded
    /// screen, which is loaded before it knows its organization (empty on a failure).
    pub async fn embedding_origins(&self) -> Vec<String> {
        match self.store.all_embedded_origins().await {
            Ok(all) => all,
            Err(e) => {
                tracing::error!(error = %e, "embedded origins lookup failed");
                vec![]
            }
        }
    }

    /// Whether the caller's own organization allows `origin` to embed its screens (what an
    /// embedded screen checks once its token names the organization).
    pub async fn embeds_from(&self, caller: &Caller, origin: &str) -> bool {
        let Ok(origin) = normalize_origin(origin) else {
            return false;
        };
        match self.store.embedded_origins(caller.org_id).await {
            Ok(all) => all.contains(&origin),
            Err(e) => {
                tracing::error!(error = %e, "embedded origins lookup failed");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_origin;

    #[test]
    fn origins_are_normalized_or_refused() {
        assert_eq!(
            normalize_origin("https://App.Example.com/").as_deref(),
            Ok("https://app.example.com")
        );
        assert_eq!(
            normalize_origin("http://127.0.0.2:8080").as_deref(),
            Ok("http://127.0.0.2:8080")
        );
        for bad in [
            "*",
            "https://*.example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://user@example.com",
            "https://example.com:http",
            "",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
    }
}
