//! curl, wget and kubeletctl (core `analysis::http`).

use alloc::format;

use cadet_core::parts::analysis::KUBELETCTL_VALUE;

use crate::analysis::evidence::note;
use crate::analysis::facts::url;
use crate::analysis::flag_cursor::{cursor, is_option, options, takes_list};
use crate::program::Out;
use crate::text::ascii_lower;

/// Mirrors core `analysis::http::kubeletctl`.
pub(crate) fn kubeletctl(o: &mut Out) {
    let takes = takes_list(KUBELETCTL_VALUE);
    o.push("l_action = null\nl_pos = []");
    cursor(o, |o| {
        o.push(&format!("if {} {{", is_option()));
        options(o, &takes, |o| {
            o.push("if of == \"-p\" || of == \"--pod\" { c_target = ov }")
        });
        o.push("} else {\n    pos = pos + 1\n    if l_action == null {");
        ascii_lower(o, "l_action", "w");
        o.push("    } else { l_pos = push(l_pos, w) }\n}");
    });
    o.push(&format!(
        "la = \"\"\nif l_action != null {{ la = string!(l_action) }}\nc_kapi = true\n{}\nif la == \"exec\" || la == \"run\" {{ c_inner = l_pos }}\nc_action = la",
        note("cmd.kubelet_api", "strip_whitespace(\"kubeletctl \" + la)")
    ));
}

/// Mirrors core `analysis::http::http_client`.
pub(crate) fn http_client(o: &mut Out) {
    o.push("c_action = \"request\"\nh_prev = false");
    o.push("for_each(args) -> |_i, hw0| {\n    hw = string!(hw0)\n    if h_prev {");
    o.push(&format!(
        "        if ends_with(hw, \"docker.sock\") {{\n            c_dapi = true\n            {}\n        }}\n        h_prev = false\n    }} else if starts_with(hw, \"--unix-socket\") {{\n        if contains(hw, \"=\") {{\n            if ends_with(hw, \"docker.sock\") {{\n                c_dapi = true\n                {}\n            }}\n        }} else {{ h_prev = true }}\n    }} else if !starts_with(hw, \"-\") {{",
        note("cmd.docker_api", "\"--unix-socket \" + hw"),
        note("cmd.docker_api", "hw")
    ));
    url(o, "hw");
    o.push("    }\n}");
}
