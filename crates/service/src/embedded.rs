//! Embedded sign-in: an organization's app signs a short-lived JWT for one of its customers'
//! users with one of the organization's signing keys; the JWT is then that customer user's
//! bearer credential (`POST /embedded/authenticate`, then `/api`).
//!
//! Rules:
//! - RS256 only: a JWT with another algorithm (`none`, HS256 keyed with the public key, ...) is
//!   refused before any key is tried. It must be signed by one of the signing keys of the
//!   organization its `organization` claim names (a global or plain ID), be within `nbf`/`exp`
//!   (30 s of leeway), and carry `sub` (the user) and `customer` (the customer's external ID).
//!   At most [`MAX_JWT_LEN`] bytes.
//! - Signing in (`sign_in`) creates the customer the first time its external ID is seen (named
//!   `customer_name`, else the external ID) and records the user (`sub`, `name`, `role`).
//!   Using the JWT on `/api` (`caller_of`) needs both to exist already.
//! - A customer user is confined to its customer like a customer-bound token: `role: admin`
//!   (the default) may deploy and configure its customer's instances (deployer), `role: user`
//!   only reads (viewer).
//! - Every refusal says why in plain words, never echoing the token.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use plumb_store::customer_users::CustomerUser;
use plumb_store::customers::{CustomerFields, CustomerFilter};
use plumb_store::tokens::Role;
use plumb_store::{PageRequest, StoreError};
use serde::Deserialize;
use uuid::Uuid;

use crate::{Caller, Services};

/// Most bytes of an embedded JWT.
pub const MAX_JWT_LEN: usize = 8 * 1024;

/// The claims of an embedded JWT (Prismatic's "Authenticating Embedded Users").
#[derive(Debug, Clone, Deserialize)]
pub struct EmbeddedClaims {
    /// The user's ID in the organization's app.
    pub sub: String,
    /// The organization's ID.
    pub organization: String,
    /// The customer's external ID.
    pub customer: String,
    /// The user's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The user's external ID (often `sub`).
    #[serde(default)]
    pub external_id: Option<String>,
    /// The customer's name (used when the customer is created).
    #[serde(default)]
    pub customer_name: Option<String>,
    /// `admin` (default) or `user`.
    #[serde(default)]
    pub role: Option<String>,
}

/// Why an embedded JWT was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmbeddedRefusal {
    /// No token.
    #[error("no token: send the JWT as `Authorization: Bearer <jwt>`")]
    Missing,
    /// Not a JWT, or its claims are not what embedded sign-in needs.
    #[error("the token is not a valid embedded JWT: {0}")]
    Malformed(String),
    /// Not RS256.
    #[error("the token must be signed with RS256")]
    Algorithm,
    /// The `organization` claim names no organization.
    #[error("the token's organization is unknown")]
    UnknownOrganization,
    /// No signing key of the organization verifies it.
    #[error("the token's signature does not match any signing key of the organization")]
    BadSignature,
    /// Past `exp`.
    #[error("the token has expired")]
    Expired,
    /// Before `nbf`.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// The customer or user is unknown (use `/embedded/authenticate` first).
    #[error("the token's customer user is unknown: sign in with /embedded/authenticate first")]
    UnknownUser,
    /// The store failed (logged; the text is generic).
    #[error("the sign-in could not be checked; try again")]
    Internal,
}

fn internal(e: StoreError) -> EmbeddedRefusal {
    tracing::error!(error = %e, "embedded sign-in failed");
    EmbeddedRefusal::Internal
}

/// Whether `token` looks like a JWT (three base64url parts), so a bearer token is checked as one.
pub fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Part `n` of a JWT (0: header, 1: payload) as JSON, read before the signature is checked.
fn part(jwt: &str, n: usize, what: &str) -> Result<serde_json::Value, EmbeddedRefusal> {
    use base64::Engine as _;
    let text = jwt
        .split('.')
        .nth(n)
        .ok_or_else(|| EmbeddedRefusal::Malformed("not a JWT".into()))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| EmbeddedRefusal::Malformed(format!("its {what} is not base64url")))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| EmbeddedRefusal::Malformed(format!("its {what} is not JSON")))
}

/// The `organization` claim, read before the signature is checked (to find the keys).
fn claimed_org(jwt: &str) -> Result<Uuid, EmbeddedRefusal> {
    let v = part(jwt, 1, "payload")?;
    let org = v
        .get("organization")
        .and_then(|o| o.as_str())
        .ok_or_else(|| EmbeddedRefusal::Malformed("the `organization` claim is missing".into()))?;
    plumb_core::id::decode("Organization", org)
        .ok()
        .or_else(|| Uuid::parse_str(org).ok())
        .ok_or(EmbeddedRefusal::UnknownOrganization)
}

impl Services {
    /// Checks an embedded JWT: answers its organization and claims.
    pub async fn verify_embedded(
        &self,
        jwt: &str,
    ) -> Result<(Uuid, EmbeddedClaims), EmbeddedRefusal> {
        let jwt = jwt.trim();
        if jwt.is_empty() {
            return Err(EmbeddedRefusal::Missing);
        }
        if jwt.len() > MAX_JWT_LEN {
            return Err(EmbeddedRefusal::Malformed(format!(
                "it is longer than {MAX_JWT_LEN} bytes"
            )));
        }
        // The algorithm first: `none`, HS256 and the rest are refused before anything else.
        if part(jwt, 0, "header")?.get("alg").and_then(|a| a.as_str()) != Some("RS256") {
            return Err(EmbeddedRefusal::Algorithm);
        }
        let header = jsonwebtoken::decode_header(jwt).map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithmName | ErrorKind::InvalidAlgorithm => {
                EmbeddedRefusal::Algorithm
            }
            _ => EmbeddedRefusal::Malformed("its header is not a JWT header".into()),
        })?;
        if header.alg != Algorithm::RS256 {
            return Err(EmbeddedRefusal::Algorithm);
        }
        let org = claimed_org(jwt)?;
        match self.store.get_org(org).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => return Err(EmbeddedRefusal::UnknownOrganization),
            Err(e) => return Err(internal(e)),
        }
        let keys = self.store.list_signing_keys(org).await.map_err(internal)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 30;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let mut refusal = EmbeddedRefusal::BadSignature;
        for key in keys {
            let Ok(decoding) = DecodingKey::from_rsa_pem(key.public_key.as_bytes()) else {
                continue;
            };
            match jsonwebtoken::decode::<EmbeddedClaims>(jwt, &decoding, &validation) {
                Ok(data) => {
                    let claims = data.claims;
                    if claims.sub.trim().is_empty() || claims.customer.trim().is_empty() {
                        return Err(EmbeddedRefusal::Malformed(
                            "`sub` and `customer` must not be empty".into(),
                        ));
                    }
                    return Ok((org, claims));
                }
                Err(e) => match e.kind() {
                    ErrorKind::InvalidSignature => continue,
                    ErrorKind::ExpiredSignature => return Err(EmbeddedRefusal::Expired),
                    ErrorKind::ImmatureSignature => return Err(EmbeddedRefusal::NotYetValid),
                    ErrorKind::InvalidAlgorithm => return Err(EmbeddedRefusal::Algorithm),
                    ErrorKind::MissingRequiredClaim(c) => {
                        return Err(EmbeddedRefusal::Malformed(format!(
                            "the `{c}` claim is missing"
                        )))
                    }
                    ErrorKind::Json(_) => {
                        refusal = EmbeddedRefusal::Malformed(
                            "the claims `sub`, `organization` and `customer` are required".into(),
                        );
                    }
                    _ => continue,
                },
            }
        }
        Err(refusal)
    }

    /// Signs a customer user in: checks the JWT, creates its customer the first time, records
    /// the user; answers the caller it stands for.
    pub async fn sign_in_embedded(
        &self,
        jwt: &str,
    ) -> Result<(Caller, CustomerUser), EmbeddedRefusal> {
        let (org, claims) = self.verify_embedded(jwt).await?;
        let customer = match self.customer_by_external_id(org, &claims.customer).await? {
            Some(c) => c,
            None => {
                let name = claims
                    .customer_name
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| claims.customer.clone());
                let fields = CustomerFields {
                    external_id: Some(Some(claims.customer.clone())),
                    ..Default::default()
                };
                match self.store.create_customer(org, &name, fields).await {
                    Ok(c) => c.id,
                    // Created by a sign-in at the same moment.
                    Err(StoreError::Conflict(_)) => self
                        .customer_by_external_id(org, &claims.customer)
                        .await?
                        .ok_or(EmbeddedRefusal::Internal)?,
                    Err(e) => return Err(internal(e)),
                }
            }
        };
        let role = role_of(&claims);
        let name = claims.name.clone().unwrap_or_else(|| claims.sub.clone());
        let user = self
            .store
            .upsert_customer_user(org, customer, &claims.sub, &name, role.0)
            .await
            .map_err(internal)?;
        Ok((caller(org, &user, role.1), user))
    }

    /// The caller an embedded JWT stands for on `/api` (its customer and user must exist).
    pub async fn embedded_caller(&self, jwt: &str) -> Result<Caller, EmbeddedRefusal> {
        let (org, claims) = self.verify_embedded(jwt).await?;
        let customer = self
            .customer_by_external_id(org, &claims.customer)
            .await?
            .ok_or(EmbeddedRefusal::UnknownUser)?;
        let user = self
            .store
            .find_customer_user(org, customer, &claims.sub)
            .await
            .map_err(internal)?
            .ok_or(EmbeddedRefusal::UnknownUser)?;
        Ok(caller(org, &user, role_of(&claims).1))
    }

    async fn customer_by_external_id(
        &self,
        org: Uuid,
        external_id: &str,
    ) -> Result<Option<Uuid>, EmbeddedRefusal> {
        let filter = CustomerFilter {
            external_id: Some(external_id.to_string()),
            ..Default::default()
        };
        let page = PageRequest {
            first: Some(1),
            ..Default::default()
        };
        let found = self
            .store
            .list_customers(org, &filter, &page)
            .await
            .map_err(internal)?;
        Ok(found.items.first().map(|c| c.id))
    }
}

/// The stored role name and the caller role of the JWT's `role`.
fn role_of(claims: &EmbeddedClaims) -> (&'static str, Role) {
    match claims.role.as_deref() {
        Some("user") => ("user", Role::Viewer),
        _ => ("admin", Role::Deployer),
    }
}

fn caller(org: Uuid, user: &CustomerUser, role: Role) -> Caller {
    Caller {
        token_id: user.id,
        org_id: org,
        roles: vec![role],
        customer_id: Some(user.customer_id),
    }
}
