//! Deploying an instance: every write of a deployment in one transaction.

use sqlx::Acquire;
use uuid::Uuid;

use crate::executions::{Execution, NewExecution};
use crate::schedules::Schedule;
use crate::{now_ms, Store, StoreError};

/// What a deployment writes, computed before anything is written.
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    /// The schedules of the instance's scheduled flows (they replace its current ones).
    pub schedules: Vec<Schedule>,
    /// The executions to queue (its `instanceDeploy` flows).
    pub executions: Vec<NewExecution>,
}

impl Store {
    /// Deploys an instance in one transaction: enables it, records the deployment (now),
    /// replaces its schedules and queues `deployment.executions`. On any failure nothing is
    /// written. Answers the deployed instance and the queued executions.
    pub async fn deploy_instance(
        &self,
        org_id: Uuid,
        id: Uuid,
        deployment: Deployment,
    ) -> Result<(super::Instance, Vec<Execution>), StoreError> {
        let now = now_ms();
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let done = sqlx::query(
            "UPDATE instances SET enabled = 1, deployed_at = $1, updated_at = $1
             WHERE id = $2 AND org_id = $3",
        )
        .bind(now)
        .bind(id.to_string())
        .bind(org_id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM schedules WHERE instance_id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&mut *tx)
            .await?;
        for s in &deployment.schedules {
            if s.instance_id != id || s.org_id != org_id {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO schedules (flow_config_id, org_id, instance_id, cron, time_zone,
                 next_fire_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(s.flow_config_id.to_string())
            .bind(org_id.to_string())
            .bind(id.to_string())
            .bind(&s.cron)
            .bind(&s.time_zone)
            .bind(s.next_fire_at)
            .execute(&mut *tx)
            .await?;
        }
        let mut ids = Vec::new();
        for new in deployment.executions {
            if new.instance_id != Some(id) {
                return Err(StoreError::NotFound);
            }
            ids.push(Self::insert_execution(&mut *tx, org_id, new).await?);
        }
        tx.commit().await?;
        drop(conn);
        let instance = self.get_instance(org_id, id).await?;
        let mut executions = Vec::new();
        for e in ids {
            executions.push(self.get_execution(org_id, e).await?);
        }
        Ok((instance, executions))
    }
}
