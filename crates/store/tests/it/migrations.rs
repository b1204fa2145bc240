use crate::dbs;

#[tokio::test]
async fn migrate_is_idempotent_and_ping_works() {
    for db in dbs().await {
        assert_eq!(db.store.migrate().await.unwrap(), 0, "{}", db.label);
        db.store.ping().await.unwrap();
        // A second store on the same database finds nothing to do either.
        let again = plumb_store::Store::open(&db.url).await.unwrap();
        assert_eq!(again.migrate().await.unwrap(), 0);
        again.close().await;
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode() {
    let db = plumb_store::testing::TestDb::sqlite().await.unwrap();
    db.store.create_org("x").await.unwrap();
    let path = db.sqlite_path().unwrap();
    let wal = path.with_extension("db-wal");
    assert!(
        wal.exists(),
        "expected a WAL file next to {}",
        path.display()
    );
}
