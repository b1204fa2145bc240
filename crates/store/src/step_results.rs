//! Reads of step results beyond an execution's list (`Store::list_step_results`): one step
//! result by ID (the signed `resultsUrl` of the API), and an execution's results of one step.

use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::executions::{step_from_row, StepResult, STEP_COLUMNS};
use crate::page::{Arg, Where};
use crate::{Page, PageRequest, Store, StoreError};

impl Store {
    /// One step result of an execution of the organization.
    pub async fn get_step_result(&self, org_id: Uuid, id: Uuid) -> Result<StepResult, StoreError> {
        let sql = format!(
            "SELECT {STEP_COLUMNS} FROM step_results s
             WHERE s.id = $1 AND EXISTS (
                 SELECT 1 FROM executions e WHERE e.id = s.execution_id AND e.org_id = $2)"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .bind(org_id.to_string())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        step_from_row(&row)
    }

    /// The results of step `step_name` of an execution of the organization (every iteration
    /// of a step in a loop), in the order they ended.
    pub async fn list_step_results_of_step(
        &self,
        org_id: Uuid,
        execution_id: Uuid,
        step_name: &str,
        page: &PageRequest,
    ) -> Result<Page<StepResult>, StoreError> {
        let w = Where::default()
            .and("s.execution_id = ?", [Arg::Text(execution_id.to_string())])
            .and("s.step_name = ?", [Arg::Text(step_name.to_string())])
            .and(
                "EXISTS (SELECT 1 FROM executions e WHERE e.id = s.execution_id AND e.org_id = ?)",
                [Arg::Text(org_id.to_string())],
            );
        self.paginate(
            STEP_COLUMNS,
            "step_results s",
            "s.id",
            w,
            page,
            step_from_row,
        )
        .await
    }
}
