//! Sealed OAuth token sets, the PostgreSQL row lease and pending authorizations, on every
//! backend.

use std::collections::BTreeMap;
use std::time::Duration;

use plumb_core::connection_types::http;
use plumb_store::connections::{ManagedBy, ScopedVar, VariableScope};
use plumb_store::oauth_tokens::{self, NewAuthorization};
use plumb_store::secrets::Vault;
use plumb_store::{new_id, now_ms, Backend};
use plumb_vault::{MasterKey, SecretString};
use uuid::Uuid;

use crate::dbs;

fn scoped(org: Uuid) -> ScopedVar {
    ScopedVar {
        id: new_id(),
        org_id: org,
        key: "Acme OAuth".into(),
        stable_key: format!("acme-{}", new_id().simple()),
        description: String::new(),
        variable_scope: VariableScope::Customer,
        managed_by: ManagedBy::Org,
        connection_type: http::BASIC.id(),
        input_scopes: BTreeMap::new(),
        created_at: now_ms(),
        updated_at: now_ms(),
    }
}

#[tokio::test]
async fn tokens_are_sealed_per_org_and_replaced() {
    for db in dbs().await {
        let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
        let org = db.store.create_org("a").await.unwrap().id;
        let other = db.store.create_org("b").await.unwrap().id;
        let conn = new_id().to_string();
        let planted = format!("planted-access-{}", new_id().simple());
        let json = SecretString::new(format!(r#"{{"accessToken":"{planted}"}}"#));

        assert!(oauth_tokens::load_tokens(&vault, org, &conn)
            .await
            .unwrap()
            .is_none());
        oauth_tokens::save_tokens(&vault, org, &conn, &json)
            .await
            .unwrap();
        let back = oauth_tokens::load_tokens(&vault, org, &conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.expose(), json.expose(), "{}", db.label);
        // Another organization does not see it.
        assert!(oauth_tokens::load_tokens(&vault, other, &conn)
            .await
            .unwrap()
            .is_none());
        assert!(!oauth_tokens::delete_tokens(&db.store, other, &conn)
            .await
            .unwrap());
        // Replaced, then deleted.
        let json2 = SecretString::new(r#"{"accessToken":"second"}"#);
        oauth_tokens::save_tokens(&vault, org, &conn, &json2)
            .await
            .unwrap();
        let back = oauth_tokens::load_tokens(&vault, org, &conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.expose(), json2.expose());

        // The planted value is nowhere in the SQLite file (nor its WAL).
        oauth_tokens::save_tokens(&vault, org, &new_id().to_string(), &json)
            .await
            .unwrap();
        if let Some(path) = db.sqlite_path() {
            for p in [path.clone(), path.with_extension("db-wal")] {
                if let Ok(bytes) = std::fs::read(&p) {
                    assert!(
                        !bytes
                            .windows(planted.len())
                            .any(|w| w == planted.as_bytes()),
                        "plaintext token found in {}",
                        p.display()
                    );
                }
            }
        }
        assert!(oauth_tokens::delete_tokens(&db.store, org, &conn)
            .await
            .unwrap());
        assert!(oauth_tokens::load_tokens(&vault, org, &conn)
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn connection_org_finds_value_sets_and_variables_only() {
    for db in dbs().await {
        let org = db.store.create_org("a").await.unwrap().id;
        let var = scoped(org);
        db.store.create_scoped_var(&var).await.unwrap();
        assert_eq!(
            oauth_tokens::connection_org(&db.store, &var.id.to_string())
                .await
                .unwrap(),
            Some(org),
            "{}",
            db.label
        );
        assert_eq!(
            oauth_tokens::connection_org(&db.store, &new_id().to_string())
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            oauth_tokens::connection_org(&db.store, "myConnection")
                .await
                .unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn lease_serializes_refreshes_on_postgres_only() {
    for db in dbs().await {
        let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
        let org = db.store.create_org("a").await.unwrap().id;
        let conn = new_id().to_string();
        let lease = oauth_tokens::lease(&vault, org, &conn).await.unwrap();
        if db.store.backend() == Backend::Sqlite {
            assert!(lease.is_none(), "SQLite needs no cross-process lease");
            continue;
        }
        let mut lease = lease.expect("a PostgreSQL lease");
        assert!(lease.load().await.unwrap().is_none(), "empty row at first");

        // A second lease waits until the first commits, then sees its save.
        let (v2, c2) = (vault.clone(), conn.clone());
        let second = tokio::spawn(async move {
            let mut l = oauth_tokens::lease(&v2, org, &c2).await.unwrap().unwrap();
            let seen = l.load().await.unwrap().map(|s| s.expose().to_string());
            l.commit().await.unwrap();
            seen
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "the second lease must wait");
        lease
            .save(&SecretString::new(r#"{"accessToken":"from-first"}"#))
            .await
            .unwrap();
        // Not visible outside the lease before commit.
        assert!(oauth_tokens::load_tokens(&vault, org, &conn)
            .await
            .unwrap()
            .is_none());
        lease.commit().await.unwrap();
        let seen = second.await.unwrap();
        assert_eq!(seen.as_deref(), Some(r#"{"accessToken":"from-first"}"#));

        // A dropped lease rolls back its save and releases the lock.
        let mut l = oauth_tokens::lease(&vault, org, &conn)
            .await
            .unwrap()
            .unwrap();
        l.save(&SecretString::new(r#"{"accessToken":"rolled-back"}"#))
            .await
            .unwrap();
        drop(l);
        let mut l = oauth_tokens::lease(&vault, org, &conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            l.load().await.unwrap().unwrap().expose(),
            r#"{"accessToken":"from-first"}"#
        );
        l.commit().await.unwrap();
    }
}

#[tokio::test]
async fn authorizations_are_single_use_expire_and_seal_the_verifier() {
    for db in dbs().await {
        let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
        let org = db.store.create_org("a").await.unwrap().id;
        let var = scoped(org);
        db.store.create_scoped_var(&var).await.unwrap();
        let verifier_text = format!("planted-verifier-{}", new_id().simple());
        let verifier = SecretString::new(verifier_text.clone());
        let conn = new_id().to_string();
        let new = |ttl_ms, verifier| NewAuthorization {
            org_id: org,
            scoped_id: var.id,
            customer_id: None,
            is_test: true,
            connection_id: &conn,
            redirect_uri: "http://127.0.0.1:1/oauth2/callback",
            verifier,
            ttl_ms,
        };
        oauth_tokens::save_authorization(&vault, "state-1", &new(600_000, Some(&verifier)))
            .await
            .unwrap();
        oauth_tokens::save_authorization(&vault, "state-2", &new(-1, None))
            .await
            .unwrap();
        oauth_tokens::save_authorization(&vault, "state-3", &new(600_000, None))
            .await
            .unwrap();

        assert!(oauth_tokens::take_authorization(&vault, "unknown")
            .await
            .unwrap()
            .is_none());
        assert!(
            oauth_tokens::take_authorization(&vault, "state-2")
                .await
                .unwrap()
                .is_none(),
            "expired"
        );
        let p = oauth_tokens::take_authorization(&vault, "state-1")
            .await
            .unwrap()
            .expect("pending");
        assert_eq!(p.org_id, org, "{}", db.label);
        assert_eq!(p.scoped_id, var.id);
        assert_eq!(p.customer_id, None);
        assert!(p.is_test);
        assert_eq!(p.connection_id, conn);
        assert_eq!(p.redirect_uri, "http://127.0.0.1:1/oauth2/callback");
        assert_eq!(p.verifier.unwrap().expose(), verifier_text);
        assert!(
            oauth_tokens::take_authorization(&vault, "state-1")
                .await
                .unwrap()
                .is_none(),
            "single use"
        );
        let p3 = oauth_tokens::take_authorization(&vault, "state-3")
            .await
            .unwrap()
            .unwrap();
        assert!(p3.verifier.is_none());

        if let Some(path) = db.sqlite_path() {
            oauth_tokens::save_authorization(&vault, "state-4", &new(600_000, Some(&verifier)))
                .await
                .unwrap();
            for p in [path.clone(), path.with_extension("db-wal")] {
                if let Ok(bytes) = std::fs::read(&p) {
                    for needle in [verifier_text.as_bytes(), b"state-4".as_slice()] {
                        assert!(
                            !bytes.windows(needle.len()).any(|w| w == needle),
                            "plaintext found in {}",
                            p.display()
                        );
                    }
                }
            }
        }
    }
}
