//! The claim under a backlog of a few thousand executions across customers: fair order,
//! per-customer and per-organization limits, skip lists and delayed retries hold, and the
//! claim walks its index instead of sorting the backlog. Correctness only, no timing.

use std::collections::{HashMap, HashSet};

use plumb_store::executions::ExecutionStatus;
use plumb_store::Backend;

use crate::dbs;
use crate::queue::{fixture, instance, opts, queued};

/// Executions of the noisy customer (queued first) and of each of the quiet ones.
const NOISY: usize = 1000;
const QUIET: usize = 250;
const CUSTOMERS: usize = 5;

#[tokio::test]
async fn a_backlog_is_claimed_in_fair_order_within_the_limits() {
    for db in dbs().await {
        let s = &db.store;
        let f = fixture(s, CUSTOMERS + 1).await;
        let mut instances = vec![];
        for c in &f.customers {
            instances.push(instance(s, &f, *c, &["A"]).await);
        }
        // A delayed retry at the head of the queue (rank 0) must be skipped until it is due.
        let late = f.customers[CUSTOMERS];
        let mut delayed = queued(&f, instances[CUSTOMERS], late, "A");
        delayed.not_before = Some(plumb_store::now_ms() + 3_600_000);
        let delayed = s.create_execution(f.org, delayed).await.unwrap();
        // The noisy customer queues everything first; the quiet ones join at the head.
        for (i, c) in f.customers[..CUSTOMERS].iter().enumerate() {
            let n = if i == 0 { NOISY } else { QUIET };
            for _ in 0..n {
                s.create_execution(f.org, queued(&f, instances[i], *c, "A"))
                    .await
                    .unwrap();
            }
        }
        if s.backend() == Backend::Sqlite {
            let plan = s.explain_claim(&opts("w", 2)).await.unwrap();
            let text = plan.join("\n");
            assert!(text.contains("executions_ready"), "{text}");
            assert!(!text.contains("TEMP B-TREE"), "{text}");
            assert!(!text.contains("SCAN e"), "{text}");
        }

        // Organization limit 3: three claims, then none; handed back, they wait again.
        let mut o = opts("org", 0);
        o.org_limit = 3;
        let mut held = vec![];
        for _ in 0..3 {
            held.push(s.claim_execution(&o).await.unwrap().unwrap());
        }
        assert!(s.claim_execution(&o).await.unwrap().is_none());
        for e in &held {
            assert!(s.release_execution(e.id, "org").await.unwrap());
        }

        // Customer limit 2: every customer's head first (rank 0, then rank 1), then none.
        let mut running = vec![];
        while let Some(e) = s.claim_execution(&opts("lim", 2)).await.unwrap() {
            running.push(e);
            assert!(running.len() <= 2 * CUSTOMERS);
        }
        assert_eq!(running.len(), 2 * CUSTOMERS);
        let mut per: HashMap<_, usize> = HashMap::new();
        for e in &running {
            *per.entry(e.customer_id).or_default() += 1;
        }
        assert_eq!(per.len(), CUSTOMERS);
        assert!(per.values().all(|n| *n == 2), "{per:?}");
        let first: HashSet<_> = running[..CUSTOMERS].iter().map(|e| e.customer_id).collect();
        assert_eq!(
            first.len(),
            CUSTOMERS,
            "the first claims take one per customer"
        );

        // Skip list: with every quiet customer skipped, only the noisy one's come out.
        for e in &running {
            let ended = plumb_store::now_ms();
            assert!(s
                .complete_execution(e.id, "lim", ExecutionStatus::Success, None, ended)
                .await
                .unwrap());
        }
        let mut o = opts("skip", 0);
        o.skip_customers = f.customers[1..].to_vec();
        let e = s.claim_execution(&o).await.unwrap().unwrap();
        assert_eq!(e.customer_id, Some(f.customers[0]));
        let ended = plumb_store::now_ms();
        s.complete_execution(e.id, "skip", ExecutionStatus::Success, None, ended)
            .await
            .unwrap();

        // Drain one by one: while every customer waits, they alternate (each takes its
        // rank-r execution before anyone takes rank r + 1); the noisy customer's tail last.
        let mut order = vec![];
        let mut seen = HashSet::new();
        while let Some(e) = s.claim_execution(&opts("drain", 2)).await.unwrap() {
            assert!(seen.insert(e.id), "claimed twice");
            assert_ne!(e.id, delayed.id, "a delayed retry was claimed early");
            order.push(e.customer_id.unwrap());
            let ended = plumb_store::now_ms();
            assert!(s
                .complete_execution(e.id, "drain", ExecutionStatus::Success, None, ended)
                .await
                .unwrap());
        }
        let total = NOISY + (CUSTOMERS - 1) * QUIET;
        assert_eq!(order.len() + 2 * CUSTOMERS + 1, total);
        let mut counts: HashMap<_, usize> = HashMap::new();
        for (i, c) in order.iter().enumerate() {
            *counts.entry(*c).or_default() += 1;
            if i + 1 < (CUSTOMERS - 1) * (QUIET - 2) {
                let (lo, hi) = (
                    counts.values().min().copied().unwrap_or(0),
                    counts.values().max().copied().unwrap_or(0),
                );
                assert!(
                    counts.len() < CUSTOMERS || hi - lo <= 2,
                    "unfair after {i} claims: {counts:?}"
                );
            }
        }
        assert!(order[order.len() - (NOISY - QUIET)..]
            .iter()
            .all(|c| *c == f.customers[0]));
        // The delayed retry still waits.
        let left = s.get_execution(f.org, delayed.id).await.unwrap();
        assert_eq!(left.status, ExecutionStatus::Queued);
    }
}
