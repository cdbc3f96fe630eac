//! Triage hints from the analyst card (seed 004): which escalation criteria
//! cadet can already see are met, and the matched rules' response steps.
//!
//! Escalation criteria (seed 004, "Decision for Escalation"), and what cadet reads for each:
//! - `unknown_account` (1: the executing account is unauthorized or unknown): an anonymous or
//!   unauthenticated request, a request without a user, or a user first seen running commands
//!   in containers (detector state).
//! - `malicious_command` (2: commands are malicious or known indicators): a reverse shell,
//!   miner, downloader, credential, service-account token or cloud-metadata read, or a host
//!   escape in the command run.
//! - `lateral_movement` (3: evidence of lateral movement): a remote daemon or API server, the
//!   kubelet API (directly or through `nodes/proxy`), a pod's own token driving the API with an
//!   interactive client, exec from a first-seen address, or an exec spike (detector state).
//! - `privilege_escalation` (4: unsuccessful attempts to run further commands or escalate
//!   privileges): a privileged container, host mount or escape, a binding to `cluster-admin`,
//!   or a forbidden / unauthenticated request (an attempt that failed).
//!
//! Step ids (`L1-auth`, `C-isolate`, ...) are listed in `rules/profiles.toml`.

use alloc::string::String;
use alloc::vec::Vec;

use crate::event::{Event, EventKind, Value};
use crate::verdict::{Context, Flags, Triage};

fn is(ev: &Event<'_>, segment: usize, field: &str) -> bool {
    matches!(ev.field(field, segment), Value::Bool(true))
}

/// Builds the triage hints for a matched event.
pub fn assess(
    ev: &Event<'_>,
    segment: usize,
    flags: &Flags,
    ctx: Option<&Context>,
    mut steps: Vec<String>,
) -> Triage {
    let mut escalate = Vec::new();
    let user = ev.user();
    let api = ev.kind == EventKind::K8sAudit;
    let anonymous = matches!(
        user,
        Some("system:anonymous") | Some("system:unauthenticated")
    ) || (api && user.is_none());
    if anonymous || ctx.map(|c| c.first_seen_user_exec).unwrap_or(false) {
        escalate.push(String::from("unknown_account"));
    }
    let p = &ev.segment(segment).payload;
    if p.reverse_shell
        || p.miner
        || p.sa_token
        || p.cloud_metadata
        || p.sensitive_file
        || p.host_escape
        || (p.download && ev.kind != EventKind::Process)
    {
        escalate.push(String::from("malicious_command"));
    }
    let kubelet = ev.kind == EventKind::Kubelet
        || ev.segment(segment).command.kubelet_api
        || is(ev, segment, "k8s.nodes_proxy");
    let pod_driven = is(ev, segment, "k8s.pod_token")
        && !matches!(ev.field("user_agent", segment), Value::Missing);
    let remote = ev.segment(segment).command.remote.is_some() || kubelet || pod_driven;
    if remote
        || ctx
            .map(|c| c.first_seen_user_ip || c.exec_spike || c.discovery_burst)
            .unwrap_or(false)
    {
        escalate.push(String::from("lateral_movement"));
    }
    let denied = is(ev, segment, "k8s.denied");
    let cluster_admin = matches!(
        ev.field("k8s.role_ref", segment),
        Value::Str("cluster-admin")
    );
    if flags.privileged_container || flags.host_mount || flags.escape || cluster_admin || denied {
        escalate.push(String::from("privilege_escalation"));
    }
    steps.sort();
    steps.dedup();
    Triage { escalate, steps }
}
