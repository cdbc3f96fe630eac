//! Wrappers looked through (core `analysis::wrappers`): sudo, env, nohup, `sh -c` scripts.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::parts::analysis::{
    PASS_THROUGH, PASS_THROUGH_VALUE, SHELLS, SUDO_VALUE, TOOLS, TOOL_ALIASES,
};

use crate::program::Out;
use crate::text::{ascii_lower, string, strings};

/// `out = program_name(v)` (basename, `.exe` dropped, ASCII lower case).
///
/// Mirrors core `analysis::wrappers::program_name`.
pub(crate) fn program_name(o: &mut Out, out: &str, v: &str) {
    let t = o.var("pn");
    o.push(&format!(
        "{t} = replace(replace({v}, r'(?s)^.*[/\\\\]', \"\"), r'(?:\\.exe|\\.EXE)$', \"\")"
    ));
    ascii_lower(o, out, &t);
}

/// The wrappers, assignments and reserved words before the command of the argv item `it` (its
/// words `it.a`, its depth `it.d`, the wrappers around it `it.w`): a `sh -c` script becomes an
/// item of the next level, a container tool an item with its arguments (core
/// `analysis::wrappers::analyse_depth`).
///
/// Mirrors core `analysis::wrappers::analyse_depth`.
/// Mirrors core `analysis::wrappers::canonical_tool`.
pub(crate) fn read(o: &mut Out) {
    o.push(
        &r#"            ws_st = "prog"
            ws_skip = 0
            ws_stop = false
            ws_wr = []
            ws_ti = -1
            ws_script = null
            ws_shell = ""
            ws_tmo = false
            it_a = it.a
            for_each(it_a) -> |j, w0| {
                w = string!(w0)
                if !ws_stop {
                    if ws_skip > 0 { ws_skip = ws_skip - 1 } else {
                        used = false
                        if ws_st == "sudo" {
                            if starts_with(w, "-") {
                                used = true
                                if w == "--" { ws_st = "prog" } else if includes(SUDO_VALUE, w) { ws_skip = 1 }
                            } else { ws_st = "prog" }
                        }
                        if !used && ws_st == "env" {
                            if w == "-u" || w == "--unset" { used = true; ws_skip = 1 }
                            else if starts_with(w, "-") || (contains(w, "=") && !starts_with(w, "=")) { used = true }
                            else { ws_st = "prog" }
                        }
                        if !used && ws_st == "nohup" {
                            if starts_with(w, "-") {
                                used = true
                                if includes(PASS_THROUGH_VALUE, w) { ws_skip = 1 }
                            } else if ws_tmo { used = true; ws_tmo = false; ws_st = "prog" } else { ws_st = "prog" }
                        }
                        if !used && ws_st == "busybox" {"#
            .replace("SUDO_VALUE", &strings(SUDO_VALUE))
            .replace("PASS_THROUGH_VALUE", &strings(PASS_THROUGH_VALUE)),
    );
    program_name(o, "bbn", "w");
    o.push(&format!(
        r#"                            if includes({shells}, bbn) {{ used = true; ws_st = "shopt" }} else {{ ws_st = "prog" }}
                        }}
                        if !used && ws_st == "shopt" {{
                            used = true
                            if starts_with(w, "-") {{
                                if !starts_with(w, "--") && contains(w, "c") {{ ws_st = "script" }}
                            }} else {{ ws_stop = true }}
                        }} else if !used && ws_st == "script" {{
                            used = true
                            ws_script = w
                            ws_stop = true
                        }}
                        if !used && ws_st == "prog" && (match(w, r'^[A-Za-z_][A-Za-z0-9_]*\+?=') || includes({reserved}, w)) {{
                            # core wrappers: a `NAME=value` assignment or a reserved word before the command
                            used = true
                        }}
                        if !used && ws_st == "prog" {{"#,
        shells = strings(SHELLS),
        reserved = strings(cadet_core::parts::analysis::RESERVED)
    ));
    program_name(o, "wn", "w");
    o.push(&format!(
        r#"                            if wn == "sudo" || wn == "doas" || wn == "env" {{
                                ws_wr = push(ws_wr, wn)
                                if wn == "env" {{ ws_st = "env" }} else {{ ws_st = "sudo" }}
                            }} else if includes({pass_through}, wn) {{
                                ws_wr = push(ws_wr, wn)
                                ws_st = "nohup"
                                ws_tmo = wn == "timeout"
                            }} else if includes({shells}, wn) {{
                                ws_shell = wn
                                if wn == "busybox" {{ ws_st = "busybox" }} else {{ ws_st = "shopt" }}
                            }} else {{
                                ws_ti = j
                                ws_stop = true
                            }}
                        }}
                    }}
                }}
            }}
            it_w = it.w
            it_d = it.d
            if ws_script != null {{
                if it_d < 4 {{
                    pre = append(append(it_w, ws_wr), [ws_shell + " -c"])
                    an_next = push(an_next, {{"s": ws_script, "d": it_d + 1, "w": pre, "done": false}})
                }}"#,
        shells = strings(SHELLS),
        pass_through = strings(PASS_THROUGH)
    ));
    o.push(
        r#"            } else if ws_ti >= 0 {
                tw = string!(get!(it_a, [ws_ti]))"#,
    );
    program_name(o, "tn", "tw");
    o.push(&format!(
        r#"                {aliases}
                if includes({tools}, tn) {{
                    an_next = push(an_next, {{"a": slice!(it_a, ws_ti + 1), "t": tn, "w": append(it_w, ws_wr), "done": true}})
                }}
            }}"#,
        tools = strings(TOOLS),
        aliases = tool_aliases("tn")
    ));
}

/// `if v == "alias" || ... { v = "tool" } else if ...`: each tool's aliases, in the order of
/// the core's table.
///
/// Mirrors core `analysis::wrappers::canonical_tool`.
fn tool_aliases(v: &str) -> String {
    let mut tools: Vec<(&str, Vec<String>)> = Vec::new();
    for (alias, tool) in TOOL_ALIASES {
        let test = format!("{v} == {}", string(alias));
        match tools.iter_mut().find(|(t, _)| t == tool) {
            Some((_, tests)) => tests.push(test),
            None => tools.push((tool, alloc::vec![test])),
        }
    }
    let arms: Vec<String> = tools
        .iter()
        .map(|(tool, tests)| format!("if {} {{ {v} = {} }}", tests.join(" || "), string(tool)))
        .collect();
    arms.join(" else ")
}
