//! nsenter, chroot and mount (core `analysis::host_tools`).

use alloc::format;

use cadet_core::parts::analysis::{CHROOT_VALUE, MOUNT_VALUE, NSENTER_VALUE};

use crate::analysis::evidence::note;
use crate::analysis::flag_cursor::{cursor, options, phase_options, takes_list};
use crate::program::Out;
use crate::text::clean_path;

/// nsenter's options; `handler_ns` true records namespaces (the payload only needs the target).
///
/// Mirrors core `analysis::host_tools::nsenter`.
pub(crate) fn nsenter_options(o: &mut Out, target_var: &str, written_var: &str, record_ns: bool) {
    let takes = takes_list(NSENTER_VALUE);
    options(o, &takes, |o| {
        if record_ns {
            o.push(&format!("if of == \"-t\" || of == \"--target\" {{\n    {written_var} = ow\n    {target_var} = ov\n}}"));
            o.push(
                r#"nsx = null
if of == "-m" || of == "--mount" { nsx = "mount" } else if of == "-u" || of == "--uts" { nsx = "uts" } else if of == "-i" || of == "--ipc" { nsx = "ipc" } else if of == "-n" || of == "--net" { nsx = "net" } else if of == "-p" || of == "--pid" { nsx = "pid" } else if of == "-U" || of == "--user" { nsx = "user" } else if of == "-C" || of == "--cgroup" { nsx = "cgroup" } else if of == "-T" || of == "--time" { nsx = "time" } else if of == "-a" || of == "--all" { nsx = "all" }
if nsx != null { c_nsns = push(c_nsns, nsx) }"#,
            );
        } else {
            o.push(&format!(
                "if of == \"-t\" || of == \"--target\" {{ {target_var} = ov }}"
            ));
        }
    });
}

/// Mirrors core `analysis::host_tools::nsenter`.
pub(crate) fn nsenter(o: &mut Out) {
    o.push("c_action = \"enter\"\nph = \"o\"\nn_tw = \"\"");
    cursor(o, |o| {
        phase_options(o, "o", true);
        nsenter_options(o, "c_nst", "n_tw", true);
        o.push(
            r#"    } else if w == "--" { used = true; pos = pos + 1; ph = "rest" } else { ph = "rest" }
}
if !used && ph == "rest" {
    used = true
    c_inner = slice!(args, pos)
    pos = n
}"#,
        );
    });
    o.push(&format!(
        "if c_nst == \"1\" {{\n    {}\n}}",
        note("cmd.nsenter_target", "\"nsenter \" + n_tw")
    ));
}

/// Mirrors core `analysis::host_tools::chroot`.
pub(crate) fn chroot(o: &mut Out) {
    let takes = takes_list(CHROOT_VALUE);
    o.push("c_action = \"chroot\"\nph = \"o\"");
    cursor(o, |o| {
        phase_options(o, "o", true);
        options(o, &takes, |_| {});
        o.push(&format!(
            r#"    }} else if w == "--" {{ used = true; pos = pos + 1; ph = "d" }} else {{ ph = "d" }}
}}
if !used && ph == "d" {{
    used = true
    pos = pos + 1
    {}
    c_chroot = {}
    ph = "rest"
}}
if !used && ph == "rest" {{
    used = true
    c_inner = slice!(args, pos)
    pos = n
}}"#,
            note("cmd.chroot_dir", "\"chroot \" + w"),
            clean_path("w")
        ));
    });
}

/// Mirrors core `analysis::host_tools::mount`.
pub(crate) fn mount_tool(o: &mut Out) {
    let takes = takes_list(MOUNT_VALUE);
    o.push("c_action = \"mount\"\nph = \"o\"");
    cursor(o, |o| {
        phase_options(o, "o", true);
        options(o, &takes, |_| {});
        o.push(&format!(
            r#"    }} else {{ ph = "d" }}
}}
if !used && ph == "d" {{
    used = true
    pos = pos + 1
    if starts_with(w, "/dev/") {{
        c_dev = push(c_dev, w)
        {}
    }}
    ph = "t"
}}
if !used && ph == "t" {{
    used = true
    pos = pos + 1
    c_target = w
    ph = "done"
}}"#,
            note("cmd.devices", "\"mount \" + w")
        ));
    });
}
