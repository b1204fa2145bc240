//! `schema.graphql` at the repo root is the exported schema; this fails when it drifts.
//! Regenerate with `UPDATE_SCHEMA=1 cargo test -p plumb-api schema`.

#[test]
fn schema_graphql_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema.graphql");
    let sdl = plumb_api::graphql::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(&path, &sdl).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == sdl,
        "schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test -p plumb-api schema` and commit it"
    );
}
