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
        /// Only this instance's.
        #[arg(long)]
        instance: Option<String>,
        /// Only runs of the flow with this name.
        #[arg(long)]
        flow: Option<String>,
        /// Only executions started at or after this time (RFC 3339, e.g. 2026-01-31T00:00:00Z).
        #[arg(long)]
        since: Option<String>,
        /// Only executions started at or before this time (RFC 3339).
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
