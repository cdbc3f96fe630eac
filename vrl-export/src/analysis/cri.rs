//! crictl, ctr and runc (core `analysis::cri`).

use alloc::format;

use cadet_core::parts::analysis::{
    CRICTL_ACTION_VALUE, CRICTL_GLOBAL_VALUE, CTR_GLOBAL_VALUE, CTR_GROUPS, CTR_RUN_BOOL,
    RUNC_ACTION_VALUE, RUNC_GLOBAL_VALUE,
};

use crate::analysis::evidence::note;
use crate::analysis::facts::{cap, host_ns, mount_spec, set_privileged};
use crate::analysis::flag_cursor::{cursor, options, phase_options, takes_list, TRUTHY};
use crate::program::Out;
use crate::text::{ascii_lower, strings};

/// Mirrors core `analysis::cri::crictl`.
pub(crate) fn crictl(o: &mut Out) {
    let g = takes_list(CRICTL_GLOBAL_VALUE);
    let e = takes_list(CRICTL_ACTION_VALUE);
    o.push("ph = \"g\"");
    cursor(o, |o| {
        phase_options(o, "g", true);
        options(o, &g, |_| {});
        o.push("    } else { ph = \"a\" }\n}\nif !used && ph == \"a\" {\n    used = true\n    pos = pos + 1");
        ascii_lower(o, "cact", "w");
        o.push("    c_action = cact\n    ph = \"o\"\n}");
        phase_options(o, "o", false);
        options(o, &e, |o| {
            o.push("if includes([\"-i\", \"-t\", \"--interactive\", \"--tty\"], of) { c_inter = true }")
        });
        o.push(
            r#"    } else if w == "--" { used = true; pos = pos + 1; ph = "t" } else { ph = "t" }
}
if !used && ph == "t" {
    used = true
    pos = pos + 1
    c_target = w
    ph = "rest"
}
if !used && ph == "rest" {
    used = true
    if c_action == "exec" {
        crest = slice!(args, pos)
        if length(crest) > 0 && crest[0] == "--" { crest = slice!(crest, 1) }
        c_inner = crest
    }
    pos = n
}"#,
        );
    });
}

/// Mirrors core `analysis::cri::ctr`.
pub(crate) fn ctr(o: &mut Out) {
    let g = takes_list(CTR_GLOBAL_VALUE);
    let run = format!("!includes({}, tf)", strings(CTR_RUN_BOOL));
    let fin = "c_action = t_act\nif includes([\"run\", \"create\", \"exec\"], t_act) { ph = \"r\" } else { ph = \"t\" }";
    o.push("ph = \"g\"\nt_first = \"\"");
    cursor(o, |o| {
        phase_options(o, "g", true);
        options(o, &g, |_| {});
        o.push("    } else { ph = \"a\" }\n}\nif !used && ph == \"a\" {\n    used = true\n    pos = pos + 1");
        ascii_lower(o, "t_first", "w");
        o.push(&format!(
            "    if includes({groups}, t_first) {{ ph = \"a2\" }} else {{\n    t_act = t_first\n    {fin}\n    }}\n}}\nif !used && ph == \"a2\" {{\n    used = true\n    pos = pos + 1\n    c_sub = t_first",
            groups = strings(CTR_GROUPS)
        ));
        ascii_lower(o, "t_act", "w");
        o.push(&format!(
            "    {fin}\n}}\nif !used && ph == \"t\" {{\n    used = true\n    pos = pos + 1\n    c_target = w\n    ph = \"done\"\n}}"
        ));
        phase_options(o, "r", false);
        options(o, &run, |o| {
            o.push("v = \"\"\nif ov != null { v = string!(ov) }");
            o.push(&format!(
                "if of == \"--privileged\" {{ if {TRUTHY} {{\n{}\n}} }}",
                set_privileged("ow")
            ));
            o.push("else if of == \"--net-host\" {\n    nsn = \"net\"");
            host_ns(o, "nsn", "ow");
            o.push("} else if of == \"--with-ns\" {\n    if contains(v, \":\") {\n        wn = split(v, \":\", limit: 2)\n        if starts_with(string!(wn[1]), \"/proc/1/\") {\n            nsn = string!(wn[0])");
            host_ns(o, "nsn", "ow");
            o.push("        }\n    }\n} else if of == \"--cap-add\" {");
            cap(o, "v", "ow");
            o.push("} else if of == \"--mount\" {");
            mount_spec(o, "v", "ow");
            o.push(&format!(
                "}} else if of == \"--device\" {{\n    c_dev = push(c_dev, v)\n    {}\n}} else if of == \"-t\" || of == \"--tty\" {{\n    c_inter = true\n}} else if of == \"--user\" || of == \"-u\" {{\n    c_euser = ov\n}}",
                note("cmd.devices", "ow")
            ));
        });
        o.push(
            r#"    } else { ph = "p" }
}
if !used && ph == "p" {
    used = true
    pos = pos + 1
    if c_action == "exec" { c_target = w; ph = "rest" } else { c_image = w; ph = "p2" }
}
if !used && ph == "p2" {
    used = true
    pos = pos + 1
    c_target = w
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
        "if ph == \"a2\" {{\n    c_sub = null\n    t_act = t_first\n    {fin}\n}}"
    ));
}

/// Mirrors core `analysis::cri::runc`.
pub(crate) fn runc(o: &mut Out) {
    let g = takes_list(RUNC_GLOBAL_VALUE);
    let t = takes_list(RUNC_ACTION_VALUE);
    o.push("ph = \"g\"");
    cursor(o, |o| {
        phase_options(o, "g", true);
        options(o, &g, |_| {});
        o.push("    } else { ph = \"a\" }\n}\nif !used && ph == \"a\" {\n    used = true\n    pos = pos + 1");
        ascii_lower(o, "ract", "w");
        o.push("    c_action = ract\n    ph = \"o\"\n}");
        phase_options(o, "o", false);
        options(o, &t, |o| {
            o.push("if of == \"-t\" || of == \"--tty\" { c_inter = true } else if of == \"--cap\" || of == \"-c\" {\n    v = \"\"\n    if ov != null { v = string!(ov) }");
            cap(o, "v", "ow");
            o.push("} else if of == \"--user\" || of == \"-u\" { c_euser = ov }");
        });
        o.push(
            r#"    } else { ph = "t" }
}
if !used && ph == "t" {
    used = true
    pos = pos + 1
    c_target = w
    ph = "rest"
}
if !used && ph == "rest" {
    used = true
    if c_action == "exec" { c_inner = slice!(args, pos) }
    pos = n
}"#,
        );
    });
}
