//! Schedules of deployed instance flows. Any number of nodes may poll for due schedules: a
//! tick fires by moving the schedule's `next_fire_at` forward with a compare-and-set, and the
//! node that wins queues the execution in the same transaction, so each tick fires exactly once
//! and is never lost between the claim and the queue.

use sqlx::{Acquire, Row};
use uuid::Uuid;

use crate::executions::{Execution, NewExecution};
use crate::orgs::parse_uuid;
use crate::{Store, StoreError};

/// A schedule row.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The instance flow config it triggers.
    pub flow_config_id: Uuid,
    /// The organization.
    pub org_id: Uuid,
    /// The instance.
    pub instance_id: Uuid,
    /// Cron expression.
    pub cron: String,
    /// IANA time zone of the expression.
    pub time_zone: String,
    /// The next tick (ms).
    pub next_fire_at: i64,
    /// The last tick fired (ms).
    pub last_fired_at: Option<i64>,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Schedule, StoreError> {
    Ok(Schedule {
        flow_config_id: parse_uuid(row, "flow_config_id")?,
        org_id: parse_uuid(row, "org_id")?,
        instance_id: parse_uuid(row, "instance_id")?,
        cron: row.try_get("cron")?,
        time_zone: row.try_get("time_zone")?,
        next_fire_at: row.try_get("next_fire_at")?,
        last_fired_at: row.try_get("last_fired_at")?,
    })
}

impl Store {
    /// Replaces the schedules of an instance (called when it is deployed, moved to another
    /// version, enabled or disabled; an empty list removes them).
    pub async fn replace_instance_schedules(
        &self,
        org_id: Uuid,
        instance_id: Uuid,
        schedules: &[Schedule],
    ) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query("DELETE FROM schedules WHERE instance_id = $1 AND org_id = $2")
            .bind(instance_id.to_string())
            .bind(org_id.to_string())
            .execute(&mut *tx)
            .await?;
        for s in schedules {
            sqlx::query(
                "INSERT INTO schedules (flow_config_id, org_id, instance_id, cron, time_zone,
                 next_fire_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(s.flow_config_id.to_string())
            .bind(org_id.to_string())
            .bind(instance_id.to_string())
            .bind(&s.cron)
            .bind(&s.time_zone)
            .bind(s.next_fire_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The schedules of an instance.
    pub async fn instance_schedules(
        &self,
        org_id: Uuid,
        instance_id: Uuid,
    ) -> Result<Vec<Schedule>, StoreError> {
        let rows = sqlx::query(
            "SELECT flow_config_id, org_id, instance_id, cron, time_zone, next_fire_at,
             last_fired_at FROM schedules WHERE instance_id = $1 AND org_id = $2",
        )
        .bind(instance_id.to_string())
        .bind(org_id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Schedules whose next tick is at or before `now` (ms), earliest first.
    pub async fn due_schedules(&self, now: i64, limit: i64) -> Result<Vec<Schedule>, StoreError> {
        let rows = sqlx::query(
            "SELECT flow_config_id, org_id, instance_id, cron, time_zone, next_fire_at,
             last_fired_at FROM schedules WHERE next_fire_at <= $1
             ORDER BY next_fire_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Fires the tick `schedule.next_fire_at`: moves the schedule to `next_fire_at` and queues
    /// `execution`, in one transaction, only if no other node fired that tick first. Answers the
    /// queued execution, or `None` when the tick was already taken.
    pub async fn fire_schedule(
        &self,
        schedule: &Schedule,
        next_fire_at: i64,
        execution: NewExecution,
    ) -> Result<Option<Execution>, StoreError> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let done = sqlx::query(
            "UPDATE schedules SET next_fire_at = $1, last_fired_at = $2
             WHERE flow_config_id = $3 AND next_fire_at = $2",
        )
        .bind(next_fire_at)
        .bind(schedule.next_fire_at)
        .bind(schedule.flow_config_id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let id = Self::insert_execution(&mut *tx, schedule.org_id, execution).await?;
        tx.commit().await?;
        drop(conn);
        self.get_execution(schedule.org_id, id).await.map(Some)
    }
}
