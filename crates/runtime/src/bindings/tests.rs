//! Bindings on a real store (SQLite, and PostgreSQL when `DATABASE_URL` is set): inline
//! connection inputs open under the ID the store keeps; a binding that cannot be opened is
//! unusable, named by its key, never with its text.

use plumb_core::expr::ConfigValue;
use plumb_store::customers::CustomerFields;
use plumb_store::instances::{Instance, NewFlowConfig, NewInstance};
use plumb_store::secrets::Vault;
use plumb_store::testing::TestDb;
use plumb_vault::MasterKey;

use super::*;

const DEF: &str = r#"
name: Keys
definitionVersion: 7
requiredConfigVars:
  - key: api
    dataType: connection
    connection: {key: apiKey, component: {key: http}}
flows:
  - name: F
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
"#;

const KEY: &str = "k-3f9a-inline-secret";

/// An instance whose `api` connection is bound to inline `values` holding [`KEY`].
async fn instance_with_values(db: &TestDb, vault: &Vault) -> (Instance, Definition) {
    let store = &db.store;
    let org = store.create_org("Acme").await.unwrap();
    let customer = store
        .create_customer(org.id, "C", CustomerFields::default())
        .await
        .unwrap();
    let draft = store
        .create_integration(org.id, "Keys", "", DEF)
        .await
        .unwrap();
    let version = store
        .publish_integration(org.id, draft.id, "")
        .await
        .unwrap();
    let def = crate::engine().load(DEF).unwrap();
    let scope = BindingScope {
        store,
        vault: Some(vault),
        org_id: org.id,
        customer_id: customer.id,
        bound_by: BoundBy::Customer,
    };
    let inputs = [BindingInput {
        key: "api".into(),
        values: Some(serde_json::json!({ "apiKey": KEY }).to_string()),
        ..Default::default()
    }];
    let bindings = check_bindings(&scope, &def, &inputs, &[], true)
        .await
        .unwrap();
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
                bindings,
            },
        )
        .await
        .unwrap();
    (instance, def)
}

#[tokio::test]
async fn inline_connection_values_open_when_the_execution_starts() {
    for db in TestDb::all().await.unwrap() {
        let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
        let (instance, def) = instance_with_values(&db, &vault).await;
        let config = resolve_instance_config(&db.store, Some(&vault), &instance, &def)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", db.label));
        let Some(ConfigValue::Connection(c)) = config.values.get("api") else {
            panic!("{}: no connection in {:?}", db.label, config.values.keys());
        };
        assert_eq!(c.value("apiKey"), Some(KEY));
        assert_eq!(c.value("location"), Some("header"));
        assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    }
}

#[tokio::test]
async fn key_rotation_reseals_inline_connection_values() {
    for db in TestDb::all().await.unwrap() {
        let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
        let (instance, def) = instance_with_values(&db, &vault).await;
        let sealed = |b: &plumb_store::instances::Binding| b.sealed_values.clone().unwrap();
        let before = db
            .store
            .instance_bindings(instance.org_id, instance.id)
            .await
            .unwrap();
        let (_, resealed) = vault.rotate_org(instance.org_id).await.unwrap();
        let after = db
            .store
            .instance_bindings(instance.org_id, instance.id)
            .await
            .unwrap();
        assert!(resealed >= 1, "{}: nothing resealed", db.label);
        assert_ne!(
            sealed(&before[0]),
            sealed(&after[0]),
            "{}: not resealed",
            db.label
        );
        let config = resolve_instance_config(&db.store, Some(&vault), &instance, &def)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", db.label));
        let Some(ConfigValue::Connection(c)) = config.values.get("api") else {
            panic!("{}: no connection", db.label);
        };
        assert_eq!(c.value("apiKey"), Some(KEY));
    }
}

#[tokio::test]
async fn a_binding_that_does_not_open_is_unusable_and_named() {
    for db in TestDb::all().await.unwrap() {
        let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
        let (instance, def) = instance_with_values(&db, &vault).await;
        let store = &db.store;
        // Damage the sealed inputs in the database (one flipped byte), through the store.
        let mut b = store
            .instance_bindings(instance.org_id, instance.id)
            .await
            .unwrap()
            .remove(0);
        let mut sealed = hex::decode(b.sealed_values.as_deref().unwrap()).unwrap();
        let last = sealed.len() - 1;
        sealed[last] ^= 0x01;
        b.sealed_values = Some(hex::encode(&sealed));
        store
            .set_instance_bindings(instance.org_id, instance.id, &[b], &[])
            .await
            .unwrap();
        let err = resolve_instance_config(store, Some(&vault), &instance, &def)
            .await
            .expect_err("a damaged binding must not resolve");
        let ResolveError::Unusable(problems) = &err else {
            panic!("{}: {err:?}", db.label);
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].key, "api");
        let text = err.to_string();
        assert!(text.starts_with("config var `api`: "), "{text}");
        assert!(text.contains("could not be opened"), "{text}");
        assert!(!text.contains(KEY), "{text}");
        // The partial form still answers what did resolve (nothing here) and names it.
        let partial = resolve_instance_config_partial(store, Some(&vault), &instance, &def)
            .await
            .unwrap();
        assert!(partial.config.values.is_empty());
        assert_eq!(partial.unusable.len(), 1);
        // Without the master key the binding cannot be opened either.
        let err = resolve_instance_config(store, None, &instance, &def)
            .await
            .expect_err("no vault, no connection");
        assert!(err.to_string().contains("no master key"), "{err}");
    }
}
