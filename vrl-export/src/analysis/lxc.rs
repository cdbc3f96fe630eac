//! lxc and incus (core `analysis::lxc`).

use alloc::format;

use cadet_core::parts::analysis::LXC_VALUE;

use crate::analysis::evidence::note;
use crate::analysis::facts::{mount_source, set_privileged};
use crate::analysis::flag_cursor::{cursor, is_option, options};
use crate::program::Out;
use crate::text::{ascii_lower, strings};

/// core analysis/lxc.rs `lxc`: `launch`/`init` with `-c KEY=VALUE`, `config|profile set`,
/// `config|profile device add`, `exec`/`shell`/`console` and `REMOTE:NAME` targets.
///
/// Mirrors core `analysis::lxc::lxc`.
/// Mirrors core `analysis::lxc::lxc_config`.
/// Mirrors core `analysis::lxc::lxc_device`.
pub(crate) fn lxc(o: &mut Out) {
    o.push("x_action = null\nx_rest = []\nx_inner = []\nx_kv = []");
    let takes = format!(
        "(includes({}, tf) && !(x_exec && tf == \"-t\"))",
        strings(LXC_VALUE)
    );
    cursor(o, |o| {
        o.push(&format!(
            "if {} {{\n    x_exec = includes([\"exec\", \"shell\", \"console\"], x_action)",
            is_option()
        ));
        options(o, &takes, |o| {
            o.push(
                r#"if of == "-c" || of == "--config" {
    if ov != null {
        xkv0 = split(string!(ov), "=", limit: 2)
        x_kv = push(x_kv, [xkv0[0], get(xkv0, [1]) ?? "", ow])
    }
} else if of == "--force-interactive" || (of == "-t" && x_exec) {
    c_inter = true
} else if of == "--user" {
    c_euser = ov
}"#,
            );
        });
        o.push("} else if w == \"--\" {\n    x_inner = slice!(args, pos + 1)\n    pos = n\n} else {\n    pos = pos + 1\n    if x_action == null {");
        ascii_lower(o, "x_action", "w");
        o.push("    } else { x_rest = push(x_rest, w) }\n}");
    });
    o.push("if x_action != null {\n    xa = string!(x_action)\n    c_action = xa\n    x_dev = []");
    o.push(
        r#"    if includes(["launch", "init", "create"], xa) {
        c_image = get(x_rest, [0]) ?? null
        c_target = get(x_rest, [1]) ?? null
    } else if includes(["exec", "shell", "console"], xa) {
        c_target = get(x_rest, [0]) ?? null
        if length(x_inner) == 0 && length(x_rest) > 1 { x_inner = slice!(x_rest, 1) }
        if xa != "exec" { c_inter = true }
    } else if xa == "config" || xa == "profile" {
        x_words = []
        xsub = null
        if length(x_rest) > 0 {
            xs0 = string!(x_rest[0])"#,
    );
    ascii_lower(o, "xsub", "xs0");
    o.push(
        r#"            c_sub = xsub
            x_words = slice!(x_rest, 1)
        }
        if xsub == "set" {
            c_target = get(x_words, [0]) ?? null
            if length(x_words) == 2 {
                xp = string!(x_words[1])
                if contains(xp, "=") {
                    xkv1 = split(xp, "=", limit: 2)
                    x_kv = push(x_kv, [xkv1[0], xkv1[1], xa + " set " + xp])
                }
            } else if length(x_words) > 2 {
                x_kv = push(x_kv, [x_words[1], x_words[2], xa + " set " + string!(x_words[1]) + " " + string!(x_words[2])])
            }
        } else if xsub == "device" {
            if length(x_words) > 0 {
                xd0 = string!(x_words[0])"#,
    );
    ascii_lower(o, "xd0l", "xd0");
    o.push(
        r#"                if xd0l == "add" {
                    c_target = get(x_words, [1]) ?? null
                    if length(x_words) > 3 { x_dev = slice!(x_words, 3) }
                }
            }
        } else {
            c_target = get(x_words, [0]) ?? null
        }
    } else {
        c_target = get(x_rest, [0]) ?? null
    }
    # core lxc_config: security.privileged true, raw.lxc with an unconfined AppArmor profile
    for_each(x_kv) -> |_i, xkv| {
        xk = strip_whitespace(string!(xkv[0]))
        xv = strip_whitespace(string!(xkv[1]))
        xw = string!(xkv[2])"#,
    );
    ascii_lower(o, "xkl", "xk");
    ascii_lower(o, "xvl", "xv");
    o.push(&format!(
        r#"        if xkl == "security.privileged" && includes(["true", "1", "yes", "on"], xvl) {{
            {sp}
        }}
        if xkl == "raw.lxc" && contains(xvl, "apparmor.profile") && contains(xvl, "unconfined") {{
            c_unconf = true
            {nu}
        }}
    }}
    # core lxc_device: a disk's host source is a bind mount; unix-block/unix-char pass a device
    if length(x_dev) > 0 {{
        xt0 = string!(x_dev[0])"#,
        sp = set_privileged("xw"),
        nu = note("cmd.security_unconfined", "xw")
    ));
    ascii_lower(o, "xtype", "xt0");
    o.push("        for_each(slice!(x_dev, 1)) -> |_i, xd| {\n            # typed any whatever the pack (VRL types `xd` by what the sources of the pack push)\n            xds = string(get([xd], [0]) ?? \"\") ?? \"\"\n            if contains(xds, \"=\") {\n                xdp = split(xds, \"=\", limit: 2)\n                xdk0 = string!(xdp[0])\n                xdv = string!(xdp[1])");
    ascii_lower(o, "xdk", "xdk0");
    o.push("                if xtype == \"disk\" && xdk == \"source\" {\n                    xdw = \"disk \" + xds");
    mount_source(o, "xdv", "xdw");
    o.push(&format!(
        r#"                }} else if (xtype == "unix-block" || xtype == "unix-char") && (xdk == "source" || xdk == "path") && starts_with(xdv, "/dev/") {{
                    c_dev = push(c_dev, xdv)
                    {nd}
                }}
            }}
        }}
    }}
    if c_target != null && includes(["exec", "shell", "console"], xa) {{
        xtg = string!(c_target)
        if contains(xtg, ":") {{
            xr = string!(split(xtg, ":", limit: 2)[0])
            if xr != "" {{
                {nr}
                c_remote = xr
            }}
        }}
    }}
    c_inner = x_inner
}}"#,
        nd = note("cmd.devices", "xtype + \" \" + xds"),
        nr = note("cmd.remote", "xtg")
    ));
}
