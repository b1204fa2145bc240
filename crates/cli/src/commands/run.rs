//! `plumb run FILE.yaml [--flow NAME] [--config KEY=VALUE]... [--payload FILE]`: runs one flow
//! of a definition locally, with no server, against every built-in component; prints each
//! step's result (secrets redacted by the engine; binary results as their content type and
//! size) and exits non-zero when the definition is invalid or the flow fails.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{anyhow, Context};
use serde_json::json;

/// Arguments of `plumb run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The definition (YAML).
    pub file: PathBuf,
    /// The flow to run (default: the first).
    #[arg(long)]
    pub flow: Option<String>,
    /// A config var value, `KEY=VALUE` (repeatable). A connection's value is the JSON object of
    /// its inputs.
    #[arg(long = "config", value_name = "KEY=VALUE")]
    pub config: Vec<String>,
    /// A file holding the trigger payload (JSON when it parses as JSON).
    #[arg(long)]
    pub payload: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Splits `KEY=VALUE` pairs (at the first `=`).
fn config_pairs(items: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in items {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| anyhow!("--config expects KEY=VALUE, got `{}`", key_only(item)))?;
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

/// The part of a malformed pair that is safe to echo (never a value).
fn key_only(item: &str) -> String {
    item.chars().take(40).collect()
}

/// Runs `plumb run`.
pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let config = config_pairs(&args.config)?;
    let payload = match &args.payload {
        Some(p) => Some(std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?),
        None => None,
    };
    let report = plumb_engine::run_local(
        &text,
        args.flow.as_deref(),
        config,
        payload,
        plumb_runtime::catalog(),
    )
    .await;
    if args.json {
        let steps: Vec<_> = report
            .steps
            .iter()
            .map(|s| {
                json!({"name": s.name, "iteration": s.iteration, "status": s.status,
                       "attempts": s.attempts, "result": s.result, "error": s.error})
            })
            .collect();
        let logs: Vec<_> = report
            .logs
            .iter()
            .map(|l| json!({"severity": l.level.as_str(), "step": l.step, "message": l.message}))
            .collect();
        let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
        crate::output::json(&json!({
            "success": report.success, "flow": report.flow, "error": report.error,
            "problems": problems, "steps": steps, "logs": logs,
        }));
    } else {
        println!("{report}");
    }
    if report.success {
        Ok(())
    } else {
        Err(anyhow!(
            "the run failed: {}",
            report.error.as_deref().unwrap_or("error")
        ))
    }
}
