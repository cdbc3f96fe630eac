//! Section 3, the argument analysis (core `analysis`): wrappers and scripts looked through, one
//! segment per command with the tool's own flags read (one file per tool family, as in the
//! core) and the payload run in the container.

pub(crate) mod cri;
pub(crate) mod docker;
pub(crate) mod evidence;
pub(crate) mod facts;
pub(crate) mod flag_cursor;
pub(crate) mod host_paths;
pub(crate) mod host_tools;
pub(crate) mod http;
pub(crate) mod kubectl;
pub(crate) mod lxc;
pub(crate) mod payload;
pub(crate) mod wrappers;

use crate::analysis::cri::{crictl, ctr, runc};
use crate::analysis::docker::docker;
use crate::analysis::host_tools::{chroot, mount_tool, nsenter};
use crate::analysis::http::{http_client, kubeletctl};
use crate::analysis::kubectl::kubectl;
use crate::analysis::lxc::lxc;
use crate::analysis::payload::payload;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::program::Out;
use crate::text::shell_words::{shell_split, split_commands};
use crate::text::string;

/// `analyse_all(p_argv)` then one payload per command: leaves `segs`, an array of
/// objects with the `cmd.*` and `payload.*` fields, the evidence pairs under `e`, and the
/// payload facts triage reads under `pl`.
///
/// Mirrors core `analysis::analyse_all`.
/// Mirrors core `analysis::analyse`.
pub(crate) fn analyse(o: &mut Out, control_plane: bool, needs: Needs) {
    o.push("\n# ------------------------------------------------------------------ 3. argument analysis");
    o.push(
        "# core: analysis::analyse_all — wrappers (sudo, env, nohup, sh -c ...) looked through;",
    );
    o.push(
        "# a shell line or script (item \"s\") is split into commands (core split_commands), each",
    );
    o.push("# read like an argv (item \"a\"); scripts nest up to 4 levels: a line, then an argv per level.");
    o.push("an_items = [{\"a\": p_argv, \"d\": 0, \"w\": [], \"done\": false}]");
    o.push(
        "if p_line { an_items = [{\"s\": p_cl, \"a\": [], \"d\": 0, \"w\": [], \"done\": false}] }",
    );
    o.push("for_each(range!(0, 10)) -> |_lvl, _x| {\n    an_next = []\n    for_each(an_items) -> |_k, it| {\n        if it.done == true { an_next = push(an_next, it) } else if is_string(it.s) {\n            scr = string!(it.s)");
    split_commands(o, "scc", "scr");
    o.push("            for_each(scc) -> |_q, sca| { an_next = push(an_next, {\"a\": sca, \"d\": it.d, \"w\": it.w, \"done\": false}) }\n        } else {");
    wrappers::read(o);
    o.push("        }\n    }\n    an_items = an_next\n}");
    if control_plane {
        o.push(
            r#"if kind != "process" {
    # A control-plane or daemon record: no command line, one segment whose payload is the
    # command run in the container; each candidate (exec command, container command of a pod
    # spec, docker exec) is analysed and the one the core keeps is chosen below.
    for_each(array!(pl_cands)) -> |_i, pc| {
        pc_w = pc.w
        if is_string(pc.s) {
            pc_s = string!(pc.s)"#,
        );
        shell_split(o, "pc_w", "pc_s");
        o.push(
            r#"        }
        if length(array!(pc_w)) > 0 { an_items = push(an_items, {"a": [], "t": null, "w": [], "done": true, "pl": pc_w, "g": pc.g}) }
    }
}"#,
        );
    }
    o.push(
        r#"if length(an_items) == 0 { an_items = [{"a": [], "t": null, "w": [], "done": true}] }"#,
    );

    // Per command: the tool's arguments, then the payload.
    o.push("\n# One segment per command: the tool's own argument reading (core analysis, one function per tool),");
    o.push("# then what runs inside the container (core analysis::payload::analyse).");
    o.push("segs = []\nscript_tools = 0\nfor_each(an_items) -> |_si, item| {");
    o.push("c_tool = item.t\nc_wr = item.w\nc_ev = []\nif c_tool != null { script_tools = script_tools + 1 }");
    if needs.tool_args {
        o.push(
            r#"args = item.a
c_action = null
c_sub = null
c_res = []
c_alln = false
c_priv = false
c_caps = []
c_unconf = false
c_hns = []
c_dev = []
c_hm = []
c_ms = []
c_inter = false
c_image = null
c_target = null
c_inner = []
c_ep = null
c_remote = null
c_nst = null
c_nsns = []
c_chroot = null
c_urls = []
c_kapi = false
c_dapi = false
c_k8s = false
c_murl = null
c_euser = null
if c_tool == "docker" || c_tool == "podman" || c_tool == "nerdctl" {"#,
        );
        o.reset();
        docker(o);
        o.push("} else if c_tool == \"kubectl\" {");
        o.reset();
        kubectl(o);
        o.push("} else if c_tool == \"crictl\" {");
        o.reset();
        crictl(o);
        o.push("} else if c_tool == \"ctr\" {");
        o.reset();
        ctr(o);
        o.push("} else if c_tool == \"runc\" {");
        o.reset();
        runc(o);
        o.push("} else if c_tool == \"nsenter\" {");
        o.reset();
        nsenter(o);
        o.push("} else if c_tool == \"chroot\" {");
        o.reset();
        chroot(o);
        o.push("} else if c_tool == \"kubeletctl\" {");
        o.reset();
        kubeletctl(o);
        o.push("} else if c_tool == \"mount\" {");
        o.reset();
        mount_tool(o);
        o.push("} else if c_tool == \"lxc\" {");
        o.reset();
        lxc(o);
        o.push("} else if c_tool == \"curl\" || c_tool == \"wget\" {");
        o.reset();
        http_client(o);
        o.push("}");
        o.push("node_debug = false\nfor_each(c_ev) -> |_i, pe| { if pe[0] == \"cmd.node_debug\" { node_debug = true } }");
    } else {
        o.push("# The profile reads no tool-argument or payload field: the tools' own argument reading and");
        o.push("# the payload analysis are not emitted (core analysis::analyse_all fills fields no rule reads).");
    }
    if needs.payload {
        payload(o);
        o.push("pcl_v = null\nif pl_cl != \"\" { pcl_v = pl_cl }");
    }
    segment(o, needs);
    o.push("}");
    if control_plane {
        o.push(
            r#"if kind != "process" && length(segs) > 1 {
    # core k8s_audit::facts / read_pod_spec: the exec command first; otherwise, of the first pod
    # spec with commands, the first container whose command ranks highest (reverse shell, miner
    # or host escape 3; download or credential read 2; shell 1).
    sel = 0
    sel_g = -1
    sel_r = 0
    for_each(segs) -> |si, sg| {
        sg_r = 0
        if sg."payload.reverse_shell" == true || sg."payload.miner" == true || sg."payload.host_escape" == true { sg_r = 3 } else if sg."payload.download" == true || sg."payload.sa_token" == true || sg."payload.cloud_metadata" == true || sg."payload.sensitive_file" == true { sg_r = 2 } else if sg."payload.shell" == true { sg_r = 1 }
        sg_g = sg._g
        if sel_g < 0 || sg_g < sel_g || (sg_g == sel_g && sg_r > sel_r) {
            sel = si
            sel_g = sg_g
            sel_r = sg_r
        }
    }
    segs = [get!(segs, [sel])]
}"#,
        );
    }
}

/// A block of section 3 and what it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// Wrappers and scripts looked through: always emitted (a text line is kept only when it
    /// names a container tool, and `cmd.script_tools` counts them).
    Wrappers,
    /// The tools' own argument reading (`docker`, `kubectl`, `cri`, `host_tools`, `http`, `lxc`).
    ToolArgs,
    /// What runs inside the container; reads `cmd.inner_args` of [`Block::ToolArgs`].
    Payload,
}

/// Every per-command field of the core's field table (`cadet_core::fields::FIELDS`, scope
/// segment): the block that writes it and its VRL expression in the segment (a list is made
/// `null` when empty). A test fails when a segment field of the core is missing here.
pub(crate) const SEGMENT_FIELDS: &[(&str, Block, &str)] = &[
    ("cmd.tool", Block::Wrappers, "c_tool"),
    ("cmd.wrappers", Block::Wrappers, "c_wr"),
    ("cmd.action", Block::ToolArgs, "c_action"),
    ("cmd.subaction", Block::ToolArgs, "c_sub"),
    ("cmd.resources", Block::ToolArgs, "c_res"),
    ("cmd.all_namespaces", Block::ToolArgs, "c_alln"),
    ("cmd.privileged", Block::ToolArgs, "c_priv"),
    ("cmd.cap_add", Block::ToolArgs, "c_caps"),
    ("cmd.security_unconfined", Block::ToolArgs, "c_unconf"),
    ("cmd.host_namespaces", Block::ToolArgs, "c_hns"),
    ("cmd.devices", Block::ToolArgs, "c_dev"),
    ("cmd.host_mounts", Block::ToolArgs, "c_hm"),
    ("cmd.mount_sources", Block::ToolArgs, "c_ms"),
    ("cmd.interactive", Block::ToolArgs, "c_inter"),
    ("cmd.image", Block::ToolArgs, "c_image"),
    ("cmd.target", Block::ToolArgs, "c_target"),
    ("cmd.inner_args", Block::ToolArgs, "c_inner"),
    ("cmd.entrypoint", Block::ToolArgs, "c_ep"),
    ("cmd.remote", Block::ToolArgs, "c_remote"),
    ("cmd.nsenter_target", Block::ToolArgs, "c_nst"),
    ("cmd.nsenter_namespaces", Block::ToolArgs, "c_nsns"),
    ("cmd.chroot_dir", Block::ToolArgs, "c_chroot"),
    ("cmd.urls", Block::ToolArgs, "c_urls"),
    ("cmd.kubelet_api", Block::ToolArgs, "c_kapi"),
    ("cmd.docker_api", Block::ToolArgs, "c_dapi"),
    ("cmd.k8s_api", Block::ToolArgs, "c_k8s"),
    ("cmd.manifest_url", Block::ToolArgs, "c_murl"),
    ("cmd.exec_user", Block::ToolArgs, "c_euser"),
    ("cmd.node_debug", Block::ToolArgs, "node_debug"),
    ("payload.args", Block::Payload, "pl_args"),
    ("payload.command_line", Block::Payload, "pcl_v"),
    ("payload.shell", Block::Payload, "pl_shell"),
    (
        "payload.reverse_shell",
        Block::Payload,
        "pl_flags.reverse_shell",
    ),
    ("payload.download", Block::Payload, "pl_download"),
    ("payload.sa_token", Block::Payload, "pl_flags.sa_token"),
    (
        "payload.cloud_metadata",
        Block::Payload,
        "pl_flags.cloud_metadata",
    ),
    (
        "payload.sensitive_file",
        Block::Payload,
        "pl_flags.sensitive_file",
    ),
    ("payload.miner", Block::Payload, "pl_flags.miner"),
    (
        "payload.host_escape",
        Block::Payload,
        "pl_flags.host_escape",
    ),
];

/// Which optional blocks of section 3 a program emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Needs {
    /// [`Block::ToolArgs`] is emitted.
    pub(crate) tool_args: bool,
    /// [`Block::Payload`] is emitted (implies `tool_args`).
    pub(crate) payload: bool,
}

impl Needs {
    /// Every block: the probe program, and a profile whose rules hold for control-plane
    /// records (their payload candidates are ranked by the payload facts).
    pub(crate) const ALL: Needs = Needs {
        tool_args: true,
        payload: true,
    };

    /// The blocks the fields `read` depend on: a field's own block, and for the payload the
    /// tool arguments it reads. A field not in [`SEGMENT_FIELDS`] is an event field (section
    /// 2 or 4, always emitted).
    pub(crate) fn of<'a>(read: impl IntoIterator<Item = &'a str>) -> Needs {
        let mut n = Needs {
            tool_args: false,
            payload: false,
        };
        for f in read {
            match SEGMENT_FIELDS.iter().find(|(name, _, _)| *name == f) {
                Some((_, Block::Payload, _)) => n.payload = true,
                Some((_, Block::ToolArgs, _)) => n.tool_args = true,
                _ => {}
            }
        }
        n.tool_args |= n.payload;
        n
    }

    fn emits(self, b: Block) -> bool {
        match b {
            Block::Wrappers => true,
            Block::ToolArgs => self.tool_args,
            Block::Payload => self.payload,
        }
    }
}

/// Pushes the current command's segment: the fields of the emitted blocks (empty lists as
/// `null`), the evidence pairs under `e` and the payload candidate's group under `_g`.
fn segment(o: &mut Out, needs: Needs) {
    let mut lists: Vec<&str> = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    for (name, _, expr) in SEGMENT_FIELDS.iter().filter(|f| needs.emits(f.1)) {
        let kind = cadet_core::fields::get(name).map(|f| f.kind);
        let v = if kind == Some(cadet_core::fields::FieldKind::List) {
            lists.push(expr);
            format!("nz[{}]", lists.len() - 1)
        } else {
            String::from(*expr)
        };
        parts.push(format!("{}: {v}", string(name)));
    }
    o.push(&format!(
        "nz = map_values([{}]) -> |l| {{ if length(l) == 0 {{ null }} else {{ l }} }}",
        lists.join(", ")
    ));
    let e = if needs.payload {
        "append(c_ev, pl_ev)"
    } else {
        "c_ev"
    };
    o.push(&format!(
        "segs = push(segs, get!({{\n    {},\n    \"e\": {e}, \"_g\": item.g\n}}, []))",
        parts.join(",\n    ")
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_segment_field_of_the_core_has_a_block() {
        for f in cadet_core::fields::FIELDS
            .iter()
            .filter(|f| f.scope() == cadet_core::fields::Scope::Segment)
        {
            assert!(
                SEGMENT_FIELDS.iter().any(|(n, _, _)| *n == f.name),
                "segment field {} has no block in SEGMENT_FIELDS",
                f.name
            );
        }
    }

    #[test]
    fn the_payload_needs_the_tool_arguments() {
        assert_eq!(Needs::of(["payload.shell"]), Needs::ALL);
        let n = Needs::of(["process.command_line", "cmd.tool"]);
        assert!(!n.tool_args && !n.payload);
        assert!(Needs::of(["cmd.privileged"]).tool_args);
    }
}
