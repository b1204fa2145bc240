//! `plumb executions list / show / logs / replay`.

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::ClientArgs;
use crate::commands::instances;
use crate::output;

/// Execution commands.
#[derive(Subcommand, Debug)]
pub enum ExecutionsCommand {
    /// List executions.
    List {
        /// Only this integration's.
        #[arg(long)]
        integration: Option<String>,
        /// Only this status (QUEUED, PENDING, SUCCESS, ERROR; any case).
        #[arg(long, ignore_case = true, value_parser = ["QUEUED", "PENDING", "SUCCESS", "ERROR"])]
        status: Option<String>,
        /// Only test executions.
        #[arg(long)]
        test: bool,
        /// Only this instance's (global ID or name).
        #[arg(long)]
        instance: Option<String>,
        /// Only runs of the flow with this name.
        #[arg(long)]
        flow: Option<String>,
        /// Only executions started at or after this time: RFC 3339 (2026-01-31T00:00:00Z), a
        /// date (2026-01-31), `today`, `yesterday`, or an age (`30m`, `1h`, `2d`, `1w`).
        #[arg(long)]
        since: Option<String>,
        /// Only executions started at or before this time (same forms as `--since`).
        #[arg(long)]
        until: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Show one execution with its step results.
    Show {
        /// The execution's global ID.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Print an execution's logs.
    Logs {
        /// The execution's global ID.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Run an execution again with the same trigger payload, as a new execution.
    Replay {
        /// The execution's global ID.
        id: String,
        /// Wait until the new execution ends; exit 1 when it failed.
        #[arg(long)]
        wait: bool,
        /// Seconds `--wait` waits at most.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        #[command(flatten)]
        client: ClientArgs,
    },
}

const FIELDS: &str = "id status isTestExecution startedAt endedAt error flow { name }";

fn row(e: &Value) -> Vec<String> {
    vec![
        output::text(e, "id"),
        output::text(&e["flow"], "name"),
        output::text(e, "status"),
        output::text(e, "startedAt"),
        output::text(e, "error"),
    ]
}

const HEADERS: [&str; 5] = ["ID", "FLOW", "STATUS", "STARTED", "ERROR"];

/// Runs an execution command.
pub async fn run(cmd: ExecutionsCommand) -> anyhow::Result<()> {
    match cmd {
        ExecutionsCommand::List {
            integration,
            status,
            test,
            instance,
            flow,
            since,
            until,
            client,
        } => {
            let q = format!(
                "query($i: ID, $s: ExecutionStatus, $t: Boolean, $in: ID, $f: String,
                       $gte: DateTime, $lte: DateTime) {{
                   executionResults(integration: $i, status: $s, isTestExecution: $t,
                     instance: $in, flowName: $f, startedAt_Gte: $gte, startedAt_Lte: $lte) {{
                   totalCount nodes {{ {FIELDS} }} }} }}"
            );
            let since = since.as_deref().map(|t| when("--since", t)).transpose()?;
            let until = until.as_deref().map(|t| when("--until", t)).transpose()?;
            let instance = match instance {
                Some(i) => Some(crate::resolve::instance(&client, &i, None).await?),
                None => None,
            };
            let integration = match integration {
                Some(i) => Some(crate::resolve::integration(&client, &i).await?),
                None => None,
            };
            let t = test.then_some(true);
            let status = status.map(|s| s.to_ascii_uppercase());
            let vars = json!({"i": integration, "s": status, "t": t, "in": instance, "f": flow,
                              "gte": since, "lte": until});
            let data = client.graphql(&q, vars).await?;
            let conn = &data["executionResults"];
            if client.json {
                output::json(conn);
            } else {
                let rows: Vec<Vec<String>> = conn["nodes"]
                    .as_array()
                    .map(|a| a.iter().map(row).collect())
                    .unwrap_or_default();
                output::table(&HEADERS, &rows);
            }
        }
        ExecutionsCommand::Show { id, client } => {
            let q = format!(
                "query($id: ID!) {{ executionResult(id: $id) {{ {FIELDS}
                   stepResults {{ nodes {{ stepName status startedAt endedAt results error }} }} }} }}"
            );
            let data = client.graphql(&q, json!({ "id": id })).await?;
            let e = &data["executionResult"];
            if client.json {
                output::json(e);
            } else {
                output::table(&HEADERS, &[row(e)]);
                for s in e["stepResults"]["nodes"].as_array().into_iter().flatten() {
                    match s.get("error").and_then(Value::as_str) {
                        Some(err) => println!(
                            "{}: {}: {err}",
                            output::text(s, "stepName"),
                            output::text(s, "status")
                        ),
                        None => println!(
                            "{}: {} {}",
                            output::text(s, "stepName"),
                            output::text(s, "status"),
                            s["results"]
                        ),
                    }
                }
            }
        }
        ExecutionsCommand::Replay {
            id,
            wait,
            timeout,
            client,
        } => {
            let selection = format!(
                "instanceExecutionResult {{ {} }}",
                instances::EXECUTION_FIELDS
            );
            let p = instances::mutate_id(
                &client,
                "replayExecution",
                "ReplayExecutionInput",
                &selection,
                json!({ "id": id }),
            )
            .await?;
            let timeout = std::time::Duration::from_secs(timeout);
            instances::report_execution(&client, &p["instanceExecutionResult"], wait, timeout)
                .await?;
        }
        ExecutionsCommand::Logs { id, client } => {
            let data = client
                .graphql(
                    "query($id: ID!) { logs(executionResult: $id) {
                       nodes { timestamp severity stepName message } } }",
                    json!({ "id": id }),
                )
                .await?;
            let logs = &data["logs"];
            if client.json {
                output::json(logs);
            } else {
                for l in logs["nodes"].as_array().into_iter().flatten() {
                    println!(
                        "{} {} [{}] {}",
                        output::text(l, "timestamp"),
                        output::text(l, "severity"),
                        output::text(l, "stepName"),
                        output::text(l, "message")
                    );
                }
            }
        }
    }
    Ok(())
}

/// A time given on the command line as RFC 3339, a date, `now`, `today`, `yesterday` or an age
/// (`90s`, `30m`, `1h`, `2d`, `1w`, optionally followed by `ago`), as RFC 3339 in UTC.
pub fn when(flag: &str, text: &str) -> anyhow::Result<String> {
    use chrono::{DateTime, Duration, NaiveDate, Utc};
    let t = text.trim().to_ascii_lowercase();
    let now = Utc::now();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    let parsed: Option<DateTime<Utc>> = if let Ok(dt) = DateTime::parse_from_rfc3339(text.trim()) {
        Some(dt.with_timezone(&Utc))
    } else if let Ok(d) = NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
        midnight(d)
    } else {
        match t.as_str() {
            "now" => Some(now),
            "today" => midnight(now.date_naive()),
            "yesterday" => midnight(now.date_naive() - Duration::days(1)),
            _ => {
                let age = t.strip_suffix("ago").unwrap_or(&t).trim();
                let split = age.find(|c: char| !c.is_ascii_digit()).unwrap_or(age.len());
                let (n, unit) = age.split_at(split);
                let n: i64 = n.parse().unwrap_or(-1);
                let secs = match unit.trim() {
                    "s" | "sec" | "secs" | "second" | "seconds" => Some(1),
                    "m" | "min" | "mins" | "minute" | "minutes" => Some(60),
                    "h" | "hour" | "hours" => Some(3600),
                    "d" | "day" | "days" => Some(86_400),
                    "w" | "week" | "weeks" => Some(604_800),
                    _ => None,
                };
                match secs {
                    Some(s) if n >= 0 => Some(now - Duration::seconds(n.saturating_mul(s))),
                    _ => None,
                }
            }
        }
    };
    parsed
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{flag} {text:?}: expected a time such as 2026-01-31T00:00:00Z, 2026-01-31, today, \
                 yesterday, or an age such as 30m, 1h, 2d, 1w"
            )
        })
}
