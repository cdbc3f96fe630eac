//! kubectl (core `analysis::kubectl`).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::parts::analysis::{KUBECTL_RESOURCE_NAMES, KUBECTL_VALUE};

use crate::analysis::evidence::note;
use crate::analysis::facts::{cap, host_ns, mount_source, set_privileged};
use crate::analysis::flag_cursor::{cursor, is_option, options, takes_list, TRUTHY};
use crate::program::Out;
use crate::text::{ascii_lower, string, strings};

/// Mirrors core `analysis::kubectl::kubectl_resource`.
pub(crate) fn kubectl_resource(o: &mut Out, out: &str, word: &str) {
    let l = o.var("kr");
    ascii_lower(o, &l, word);
    o.push(&format!(
        "{l} = string!(split({l}, \"/\")[0])\n{l} = string!(split({l}, \".\")[0])"
    ));
    let aliases: Vec<String> = KUBECTL_RESOURCE_NAMES
        .iter()
        .map(|(resource, names)| {
            format!(
                "if includes({}, {l}) {{ {l} = {} }}",
                strings(names),
                string(resource)
            )
        })
        .collect();
    o.push(&format!("{}\n{out} = {l}", aliases.join("\nelse ")));
}

/// Mirrors core `analysis::kubectl::kubectl`.
/// Mirrors core `analysis::kubectl::pod_overrides`.
pub(crate) fn kubectl(o: &mut Out) {
    o.push(
        "k_action = null\nk_pos = []\nk_inner = []\nk_image = null\nk_over = null\nk_files = []",
    );
    let takes = takes_list(KUBECTL_VALUE);
    cursor(o, |o| {
        o.push(&format!("if {} {{", is_option()));
        options(o, &takes, |o| {
            o.push(&format!(
                r#"if (of == "-A" || of == "--all-namespaces") && {TRUTHY} {{
    c_alln = true
    {na}
}} else if includes(["-i", "-t", "--stdin", "--tty"], of) && {TRUTHY} {{
    c_inter = true
}} else if of == "--image" {{
    k_image = ov
}} else if of == "--overrides" {{
    k_over = ov
}} else if of == "-f" || of == "--filename" {{
    if ov != null {{ k_files = push(k_files, ov) }}
}} else if of == "--privileged" && {TRUTHY} {{
    {sp}
}} else if of == "--profile" && (ov == "sysadmin" || ov == "netadmin") {{
    {sp}
}} else if of == "-s" || of == "--server" {{
    c_remote = ov
}}"#,
                na = note("cmd.all_namespaces", "ow"),
                sp = set_privileged("ow")
            ));
        });
        o.push("} else if w == \"--\" {\n    k_inner = slice!(args, pos + 1)\n    pos = n\n} else {\n    pos = pos + 1\n    if k_action == null {");
        ascii_lower(o, "k_action", "w");
        o.push("    } else { k_pos = push(k_pos, w) }\n}");
    });
    o.push("if k_action != null {\n    ka = string!(k_action)\n    c_action = ka\n    if k_image != null { c_image = k_image }");
    o.push("    for_each(k_files) -> |_i, kf| {\n        kfs = kf");
    ascii_lower(o, "kfl", "kfs");
    o.push(&format!(
        "        if includes([\"apply\", \"create\", \"replace\"], ka) && (starts_with(kfl, \"http://\") || starts_with(kfl, \"https://\")) {{\n            {}\n            c_murl = kfs\n        }}\n    }}",
        note("cmd.manifest_url", "\"-f \" + kfs")
    ));
    o.push("    if includes([\"get\", \"describe\", \"edit\", \"delete\", \"list\", \"watch\"], ka) {\n        for_each(k_pos) -> |_i, kp| {\n            for_each(split(kp, \",\")) -> |_j, part| {\n                if part != \"\" {");
    kubectl_resource(o, "kres", "part");
    o.push("                    c_res = push(c_res, kres)\n                }\n            }\n        }");
    o.push(&format!(
        r#"    }} else if includes(["exec", "attach", "debug", "port-forward", "cp", "logs", "run"], ka) {{
        c_target = get(k_pos, [0]) ?? null
        if ka == "exec" && length(k_inner) == 0 && length(k_pos) > 1 {{ k_inner = slice!(k_pos, 1) }}
        if ka == "debug" && c_target != null {{
            kt = string!(c_target)
            if starts_with(kt, "node/") || starts_with(kt, "nodes/") {{
                {nd}
            }}
        }}
    }} else if includes(["auth", "create", "config", "rollout", "set", "certificate", "top"], ka) {{
        if length(k_pos) > 0 {{
            ks = string!(k_pos[0])"#,
        nd = note("cmd.node_debug", "\"debug \" + kt")
    ));
    ascii_lower(o, "ksl", "ks");
    o.push("            c_sub = ksl\n            if ksl == \"can-i\" && length(k_pos) > 2 {\n                for_each(slice!(k_pos, 2)) -> |_i, kr0| {\n                    kr1 = kr0");
    kubectl_resource(o, "kres2", "kr1");
    o.push("                    c_res = push(c_res, kres2)\n                }\n            }\n        }\n    }\n    c_inner = k_inner");
    // pod overrides
    o.push("    if k_over != null {\n        kdoc = parse_json(string!(k_over)) ?? null\n        kspec = null\n        if is_object(kdoc) { kspec = get!(kdoc, [\"spec\"]) }");
    o.push("        for_each([[\"hostPID\", \"pid\"], [\"hostNetwork\", \"net\"], [\"hostIPC\", \"ipc\"]]) -> |_i, kv2| {\n            kb = get(kspec, [kv2[0]]) ?? null\n            if kb == true || (is_string(kb) && downcase!(kb) == \"true\") {\n                kns = kv2[1]\n                kw = \"--overrides \" + kv2[0] + \"=true\"");
    host_ns(o, "kns", "kw");
    o.push("            }\n        }");
    o.push("        kconts = get(kspec, [\"containers\"]) ?? null\n        if is_array(kconts) {\n            for_each(array!(kconts)) -> |_i, kc| {\n                ksc = get(kc, [\"securityContext\"]) ?? null\n                kpr = get(ksc, [\"privileged\"]) ?? null\n                if kpr == true || (is_string(kpr) && downcase!(kpr) == \"true\") {");
    o.push(&set_privileged("\"--overrides privileged=true\""));
    o.push("                }\n                kadd = get(ksc, [\"capabilities\", \"add\"]) ?? null\n                if is_array(kadd) {\n                    for_each(array!(kadd)) -> |_j, kcap| {\n                        if is_string(kcap) {\n                            kcs = string!(kcap)\n                            kcw = \"--overrides capabilities.add=\" + kcs");
    cap(o, "kcs", "kcw");
    o.push("                        }\n                    }\n                }");
    o.push("                if length(c_inner) == 0 {\n                    kws = []\n                    for_each([\"command\", \"args\"]) -> |_j, kk| {\n                        kl = get(kc, [kk]) ?? null\n                        if is_array(kl) { for_each(array!(kl)) -> |_m, kx| { if is_string(kx) { kws = push(kws, kx) } } }\n                    }\n                    c_inner = kws\n                }\n            }\n        }");
    o.push("        kvols = get(kspec, [\"volumes\"]) ?? null\n        if is_array(kvols) {\n            for_each(array!(kvols)) -> |_i, kvo| {\n                khp = get(kvo, [\"hostPath\", \"path\"]) ?? null\n                if is_string(khp) {\n                    khps = string!(khp)\n                    khw = \"--overrides hostPath=\" + khps");
    mount_source(o, "khps", "khw");
    o.push("                }\n            }\n        }\n    }\n}");
}
