//! Load tool for the durable queue: drives an already running `plumb serve` with the
//! Pokemon-shaped flow (code step, GET JSON, GET binary PNG, S3 putObject) against local
//! stand-ins, and prints throughput and latency figures.
//!
//! ```text
//! PLUMB_URL=http://127.0.0.1:8080 PLUMB_TOKEN=plumb_... \
//!   cargo run --release -p plumb-cli --example queue_load -- --calls 500 --concurrency 32
//! ```
//!
//! It starts a PokeAPI stand-in (the example's fixture JSON and PNG) and an S3-compatible server
//! (s3s-fs, signatures verified) on 127.0.0.1, creates an organization-level scoped connection
//! with the S3 credentials and endpoint, imports and publishes
//! `examples/pokemon-avatar-sync/integration.yaml` with its trigger turned into a webhook and
//! its `AWS Credentials` bound to that connection, creates a customer and a deployed instance
//! (`pokeApiBaseUrl` pointed at the stand-in), then fires `--calls` webhooks with
//! `--concurrency` in flight. Figures:
//! - accepted/s: webhook calls answered with an execution ID per second of firing;
//! - completed/s: executions ended per second, from the first call to the last end;
//! - latency p50/p99: `endedAt - queuedAt` of each execution (server clocks).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

const EXAMPLE: &str = include_str!("../../../examples/pokemon-avatar-sync/integration.yaml");
const PIKACHU_JSON: &str =
    include_str!("../../../examples/pokemon-avatar-sync/fixtures/pikachu.json");
const PIKACHU_PNG: &[u8] =
    include_bytes!("../../../examples/pokemon-avatar-sync/fixtures/pikachu.png");

const BUCKET: &str = "pokemon-avatars";
const ACCESS_KEY: &str = "queue-load-key";
const SECRET_KEY: &str = "queue-load-secret-8c1e";

struct Options {
    url: String,
    token: String,
    calls: usize,
    concurrency: usize,
}

fn options() -> anyhow::Result<Options> {
    let mut calls = 500;
    let mut concurrency = 32;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> anyhow::Result<usize> {
            args.next()
                .ok_or_else(|| anyhow!("{name} needs a value"))?
                .parse()
                .with_context(|| format!("{name} takes a number"))
        };
        match arg.as_str() {
            "--calls" => calls = value("--calls")?,
            "--concurrency" => concurrency = value("--concurrency")?,
            "-h" | "--help" => {
                println!("queue_load [--calls N (500)] [--concurrency C (32)]; PLUMB_URL and PLUMB_TOKEN name the server");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}"),
        }
    }
    if calls == 0 || concurrency == 0 {
        bail!("--calls and --concurrency must be positive");
    }
    Ok(Options {
        url: std::env::var("PLUMB_URL")
            .context("PLUMB_URL (the server's base URL) is not set")?
            .trim_end_matches('/')
            .to_string(),
        token: std::env::var("PLUMB_TOKEN").context("PLUMB_TOKEN (an admin token) is not set")?,
        calls,
        concurrency,
    })
}

/// The PokeAPI stand-in: `/api/v2/pokemon/pikachu` and its sprite PNG.
async fn poke_api() -> anyhow::Result<String> {
    async fn pokemon(State(base): State<String>, Path(name): Path<String>) -> Response {
        if name != "pikachu" {
            return (StatusCode::NOT_FOUND, "Not Found").into_response();
        }
        (
            [("content-type", "application/json")],
            PIKACHU_JSON.replace("{{baseUrl}}", &base),
        )
            .into_response()
    }
    async fn sprite(Path(file): Path<String>) -> Response {
        if file != "25.png" {
            return StatusCode::NOT_FOUND.into_response();
        }
        ([("content-type", "image/png")], PIKACHU_PNG).into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = Router::new()
        .route("/api/v2/pokemon/{name}", get(pokemon))
        .route("/media/sprites/pokemon/{file}", get(sprite))
        .with_state(base.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(base)
}

/// An s3s-fs server with `BUCKET` under `root`, verifying signatures.
async fn s3_server(root: &std::path::Path) -> anyhow::Result<String> {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;

    std::fs::create_dir_all(root.join(BUCKET))?;
    let fs = s3s_fs::FileSystem::new(root).map_err(|e| anyhow!("s3s-fs: {e:?}"))?;
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let endpoint = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let service = service.clone();
            tokio::spawn(async move {
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    Ok(endpoint)
}

/// The example's definition with a webhook trigger instead of the hourly schedule, its
/// `AWS Credentials` bound to the organization's scoped connection `stable_key`, and a name
/// unique to this run.
fn definition(stable_key: &str, name: &str) -> anyhow::Result<String> {
    let schedule_trigger = "          key: schedule-triggers
            version: LATEST
          key: schedule
        description: ''
        inputs: {}
        isTrigger: true
        name: Trigger
        schedule:
          meta:
            scheduleType: custom
            timeZone: ''
          type: value
          value: '0 * * * *'
";
    let webhook_trigger = "          key: webhook-triggers
            version: LATEST
          key: webhook
        description: ''
        inputs: {}
        isTrigger: true
        name: Trigger
";
    let connection =
        "  - connection:\n      component:\n        isPublic: true\n        key: aws-s3";
    if !EXAMPLE.contains(schedule_trigger) {
        bail!("the example's schedule trigger changed; update queue_load");
    }
    let start = EXAMPLE
        .find(connection)
        .ok_or_else(|| anyhow!("the example's AWS Credentials entry changed"))?;
    let body = EXAMPLE[..start]
        .replace(schedule_trigger, webhook_trigger)
        .replace(
            "\nname: Pokemon Avatar Sync\n",
            &format!("\nname: {name}\n"),
        );
    Ok(format!(
        "{body}  - dataType: connection\n    key: AWS Credentials\n    useScopedConfigVar: {stable_key}\n"
    ))
}

struct Api {
    url: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    async fn gql(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let r = self
            .http
            .post(format!("{}/api", self.url))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .context("calling the GraphQL API")?;
        let status = r.status();
        let body: Value = r.json().await.context("reading a GraphQL answer")?;
        if !status.is_success() || !body["errors"].is_null() {
            bail!("GraphQL answered {status}: {body}");
        }
        Ok(body)
    }

    /// Runs a mutation; answers its payload, or fails with its errors.
    async fn mutate(&self, query: &str, input: Value, field: &str) -> anyhow::Result<Value> {
        let r = self.gql(query, json!({ "input": input })).await?;
        let p = r["data"][field].clone();
        if p["errors"].as_array().is_some_and(|e| !e.is_empty()) {
            bail!("{field}: {}", p["errors"]);
        }
        Ok(p)
    }
}

fn text(v: &Value, what: &str) -> anyhow::Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("no {what} in {v}"))
}

/// Sets everything up; answers (instance ID, webhook URL).
async fn setup(api: &Api, poke: &str, s3: &str) -> anyhow::Result<(String, String)> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let run = &run[..8];
    let stable_key = format!("queue-load-s3-{run}");
    let components = api
        .gql(
            "query { components(key: \"aws-s3\") { nodes { connections { nodes { id key } } } } }",
            json!({}),
        )
        .await?;
    let connection = components["data"]["components"]["nodes"][0]["connections"]["nodes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["key"] == "apiKeySecret"))
        .ok_or_else(|| anyhow!("no aws-s3 apiKeySecret connection type: {components}"))?;
    api.mutate(
        "mutation($input: CreateScopedConfigVariableInput!) { createScopedConfigVariable(input: $input) {
           scopedConfigVariable { id } errors { field messages } } }",
        json!({
            "key": format!("Load Bucket Credentials {run}"), "stableKey": stable_key,
            "variableScope": "org", "managedBy": "org", "connection": connection["id"],
            "inputs": [
                { "name": "accessKeyId", "type": "value", "value": ACCESS_KEY },
                { "name": "secretAccessKey", "type": "value", "value": SECRET_KEY },
                { "name": "endpoint", "type": "value", "value": s3 }
            ]
        }),
        "createScopedConfigVariable",
    )
    .await?;
    let draft = api
        .mutate(
            "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
               integration { id } errors { field messages } } }",
            json!({ "definition": definition(&stable_key, &format!("Pokemon Load {run}"))? }),
            "importIntegration",
        )
        .await?;
    let version = api
        .mutate(
            "mutation($input: PublishIntegrationInput!) { publishIntegration(input: $input) {
               integration { id } errors { field messages } } }",
            json!({ "id": draft["integration"]["id"], "comment": "queue_load" }),
            "publishIntegration",
        )
        .await?;
    let customer = api
        .mutate(
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
               customer { id } errors { field messages } } }",
            json!({ "name": format!("Load Co {run}"), "externalId": format!("load-{run}") }),
            "createCustomer",
        )
        .await?;
    let instance = api
        .mutate(
            "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
               instance { id flowConfigs { nodes { flow { name } webhookUrl } } }
               errors { field messages } } }",
            json!({
                "name": format!("Pokemon Load {run}"),
                "customer": customer["customer"]["id"],
                "integration": version["integration"]["id"],
                "configVariables": [
                    { "key": "pokeApiBaseUrl", "value": poke },
                    { "key": "customerName", "value": format!("load-{run}") },
                    { "key": "pokemonAvatar", "value": "pikachu" },
                    { "key": "pokemonAvatarS3BucketName", "value": BUCKET }
                ]
            }),
            "createInstance",
        )
        .await?;
    let id = text(&instance["instance"]["id"], "instance ID")?;
    let webhook = text(
        &instance["instance"]["flowConfigs"]["nodes"][0]["webhookUrl"],
        "webhook URL",
    )?;
    api.mutate(
        "mutation($input: InstanceIdInput!) { deployInstance(input: $input) {
           instance { id } errors { field messages } } }",
        json!({ "id": id }),
        "deployInstance",
    )
    .await?;
    // The webhook as this client reaches the server (the public URL may differ).
    let path = webhook
        .find("/trigger/")
        .map(|i| webhook[i..].to_string())
        .ok_or_else(|| anyhow!("unexpected webhook URL {webhook}"))?;
    Ok((id, format!("{}{path}", api.url)))
}

/// Every execution of the instance: (status, queuedAt, endedAt) with times in ms.
async fn executions(api: &Api, instance: &str) -> anyhow::Result<Vec<(String, i64, Option<i64>)>> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let r = api
            .gql(
                "query($i: ID!, $after: String) { executionResults(instance: $i, first: 500, after: $after) {
                   nodes { status queuedAt endedAt } pageInfo { hasNextPage endCursor } } }",
                json!({ "i": instance, "after": after }),
            )
            .await?;
        let page = &r["data"]["executionResults"];
        for n in page["nodes"].as_array().into_iter().flatten() {
            let ms = |v: &Value| v.as_str().and_then(utc_millis);
            out.push((
                text(&n["status"], "status")?,
                ms(&n["queuedAt"]).ok_or_else(|| anyhow!("no queuedAt in {n}"))?,
                ms(&n["endedAt"]),
            ));
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return Ok(out);
        }
        after = Some(text(&page["pageInfo"]["endCursor"], "cursor")?);
    }
}

async fn count(api: &Api, instance: &str, status: &str) -> anyhow::Result<usize> {
    let r = api
        .gql(
            "query($i: ID!, $s: ExecutionStatus) { executionResults(instance: $i, status: $s) {
               totalCount } }",
            json!({ "i": instance, "s": status }),
        )
        .await?;
    let n = r["data"]["executionResults"]["totalCount"]
        .as_u64()
        .ok_or_else(|| anyhow!("no totalCount in {r}"))?;
    Ok(usize::try_from(n)?)
}

/// Milliseconds since the epoch of a UTC RFC 3339 time as the API writes it
/// (`2026-11-26T02:30:00.123Z`, fraction optional).
fn utc_millis(t: &str) -> Option<i64> {
    let t = t.strip_suffix('Z').or_else(|| t.strip_suffix("+00:00"))?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut h = hms.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (h.next()??, h.next()??, h.next()??);
    let ms: i64 = format!("{frac:0<3}").get(..3)?.parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + ms)
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let opts = options()?;
    let root = tempfile::tempdir()?;
    let poke = poke_api().await?;
    let s3 = s3_server(root.path()).await?;
    let api = Api {
        url: opts.url.clone(),
        token: opts.token.clone(),
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(opts.concurrency)
            .build()?,
    };
    let (instance, webhook) = setup(&api, &poke, &s3).await?;

    // Fire the webhooks, `concurrency` in flight.
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(opts.concurrency));
    let mut calls = JoinSet::new();
    for n in 0..opts.calls {
        let permit = gate.clone().acquire_owned().await?;
        let http = api.http.clone();
        let url = webhook.clone();
        calls.spawn(async move {
            let r = http.post(&url).json(&json!({ "n": n })).send().await;
            drop(permit);
            let r = r.with_context(|| format!("webhook call {n}"))?;
            if !r.status().is_success() {
                bail!("webhook call {n} answered {}", r.status());
            }
            let body: Value = r.json().await?;
            text(&body["executionId"], "executionId")
        });
    }
    while let Some(done) = calls.join_next().await {
        done??;
    }
    let accepted_in = started.elapsed();

    // Wait until every execution ended.
    let deadline = Instant::now() + Duration::from_secs(600);
    let (ok, failed) = loop {
        let ok = count(&api, &instance, "SUCCESS").await?;
        let failed = count(&api, &instance, "ERROR").await?;
        if ok + failed >= opts.calls {
            break (ok, failed);
        }
        if Instant::now() > deadline {
            bail!(
                "only {} of {} executions ended in 10 minutes",
                ok + failed,
                opts.calls
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let completed_in = started.elapsed();

    let rows = executions(&api, &instance).await?;
    let mut latencies: Vec<i64> = rows
        .iter()
        .filter_map(|(_, queued, ended)| ended.map(|e| e - queued))
        .collect();
    latencies.sort_unstable();
    let first_queued = rows.iter().map(|r| r.1).min().unwrap_or(0);
    let last_ended = rows.iter().filter_map(|r| r.2).max().unwrap_or(0);
    let server_span = (last_ended - first_queued).max(1) as f64 / 1000.0;
    let stored = std::fs::read_dir(root.path().join(BUCKET))?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".png"))
        .filter(|e| std::fs::read(e.path()).is_ok_and(|b| b == PIKACHU_PNG))
        .count();

    println!("server            {}", opts.url);
    println!(
        "calls             {} at concurrency {}",
        opts.calls, opts.concurrency
    );
    println!("succeeded/failed  {ok}/{failed}");
    println!(
        "accepted/s        {:.1}  ({} webhook calls in {:.2} s)",
        opts.calls as f64 / accepted_in.as_secs_f64(),
        opts.calls,
        accepted_in.as_secs_f64()
    );
    println!(
        "completed/s       {:.1}  (all ended {:.2} s after the first call; {:.1}/s by server clocks)",
        (ok + failed) as f64 / completed_in.as_secs_f64(),
        completed_in.as_secs_f64(),
        rows.len() as f64 / server_span
    );
    println!(
        "latency p50/p99   {} ms / {} ms  (queuedAt to endedAt; max {} ms)",
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(0)
    );
    println!("S3 objects        {stored} PNG(s) equal to the served sprite");
    if failed > 0 || stored == 0 {
        bail!("{failed} execution(s) failed; {stored} object(s) stored");
    }
    Ok(())
}
