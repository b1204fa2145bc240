//! Instance bindings keep the ID they are given: the sealed inputs of a `values` binding are
//! bound to that ID, so storing them under another one would make them unopenable.

use plumb_store::customers::CustomerFields;
use plumb_store::instances::{Binding, BindingKind, NewFlowConfig, NewInstance};
use plumb_store::new_id;
use plumb_store::secrets::Vault;
use plumb_vault::{MasterKey, SecretString};

use crate::dbs;

const DEF: &str = "name: T\ndefinitionVersion: 7\nflows: []\n";

#[tokio::test]
async fn values_bindings_open_under_the_id_they_are_stored_with() {
    for db in dbs().await {
        let store = &db.store;
        let vault = Vault::new(store.clone(), MasterKey::generate().unwrap());
        let org = store.create_org("Acme").await.unwrap();
        let customer = store
            .create_customer(org.id, "C", CustomerFields::default())
            .await
            .unwrap();
        let draft = store
            .create_integration(org.id, "T", "", DEF)
            .await
            .unwrap();
        let version = store
            .publish_integration(org.id, draft.id, "")
            .await
            .unwrap();
        let sealed = |id| {
            let vault = vault.clone();
            async move {
                let plain = SecretString::new(format!("{{\"apiKey\":\"k-{id}\"}}"));
                let mut b = Binding::new("api", BindingKind::Values);
                b.id = id;
                b.sealed_values = Some(hex::encode(
                    vault.seal(org.id, id, "values", &plain).await.unwrap(),
                ));
                b
            }
        };
        let first = sealed(new_id()).await;
        let mut literal = Binding::new("greeting", BindingKind::Value);
        literal.value = Some("hi".into());
        let instance = store
            .create_instance(
                org.id,
                NewInstance {
                    customer_id: customer.id,
                    integration_id: draft.id,
                    integration_version_id: version.id,
                    name: "i".into(),
                    description: String::new(),
                    worker_group: None,
                    flows: vec![NewFlowConfig {
                        flow_name: "F".into(),
                        security: "customer_optional".into(),
                    }],
                    bindings: vec![first.clone(), literal],
                },
            )
            .await
            .unwrap();
        let opens = |b: Binding| {
            let vault = vault.clone();
            async move {
                let bytes = hex::decode(b.sealed_values.unwrap()).unwrap();
                vault
                    .open(org.id, b.id, "values", &bytes)
                    .await
                    .map(|p| p.expose().to_string())
            }
        };
        let stored = store.instance_bindings(org.id, instance.id).await.unwrap();
        assert_eq!(stored[0].id, first.id, "{}", db.label);
        // A binding given no ID gets a fresh one.
        assert!(!stored[1].id.is_nil());
        assert_ne!(stored[1].id, first.id);
        let plain = opens(stored[0].clone()).await.unwrap();
        assert_eq!(plain, format!("{{\"apiKey\":\"k-{}\"}}", first.id));

        // Replacing the binding keeps the new binding's ID as well.
        let second = sealed(new_id()).await;
        store
            .set_instance_bindings(org.id, instance.id, std::slice::from_ref(&second), &[])
            .await
            .unwrap();
        let stored = store.instance_bindings(org.id, instance.id).await.unwrap();
        let api = stored.into_iter().find(|b| b.key == "api").unwrap();
        assert_eq!(api.id, second.id, "{}", db.label);
        assert!(opens(api).await.is_ok());
    }
}
