//! `--egress-deny` / `--egress-allow` (`PLUMB_EGRESS_DENY` / `PLUMB_EGRESS_ALLOW`): the egress
//! policy of `plumb serve` and `plumb worker` (see docs/security.md, "Egress policy").
//! `plumb run` keeps the built-in entries.

use std::net::SocketAddr;

use anyhow::Context;
use plumb_auth::EgressPolicy;

/// The flag names, as refusals and errors show them.
const DENY: &str = "--egress-deny";
const ALLOW: &str = "--egress-allow";

/// Flags of the egress policy.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EgressArgs {
    /// Destinations flows may not reach, besides the built-in ones (link-local and cloud
    /// metadata addresses, this server's own address): comma-separated addresses or CIDRs
    /// (`10.0.0.0/8`), with a port (`10.0.0.5:5432`, `[::1]:8080`), or host names
    /// (`db.internal`, `*.internal`). `0.0.0.0/0,::/0` denies everything not allowed.
    #[arg(
        long = "egress-deny",
        env = "PLUMB_EGRESS_DENY",
        value_delimiter = ',',
        value_name = "ENTRIES"
    )]
    deny: Vec<String>,
    /// Exceptions to the deny entries (the built-in ones included), in the same syntax.
    #[arg(
        long = "egress-allow",
        env = "PLUMB_EGRESS_ALLOW",
        value_delimiter = ',',
        value_name = "ENTRIES"
    )]
    allow: Vec<String>,
}

impl EgressArgs {
    /// The policy of the flags (built-in entries included); a bad entry is an error naming
    /// the flag and the entry.
    pub fn policy(&self) -> anyhow::Result<EgressPolicy> {
        Ok(EgressPolicy::builtin()
            .deny(DENY, &self.deny)?
            .allow(ALLOW, &self.allow)?)
    }

    /// Makes `policy` the process's, denying `listen` (this server's own address) when the
    /// process listens. Call before anything sends a request.
    pub fn install(&self, policy: EgressPolicy, listen: Option<SocketAddr>) -> anyhow::Result<()> {
        let policy = match listen {
            Some(addr) => policy.deny_own_address(addr),
            None => policy,
        };
        plumb_auth::egress::install(policy).context("installing the egress policy")?;
        tracing::info!(
            deny = %self.deny.join(","),
            allow = %self.allow.join(","),
            own_address = ?listen,
            "egress policy: link-local and cloud metadata addresses denied (built in)"
        );
        Ok(())
    }
}
