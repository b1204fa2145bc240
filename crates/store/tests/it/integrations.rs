use plumb_store::executions::{
    ExecutionFilter, ExecutionLog, ExecutionStatus, NewExecution, StepResult, StepStatus,
    StepValue, MAX_LOG_MESSAGE,
};
use plumb_store::integrations::IntegrationFilter;
use plumb_store::{PageRequest, StoreError};

use crate::dbs;

#[tokio::test]
async fn drafts_versions_executions_and_isolation() {
    for db in dbs().await {
        let s = &db.store;
        let org = s.create_org("Acme").await.unwrap();
        let other = s.create_org("Other").await.unwrap();
        let d = s.create_integration(org.id, "I", "d", "v1").await.unwrap();
        assert!(!d.is_published);
        assert_eq!(d.version_number, 0);
        let v1 = s.publish_integration(org.id, d.id, "first").await.unwrap();
        assert_eq!(
            (v1.version_number, v1.is_published),
            (1, true),
            "{}",
            db.label
        );
        s.update_integration_draft(org.id, d.id, "I", "d", "v2")
            .await
            .unwrap();
        let v2 = s.publish_integration(org.id, d.id, "").await.unwrap();
        assert_eq!(v2.version_number, 2);
        assert_eq!(
            s.get_integration(org.id, v1.id).await.unwrap().definition,
            "v1"
        );
        assert_eq!(
            s.get_integration(org.id, d.id)
                .await
                .unwrap()
                .version_number,
            2
        );
        let all = IntegrationFilter {
            all_versions: true,
            ..Default::default()
        };
        let page = PageRequest::default();
        assert_eq!(
            s.list_integrations(org.id, &all, &page)
                .await
                .unwrap()
                .total,
            3
        );
        let drafts = s
            .list_integrations(org.id, &IntegrationFilter::default(), &page)
            .await
            .unwrap();
        assert_eq!(drafts.total, 1);
        assert!(matches!(
            s.get_integration(other.id, d.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.publish_integration(other.id, d.id, "").await,
            Err(StoreError::NotFound)
        ));

        let e = s
            .create_execution(
                org.id,
                NewExecution {
                    integration_id: Some(d.id),
                    flow_name: "F".into(),
                    is_test: true,
                    payload: Some(vec![1, 2, 3]),
                    start_now: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(e.status, ExecutionStatus::Pending);
        let step = |value| StepResult {
            id: uuid::Uuid::nil(),
            execution_id: e.id,
            step_name: "S".into(),
            reference_name: "s".into(),
            iteration: vec![0, 2],
            status: StepStatus::Success,
            attempts: 1,
            started_at: 1,
            ended_at: 2,
            value: Some(value),
            error: None,
            error_details: None,
        };
        s.insert_step_result(&step(StepValue::Json("{\"a\":1}".into())))
            .await
            .unwrap();
        s.insert_step_result(&step(StepValue::Binary {
            bytes: vec![0, 255, 7],
            content_type: "image/png".into(),
        }))
        .await
        .unwrap();
        let long = "x".repeat(MAX_LOG_MESSAGE + 10);
        s.insert_logs(&[ExecutionLog {
            id: uuid::Uuid::nil(),
            execution_id: e.id,
            timestamp: 5,
            severity: "INFO".into(),
            step_name: Some("S".into()),
            message: long,
        }])
        .await
        .unwrap();
        s.finish_execution(e.id, ExecutionStatus::Success, None, 9)
            .await
            .unwrap();
        let e = s.get_execution(org.id, e.id).await.unwrap();
        assert_eq!(
            (e.status, e.ended_at, e.payload.clone()),
            (ExecutionStatus::Success, Some(9), Some(vec![1, 2, 3]))
        );
        let steps = s.list_step_results(org.id, e.id, &page).await.unwrap();
        assert_eq!(steps.items.len(), 2);
        assert_eq!(steps.items[0].iteration, vec![0, 2]);
        assert_eq!(
            steps.items[1].value,
            Some(StepValue::Binary {
                bytes: vec![0, 255, 7],
                content_type: "image/png".into()
            })
        );
        let logs = s
            .list_execution_logs(org.id, e.id, None, &page)
            .await
            .unwrap();
        assert_eq!(logs.items[0].message.chars().count(), MAX_LOG_MESSAGE);
        assert_eq!(
            s.list_step_results(other.id, e.id, &page)
                .await
                .unwrap()
                .total,
            0
        );
        let f = ExecutionFilter {
            is_test: Some(true),
            status: Some(ExecutionStatus::Success),
            ..Default::default()
        };
        assert_eq!(s.list_executions(org.id, &f, &page).await.unwrap().total, 1);
        assert_eq!(
            s.list_executions(other.id, &f, &page).await.unwrap().total,
            0
        );
        assert!(matches!(
            s.get_execution(other.id, e.id).await,
            Err(StoreError::NotFound)
        ));
    }
}
