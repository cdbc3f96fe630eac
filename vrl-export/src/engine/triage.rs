//! Triage (core `engine::triage`): escalation criteria and the rules' response steps.

use alloc::format;

use crate::engine::all_sorted;
use crate::program::Out;
use crate::text::string;

/// The fields the triage criteria below read (for [`crate::analysis::Needs`]).
pub(crate) const READS: &[&str] = &[
    "user.name",
    "event.kind",
    "payload.reverse_shell",
    "payload.miner",
    "payload.sa_token",
    "payload.cloud_metadata",
    "payload.sensitive_file",
    "payload.host_escape",
    "payload.download",
    "cmd.kubelet_api",
    "k8s.nodes_proxy",
    "k8s.pod_token",
    "user_agent",
    "cmd.remote",
    "k8s.denied",
    "k8s.role_ref",
];

/// Mirrors core `engine::triage::assess`.
pub(crate) fn triage(o: &mut Out, rules: &[&cadet_core::Rule]) {
    o.push("    # Triage (core engine::triage::assess): escalation criteria of the analyst card, the rules' response steps.");
    o.push(
        r#"    esc = []
    s0p = segs[0]
    t_user = evf."user.name"
    t_kind = evf."event.kind"
    if t_user == "system:anonymous" || t_user == "system:unauthenticated" || (t_kind == "k8s_audit" && t_user == null) { esc = push(esc, "unknown_account") }
    if s0p."payload.reverse_shell" == true || s0p."payload.miner" == true || s0p."payload.sa_token" == true || s0p."payload.cloud_metadata" == true || s0p."payload.sensitive_file" == true || s0p."payload.host_escape" == true || (s0p."payload.download" == true && t_kind != "process") { esc = push(esc, "malicious_command") }
    t_kubelet = t_kind == "kubelet" || s0p."cmd.kubelet_api" == true || (evf."k8s.nodes_proxy") == true
    t_pod = (evf."k8s.pod_token") == true && (evf."user_agent") != null
    if s0p."cmd.remote" != null || t_kubelet || t_pod { esc = push(esc, "lateral_movement") }
    t_denied = (evf."k8s.denied") == true
    t_admin = (evf."k8s.role_ref") == "cluster-admin"
    if fl.privileged_container == true || fl.host_mount == true || fl.escape == true || t_admin || t_denied { esc = push(esc, "privilege_escalation") }
    sl = []"#,
    );
    for s in all_sorted(rules.iter().flat_map(|r| r.steps.iter())) {
        o.push(&format!(
            "    if (get(steps, [{s}]) ?? false) == true {{ sl = push(sl, {s}) }}",
            s = string(&s)
        ));
    }
    o.push("    if length(esc) > 0 || length(sl) > 0 { verdict.triage = {\"escalate\": esc, \"steps\": sl} }");
}
