//! What runs inside the container (core `analysis::payload`).

use alloc::format;

use cadet_core::parts::analysis::SHELL_NAMES;

use crate::analysis::flag_cursor::{cursor, is_option};
use crate::analysis::host_tools::nsenter_options;
use crate::analysis::wrappers::program_name;
use crate::program::Out;
use crate::text::shell_words::shell_split;
use crate::text::{ascii_lower, string, strings};

/// `Payload::analyse` of the current command.
///
/// Mirrors core `analysis::payload::analyse`.
pub(crate) fn payload(o: &mut Out) {
    o.push("\n# core: Payload::analyse — what runs inside the container.");
    o.push(
        r#"pl_args = c_inner
if c_tool == null && p_cid != null { pl_args = p_argv }
if is_array(item.pl) { pl_args = array!(item.pl) }
pl_cl = ""
pl_shell = false
pl_download = false
pl_flags = {"reverse_shell": false, "sa_token": false, "cloud_metadata": false, "sensitive_file": false, "miner": false, "host_escape": false}
pl_ev = []
if length(pl_args) > 0 {
    pl_cl = join!(pl_args, " ")"#,
    );
    ascii_lower(o, "pl_low", "pl_cl");
    o.push("    pl_a0 = string!(pl_args[0])");
    program_name(o, "pl_p0", "pl_a0");
    o.push(&format!(
        "    if includes({}, pl_p0) {{\n        pl_shell = true\n        pl_ev = push(pl_ev, [\"payload.shell\", pl_a0])\n    }}",
        strings(SHELL_NAMES)
    ));
    shell_split(o, "pl_words", "pl_low");
    o.push("    for_each(pl_words) -> |_i, pw| {\n        pws = string!(pw)");
    program_name(o, "pwn", "pws");
    o.push(
        r#"        if !pl_download && (pwn == "curl" || pwn == "wget") {
            pl_download = true
            pl_ev = push(pl_ev, ["payload.download", pwn])
        }
    }
    # nsenter into PID 1 from inside the container: each command of the payload.
    pl_segs = []
    pl_cur = []
    for_each(pl_words) -> |_i, pw| {
        if includes([";", "|", "||", "&", "&&"], pw) { pl_segs = push(pl_segs, pl_cur); pl_cur = [] } else { pl_cur = push(pl_cur, pw) }
    }
    pl_segs = push(pl_segs, pl_cur)
    for_each(pl_segs) -> |_i, pseg| {
        pseg_a = pseg
        if length(pseg_a) > 0 {
            ps0 = string!(pseg_a[0])"#,
    );
    program_name(o, "ps0n", "ps0");
    o.push("            if ps0n == \"nsenter\" {\n                args = slice!(pseg_a, 1)\n                ps_t = null");
    cursor(o, |o| {
        o.push(&format!("if {} {{", is_option()));
        nsenter_options(o, "ps_t", "ps_tw", false);
        o.push("} else { pos = n }");
    });
    o.push(
        r#"                if ps_t == "1" {
                    pl_flags.host_escape = true
                    pl_ev = push(pl_ev, ["payload.host_escape", "nsenter -t 1"])
                }
            }
        }
    }"#,
    );
    // The core's own table (field name, lowercase substring), so VRL never drifts from it.
    for (field, pat) in cadet_core::parts::analysis::PATTERNS {
        let flag = field.strip_prefix("payload.").unwrap_or(field);
        o.push(&format!(
            "    if contains(pl_low, {p}) {{ pl_flags.{flag} = true; pl_ev = push(pl_ev, [{f}, {p}]) }}",
            f = string(field),
            p = string(pat)
        ));
    }
    o.push("}");
}
