//! Bearer-token authentication: `Authorization: Bearer <token>` → a [`Caller`].

use axum::http::HeaderMap;
use plumb_store::tokens::{ApiToken, Role};
use uuid::Uuid;

use crate::AppState;

/// Who is calling: the token's organization, roles and bound customer.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's ID.
    pub token_id: Uuid,
    /// The organization every read and write is scoped to.
    pub org_id: Uuid,
    /// The token's roles.
    pub roles: Vec<Role>,
    /// Set when the token is bound to one customer.
    pub customer_id: Option<Uuid>,
}

impl From<ApiToken> for Caller {
    fn from(t: ApiToken) -> Self {
        Caller {
            token_id: t.id,
            org_id: t.org_id,
            roles: t.roles,
            customer_id: t.customer_id,
        }
    }
}

impl Caller {
    /// Whether the caller holds `role` (admins hold every role).
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&Role::Admin) || self.roles.contains(&role)
    }

    /// Whether the caller may see the customer `id` (customer-bound tokens see only theirs).
    pub fn sees_customer(&self, id: Uuid) -> bool {
        self.customer_id.is_none_or(|c| c == id)
    }
}

/// Authenticates the request's bearer token; `None` for a missing, malformed, unknown or
/// revoked token (the caller answers 401 without saying which).
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    match state.store.authenticate_token(token.trim()).await {
        Ok(t) => t.map(Caller::from),
        Err(e) => {
            tracing::error!(error = %e, "token lookup failed");
            None
        }
    }
}
