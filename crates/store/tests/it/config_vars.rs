use plumb_store::{PageRequest, StoreError};

use crate::dbs;

#[tokio::test]
async fn org_and_customer_config_vars() {
    for db in dbs().await {
        let s = &db.store;
        let org = s.create_org("Acme").await.unwrap();
        let other = s.create_org("Other").await.unwrap();
        let v = s
            .set_org_config_var(org.id, "pokemonAvatarS3BucketName", "avatars", "string")
            .await
            .unwrap();
        // Setting again updates in place and keeps the ID.
        let v2 = s
            .set_org_config_var(org.id, "pokemonAvatarS3BucketName", "avatars-2", "string")
            .await
            .unwrap();
        assert_eq!(v.id, v2.id);
        assert_eq!(v2.value, "avatars-2");
        let page = s
            .list_org_config_vars(org.id, None, &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        assert!(s
            .find_org_config_var(org.id, "pokemonAvatarS3BucketName")
            .await
            .unwrap()
            .is_some());
        assert!(matches!(
            s.delete_org_config_var(other.id, v.id).await,
            Err(StoreError::NotFound)
        ));

        let c = s
            .create_customer(org.id, "Smith", Default::default())
            .await
            .unwrap();
        let cv = s
            .create_customer_config_var(
                org.id,
                c.id,
                "customerName",
                "Smith Rocket Company",
                "string",
            )
            .await
            .unwrap();
        let dup = s
            .create_customer_config_var(org.id, c.id, "customerName", "x", "string")
            .await;
        assert!(matches!(dup, Err(StoreError::Conflict(ref k)) if k == "key"));
        // Another organization's customer is not found.
        assert!(matches!(
            s.create_customer_config_var(other.id, c.id, "k", "v", "string")
                .await,
            Err(StoreError::NotFound)
        ));
        let up = s
            .update_customer_config_var(org.id, cv.id, "Smith Co", "string")
            .await
            .unwrap();
        assert_eq!(up.value, "Smith Co");
        assert!(matches!(
            s.update_customer_config_var(other.id, cv.id, "x", "string")
                .await,
            Err(StoreError::NotFound)
        ));
        let list = s
            .list_customer_config_vars(org.id, Some(c.id), &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(list.total, 1);
        s.delete_customer_config_var(org.id, cv.id).await.unwrap();
        s.delete_org_config_var(org.id, v.id).await.unwrap();
        // Deleting a customer cascades to its config vars.
        s.create_customer_config_var(org.id, c.id, "k", "v", "string")
            .await
            .unwrap();
        s.delete_customer(org.id, c.id).await.unwrap();
        assert_eq!(
            s.list_customer_config_vars(org.id, None, &PageRequest::default())
                .await
                .unwrap()
                .total,
            0
        );
    }
}
