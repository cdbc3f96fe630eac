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
use crate::program::Out;
use crate::text::shell_words::{shell_split, split_commands};

/// `analyse_all(p_argv)` then one payload per command: leaves `segs`, an array of
/// objects with the `cmd.*` and `payload.*` fields, the evidence pairs under `e`, and the
/// payload facts triage reads under `pl`.
///
/// Mirrors core `analysis::analyse_all`.
/// Mirrors core `analysis::analyse`.
pub(crate) fn analyse(o: &mut Out, control_plane: bool) {
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
    o.push(
        r#"c_tool = item.t
c_wr = item.w
args = item.a
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
c_ev = []
if c_tool != null { script_tools = script_tools + 1 }
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
    payload(o);
    o.push(
        r#"nz = [c_wr, c_res, c_caps, c_hns, c_dev, c_hm, c_ms, c_inner, c_nsns, c_urls, pl_args]
nz = map_values(nz) -> |l| { if length(l) == 0 { null } else { l } }
node_debug = false
for_each(c_ev) -> |_i, pe| { if pe[0] == "cmd.node_debug" { node_debug = true } }
pcl_v = null
if pl_cl != "" { pcl_v = pl_cl }
segs = push(segs, get!({
    "cmd.tool": c_tool, "cmd.wrappers": nz[0], "cmd.action": c_action, "cmd.subaction": c_sub,
    "cmd.resources": nz[1], "cmd.all_namespaces": c_alln, "cmd.privileged": c_priv, "cmd.cap_add": nz[2],
    "cmd.security_unconfined": c_unconf, "cmd.host_namespaces": nz[3], "cmd.devices": nz[4],
    "cmd.host_mounts": nz[5], "cmd.mount_sources": nz[6], "cmd.interactive": c_inter, "cmd.image": c_image,
    "cmd.target": c_target, "cmd.inner_args": nz[7], "cmd.entrypoint": c_ep, "cmd.remote": c_remote,
    "cmd.nsenter_target": c_nst, "cmd.nsenter_namespaces": nz[8], "cmd.chroot_dir": c_chroot, "cmd.urls": nz[9],
    "cmd.kubelet_api": c_kapi, "cmd.docker_api": c_dapi, "cmd.k8s_api": c_k8s, "cmd.manifest_url": c_murl,
    "cmd.exec_user": c_euser, "cmd.node_debug": node_debug,
    "payload.args": nz[10], "payload.command_line": pcl_v, "payload.shell": pl_shell,
    "payload.reverse_shell": pl_flags.reverse_shell, "payload.download": pl_download,
    "payload.sa_token": pl_flags.sa_token, "payload.cloud_metadata": pl_flags.cloud_metadata,
    "payload.sensitive_file": pl_flags.sensitive_file, "payload.miner": pl_flags.miner,
    "payload.host_escape": pl_flags.host_escape,
    "e": append(c_ev, pl_ev), "_g": item.g
}, []))
}
if kind != "process" && length(segs) > 1 {
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
