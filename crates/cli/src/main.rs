//! `plumb`: one binary for the server (`serve`), operator commands that work on the database
//! directly (`migrate`, `org create`), and clients of a running server (`customers`,
//! `config-vars`, `tokens`) configured by `PLUMB_URL` and `PLUMB_TOKEN`.
//!
//! Exit codes (see [`exit`]): 0 success, 1 failure, 2 usage, 3 invalid input, 4 not found,
//! 5 unauthorized or forbidden, 6 server unreachable.

mod client;
mod commands;
mod egress;
mod exit;
mod logging;
mod output;
mod resolve;
mod serve;

use clap::{Parser, Subcommand};

use crate::commands::{
    bench, config_vars, connections, customers, executions, instances, integrations, keys, models,
    org, run, tokens,
};

/// plumb: a self-hosted, embeddable integration platform.
#[derive(Parser, Debug)]
#[command(name = "plumb", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options of commands that work on the database directly.
#[derive(clap::Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: `sqlite://PATH` (created when missing) or `postgres://...`.
    #[arg(
        long,
        env = "PLUMB_DATABASE_URL",
        default_value = "sqlite://plumb-data/plumb.db"
    )]
    pub database_url: String,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server: GraphQL API, web console, scheduler and workers in one process.
    Serve(serve::ServeArgs),
    /// Run workers only, against a shared database (PostgreSQL for several machines).
    Worker(serve::WorkerArgs),
    /// Apply pending database schema migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Organizations (works directly on the database).
    #[command(subcommand)]
    Org(org::OrgCommand),
    /// API tokens of your organization (client of a running server; admin role).
    #[command(subcommand)]
    Tokens(tokens::TokensCommand),
    /// Customers (client of a running server).
    #[command(subcommand)]
    Customers(customers::CustomersCommand),
    /// Organization and customer config variables (client of a running server).
    #[command(subcommand, name = "config-vars")]
    ConfigVars(config_vars::ConfigVarsCommand),
    /// Connections: scoped config variables and their values; export / import between tenants
    /// (client of a running server).
    #[command(subcommand)]
    Connections(connections::ConnectionsCommand),
    /// Key rotation: `rotate-master` and `rotate --org` (works directly on the database).
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Run one flow of a definition locally, with no server.
    Run(run::RunArgs),
    /// Integrations: import, export, publish, versions, test config and test runs (client of a
    /// running server).
    #[command(subcommand)]
    Integrations(integrations::IntegrationsCommand),
    /// Executions: list, show, logs (client of a running server).
    #[command(subcommand)]
    Executions(executions::ExecutionsCommand),
    /// Instances: create, configure, deploy, enable/disable, run, webhooks (client of a running
    /// server).
    #[command(subcommand)]
    Instances(instances::InstancesCommand),
    /// Integration models from OpenAPI documents: import, list, show, delete (client of a
    /// running server).
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// Load benchmark: plumb in this process on a fresh store, a loopback target, webhooks of
    /// a three-step flow driven closed- or open-loop; prints throughput, latency, CPU, RSS and
    /// database bytes per execution.
    Bench(bench::BenchArgs),
}

/// The command line with `--json` moved to the end, so that it is accepted anywhere
/// (`plumb --json customers list` as well as `plumb customers list --json`); nothing after a
/// `--` moves.
fn json_anywhere(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let (head, tail) = args.split_at(end);
    if !head.iter().skip(1).any(|a| a == "--json") {
        return args;
    }
    let mut out: Vec<std::ffi::OsString> = head
        .iter()
        .enumerate()
        .filter(|(i, a)| *i == 0 || *a != "--json")
        .map(|(_, a)| a.clone())
        .collect();
    out.push("--json".into());
    out.extend(tail.iter().cloned());
    out
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse_from(json_anywhere(std::env::args_os().collect()));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::FAILURE.into();
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Worker(args) => serve::worker(args).await,
            Command::Migrate { db } => serve::migrate(db).await,
            Command::Org(cmd) => org::run(cmd).await,
            Command::Tokens(cmd) => tokens::run(cmd).await,
            Command::Customers(cmd) => customers::run(cmd).await,
            Command::Run(args) => run::run(args).await,
            Command::Integrations(cmd) => integrations::run(cmd).await,
            Command::Executions(cmd) => executions::run(cmd).await,
            Command::Instances(cmd) => instances::run(cmd).await,
            Command::Models(cmd) => models::run(cmd).await,
            Command::ConfigVars(cmd) => config_vars::run(cmd).await,
            Command::Connections(cmd) => connections::run(cmd).await,
            Command::Keys(cmd) => keys::run(cmd).await,
            Command::Bench(args) => bench::run(args).await,
        }
    });
    match result {
        Ok(()) => exit::SUCCESS.into(),
        Err(e) => exit::report(e).into(),
    }
}
