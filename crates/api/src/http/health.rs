//! `/healthz` (the process is up) and `/readyz` (the database answers reads and takes writes).

use axum::extract::State;
use axum::http::StatusCode;

use crate::AppState;

/// Liveness: answers as long as the process serves requests.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers a read and takes a write ([`plumb_store::Store::probe_write`]:
/// a full disk or a read-only database makes the node unready, so a load balancer stops sending
/// it webhooks it could not queue).
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if let Err(e) = state.store.ping().await {
        tracing::warn!(error = %e, "readiness check failed: the database does not answer");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
    }
    match state.store.probe_write().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed: database writes fail");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database writes are failing",
            )
        }
    }
}
