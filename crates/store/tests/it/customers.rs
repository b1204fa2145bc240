use plumb_store::customers::{CustomerFields, CustomerFilter};
use plumb_store::{PageRequest, StoreError};

use crate::dbs;

fn fields(ext: &str, labels: &[&str]) -> CustomerFields {
    CustomerFields {
        external_id: Some(Some(ext.to_string())),
        labels: Some(labels.iter().map(|l| l.to_string()).collect()),
        description: Some("d".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn crud_filters_and_isolation() {
    for db in dbs().await {
        let s = &db.store;
        let org = s.create_org("Acme").await.unwrap();
        let other = s.create_org("Other").await.unwrap();
        let smith = s
            .create_customer(
                org.id,
                "Smith Rocket Company",
                fields("smith", &["gold", "us"]),
            )
            .await
            .unwrap();
        let ftl = s
            .create_customer(org.id, "FTL Rockets", fields("ftl", &["us", " ", "us"]))
            .await
            .unwrap();
        assert_eq!(ftl.labels, vec!["us"]);
        // The same external ID in another organization is fine; in the same one it conflicts.
        s.create_customer(other.id, "Else", fields("smith", &[]))
            .await
            .unwrap();
        let dup = s.create_customer(org.id, "Dup", fields("smith", &[])).await;
        assert!(
            matches!(dup, Err(StoreError::Conflict(ref f)) if f == "externalId"),
            "{}",
            db.label
        );

        let all = PageRequest::default();
        let by_ext = CustomerFilter {
            external_id: Some("smith".into()),
            ..Default::default()
        };
        let page = s.list_customers(org.id, &by_ext, &all).await.unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.items[0].id, smith.id);

        let by_label = CustomerFilter {
            labels: vec!["us".into()],
            ..Default::default()
        };
        assert_eq!(
            s.list_customers(org.id, &by_label, &all)
                .await
                .unwrap()
                .total,
            2
        );
        let both = CustomerFilter {
            labels: vec!["us".into(), "gold".into()],
            ..Default::default()
        };
        assert_eq!(
            s.list_customers(org.id, &both, &all).await.unwrap().total,
            1
        );
        let contains = CustomerFilter {
            name_contains: Some("rocket".into()),
            ..Default::default()
        };
        assert_eq!(
            s.list_customers(org.id, &contains, &all)
                .await
                .unwrap()
                .total,
            2
        );
        let pct = CustomerFilter {
            name_contains: Some("%".into()),
            ..Default::default()
        };
        assert_eq!(s.list_customers(org.id, &pct, &all).await.unwrap().total, 0);
        let by_name = CustomerFilter {
            name: Some("FTL Rockets".into()),
            ..Default::default()
        };
        assert_eq!(
            s.list_customers(org.id, &by_name, &all)
                .await
                .unwrap()
                .items[0]
                .id,
            ftl.id
        );

        // Isolation: the other organization sees none of these.
        assert!(matches!(
            s.get_customer(other.id, smith.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.update_customer(other.id, smith.id, CustomerFields::default())
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.delete_customer(other.id, smith.id).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            s.list_customers(other.id, &CustomerFilter::default(), &all)
                .await
                .unwrap()
                .total,
            1
        );

        // Update: labels replaced, external ID cleared, conflict on a taken one changes nothing.
        let updated = s
            .update_customer(
                org.id,
                smith.id,
                CustomerFields {
                    name: Some("Smith Rockets".into()),
                    labels: Some(vec!["b".into(), "a".into()]),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(updated.labels, vec!["a", "b"]);
        assert_eq!(updated.external_id.as_deref(), Some("smith"));
        let clash = s
            .update_customer(
                org.id,
                ftl.id,
                CustomerFields {
                    external_id: Some(Some("smith".into())),
                    name: Some("changed".into()),
                    ..Default::default()
                },
            )
            .await;
        assert!(matches!(clash, Err(StoreError::Conflict(_))));
        assert_eq!(
            s.get_customer(org.id, ftl.id).await.unwrap().name,
            "FTL Rockets"
        );

        s.delete_customer(org.id, smith.id).await.unwrap();
        assert!(matches!(
            s.get_customer(org.id, smith.id).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn relay_pagination() {
    for db in dbs().await {
        let s = &db.store;
        let org = s.create_org("Acme").await.unwrap();
        let mut ids = vec![];
        for i in 0..7 {
            ids.push(
                s.create_customer(org.id, &format!("c{i}"), Default::default())
                    .await
                    .unwrap()
                    .id,
            );
        }
        let f = CustomerFilter::default();
        let p1 = s
            .list_customers(
                org.id,
                &f,
                &PageRequest {
                    first: Some(3),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(p1.total, 7);
        assert_eq!(p1.items.iter().map(|c| c.id).collect::<Vec<_>>(), ids[0..3]);
        assert!(p1.has_next && !p1.has_previous);
        let p2 = s
            .list_customers(
                org.id,
                &f,
                &PageRequest {
                    first: Some(3),
                    after: Some(ids[2].to_string()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(p2.items.iter().map(|c| c.id).collect::<Vec<_>>(), ids[3..6]);
        assert!(p2.has_next && p2.has_previous);
        let p3 = s
            .list_customers(
                org.id,
                &f,
                &PageRequest {
                    first: Some(3),
                    after: Some(ids[5].to_string()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(p3.items.len(), 1);
        assert!(!p3.has_next);
        let last = s
            .list_customers(
                org.id,
                &f,
                &PageRequest {
                    last: Some(2),
                    before: Some(ids[6].to_string()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            last.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            ids[4..6]
        );
        assert!(last.has_previous && last.has_next);
    }
}

#[tokio::test]
async fn concurrent_writes_never_fail_on_sqlite() {
    let db = plumb_store::testing::TestDb::sqlite().await.unwrap();
    let org = db.store.create_org("Acme").await.unwrap();
    let mut tasks = vec![];
    for i in 0..200 {
        let s = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let c = s
                .create_customer(org.id, &format!("c{i}"), fields(&format!("e{i}"), &["x"]))
                .await?;
            s.create_customer_config_var(org.id, c.id, "k", "v", "string")
                .await?;
            s.set_org_config_var(org.id, &format!("k{}", i % 10), "v", "string")
                .await?;
            s.list_customers(org.id, &CustomerFilter::default(), &PageRequest::default())
                .await?;
            Ok::<_, StoreError>(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let page = db
        .store
        .list_customers(org.id, &CustomerFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.total, 200);
}
