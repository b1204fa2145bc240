//! An `object_store` client for one bucket from the step's `accessKey` connection
//! (`accessKeyId, secretAccessKey, sessionToken`, optional `endpoint`) and `awsRegion`, its
//! requests under the egress policy (an `endpoint` the policy refuses fails the step at once).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, OnceLock};

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use plumb_auth::EgressPolicy;
use plumb_core::action::{ActionError, Connection};

use super::egress::EgressConnector;
use super::manifest::Target;

/// The connection input's key.
pub(crate) const CONNECTION_INPUT: &str = "accessKey";

/// A client for `bucket`, from the step's connection and region, under `egress`.
pub(crate) fn store(
    egress: &Arc<EgressPolicy>,
    target: &Target,
    bucket: &str,
) -> Result<AmazonS3, ActionError> {
    let conn = &target.accessKey;
    let region = target.awsRegion.as_str();
    if let Some(endpoint) = field(conn, &["endpoint"]) {
        let url = reqwest::Url::parse(endpoint).map_err(|e| {
            ActionError::input(
                CONNECTION_INPUT,
                format!("the connection's `endpoint` is not a URL: {e}"),
            )
        })?;
        egress
            .check_url(&url)
            .map_err(|denied| ActionError::failed(format!("S3 endpoint: {denied}")))?;
    }
    cached(egress, conn, region, bucket)
}

/// Clients kept at most (the cache is emptied when full).
const CACHE_SIZE: usize = 64;

/// One client per connection value, region and bucket, so steps reuse pooled connections.
/// Keyed by a hash of every field (with the process's random SipHash keys), so a changed
/// secret gets a new client and no secret is kept in the key.
fn cached(
    egress: &Arc<EgressPolicy>,
    conn: &Connection,
    region: &str,
    bucket: &str,
) -> Result<AmazonS3, ActionError> {
    static CACHE: OnceLock<Mutex<HashMap<u64, AmazonS3>>> = OnceLock::new();
    let secrets: Vec<(&String, &str)> = conn.secrets.iter().map(|(k, v)| (k, v.expose())).collect();
    let key = CACHE_HASHER.get_or_init(RandomState::new).hash_one((
        Arc::as_ptr(egress) as usize,
        &conn.id,
        &conn.fields,
        secrets,
        region,
        bucket,
    ));
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(store) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(store);
    }
    let store = build(egress, conn, region, bucket)?;
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CACHE_SIZE {
            c.clear();
        }
        c.insert(key, store.clone());
    }
    Ok(store)
}

static CACHE_HASHER: OnceLock<RandomState> = OnceLock::new();

fn field<'a>(conn: &'a Connection, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| conn.value(n))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn build(
    egress: &Arc<EgressPolicy>,
    conn: &Connection,
    region: &str,
    bucket: &str,
) -> Result<AmazonS3, ActionError> {
    let missing = |name: &str| {
        ActionError::input(CONNECTION_INPUT, format!("the connection has no `{name}`"))
    };
    // `apiKey` / `apiSecret` are the field names of Prismatic's older API Key / Secret form.
    let key_id = field(conn, &["accessKeyId", "apiKey"]).ok_or_else(|| missing("accessKeyId"))?;
    let secret =
        field(conn, &["secretAccessKey", "apiSecret"]).ok_or_else(|| missing("secretAccessKey"))?;
    let mut builder = AmazonS3Builder::new()
        .with_access_key_id(key_id)
        .with_secret_access_key(secret)
        .with_region(region)
        .with_bucket_name(bucket)
        .with_http_connector(EgressConnector::new(Arc::clone(egress)));
    if let Some(token) = field(conn, &["sessionToken"]) {
        builder = builder.with_token(token);
    }
    if let Some(endpoint) = field(conn, &["endpoint"]) {
        builder = builder
            .with_endpoint(endpoint.trim_end_matches('/'))
            .with_virtual_hosted_style_request(false)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    builder.build().map_err(|e| {
        ActionError::input(CONNECTION_INPUT, format!("cannot build an S3 client: {e}"))
    })
}

/// Object key `raw` (of input `key`) as an `object_store` path.
pub(crate) fn object_path(raw: &str, key: &str) -> Result<Path, ActionError> {
    Path::parse(raw.trim_start_matches('/'))
        .map_err(|e| ActionError::input(key, format!("is not a valid object key: {e}")))
}

/// An `object_store` error as a step failure naming the bucket and key (never credentials).
pub(crate) fn failure(
    op: &str,
    bucket: &str,
    key: &str,
    error: object_store::Error,
) -> ActionError {
    match error {
        object_store::Error::NotFound { .. } => {
            ActionError::failed(format!("{op}: {key} not found in bucket {bucket}"))
        }
        other => ActionError::failed(format!("{op} {bucket}/{key} failed: {other}")),
    }
}
