//! `plumb instances list / show / create / deploy / enable / disable / set-config / move /
//! delete / run / rotate-key / webhooks`.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::{ClientArgs, ClientError};
use crate::commands::bindings::{
    bind_same_names, binding_rows, bindings_input, resolve_bindings, BindingArgs,
};
use crate::output;
use crate::resolve;

/// Instance commands.
#[derive(Subcommand, Debug)]
pub enum InstancesCommand {
    /// List instances.
    List {
        /// Only this customer's (global ID, external ID or name).
        #[arg(long)]
        customer: Option<String>,
        /// Only instances of this integration (the draft's or any version's ID, or its name).
        #[arg(long)]
        integration: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        first: i32,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Show one instance with its config variable bindings and flows.
    Show {
        /// The instance: global ID or name.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Create an instance of a published integration version for a customer.
    Create {
        /// Its name.
        #[arg(long)]
        name: String,
        /// The customer: global ID, external ID or name.
        #[arg(long)]
        customer: String,
        /// The published integration version: its global ID, or the integration's name (its
        /// latest published version).
        #[arg(long, value_name = "VERSION_ID")]
        integration: String,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        bindings: BindingArgs,
        /// Bind each required config var left unbound to the customer's config variable of the
        /// same key, else the organization's, else the connection of that stable key.
        #[arg(long)]
        bind_same_names: bool,
        /// Run its executions on this worker group.
        #[arg(long)]
        worker_group: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Deploy an instance: check its config, enable it, start its schedules.
    Deploy {
        /// The instance: global ID or name.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Enable an instance (its triggers run it again).
    Enable {
        /// The instance: global ID or name.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Disable an instance (its webhooks answer 409, its schedules stop).
    Disable {
        /// The instance: global ID or name.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Set or remove config variable bindings of an instance (next runs use them).
    SetConfig {
        /// The instance: global ID or name.
        id: String,
        #[command(flatten)]
        bindings: BindingArgs,
        /// Remove the binding of this key (repeatable).
        #[arg(long = "remove", value_name = "KEY")]
        remove: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Move an instance to another published version of its integration.
    Move {
        /// The instance: global ID or name.
        id: String,
        /// The published version: global ID, or the integration's name (latest version).
        #[arg(long, value_name = "VERSION_ID")]
        integration: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Delete an instance (its execution history stays).
    Delete {
        /// The instance: global ID or name.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Queue a run of an instance flow.
    Run {
        /// The instance: global ID or name (or an instance flow config's ID).
        id: String,
        /// The flow's name (default: the first flow).
        #[arg(long)]
        flow: Option<String>,
        /// A file holding the trigger payload (`-`: standard input).
        #[arg(long, value_name = "FILE|-")]
        payload: Option<String>,
        /// The payload's content type.
        #[arg(long)]
        content_type: Option<String>,
        /// Wait until the execution ends; exit 1 when it failed.
        #[arg(long)]
        wait: bool,
        /// Seconds `--wait` waits at most.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Create a new API key for an instance flow's webhook (printed alone on standard output,
    /// once).
    RotateKey {
        /// The instance: global ID or name (or an instance flow config's global ID, see
        /// `instances webhooks`).
        instance: String,
        /// The flow's name (needed when the instance has more than one flow).
        #[arg(long)]
        flow: Option<String>,
        /// Look the instance's name up among this customer's instances only (global ID,
        /// external ID or name).
        #[arg(long)]
        customer: Option<String>,
        /// Keep the existing keys valid (add a key instead of replacing them).
        #[arg(long)]
        keep_existing: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List an instance's flows with their webhook URLs.
    Webhooks {
        /// The instance: global ID or name.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

const FIELDS: &str = "id name description enabled deployed lastDeployedAt workerGroup createdAt
    updatedAt customer { id name externalId } integration { id name versionNumber }";
const DETAILS: &str = "configVariables { nodes { id key kind value hasValues
      customerConfigVariableId organizationConfigVariableId scopedConfigVariableId } }
    flowConfigs { nodes { id flow { name } webhookUrl endpointSecurityType apiKeyCount } }";
const HEADERS: [&str; 6] = ["ID", "NAME", "CUSTOMER", "VERSION", "ENABLED", "DEPLOYED"];
/// Fields of an execution printed by `run` and `executions replay`.
pub const EXECUTION_FIELDS: &str = "id status startedAt endedAt error flow { name }";

fn row(i: &Value) -> Vec<String> {
    vec![
        output::text(i, "id"),
        output::text(i, "name"),
        output::text(&i["customer"], "name"),
        output::text(&i["integration"], "versionNumber"),
        output::text(i, "enabled"),
        output::text(i, "deployed"),
    ]
}

fn show(client: &ClientArgs, i: &Value) {
    if client.json {
        output::json(i);
    } else {
        output::table(&HEADERS, &[row(i)]);
    }
}

/// Runs a mutation naming an object by `id`; an `id` payload error saying "not found" becomes
/// [`ClientError::NotFound`] (exit 4), other payload errors stay invalid input (exit 3).
pub async fn mutate_id(
    client: &ClientArgs,
    name: &str,
    input_type: &str,
    selection: &str,
    input: Value,
) -> Result<Value, ClientError> {
    match client
        .mutate_input(name, input_type, selection, input)
        .await
    {
        Err(ClientError::Invalid(text)) => {
            let missing = text.lines().find_map(|l| {
                l.trim_start()
                    .strip_prefix("id: ")
                    .filter(|m| m.contains("not found"))
            });
            match missing {
                Some(m) => Err(ClientError::NotFound(m.to_string())),
                None => Err(ClientError::Invalid(text)),
            }
        }
        other => other,
    }
}

/// Polls an execution until it is `SUCCESS` or `ERROR` (or `timeout` passes) and answers it,
/// printing each status it passes through to standard error.
pub async fn wait_for(client: &ClientArgs, id: &str, timeout: Duration) -> anyhow::Result<Value> {
    let q = format!("query($id: ID!) {{ executionResult(id: $id) {{ {EXECUTION_FIELDS} }} }}");
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(100);
    let mut last = String::new();
    loop {
        let data = client.graphql(&q, json!({ "id": id })).await?;
        let e = &data["executionResult"];
        if e["status"] == "SUCCESS" || e["status"] == "ERROR" {
            return Ok(e.clone());
        }
        // Progress on standard error: each status the execution passes through.
        let status = output::text(e, "status");
        if status != last {
            eprintln!("execution {id}: {status}...");
            last = status;
        }
        if Instant::now() >= deadline {
            return Err(anyhow!(
                "execution {id} is still {} after {}s",
                output::text(e, "status"),
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// Prints an execution (and waits for it first with `wait`); a failed one is an error.
pub async fn report_execution(
    client: &ClientArgs,
    execution: &Value,
    wait: bool,
    timeout: Duration,
) -> anyhow::Result<()> {
    let e = if wait {
        let id = execution["id"]
            .as_str()
            .ok_or_else(|| anyhow!("the server answered no execution ID"))?;
        wait_for(client, id, timeout).await?
    } else {
        execution.clone()
    };
    if client.json {
        output::json(&e);
    } else {
        output::table(
            &["EXECUTION", "FLOW", "STATUS", "ERROR"],
            &[vec![
                output::text(&e, "id"),
                output::text(&e["flow"], "name"),
                output::text(&e, "status"),
                output::text(&e, "error"),
            ]],
        );
    }
    if e["status"] == "ERROR" {
        return Err(anyhow!(
            "execution {} failed: {}",
            output::text(&e, "id"),
            output::text(&e, "error")
        ));
    }
    Ok(())
}

fn read_payload(source: &str) -> anyhow::Result<String> {
    if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the payload from standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(Path::new(source)).with_context(|| format!("cannot read {source}"))
}

async fn update(client: &ClientArgs, input: Value) -> anyhow::Result<()> {
    let selection = format!("instance {{ {FIELDS} }}");
    let p = mutate_id(
        client,
        "updateInstance",
        "UpdateInstanceInput",
        &selection,
        input,
    )
    .await?;
    show(client, &p["instance"]);
    Ok(())
}

/// Runs an instance command.
pub async fn run(cmd: InstancesCommand) -> anyhow::Result<()> {
    match cmd {
        InstancesCommand::List {
            customer,
            integration,
            first,
            client,
        } => {
            let customer = match customer {
                Some(c) => Some(resolve::customer(&client, &c).await?),
                None => None,
            };
            let integration = match integration {
                Some(i) => Some(resolve::integration(&client, &i).await?),
                None => None,
            };
            let q = format!(
                "query($c: ID, $i: ID, $f: Int) {{
                   instances(customer: $c, integration: $i, first: $f) {{
                     totalCount nodes {{ {FIELDS} }} }} }}"
            );
            let data = client
                .graphql(&q, json!({ "c": customer, "i": integration, "f": first }))
                .await?;
            let conn = &data["instances"];
            if client.json {
                output::json(conn);
            } else {
                let rows: Vec<Vec<String>> = conn["nodes"]
                    .as_array()
                    .map(|a| a.iter().map(row).collect())
                    .unwrap_or_default();
                output::table(&HEADERS, &rows);
                println!("({} in all)", output::text(conn, "totalCount"));
            }
        }
        InstancesCommand::Show { id, client } => {
            let id = resolve::instance(&client, &id, None).await?;
            let q = format!(
                "query($id: ID!) {{ instance(id: $id) {{ {FIELDS} {DETAILS}
                   integration {{ requiredConfigVars {{ key dataType useScopedConfigVar }} }} }} }}"
            );
            let data = client.graphql(&q, json!({ "id": id })).await?;
            let i = &data["instance"];
            if client.json {
                output::json(i);
            } else {
                output::table(&HEADERS, &[row(i)]);
                println!();
                let vars = binding_rows(&client, i).await?;
                output::table(&["CONFIG VAR", "KIND", "VALUE / SOURCE"], &vars);
                println!();
                print_webhooks(i);
            }
        }
        InstancesCommand::Create {
            name,
            customer,
            integration,
            description,
            bindings,
            bind_same_names: same,
            worker_group,
            client,
        } => {
            let customer = resolve::customer(&client, &customer).await?;
            let integration = resolve::version(&client, &integration).await?;
            let mut vars = bindings_input(&bindings)?;
            resolve_bindings(&client, &customer, &mut vars).await?;
            if same {
                bind_same_names(&client, &integration, &customer, &mut vars).await?;
            }
            let input = json!({
                "name": name,
                "description": description,
                "customer": customer,
                "integration": integration,
                "configVariables": vars,
                "workerGroup": worker_group,
            });
            let selection = format!("instance {{ {FIELDS} }}");
            let p = client
                .mutate_input("createInstance", "CreateInstanceInput", &selection, input)
                .await?;
            show(&client, &p["instance"]);
        }
        InstancesCommand::Deploy { id, client } => {
            let id = resolve::instance(&client, &id, None).await?;
            let selection = format!("instance {{ {FIELDS} }}");
            let p = mutate_id(
                &client,
                "deployInstance",
                "InstanceIdInput",
                &selection,
                json!({ "id": id }),
            )
            .await?;
            show(&client, &p["instance"]);
        }
        InstancesCommand::Enable { id, client } => {
            let id = resolve::instance(&client, &id, None).await?;
            update(&client, json!({ "id": id, "enabled": true })).await?;
        }
        InstancesCommand::Disable { id, client } => {
            let id = resolve::instance(&client, &id, None).await?;
            update(&client, json!({ "id": id, "enabled": false })).await?;
        }
        InstancesCommand::Move {
            id,
            integration,
            client,
        } => {
            let id = resolve::instance(&client, &id, None).await?;
            let integration = resolve::version(&client, &integration).await?;
            update(&client, json!({ "id": id, "integration": integration })).await?;
        }
        InstancesCommand::SetConfig {
            id,
            bindings,
            remove,
            client,
        } => {
            let id = resolve::instance(&client, &id, None).await?;
            let mut vars = bindings_input(&bindings)?;
            if !vars.is_empty() {
                let data = client
                    .graphql(
                        "query($id: ID!) { instance(id: $id) { customer { id } } }",
                        json!({ "id": id }),
                    )
                    .await?;
                let customer = output::text(&data["instance"]["customer"], "id");
                resolve_bindings(&client, &customer, &mut vars).await?;
            }
            if vars.is_empty() && remove.is_empty() {
                return Err(anyhow!(
                    "nothing to change: give --config... flags or --remove KEY"
                ));
            }
            let selection = format!("instance {{ {FIELDS} {DETAILS} }}");
            let p = mutate_id(
                &client,
                "updateInstanceConfigVariables",
                "UpdateInstanceConfigVariablesInput",
                &selection,
                json!({ "id": id, "configVariables": vars, "remove": remove }),
            )
            .await?;
            show(&client, &p["instance"]);
        }
        InstancesCommand::Delete { id, client } => {
            let id = resolve::instance(&client, &id, None).await?;
            let p = mutate_id(
                &client,
                "deleteInstance",
                "InstanceIdInput",
                "instance { id name }",
                json!({ "id": id }),
            )
            .await?;
            if client.json {
                output::json(&p["instance"]);
            } else {
                println!("deleted {}", output::text(&p["instance"], "id"));
            }
        }
        InstancesCommand::Run {
            id,
            flow,
            payload,
            content_type,
            wait,
            timeout,
            client,
        } => {
            let id = resolve::instance(&client, &id, None).await?;
            let payload = payload.as_deref().map(read_payload).transpose()?;
            let selection = format!("execution {{ {EXECUTION_FIELDS} }}");
            let p = mutate_id(
                &client,
                "runInstanceFlow",
                "RunInstanceFlowInput",
                &selection,
                json!({ "id": id, "flowName": flow, "payload": payload,
                        "contentType": content_type }),
            )
            .await?;
            report_execution(&client, &p["execution"], wait, Duration::from_secs(timeout)).await?;
        }
        InstancesCommand::RotateKey {
            instance,
            flow,
            customer,
            keep_existing,
            client,
        } => {
            let flow_config_id = flow_config(&client, &instance, flow, customer).await?;
            let p = mutate_id(
                &client,
                "rotateInstanceFlowApiKey",
                "RotateInstanceFlowApiKeyInput",
                "apiKey instanceFlowConfig { id flow { name } webhookUrl apiKeyCount }",
                json!({ "id": flow_config_id, "keepExisting": keep_existing }),
            )
            .await?;
            if client.json {
                output::json(&json!({
                    "apiKey": p["apiKey"],
                    "instanceFlowConfig": p["instanceFlowConfig"],
                }));
            } else {
                let fc = &p["instanceFlowConfig"];
                eprintln!(
                    "new API key of {} ({} key(s) valid); it is shown only once:",
                    output::text(fc, "webhookUrl"),
                    output::text(fc, "apiKeyCount")
                );
                println!("{}", output::text(&p, "apiKey"));
            }
        }
        InstancesCommand::Webhooks { id, client } => {
            let id = resolve::instance(&client, &id, None).await?;
            let q = "query($id: ID!) { instance(id: $id) { id flowConfigs { nodes {
                       id flow { name } webhookUrl endpointSecurityType apiKeyCount } } } }";
            let data = client.graphql(q, json!({ "id": id })).await?;
            let i = &data["instance"];
            if client.json {
                output::json(&i["flowConfigs"]["nodes"]);
            } else {
                print_webhooks(i);
            }
        }
    }
    Ok(())
}

/// The flow config of `instance`'s flow named `flow` (or its only flow); a flow config's
/// global ID passes through.
async fn flow_config(
    client: &ClientArgs,
    instance: &str,
    flow: Option<String>,
    customer: Option<String>,
) -> Result<String, ClientError> {
    if let Ok((type_name, _)) = plumb_core::id::decode_any(instance) {
        if type_name != "Instance" {
            return Ok(instance.to_string());
        }
    }
    let customer = match customer {
        Some(c) => Some(resolve::customer(client, &c).await?),
        None => None,
    };
    let id = resolve::instance(client, instance, customer.as_deref()).await?;
    let data = client
        .graphql(
            "query($id: ID!) { instance(id: $id) { name flowConfigs { nodes { id flow { name } } } } }",
            json!({ "id": id }),
        )
        .await?;
    let i = &data["instance"];
    let flows: Vec<(String, String)> = i["flowConfigs"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (output::text(f, "id"), output::text(&f["flow"], "name")))
        .collect();
    let names = || {
        flows
            .iter()
            .map(|(_, n)| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let picked = match &flow {
        Some(name) => flows
            .iter()
            .find(|(_, n)| n == name)
            .or_else(|| flows.iter().find(|(_, n)| n.eq_ignore_ascii_case(name))),
        None if flows.len() == 1 => flows.first(),
        None => {
            return Err(ClientError::Invalid(format!(
                "  flow: instance {:?} has {} flows; give --flow with one of {}",
                output::text(i, "name"),
                flows.len(),
                names()
            )))
        }
    };
    match picked {
        Some((id, _)) => Ok(id.clone()),
        None => Err(ClientError::Invalid(format!(
            "  flow: instance {:?} has no flow {:?}; its flows: {}",
            output::text(i, "name"),
            flow.unwrap_or_default(),
            names()
        ))),
    }
}

fn print_webhooks(i: &Value) {
    let rows: Vec<Vec<String>> = i["flowConfigs"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            vec![
                output::text(&f["flow"], "name"),
                output::text(f, "webhookUrl"),
                output::text(f, "endpointSecurityType"),
                output::text(f, "apiKeyCount"),
                output::text(f, "id"),
            ]
        })
        .collect();
    output::table(
        &[
            "FLOW",
            "WEBHOOK URL",
            "SECURITY",
            "API KEYS",
            "FLOW CONFIG ID",
        ],
        &rows,
    );
}
