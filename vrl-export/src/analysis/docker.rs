//! docker, podman and nerdctl (core `analysis::docker`).

use alloc::format;

use cadet_core::parts::analysis::{
    DOCKER_GLOBAL_VALUE, DOCKER_GROUPS, DOCKER_RUN_BOOL, DOCKER_RUN_SHORT_VALUE,
};

use crate::analysis::evidence::note;
use crate::analysis::facts::{cap, host_ns, mount_spec, security_opt, set_privileged, url, volume};
use crate::analysis::flag_cursor::{cursor, options, phase_options, takes_list, TRUTHY};
use crate::program::Out;
use crate::text::{ascii_lower, strings};

/// Mirrors core `analysis::docker::docker_like`.
/// Mirrors core `analysis::docker::docker_run_takes_value`.
pub(crate) fn docker(o: &mut Out) {
    let global_takes = takes_list(DOCKER_GLOBAL_VALUE);
    let run_takes = format!(
        "((starts_with(tf, \"--\") && !includes({}, tf)) || includes({}, tf))",
        strings(DOCKER_RUN_BOOL),
        strings(DOCKER_RUN_SHORT_VALUE)
    );
    // the words whose next word is read too: container, image and system, and the groups
    let first_words = strings(
        &[
            &["container", "containers", "image", "system"],
            DOCKER_GROUPS,
        ]
        .concat(),
    );
    o.push("ph = \"g\"\nd_first = \"\"\nd_ep = null");
    let fin = "c_action = d_act\nif includes([\"run\", \"create\", \"exec\"], d_act) { ph = \"r\" } else { ph = \"t\" }";
    cursor(o, |o| {
        phase_options(o, "g", true);
        options(o, &global_takes, |o| {
            o.push("if includes([\"-H\", \"--host\", \"--url\", \"--connection\"], of) && ov != null {");
            o.push(&note("cmd.remote", "ow"));
            o.push("dv = string!(ov)");
            url(o, "dv");
            o.push("c_remote = dv\n}");
        });
        o.push("    } else if w == \"--\" { used = true; pos = pos + 1; ph = \"a\" } else { ph = \"a\" }\n}");
        o.push("if !used && ph == \"a\" {\n    used = true\n    pos = pos + 1");
        ascii_lower(o, "d_first", "w");
        o.push(&format!(
            "    if includes({first_words}, d_first) {{ ph = \"a2\" }} else {{\n    d_act = d_first\n    {fin}\n    }}\n}}"
        ));
        o.push("if !used && ph == \"a2\" {\n    used = true\n    pos = pos + 1");
        ascii_lower(o, "d_sub", "w");
        o.push(&format!(
            r#"    d_act = d_sub
    if d_first == "container" || d_first == "containers" {{
        if d_sub == "ls" || d_sub == "list" {{ d_act = "ps" }}
    }} else if d_first == "image" {{
        if d_sub == "ls" || d_sub == "list" {{ d_act = "images" }} else if d_sub == "rm" {{ d_act = "rmi" }}
    }} else if d_first != "system" {{
        c_sub = d_sub
        d_act = d_first
    }}
    {fin}
}}
if !used && ph == "t" {{
    used = true
    pos = pos + 1
    c_target = w
    if c_action == "pull" {{ c_image = w }}
    ph = "done"
}}"#
        ));
        phase_options(o, "r", false);
        options(o, &run_takes, |o| {
            o.push("v = \"\"\nif ov != null { v = string!(ov) }");
            o.push(&format!(
                "if of == \"--privileged\" {{ if {TRUTHY} {{\n{}\n}} }}",
                set_privileged("ow")
            ));
            o.push("else if of == \"--cap-add\" {");
            cap(o, "v", "ow");
            o.push("} else if of == \"--security-opt\" {");
            security_opt(o, "v", "ow");
            o.push("} else if includes([\"--pid\", \"--net\", \"--network\", \"--ipc\", \"--uts\", \"--userns\", \"--cgroupns\"], of) {\n    vl = \"\"");
            ascii_lower(o, "vl", "v");
            o.push("if vl == \"host\" {\n    nsn = slice!(of, 2)");
            host_ns(o, "nsn", "ow");
            o.push("}\n} else if of == \"--device\" {");
            o.push(&format!(
                "c_dev = push(c_dev, v)\n{}",
                note("cmd.devices", "ow")
            ));
            o.push("} else if of == \"-v\" || of == \"--volume\" {");
            volume(o, "v", "ow");
            o.push("} else if of == \"--mount\" {");
            mount_spec(o, "v", "ow");
            o.push(&format!(
                "}} else if includes([\"-i\", \"-t\", \"--interactive\", \"--tty\"], of) {{\n    if {TRUTHY} {{ c_inter = true }}\n}} else if of == \"-u\" || of == \"--user\" {{\n    c_euser = ov\n}} else if of == \"--entrypoint\" {{\n    d_ep = ov\n}}"
            ));
        });
        o.push(
            r#"    } else if w == "--" { used = true; pos = pos + 1; ph = "p" } else { ph = "p" }
}
if !used && ph == "p" {
    used = true
    pos = pos + 1
    if c_action == "exec" { c_target = w } else { c_image = w }
    ph = "rest"
}
if !used && ph == "rest" {
    used = true
    c_inner = slice!(args, pos)
    pos = n
}"#,
        );
    });
    o.push(&format!(
        "if ph == \"a2\" {{\n    d_act = d_first\n    {fin}\n}}\nif d_ep != null {{\n    {}\n    c_inner = append([d_ep], c_inner)\n    c_ep = d_ep\n}}",
        note("cmd.entrypoint", "\"--entrypoint \" + string!(d_ep)")
    ));
}
