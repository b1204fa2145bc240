//! The durable execution queue: `QUEUED` execution rows claimed by workers.
//!
//! - **Claim.** A worker takes the due execution of its group with the lowest fair rank (a
//!   customer's n-th waiting execution ranks n, so one noisy customer cannot starve the rest)
//!   whose customer is under the per-customer concurrency limit, marks it `PENDING` and leases
//!   it, skipping customers and organizations at their share of the claiming process's
//!   workers and organizations at the organization limit. On PostgreSQL the candidate row is locked `FOR UPDATE SKIP LOCKED`, so workers on many
//!   machines never take the same row; on SQLite the single writer connection serializes claims.
//!   The claim is an index walk (`executions_ready`, over `QUEUED` rows in fair order) that
//!   stops at the first row passing the filters, and the limits count only `PENDING` rows, so
//!   its cost does not grow with the number of executions waiting.
//! - **Lease.** The worker renews its lease ([`Store::heartbeat_execution`]) while it runs; a
//!   lease that expires (a killed worker) puts the execution back on the queue
//!   ([`Store::recover_expired_leases`]), at most `max_recoveries` times, then it fails.
//! - **Finish.** Only the lease holder can end the execution ([`Store::complete_execution`]).
//! - **Retention.** [`Store::prune_executions`] deletes ended executions in small batches.

use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use crate::executions::{Execution, ExecutionStatus};
use crate::{now_ms, Backend, Store, StoreError};

/// How a worker claims executions.
#[derive(Debug, Clone, Default)]
pub struct ClaimOptions {
    /// The worker's unique name (lease owner).
    pub worker: String,
    /// Its group (`None`: the default group, executions not pinned to a group).
    pub group: Option<String>,
    /// Lease length (ms).
    pub lease_ms: i64,
    /// Most executions of one customer running at once (0: no limit).
    pub customer_limit: i64,
    /// Most executions of one organization running at once, across all workers (0: no limit).
    pub org_limit: i64,
    /// Customers whose executions this claim skips (those at their share of this process's
    /// workers, see `plumb_runtime::worker`).
    pub skip_customers: Vec<Uuid>,
    /// Organizations whose executions this claim skips.
    pub skip_orgs: Vec<Uuid>,
}

/// What [`Store::recover_expired_leases`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Executions put back on the queue.
    pub requeued: Vec<Uuid>,
    /// Executions failed after too many lost workers.
    pub failed: Vec<Uuid>,
}

/// The counts of the queue, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Executions waiting (including delayed retries).
    pub queued: i64,
    /// Executions running.
    pub running: i64,
}

/// Retention rules of [`Store::prune_executions`].
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Delete ended executions that ended before this time (ms), if set.
    pub ended_before: Option<i64>,
    /// Keep at most this many ended executions per organization, if set.
    pub keep_per_org: Option<i64>,
    /// Rows deleted per statement (small batches keep writers moving).
    pub batch: i64,
}

impl Store {
    /// Claims the next due execution for a worker, or `None` when there is none.
    pub async fn claim_execution(
        &self,
        opts: &ClaimOptions,
    ) -> Result<Option<Execution>, StoreError> {
        let now = now_ms();
        let sql = self.claim_sql(opts);
        let row = bind_claim(sqlx::query(AssertSqlSafe(sql)), opts, now)
            .fetch_optional(&self.write)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: String = row.try_get("id")?;
        let org: String = row.try_get("org_id")?;
        let parse = |s: &str| Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(e.to_string()));
        self.get_execution(parse(&org)?, parse(&id)?)
            .await
            .map(Some)
    }

    /// The query plan of the claim for `opts` (SQLite's `EXPLAIN QUERY PLAN` details, or
    /// PostgreSQL's `EXPLAIN` lines): a diagnostic, used by the tests to check that the claim
    /// walks its index without sorting the backlog.
    pub async fn explain_claim(&self, opts: &ClaimOptions) -> Result<Vec<String>, StoreError> {
        let (prefix, column) = match self.backend {
            Backend::Sqlite => ("EXPLAIN QUERY PLAN ", "detail"),
            Backend::Postgres => ("EXPLAIN ", "QUERY PLAN"),
        };
        let sql = format!("{prefix}{}", self.claim_sql(opts));
        let rows = bind_claim(sqlx::query(AssertSqlSafe(sql)), opts, now_ms())
            .fetch_all(&self.write)
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(column).map_err(StoreError::from))
            .collect()
    }

    /// The text of the claim statement for `opts` (placeholders only, values are bound by
    /// [`bind_claim`]).
    fn claim_sql(&self, opts: &ClaimOptions) -> String {
        // SQLite's planner would rather walk `executions_queue` by due time and sort: name
        // the indexes (checked by `EXPLAIN QUERY PLAN` in the store tests).
        let (lock, ready, running_customer, running_org) = match self.backend {
            Backend::Postgres => (" FOR UPDATE SKIP LOCKED", "", "", ""),
            Backend::Sqlite => (
                "",
                " INDEXED BY executions_ready",
                " INDEXED BY executions_running_customer",
                " INDEXED BY executions_running_org",
            ),
        };
        // Only constants and placeholders are formatted into the text; values are bound.
        // A customer-less execution (NULL) is never skipped: `NULL NOT IN (...)` is not true.
        let mut skip = String::new();
        let mut next = 7;
        for (condition, ids) in [
            (
                "(e.customer_id IS NULL OR e.customer_id NOT IN (?))",
                &opts.skip_customers,
            ),
            ("e.org_id NOT IN (?)", &opts.skip_orgs),
        ] {
            if ids.is_empty() {
                continue;
            }
            let marks: Vec<String> = (next..next + ids.len()).map(|n| format!("${n}")).collect();
            next += ids.len();
            skip.push_str(" AND ");
            skip.push_str(&condition.replace('?', &marks.join(", ")));
        }
        // The candidate walks `executions_ready` (group, fair rank, due time, id) from its
        // start and stops at the first row that passes the filters: no sort, no count per
        // row. The limits are two uncorrelated subqueries over the running rows (indexes
        // `executions_running_customer` / `_org`), evaluated once per claim: the tenants at
        // their limit. One statement, so on SQLite the check and the claim are atomic.
        format!(
            "UPDATE executions SET status = 'PENDING', lease_owner = $1, lease_expires_at = $2,
                 started_at = $3
             WHERE status = 'QUEUED' AND id = (
                 SELECT e.id FROM executions e{ready}
                  WHERE e.status = 'QUEUED' AND COALESCE(e.worker_group, '') = $4
                    AND e.next_attempt_at <= $3{skip}
                    AND ($5 <= 0 OR e.customer_id IS NULL OR e.customer_id NOT IN (
                         SELECT r.customer_id FROM executions r{running_customer}
                          WHERE r.status = 'PENDING' AND r.customer_id IS NOT NULL
                          GROUP BY r.customer_id HAVING COUNT(*) >= $5))
                    AND ($6 <= 0 OR e.org_id NOT IN (
                         SELECT o.org_id FROM executions o{running_org}
                          WHERE o.status = 'PENDING'
                          GROUP BY o.org_id HAVING COUNT(*) >= $6))
                  ORDER BY e.fair_rank, e.next_attempt_at, e.id
                  LIMIT 1{lock})
             RETURNING id, org_id"
        )
    }

    /// Renews a lease; `false` when the worker no longer holds it (it must stop).
    pub async fn heartbeat_execution(
        &self,
        id: Uuid,
        worker: &str,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE executions SET lease_expires_at = $1
             WHERE id = $2 AND lease_owner = $3 AND status = 'PENDING'",
        )
        .bind(now_ms() + lease_ms)
        .bind(id.to_string())
        .bind(worker)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a leased execution; `false` (and nothing changes) when `worker` no longer holds it.
    pub async fn complete_execution(
        &self,
        id: Uuid,
        worker: &str,
        status: ExecutionStatus,
        error: Option<&str>,
        ended_at: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE executions SET status = $1, error = $2, ended_at = $3, lease_owner = NULL,
             lease_expires_at = NULL WHERE id = $4 AND lease_owner = $5 AND status = 'PENDING'",
        )
        .bind(status.as_str())
        .bind(error.map(crate::executions::truncate_message))
        .bind(ended_at)
        .bind(id.to_string())
        .bind(worker)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Hands a leased execution back to the queue untouched (a worker shutting down before it
    /// started the flow). `false` when `worker` no longer holds it.
    pub async fn release_execution(&self, id: Uuid, worker: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE executions SET status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL,
             started_at = NULL, next_attempt_at = $1
             WHERE id = $2 AND lease_owner = $3 AND status = 'PENDING'",
        )
        .bind(now_ms())
        .bind(id.to_string())
        .bind(worker)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends the leases of every execution held by the workers of node `node` (worker names
    /// `node/slot`): a node shutting down hands its unfinished executions back, and the next
    /// recovery on any node puts them on the queue at once instead of after the lease.
    pub async fn expire_node_leases(&self, node: &str) -> Result<u64, StoreError> {
        let escaped = node
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let done = sqlx::query(
            "UPDATE executions SET lease_expires_at = 0
             WHERE status = 'PENDING' AND lease_owner LIKE $1 ESCAPE '\\'",
        )
        .bind(format!("{escaped}/%"))
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }

    /// Puts executions whose lease expired back on the queue (their partial step results are
    /// deleted: the next attempt starts the flow again), or fails them once they were recovered
    /// `max_recoveries` times. Test runs are never run again: an expired test run is failed.
    /// A `PENDING` execution without a lease (written by an older version) counts as expired,
    /// so no execution stays `PENDING` once its runner is gone.
    pub async fn recover_expired_leases(
        &self,
        max_recoveries: i64,
    ) -> Result<Recovered, StoreError> {
        let now = now_ms();
        let mut out = Recovered::default();
        let parse = |r: &sqlx::any::AnyRow| -> Result<Uuid, StoreError> {
            let id: String = r.try_get("id")?;
            Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))
        };
        let tests = sqlx::query(
            "UPDATE executions SET status = 'ERROR', ended_at = $1, lease_owner = NULL,
             lease_expires_at = NULL,
             error = 'test run abandoned: the server running it stopped (lease expired)'
             WHERE status = 'PENDING' AND is_test <> 0
               AND (lease_expires_at IS NULL OR lease_expires_at < $1)
             RETURNING id",
        )
        .bind(now)
        .fetch_all(&self.write)
        .await?;
        for r in &tests {
            out.failed.push(parse(r)?);
        }
        let failed = sqlx::query(
            "UPDATE executions SET status = 'ERROR', ended_at = $1, lease_owner = NULL,
             lease_expires_at = NULL,
             error = 'execution abandoned: its worker stopped responding (lease expired) '
                     || CAST(recoveries + 1 AS TEXT) || ' times'
             WHERE status = 'PENDING' AND (lease_expires_at IS NULL OR lease_expires_at < $1)
               AND recoveries >= $2
             RETURNING id",
        )
        .bind(now)
        .bind(max_recoveries)
        .fetch_all(&self.write)
        .await?;
        for r in &failed {
            out.failed.push(parse(r)?);
        }
        let requeued = sqlx::query(
            "UPDATE executions SET status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL,
             recoveries = recoveries + 1, next_attempt_at = $1, started_at = NULL
             WHERE status = 'PENDING' AND (lease_expires_at IS NULL OR lease_expires_at < $1)
               AND recoveries < $2
             RETURNING id",
        )
        .bind(now)
        .bind(max_recoveries)
        .fetch_all(&self.write)
        .await?;
        for r in &requeued {
            let id = parse(r)?;
            sqlx::query("DELETE FROM step_results WHERE execution_id = $1")
                .bind(id.to_string())
                .execute(&self.write)
                .await?;
            out.requeued.push(id);
        }
        Ok(out)
    }

    /// How many executions wait and run.
    pub async fn queue_depth(&self) -> Result<QueueDepth, StoreError> {
        let row = sqlx::query(
            "SELECT
               (SELECT COUNT(*) FROM executions WHERE status = 'QUEUED') AS queued,
               (SELECT COUNT(*) FROM executions WHERE status = 'PENDING') AS running",
        )
        .fetch_one(&self.read)
        .await?;
        Ok(QueueDepth {
            queued: row.try_get("queued")?,
            running: row.try_get("running")?,
        })
    }

    /// The status of an execution by ID alone (a synchronous webhook waiting for its run).
    pub async fn execution_status(&self, id: Uuid) -> Result<ExecutionStatus, StoreError> {
        let row = sqlx::query("SELECT status FROM executions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        let s: String = row.try_get("status")?;
        ExecutionStatus::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("status {s:?}")))
    }

    /// Deletes ended executions (with their step results and logs) by the `rules`, one batch
    /// per statement; answers how many were deleted. On SQLite the freed pages are returned
    /// to the file system afterwards (incremental vacuum).
    pub async fn prune_executions(&self, rules: &Retention) -> Result<u64, StoreError> {
        let batch = rules.batch.max(1);
        let mut total = 0u64;
        if let Some(before) = rules.ended_before {
            loop {
                let done = sqlx::query(
                    "DELETE FROM executions WHERE id IN (
                       SELECT id FROM executions
                        WHERE ended_at < $1 AND status IN ('SUCCESS', 'ERROR') LIMIT $2)",
                )
                .bind(before)
                .bind(batch)
                .execute(&self.write)
                .await?;
                total += done.rows_affected();
                if done.rows_affected() < batch as u64 {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        if let Some(keep) = rules.keep_per_org {
            let orgs = sqlx::query("SELECT id FROM organizations")
                .fetch_all(&self.read)
                .await?;
            for org in orgs {
                let org: String = org.try_get("id")?;
                loop {
                    let done = sqlx::query(
                        "DELETE FROM executions WHERE id IN (
                           SELECT id FROM executions
                            WHERE org_id = $1 AND status IN ('SUCCESS', 'ERROR')
                            ORDER BY id DESC LIMIT $2 OFFSET $3)",
                    )
                    .bind(&org)
                    .bind(batch)
                    .bind(keep.max(0))
                    .execute(&self.write)
                    .await?;
                    total += done.rows_affected();
                    if done.rows_affected() < batch as u64 {
                        break;
                    }
                    tokio::task::yield_now().await;
                }
            }
        }
        if total > 0 && self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA incremental_vacuum")
                .execute(&self.write)
                .await?;
        }
        Ok(total)
    }
}

/// Binds the values of [`Store::claim_sql`]'s placeholders, in their order.
fn bind_claim<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    opts: &'q ClaimOptions,
    now: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query = query
        .bind(&opts.worker)
        .bind(now + opts.lease_ms)
        .bind(now)
        .bind(opts.group.clone().unwrap_or_default())
        .bind(opts.customer_limit)
        .bind(opts.org_limit);
    for id in opts.skip_customers.iter().chain(&opts.skip_orgs) {
        query = query.bind(id.to_string());
    }
    query
}
