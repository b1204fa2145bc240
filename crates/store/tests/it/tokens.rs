use plumb_store::tokens::{hash_token, Role, TOKEN_PREFIX};
use plumb_store::StoreError;

use crate::dbs;

#[tokio::test]
async fn token_lifecycle() {
    for db in dbs().await {
        let s = &db.store;
        let org = s.create_org("Acme").await.unwrap();
        let (tok, secret) = s
            .create_token(
                org.id,
                "ci",
                &[Role::Designer, Role::Viewer, Role::Viewer],
                None,
            )
            .await
            .unwrap();
        assert!(secret.starts_with(TOKEN_PREFIX));
        // 32 random bytes, base64url without padding = 43 characters.
        assert_eq!(secret.len(), TOKEN_PREFIX.len() + 43);
        assert_eq!(tok.roles, vec![Role::Designer, Role::Viewer]);
        let found = s.authenticate_token(&secret).await.unwrap().unwrap();
        assert_eq!(found.id, tok.id);
        assert!(found.has(Role::Designer) && !found.has(Role::Admin));
        assert!(s.authenticate_token("plumb_nope").await.unwrap().is_none());
        assert!(s.authenticate_token("").await.unwrap().is_none());

        let listed = s.list_tokens(org.id).await.unwrap();
        assert_eq!(listed.len(), 1);

        // Another organization cannot revoke it.
        let other = s.create_org("Other").await.unwrap();
        assert!(matches!(
            s.revoke_token(other.id, tok.id).await,
            Err(StoreError::NotFound)
        ));
        let revoked = s.revoke_token(org.id, tok.id).await.unwrap();
        assert!(revoked.revoked_at.is_some());
        assert!(s.authenticate_token(&secret).await.unwrap().is_none());
        assert_ne!(hash_token(&secret), secret);
    }
}

#[tokio::test]
async fn secret_is_never_stored() {
    let db = plumb_store::testing::TestDb::sqlite().await.unwrap();
    let org = db.store.create_org("Acme").await.unwrap();
    let (_, secret) = db
        .store
        .create_token(org.id, "t", &[Role::Admin], None)
        .await
        .unwrap();
    db.store.close().await;
    let path = db.sqlite_path().unwrap();
    for file in [path.clone(), path.with_extension("db-wal")] {
        if let Ok(bytes) = std::fs::read(&file) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(&secret),
                "token secret found in {}",
                file.display()
            );
        }
    }
}

#[tokio::test]
async fn customer_bound_token_needs_own_customer() {
    for db in dbs().await {
        let s = &db.store;
        let a = s.create_org("A").await.unwrap();
        let b = s.create_org("B").await.unwrap();
        let cb = s
            .create_customer(b.id, "B's customer", Default::default())
            .await
            .unwrap();
        assert!(matches!(
            s.create_token(a.id, "t", &[Role::Viewer], Some(cb.id))
                .await,
            Err(StoreError::NotFound)
        ));
        let (tok, _) = s
            .create_token(b.id, "t", &[Role::Viewer], Some(cb.id))
            .await
            .unwrap();
        assert_eq!(tok.customer_id, Some(cb.id));
    }
}
