use plumb_store::models::NewModel;
use plumb_store::StoreError;

use crate::dbs;

fn model<'a>(document: &'a str, operations: i64) -> NewModel<'a> {
    NewModel {
        name: "Swagger Petstore:1.0.0",
        title: "Swagger Petstore",
        version: "1.0.0",
        document,
        operations,
    }
}

#[tokio::test]
async fn models_are_unique_by_name_replaced_on_request_and_isolated() {
    for db in dbs().await {
        let s = &db.store;
        let org = s.create_org("Acme").await.unwrap();
        let other = s.create_org("Other").await.unwrap();
        let first = s
            .save_model(org.id, model("doc one", 3), false)
            .await
            .unwrap();
        assert!(matches!(
            s.save_model(org.id, model("doc two", 4), false).await,
            Err(StoreError::Conflict(what)) if what == "name"
        ));
        assert_eq!(
            s.get_model(org.id, first.id).await.unwrap().document,
            "doc one"
        );
        let replaced = s
            .save_model(org.id, model("doc two", 4), true)
            .await
            .unwrap();
        assert_eq!(replaced.id, first.id);
        let read = s.get_model(org.id, first.id).await.unwrap();
        assert_eq!((read.document.as_str(), read.operations), ("doc two", 4));
        // The same name in another organization is another model; neither sees the other's.
        let theirs = s
            .save_model(other.id, model("theirs", 1), false)
            .await
            .unwrap();
        assert!(matches!(
            s.get_model(org.id, theirs.id).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(s.list_models(org.id, None).await.unwrap().len(), 1);
        assert_eq!(
            s.list_models(org.id, Some("Swagger Petstore:1.0.0"))
                .await
                .unwrap()[0]
                .id,
            first.id
        );
        assert!(s
            .list_models(org.id, Some("nope"))
            .await
            .unwrap()
            .is_empty());
        assert!(matches!(
            s.delete_model(other.id, first.id).await,
            Err(StoreError::NotFound)
        ));
        s.delete_model(org.id, first.id).await.unwrap();
        assert!(matches!(
            s.get_model(org.id, first.id).await,
            Err(StoreError::NotFound)
        ));
    }
}
