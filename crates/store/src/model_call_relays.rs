//! Calls of model integrations routed to a worker group (the integration's
//! `cluster {override, id}`). The calling node queues a call ([`Store::queue_model_call`]); a
//! worker of the group claims it ([`Store::claim_model_call`]: `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, the single writer on SQLite), sends it and writes the answer
//! ([`Store::answer_model_call`]); the caller reads it ([`Store::model_call_state`]) and deletes
//! the row. The request and the answer are opaque bytes here: the caller seals them with the
//! organization's key. A call nobody claimed in time is withdrawn
//! ([`Store::withdraw_model_call`], only while still queued); rows past their expiry have no
//! one waiting and are pruned ([`Store::prune_model_calls`]).

use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use crate::orgs::parse_uuid;
use crate::{now_ms, Backend, Store, StoreError};

/// A call to queue for a worker group.
#[derive(Debug, Clone)]
pub struct NewModelCall<'a> {
    /// Its ID (the caller seals the request to it first: [`Store::new_model_call_id`]).
    pub id: Uuid,
    /// The model integration called through.
    pub integration_id: Uuid,
    /// The worker group that sends it.
    pub worker_group: &'a str,
    /// The sealed request.
    pub request: &'a [u8],
    /// After this (ms), nobody waits for the answer.
    pub expires_at: i64,
}

/// A call claimed by a worker of its group.
#[derive(Debug, Clone)]
pub struct ClaimedModelCall {
    /// Its ID.
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// The model integration to call through.
    pub integration_id: Uuid,
    /// The sealed request.
    pub request: Vec<u8>,
}

/// Where a routed call stands, as its caller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelCallState {
    /// No worker of the group has taken it yet.
    Queued,
    /// A worker took it (its name) and is sending it.
    Claimed(String),
    /// The sealed answer, and the worker that sent it.
    Answered {
        /// The sealed answer.
        answer: Vec<u8>,
        /// The worker that sent it.
        worker: String,
    },
    /// The row is gone (pruned, or its integration deleted).
    Gone,
}

impl Store {
    /// A new ID for a routed call (its request is sealed to it before the insert).
    pub fn new_model_call_id(&self) -> Uuid {
        crate::new_id()
    }

    /// Queues a call of `org`'s integration for a worker of its group.
    pub async fn queue_model_call(
        &self,
        org_id: Uuid,
        call: NewModelCall<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO model_call_relays
             (id, org_id, integration_id, worker_group, request, status, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, 'QUEUED', $6, $7)",
        )
        .bind(call.id.to_string())
        .bind(org_id.to_string())
        .bind(call.integration_id.to_string())
        .bind(call.worker_group)
        .bind(call.request.to_vec())
        .bind(now_ms())
        .bind(call.expires_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Whether a call waits for `group` (a read, so idle workers do not take the writer).
    pub async fn model_calls_waiting(&self, group: &str) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT id FROM model_call_relays
             WHERE status = 'QUEUED' AND worker_group = $1 AND expires_at > $2 LIMIT 1",
        )
        .bind(group)
        .bind(now_ms())
        .fetch_optional(&self.read)
        .await?;
        Ok(row.is_some())
    }

    /// Takes the oldest unexpired call queued for `group`, for `worker`.
    pub async fn claim_model_call(
        &self,
        group: &str,
        worker: &str,
    ) -> Result<Option<ClaimedModelCall>, StoreError> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE model_call_relays SET status = 'CLAIMED', claimed_by = $1
             WHERE status = 'QUEUED' AND id = (
                 SELECT id FROM model_call_relays
                  WHERE status = 'QUEUED' AND worker_group = $2 AND expires_at > $3
                  ORDER BY created_at, id LIMIT 1{lock})
             RETURNING id, org_id, integration_id, request"
        )))
        .bind(worker)
        .bind(group)
        .bind(now_ms())
        .fetch_optional(&self.write)
        .await?;
        row.map(|r| {
            Ok(ClaimedModelCall {
                id: parse_uuid(&r, "id")?,
                org_id: parse_uuid(&r, "org_id")?,
                integration_id: parse_uuid(&r, "integration_id")?,
                request: r.try_get("request")?,
            })
        })
        .transpose()
    }

    /// Writes the sealed answer of a call `worker` claimed; `false` when the row is gone or
    /// not `worker`'s (its caller gave up).
    pub async fn answer_model_call(
        &self,
        id: Uuid,
        worker: &str,
        answer: &[u8],
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE model_call_relays SET status = 'ANSWERED', answer = $1
             WHERE id = $2 AND status = 'CLAIMED' AND claimed_by = $3",
        )
        .bind(answer.to_vec())
        .bind(id.to_string())
        .bind(worker)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Where `org`'s routed call `id` stands.
    pub async fn model_call_state(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<ModelCallState, StoreError> {
        let row = sqlx::query(
            "SELECT status, answer, claimed_by FROM model_call_relays
             WHERE id = $1 AND org_id = $2",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else {
            return Ok(ModelCallState::Gone);
        };
        let status: String = row.try_get("status")?;
        let worker: Option<String> = row.try_get("claimed_by")?;
        let answer: Option<Vec<u8>> = row.try_get("answer")?;
        Ok(match (status.as_str(), answer) {
            ("ANSWERED", Some(answer)) => ModelCallState::Answered {
                answer,
                worker: worker.unwrap_or_default(),
            },
            ("CLAIMED", _) => ModelCallState::Claimed(worker.unwrap_or_default()),
            _ => ModelCallState::Queued,
        })
    }

    /// Withdraws `org`'s call `id` if no worker has taken it; `false` when one has.
    pub async fn withdraw_model_call(&self, org_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM model_call_relays WHERE id = $1 AND org_id = $2 AND status = 'QUEUED'",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes `org`'s call `id`, whatever its state (its caller is done with it).
    pub async fn delete_model_call(&self, org_id: Uuid, id: Uuid) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM model_call_relays WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Deletes the calls nobody waits for any more; answers how many.
    pub async fn prune_model_calls(&self) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM model_call_relays WHERE expires_at <= $1")
            .bind(now_ms())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }

    /// How many routed calls are stored (queued, claimed or answered).
    pub async fn count_model_calls(&self, org_id: Uuid) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM model_call_relays WHERE org_id = $1")
            .bind(org_id.to_string())
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get("n")?)
    }
}
