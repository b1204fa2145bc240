//! Instances, the execution queue (claim, lease, heartbeat, recovery, fairness, limits,
//! retention) and schedules (one fire per tick), on every backend.

use std::collections::HashSet;
use std::sync::Arc;

use plumb_store::customers::CustomerFields;
use plumb_store::executions::{ExecutionFilter, ExecutionStatus, NewExecution};
use plumb_store::instances::{
    Binding, BindingKind, InstanceChanges, InstanceFilter, NewFlowConfig, NewInstance,
};
use plumb_store::queue::{ClaimOptions, Retention};
use plumb_store::schedules::Schedule;
use plumb_store::{PageRequest, Store, StoreError};
use uuid::Uuid;

use crate::dbs;

pub(crate) struct Fixture {
    pub(crate) org: Uuid,
    pub(crate) customers: Vec<Uuid>,
    integration: Uuid,
    version: Uuid,
}

pub(crate) async fn fixture(s: &Store, customers: usize) -> Fixture {
    let org = s.create_org("Acme").await.unwrap();
    let mut ids = vec![];
    for i in 0..customers {
        let c = s
            .create_customer(org.id, &format!("C{i}"), CustomerFields::default())
            .await
            .unwrap();
        ids.push(c.id);
    }
    let draft = s
        .create_integration(org.id, "I", "", "name: I")
        .await
        .unwrap();
    let v = s.publish_integration(org.id, draft.id, "v1").await.unwrap();
    Fixture {
        org: org.id,
        customers: ids,
        integration: draft.id,
        version: v.id,
    }
}

fn flow(name: &str) -> NewFlowConfig {
    NewFlowConfig {
        flow_name: name.into(),
        security: "unsecured".into(),
    }
}

pub(crate) async fn instance(s: &Store, f: &Fixture, customer: Uuid, flows: &[&str]) -> Uuid {
    let mut b = Binding::new("greeting", BindingKind::Value);
    b.value = Some("hi".into());
    s.create_instance(
        f.org,
        NewInstance {
            customer_id: customer,
            integration_id: f.integration,
            integration_version_id: f.version,
            name: "inst".into(),
            description: String::new(),
            worker_group: None,
            flows: flows.iter().map(|n| flow(n)).collect(),
            bindings: vec![b],
        },
    )
    .await
    .unwrap()
    .id
}

pub(crate) fn queued(f: &Fixture, instance: Uuid, customer: Uuid, flow: &str) -> NewExecution {
    NewExecution {
        integration_id: Some(f.integration),
        integration_version_id: Some(f.version),
        instance_id: Some(instance),
        customer_id: Some(customer),
        flow_name: flow.into(),
        max_attempts: 1,
        invoke_type: "webhook".into(),
        ..Default::default()
    }
}

pub(crate) fn opts(worker: &str, limit: i64) -> ClaimOptions {
    ClaimOptions {
        worker: worker.into(),
        group: None,
        lease_ms: 60_000,
        customer_limit: limit,
        org_limit: 0,
        skip_customers: Vec::new(),
        skip_orgs: Vec::new(),
    }
}

#[tokio::test]
async fn instances_bindings_and_flow_configs() {
    for db in dbs().await {
        let s = &db.store;
        let f = fixture(s, 1).await;
        let other = s.create_org("Other").await.unwrap();
        let id = instance(s, &f, f.customers[0], &["A", "B"]).await;
        let got = s.get_instance(f.org, id).await.unwrap();
        assert!(got.enabled);
        assert_eq!(got.deployed_at, None);
        assert!(matches!(
            s.get_instance(other.id, id).await,
            Err(StoreError::NotFound)
        ));
        let flows = s.instance_flow_configs(f.org, id).await.unwrap();
        assert_eq!(flows.len(), 2);
        let a = flows.iter().find(|x| x.flow_name == "A").unwrap().clone();
        // Moving to a version with flows A and C: A keeps its ID (its webhook URL), B goes.
        let v2 = s
            .publish_integration(f.org, f.integration, "v2")
            .await
            .unwrap();
        let moved = s
            .update_instance(
                f.org,
                id,
                InstanceChanges {
                    enabled: Some(false),
                    version: Some((v2.id, vec![flow("A"), flow("C")])),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(!moved.enabled);
        assert_eq!(moved.integration_version_id, v2.id);
        let flows = s.instance_flow_configs(f.org, id).await.unwrap();
        let names: HashSet<_> = flows.iter().map(|x| x.flow_name.as_str()).collect();
        assert_eq!(names, HashSet::from(["A", "C"]));
        assert!(flows.iter().any(|x| x.id == a.id));
        let (fc, inst) = s.flow_config_for_trigger(a.id).await.unwrap();
        assert_eq!((fc.flow_name.as_str(), inst.id), ("A", id));
        let keyed = s
            .set_flow_api_keys(f.org, a.id, &["h1".into(), "h2".into()])
            .await
            .unwrap();
        assert_eq!(keyed.api_key_hashes, vec!["h1", "h2"]);
        // Bindings: replace one, add one, remove none; then remove one.
        let mut b = Binding::new("greeting", BindingKind::Value);
        b.value = Some("hello".into());
        let mut c = Binding::new("conn", BindingKind::Scoped);
        c.ref_id = Some(Uuid::now_v7());
        s.set_instance_bindings(f.org, id, &[b, c], &[])
            .await
            .unwrap();
        let bs = s.instance_bindings(f.org, id).await.unwrap();
        assert_eq!(bs.len(), 2);
        assert_eq!(
            bs.iter()
                .find(|x| x.key == "greeting")
                .unwrap()
                .value
                .as_deref(),
            Some("hello")
        );
        s.set_instance_bindings(f.org, id, &[], &["conn".into()])
            .await
            .unwrap();
        assert_eq!(s.instance_bindings(f.org, id).await.unwrap().len(), 1);
        let list = s
            .list_instances(
                f.org,
                &InstanceFilter {
                    customer_id: Some(f.customers[0]),
                    ..Default::default()
                },
                &PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(list.total, 1);
        // State persists per instance and scope.
        s.set_instance_state(id, "A", "k", Some("1")).await.unwrap();
        s.set_instance_state(id, "", "k", Some("2")).await.unwrap();
        assert_eq!(
            s.get_instance_state(id, "A", "k").await.unwrap().as_deref(),
            Some("1")
        );
        s.set_instance_state(id, "A", "k", None).await.unwrap();
        assert_eq!(s.get_instance_state(id, "A", "k").await.unwrap(), None);
        s.delete_instance(f.org, id).await.unwrap();
        assert!(matches!(
            s.flow_config_for_trigger(a.id).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn claim_lease_complete_and_recover() {
    for db in dbs().await {
        let s = &db.store;
        let f = fixture(s, 1).await;
        let c = f.customers[0];
        let inst = instance(s, &f, c, &["A"]).await;
        let e = s
            .create_execution(f.org, queued(&f, inst, c, "A"))
            .await
            .unwrap();
        assert_eq!(e.status, ExecutionStatus::Queued);
        let got = s.claim_execution(&opts("w1", 0)).await.unwrap().unwrap();
        assert_eq!(got.id, e.id);
        assert_eq!(got.status, ExecutionStatus::Pending);
        assert_eq!(got.lease_owner.as_deref(), Some("w1"));
        assert!(s.claim_execution(&opts("w2", 0)).await.unwrap().is_none());
        assert!(s.heartbeat_execution(e.id, "w1", 60_000).await.unwrap());
        assert!(!s.heartbeat_execution(e.id, "w2", 60_000).await.unwrap());
        // Only the holder ends it.
        assert!(!s
            .complete_execution(e.id, "w2", ExecutionStatus::Success, None, 1)
            .await
            .unwrap());
        assert!(s
            .complete_execution(e.id, "w1", ExecutionStatus::Success, None, 1)
            .await
            .unwrap());
        assert_eq!(
            s.get_execution(f.org, e.id).await.unwrap().status,
            ExecutionStatus::Success
        );

        // A lost worker: its lease expires, the execution goes back; after max recoveries it fails.
        let e = s
            .create_execution(f.org, queued(&f, inst, c, "A"))
            .await
            .unwrap();
        let mut short = opts("dead", 0);
        short.lease_ms = -1;
        for round in 0..2 {
            let got = s.claim_execution(&short).await.unwrap().unwrap();
            assert_eq!(got.id, e.id);
            let r = s.recover_expired_leases(1).await.unwrap();
            if round == 0 {
                assert_eq!(r.requeued, vec![e.id]);
                let again = s.get_execution(f.org, e.id).await.unwrap();
                assert_eq!(
                    (again.status, again.recoveries),
                    (ExecutionStatus::Queued, 1)
                );
            } else {
                assert_eq!(r.failed, vec![e.id]);
                let failed = s.get_execution(f.org, e.id).await.unwrap();
                assert_eq!(failed.status, ExecutionStatus::Error);
                assert!(failed.error.unwrap().contains("stopped responding"));
            }
        }
        // A node shutting down hands back what its workers hold; other nodes' leases stay.
        let mine = s
            .create_execution(f.org, queued(&f, inst, c, "A"))
            .await
            .unwrap();
        s.claim_execution(&opts("node_1/0", 0))
            .await
            .unwrap()
            .unwrap();
        let theirs = s
            .create_execution(f.org, queued(&f, inst, c, "A"))
            .await
            .unwrap();
        s.claim_execution(&opts("nodeX1/0", 0))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.expire_node_leases("node_1").await.unwrap(), 1);
        let r = s.recover_expired_leases(3).await.unwrap();
        assert_eq!(r.requeued, vec![mine.id]);
        assert_eq!(
            s.get_execution(f.org, theirs.id).await.unwrap().status,
            ExecutionStatus::Pending
        );
        s.claim_execution(&opts("w1", 0)).await.unwrap().unwrap();
        s.complete_execution(mine.id, "w1", ExecutionStatus::Success, None, 1)
            .await
            .unwrap();
        s.complete_execution(theirs.id, "nodeX1/0", ExecutionStatus::Success, None, 1)
            .await
            .unwrap();

        // A handed-back execution is claimable again at once.
        let e = s
            .create_execution(f.org, queued(&f, inst, c, "A"))
            .await
            .unwrap();
        s.claim_execution(&opts("w1", 0)).await.unwrap().unwrap();
        assert!(s.release_execution(e.id, "w1").await.unwrap());
        assert_eq!(
            s.claim_execution(&opts("w3", 0)).await.unwrap().unwrap().id,
            e.id
        );
        // A delayed execution is not due yet.
        let mut later = queued(&f, inst, c, "A");
        later.not_before = Some(plumb_store::now_ms() + 3_600_000);
        s.create_execution(f.org, later).await.unwrap();
        assert!(s.claim_execution(&opts("w4", 0)).await.unwrap().is_none());
        let depth = s.queue_depth().await.unwrap();
        assert_eq!((depth.queued, depth.running), (1, 1));
    }
}

#[tokio::test]
async fn fair_order_and_customer_limit() {
    for db in dbs().await {
        let s = &db.store;
        let f = fixture(s, 2).await;
        let (noisy, quiet) = (f.customers[0], f.customers[1]);
        let ni = instance(s, &f, noisy, &["A"]).await;
        let qi = instance(s, &f, quiet, &["A"]).await;
        for _ in 0..5 {
            s.create_execution(f.org, queued(&f, ni, noisy, "A"))
                .await
                .unwrap();
        }
        let q = s
            .create_execution(f.org, queued(&f, qi, quiet, "A"))
            .await
            .unwrap();
        // The quiet customer's one execution ranks with the noisy one's first, not behind all.
        let first = s.claim_execution(&opts("w", 0)).await.unwrap().unwrap();
        let second = s.claim_execution(&opts("w", 0)).await.unwrap().unwrap();
        assert_eq!(first.customer_id, Some(noisy));
        assert_eq!(second.id, q.id);
        // Limit 2 per customer: the noisy customer already runs one; one more, then nothing.
        assert!(s.claim_execution(&opts("w", 2)).await.unwrap().is_some());
        assert!(s.claim_execution(&opts("w", 2)).await.unwrap().is_none());
        assert!(s.claim_execution(&opts("w", 0)).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn claims_skip_tenants_at_their_share_and_the_org_limit() {
    for db in dbs().await {
        let s = &db.store;
        let f = fixture(s, 2).await;
        let (noisy, quiet) = (f.customers[0], f.customers[1]);
        let ni = instance(s, &f, noisy, &["A"]).await;
        let qi = instance(s, &f, quiet, &["A"]).await;
        for _ in 0..3 {
            s.create_execution(f.org, queued(&f, ni, noisy, "A"))
                .await
                .unwrap();
        }
        let q = s
            .create_execution(f.org, queued(&f, qi, quiet, "A"))
            .await
            .unwrap();
        // The noisy customer is at its share: the claim takes the quiet one's, then nothing.
        let mut o = opts("w", 0);
        o.skip_customers = vec![noisy];
        assert_eq!(s.claim_execution(&o).await.unwrap().unwrap().id, q.id);
        assert!(s.claim_execution(&o).await.unwrap().is_none());
        // An organization at its share: nothing of it is claimed.
        let mut o = opts("w", 0);
        o.skip_orgs = vec![f.org];
        assert!(s.claim_execution(&o).await.unwrap().is_none());
        // Organization limit 2 across workers: one runs (the quiet one's); one more, then none.
        let mut o = opts("w", 0);
        o.org_limit = 2;
        assert!(s.claim_execution(&o).await.unwrap().is_some());
        assert!(s.claim_execution(&o).await.unwrap().is_none());
        assert!(s.claim_execution(&opts("w", 0)).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn nothing_stays_pending_once_its_runner_is_gone() {
    for db in dbs().await {
        let s = &db.store;
        let f = fixture(s, 1).await;
        let c = f.customers[0];
        let i = instance(s, &f, c, &["A"]).await;
        // A test run whose server stopped: its lease lapses and it is failed, not run again.
        let test = s
            .create_execution(
                f.org,
                NewExecution {
                    integration_id: Some(f.integration),
                    flow_name: "A".into(),
                    is_test: true,
                    start_now: true,
                    lease: Some(("test/gone".into(), 1)),
                    max_attempts: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(test.status, ExecutionStatus::Pending);
        assert_eq!(test.lease_owner.as_deref(), Some("test/gone"));
        // A run started at once without a lease (an older version's row).
        let mut unleased = queued(&f, i, c, "A");
        unleased.start_now = true;
        let unleased = s.create_execution(f.org, unleased).await.unwrap();
        assert_eq!(unleased.status, ExecutionStatus::Pending);
        assert_eq!(unleased.lease_owner, None);
        // A test run that is still running keeps its lease.
        let alive = s
            .create_execution(
                f.org,
                NewExecution {
                    integration_id: Some(f.integration),
                    flow_name: "A".into(),
                    is_test: true,
                    start_now: true,
                    lease: Some(("test/alive".into(), 60_000)),
                    max_attempts: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let r = s.recover_expired_leases(3).await.unwrap();
        assert_eq!(r.failed, vec![test.id], "{}", db.label);
        assert_eq!(r.requeued, vec![unleased.id], "{}", db.label);
        let test = s.get_execution(f.org, test.id).await.unwrap();
        assert_eq!(test.status, ExecutionStatus::Error);
        assert!(
            test.error
                .as_deref()
                .unwrap_or("")
                .contains("test run abandoned"),
            "{:?}",
            test.error
        );
        let unleased = s.get_execution(f.org, unleased.id).await.unwrap();
        assert_eq!(unleased.status, ExecutionStatus::Queued);
        let alive = s.get_execution(f.org, alive.id).await.unwrap();
        assert_eq!(alive.status, ExecutionStatus::Pending);
    }
}

#[tokio::test]
async fn concurrent_claims_take_each_execution_once() {
    for db in dbs().await {
        let s = &db.store;
        let f = fixture(s, 1).await;
        let c = f.customers[0];
        let inst = instance(s, &f, c, &["A"]).await;
        for _ in 0..60 {
            s.create_execution(f.org, queued(&f, inst, c, "A"))
                .await
                .unwrap();
        }
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut tasks = vec![];
        for w in 0..6 {
            let s = s.clone();
            let seen = seen.clone();
            tasks.push(tokio::spawn(async move {
                while let Some(e) = s.claim_execution(&opts(&format!("w{w}"), 0)).await.unwrap() {
                    seen.lock().unwrap().push(e.id);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let seen = seen.lock().unwrap().clone();
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (60, 60));
    }
}

#[tokio::test]
async fn schedules_fire_once_per_tick() {
    for db in dbs().await {
        let s = &db.store;
        let f = fixture(s, 1).await;
        let c = f.customers[0];
        let inst = instance(s, &f, c, &["Tick"]).await;
        let fc = s.instance_flow_configs(f.org, inst).await.unwrap()[0].clone();
        let now = plumb_store::now_ms();
        let sched = Schedule {
            flow_config_id: fc.id,
            org_id: f.org,
            instance_id: inst,
            cron: "* * * * *".into(),
            time_zone: "UTC".into(),
            next_fire_at: now - 1,
            last_fired_at: None,
        };
        s.replace_instance_schedules(f.org, inst, std::slice::from_ref(&sched))
            .await
            .unwrap();
        let due = s.due_schedules(now, 10).await.unwrap();
        assert_eq!(due.len(), 1);
        // Two nodes race for the same tick: exactly one wins.
        let mut tasks = vec![];
        for _ in 0..4 {
            let s = s.clone();
            let d = due[0].clone();
            let new = queued(&f, inst, c, "Tick");
            tasks.push(tokio::spawn(async move {
                s.fire_schedule(&d, now + 60_000, new).await.unwrap()
            }));
        }
        let mut fired = 0;
        for t in tasks {
            fired += usize::from(t.await.unwrap().is_some());
        }
        assert_eq!(fired, 1);
        assert!(s.due_schedules(now, 10).await.unwrap().is_empty());
        let page = s
            .list_executions(
                f.org,
                &ExecutionFilter {
                    instance_id: Some(inst),
                    ..Default::default()
                },
                &PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        s.replace_instance_schedules(f.org, inst, &[])
            .await
            .unwrap();
        assert!(s.instance_schedules(f.org, inst).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn retention_prunes_ended_executions_in_batches() {
    for db in dbs().await {
        let s = &db.store;
        let f = fixture(s, 1).await;
        let c = f.customers[0];
        let inst = instance(s, &f, c, &["A"]).await;
        let mut ids = vec![];
        for _ in 0..7 {
            let e = s
                .create_execution(f.org, queued(&f, inst, c, "A"))
                .await
                .unwrap();
            s.finish_execution(e.id, ExecutionStatus::Success, None, 1_000)
                .await
                .unwrap();
            ids.push(e.id);
        }
        let waiting = s
            .create_execution(f.org, queued(&f, inst, c, "A"))
            .await
            .unwrap();
        // Keep the newest 3 ended ones; the queued one is never pruned.
        let n = s
            .prune_executions(&Retention {
                ended_before: None,
                keep_per_org: Some(3),
                batch: 2,
            })
            .await
            .unwrap();
        assert_eq!(n, 4);
        for old in &ids[..4] {
            assert!(matches!(
                s.get_execution(f.org, *old).await,
                Err(StoreError::NotFound)
            ));
        }
        let n = s
            .prune_executions(&Retention {
                ended_before: Some(2_000),
                keep_per_org: None,
                batch: 2,
            })
            .await
            .unwrap();
        assert_eq!(n, 3);
        assert!(s.get_execution(f.org, waiting.id).await.is_ok());
    }
}
