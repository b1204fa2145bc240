//! Org data keys, sealing, connection resolution and key rotation, on every backend.

use std::collections::BTreeMap;

use plumb_core::connection_types::http;
use plumb_store::connection_values::{SaveConnection, Slot, StoredValue, ValueSet};
use plumb_store::connections::{InputScope, ManagedBy, ScopedVar, VariableScope};
use plumb_store::resolve::resolve_scoped_connection;
use plumb_store::secrets::{rotate_master, SecretsError, Vault};
use plumb_store::{new_id, now_ms, Store};
use plumb_vault::{MasterKey, SecretString, VaultError};
use uuid::Uuid;

use crate::dbs;

fn scoped(org: Uuid, stable_key: &str) -> ScopedVar {
    ScopedVar {
        id: new_id(),
        org_id: org,
        key: "Acme API".into(),
        stable_key: stable_key.into(),
        description: String::new(),
        variable_scope: VariableScope::Customer,
        managed_by: ManagedBy::Org,
        connection_type: http::BASIC.id(),
        input_scopes: BTreeMap::from([("username".to_string(), InputScope::Global)]),
        created_at: now_ms(),
        updated_at: now_ms(),
    }
}

fn set(var: &ScopedVar, slot: Slot) -> ValueSet {
    ValueSet {
        id: new_id(),
        org_id: var.org_id,
        scoped_id: var.id,
        slot,
        created_at: now_ms(),
        updated_at: now_ms(),
    }
}

/// Writes `username` (plain) and `password` (sealed) into a new set.
async fn write_set(
    vault: &Vault,
    var: &ScopedVar,
    slot: Slot,
    values: &[(&str, &str)],
) -> ValueSet {
    let s = set(var, slot);
    let mut stored = BTreeMap::new();
    for (k, v) in values {
        let value = if *k == "password" {
            StoredValue::Sealed(
                vault
                    .seal(var.org_id, s.id, k, &SecretString::new(*v))
                    .await
                    .unwrap(),
            )
        } else {
            StoredValue::Plain(v.to_string())
        };
        stored.insert(k.to_string(), Some(value));
    }
    vault
        .store()
        .save_connection(SaveConnection {
            sets: vec![(s.clone(), stored)],
            ..Default::default()
        })
        .await
        .unwrap();
    s
}

async fn setup(store: &Store, vault: &Vault) -> (ScopedVar, Uuid, Uuid) {
    let org = store.create_org("Acme").await.unwrap();
    let customer = store
        .create_customer(org.id, "Smith", Default::default())
        .await
        .unwrap();
    let var = scoped(org.id, "acme-api");
    store.create_scoped_var(&var).await.unwrap();
    write_set(vault, &var, Slot::Global, &[("username", "shared-user")]).await;
    write_set(
        vault,
        &var,
        Slot::Customer(customer.id),
        &[("password", "customer-secret-1")],
    )
    .await;
    write_set(
        vault,
        &var,
        Slot::Test,
        &[("username", "test-user"), ("password", "test-secret")],
    )
    .await;
    (var, org.id, customer.id)
}

#[tokio::test]
async fn resolve_merges_global_customer_and_test() {
    for db in dbs().await {
        let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
        let (var, org, customer) = setup(&db.store, &vault).await;
        let c = resolve_scoped_connection(&vault, org, "acme-api", Some(customer), false)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.component, "http");
        assert_eq!(c.key, "basic");
        assert_eq!(c.value("username").unwrap(), "shared-user", "{}", db.label);
        assert_eq!(c.value("password").unwrap(), "customer-secret-1");
        // Defaults of the type fill the rest.
        assert_eq!(c.value("rejectUnauthorized").unwrap(), "true");
        let t = resolve_scoped_connection(&vault, org, "acme-api", None, true)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.value("username").unwrap(), "test-user");
        assert_eq!(t.value("password").unwrap(), "test-secret");
        // Unknown customer, unknown key, another organization: nothing.
        for (o, key, cust) in [
            (org, "acme-api", Some(Uuid::new_v4())),
            (org, "nope", Some(customer)),
            (Uuid::new_v4(), "acme-api", Some(customer)),
        ] {
            assert!(resolve_scoped_connection(&vault, o, key, cust, false)
                .await
                .unwrap()
                .is_none());
        }
        // A customer set's value for a global input is ignored: global wins.
        assert_eq!(var.input_scope("username"), InputScope::Global);
    }
}

#[tokio::test]
async fn ciphertext_swapped_between_rows_fails_to_open() {
    for db in dbs().await {
        let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
        let (_, org, customer) = setup(&db.store, &vault).await;
        // Copy the test credentials' sealed password over the customer's.
        let test_sealed: Vec<u8> = sqlx_scalar(
            &db,
            "SELECT v.sealed FROM connection_values v JOIN connection_value_sets s ON s.id = v.set_id
             WHERE s.slot = 'test' AND v.input = 'password'",
        )
        .await;
        let sql = format!(
            "UPDATE connection_values SET sealed = $1 WHERE input = 'password' AND set_id =
             (SELECT id FROM connection_value_sets WHERE slot = 'customer:{customer}')"
        );
        exec_with_blob(&db, &sql, test_sealed).await;
        let err = resolve_scoped_connection(&vault, org, "acme-api", Some(customer), false)
            .await
            .unwrap_err();
        assert!(
            matches!(err, SecretsError::Vault(VaultError::OpenFailed)),
            "{err:?}"
        );
        // The error says nothing of the plaintext.
        assert!(!err.to_string().contains("test-secret"));
    }
}

#[tokio::test]
async fn rotate_org_reseals_and_keeps_opening() {
    for db in dbs().await {
        let master = MasterKey::generate().unwrap();
        let vault = Vault::new(db.store.clone(), master.clone());
        let (_, org, customer) = setup(&db.store, &vault).await;
        let before: Vec<u8> = sqlx_scalar(
            &db,
            "SELECT sealed FROM connection_values WHERE input = 'password' ORDER BY set_id LIMIT 1",
        )
        .await;
        let (version, resealed) = vault.rotate_org(org).await.unwrap();
        assert_eq!((version, resealed), (2, 2), "{}", db.label);
        let after: Vec<u8> = sqlx_scalar(
            &db,
            "SELECT sealed FROM connection_values WHERE input = 'password' ORDER BY set_id LIMIT 1",
        )
        .await;
        assert_ne!(before, after);
        assert_eq!(plumb_vault::sealed_key_version(&after).unwrap(), 2);
        // A fresh process (empty cache) opens the resealed values.
        let fresh = Vault::new(db.store.clone(), master);
        let c = resolve_scoped_connection(&fresh, org, "acme-api", Some(customer), false)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.value("password").unwrap(), "customer-secret-1");
        // Rotating again goes to version 3; nothing is left on older versions.
        assert_eq!(fresh.rotate_org(org).await.unwrap(), (3, 2));
    }
}

#[tokio::test]
async fn rotate_master_rewraps_every_org_key() {
    for db in dbs().await {
        let old = MasterKey::generate().unwrap();
        let new = MasterKey::generate().unwrap();
        let vault = Vault::new(db.store.clone(), old.clone());
        let (_, org, customer) = setup(&db.store, &vault).await;
        let other = db.store.create_org("Other").await.unwrap();
        vault.keyring(other.id).await.unwrap();
        // A wrong "old" key changes nothing.
        let wrong = MasterKey::generate().unwrap();
        assert!(rotate_master(&db.store, &wrong, &new).await.is_err());
        assert_eq!(rotate_master(&db.store, &old, &new).await.unwrap(), 2);
        assert_eq!(
            db.store
                .get_meta(plumb_store::meta::MASTER_KEY_ID)
                .await
                .unwrap(),
            Some(new.id().to_string())
        );
        let with_new = Vault::new(db.store.clone(), new);
        let c = resolve_scoped_connection(&with_new, org, "acme-api", Some(customer), false)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.value("password").unwrap(), "customer-secret-1");
        // The old key no longer opens anything, and says so clearly.
        let with_old = Vault::new(db.store.clone(), old);
        let err = resolve_scoped_connection(&with_old, org, "acme-api", Some(customer), false)
            .await
            .unwrap_err();
        assert!(
            matches!(err, SecretsError::Vault(VaultError::WrongMasterKey { .. })),
            "{err:?}"
        );
        // And a process still on the old key refuses to create new data keys.
        let third = db.store.create_org("Third").await.unwrap();
        assert!(matches!(
            with_old.keyring(third.id).await,
            Err(SecretsError::MasterKeyRotated)
        ));
    }
}

#[tokio::test]
async fn concurrent_first_use_creates_one_data_key() {
    for db in dbs().await {
        let master = MasterKey::generate().unwrap();
        let org = db.store.create_org("Acme").await.unwrap();
        let a = Vault::new(db.store.clone(), master.clone());
        let b = Vault::new(db.store.clone(), master);
        let (ka, kb) = tokio::join!(a.keyring(org.id), b.keyring(org.id));
        let (ka, kb) = (ka.unwrap(), kb.unwrap());
        let rec = Uuid::new_v4();
        let sealed = a
            .seal(org.id, rec, "password", &SecretString::new("s3cret"))
            .await
            .unwrap();
        assert_eq!(
            b.open(org.id, rec, "password", &sealed)
                .await
                .unwrap()
                .expose(),
            "s3cret"
        );
        assert_eq!(ka.current().unwrap().version(), 1);
        assert_eq!(kb.current().unwrap().version(), 1);
        // Another organization's context does not open it.
        assert!(b
            .open(Uuid::new_v4(), rec, "password", &sealed)
            .await
            .is_err());
    }
}

async fn sqlx_scalar(db: &plumb_store::testing::TestDb, sql: &str) -> Vec<u8> {
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let v: Vec<u8> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    v
}

async fn exec_with_blob(db: &plumb_store::testing::TestDb, sql: &str, blob: Vec<u8>) {
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(blob)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}
