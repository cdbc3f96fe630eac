//! Triage hints from the analyst card (seed 004): which escalation criteria
//! cadet can already see are met, and the matched rules' response steps.
//!
//! Escalation criteria (seed 004, "Decision for Escalation"):
//! `unknown_account` (1: unknown or anonymous account, or first seen running such commands),
//! `malicious_command` (2: reverse shell, miner, credential or metadata access),
//! `lateral_movement` (3: remote daemon, kubelet API, exec from an unfamiliar address),
//! `privilege_escalation` (4: privileged container, host mount or escape to the host).

use alloc::string::String;
use alloc::vec::Vec;

use crate::event::{Event, Value};
use crate::verdict::{Context, Flags, Triage};

/// Builds the triage hints for a matched event.
pub fn assess(ev: &Event<'_>, flags: &Flags, ctx: Option<&Context>, mut steps: Vec<String>) -> Triage {
    let mut escalate = Vec::new();
    let user = ev.user();
    let anonymous = matches!(user, Some("system:anonymous") | Some("system:unauthenticated"));
    if anonymous || ctx.map(|c| c.first_seen_user_exec).unwrap_or(false) {
        escalate.push(String::from("unknown_account"));
    }
    let p = ev.payload();
    if p.reverse_shell || p.miner || p.sa_token || p.cloud_metadata || p.sensitive_file {
        escalate.push(String::from("malicious_command"));
    }
    let remote = ev.cmd().remote.is_some() || ev.cmd().kubelet_api || matches!(ev.field("k8s.nodes_proxy"), Value::Bool(true));
    if remote || ctx.map(|c| c.first_seen_user_ip || c.exec_spike).unwrap_or(false) {
        escalate.push(String::from("lateral_movement"));
    }
    if flags.privileged_container || flags.host_mount || flags.escape {
        escalate.push(String::from("privilege_escalation"));
    }
    steps.sort();
    steps.dedup();
    Triage { escalate, steps }
}
