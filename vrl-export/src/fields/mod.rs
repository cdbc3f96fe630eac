//! The event fields rules read (core `fields`): the process record's, and a control-plane
//! record's from the core's field table.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::fields::{FieldKind, FIELDS};

use crate::program::Out;
use crate::text::string;

/// The event-level fields rules read (process, event, user), as `evf."name"`.
///
/// Mirrors core `fields::read`.
pub(crate) fn process_event_fields(o: &mut Out) {
    o.push(
        "\n# ------------------------------------------------------------------ 4. event fields",
    );
    o.push(
        "# core: fields::read — the values rule conditions read; per-command fields are in `segs`.",
    );
    o.push(
        r#"evf = get!({
    "event.kind": "process", "event.source": src, "user.name": p_user,
    "process.executable": p_exe, "process.name": p_name, "process.command_line": p_cl,
    "process.pid": p_pid, "process.parent.name": p_pname, "process.parent.executable": p_pexe,
    "process.parent.command_line": p_pcl, "host.name": p_host, "container.id": p_cid,
    "cmd.script_tools": script_tools
}, [])
if length(p_argv) > 0 { evf = set!(evf, ["process.args"], p_argv) }
parents = filter([p_pname, p_pexe, p_pcl]) -> |_i, x| { x != null }"#,
    );
}

/// The VRL expression of a control-plane field; `None` for a field this generator does not
/// know (a test checks every control-plane field of core `fields::FIELDS` has one).
///
/// Mirrors core `fields::read`.
pub(crate) fn field_expr(name: &str) -> Option<&'static str> {
    Some(match name {
        "source.ip" => "a_ips",
        "user.groups" => "a_groups",
        "user_agent" => "a_ua",
        "event.time" => "a_time",
        "k8s.impersonated_user" => "a_imp",
        "k8s.pod_token" => "a_podtok",
        "k8s.audit_id" => "a_aid",
        "k8s.stage" => "a_stage",
        "k8s.verb" => "a_verb",
        "k8s.resource" => "a_res",
        "k8s.subresource" => "a_sub",
        "k8s.namespace" => "a_ns",
        "k8s.name" => "a_name",
        "k8s.api_group" => "a_group",
        "k8s.request_uri" => "a_uri",
        "k8s.status_code" => "a_status",
        "k8s.decision" => "a_decision",
        "k8s.denied" => "a_denied",
        "k8s.method" => "a_method",
        "k8s.nodes_proxy" => "a_res == \"nodes\" && a_sub == \"proxy\"",
        "k8s.pod.present" => "pf_present",
        "k8s.pod.privileged" => "pf_priv",
        "k8s.pod.host_pid" => "pf_hpid",
        "k8s.pod.host_network" => "pf_hnet",
        "k8s.pod.host_ipc" => "pf_hipc",
        "k8s.pod.host_paths" => "pf_hp",
        "k8s.pod.sensitive_host_paths" => "pf_shp",
        "k8s.pod.capabilities" => "pf_caps",
        "k8s.pod.allow_privilege_escalation" => "pf_ape",
        "k8s.pod.run_as_root" => "pf_root",
        "k8s.pod.images" => "pf_images",
        "k8s.pod.interactive" => "pf_inter",
        "k8s.pod.owned" => "pf_owned",
        "k8s.pod.mirror" => "pf_mirror",
        "k8s.owner.kind" => "pf_okind",
        "k8s.owner.name" => "pf_oname",
        "k8s.owner.workload" => "pf_wl",
        "k8s.object.labels" => "a_labels",
        "k8s.object.annotations" => "a_annots",
        "k8s.adds_container" => "a_adds",
        "k8s.role_ref" => "a_role",
        "docker.action" => "a_dact",
        "docker.entrypoint" => "a_ep",
        "docker.container" => "a_cont",
        _ => return None,
    })
}

/// The event fields of a control-plane or daemon record, from the core's field table (no container tool ran: `cmd.script_tools` is 0), evidence under `_e`.
///
/// Mirrors core `fields::read`.
pub(crate) fn control_plane_event_fields(o: &mut Out) {
    let mut parts: Vec<String> = Vec::new();
    let mut lists: Vec<&str> = Vec::new();
    for f in FIELDS.iter().filter(|f| f.is_control_plane()) {
        let (name, kind) = (f.name, f.kind);
        let e = field_expr(name).unwrap_or("null");
        let v = if kind == FieldKind::List {
            lists.push(e);
            format!("a_nz[{}]", lists.len() - 1)
        } else {
            String::from(e)
        };
        parts.push(format!("  {}: {v}", string(name)));
    }
    o.push(&format!(
        "a_nz = map_values([{}]) -> |l| {{ if length(l) == 0 {{ null }} else {{ l }} }}",
        lists.join(", ")
    ));
    o.push(&format!(
        "evf = get!({{\n  \"event.kind\": kind, \"event.source\": src, \"user.name\": a_user, \"cmd.script_tools\": 0,\n{},\n  \"_e\": a_ev\n}}, [])",
        parts.join(",\n")
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_plane_field_has_an_expression() {
        for name in FIELDS
            .iter()
            .filter(|f| f.is_control_plane())
            .map(|f| f.name)
        {
            assert!(
                field_expr(name).is_some(),
                "no VRL for control-plane field {name}"
            );
        }
    }
}
