//! The vendors' process field names (core `source::process::process_fields`): the core's own
//! table, read the way the core reads it.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::program::Out;
use crate::text::json::{as_i64, dot};
use crate::text::string;

/// `out = first_text(base, names)` (core `process_fields::first_text`).
///
/// Mirrors core `source::process::process_fields::first_text`.
pub(crate) fn first_text(o: &mut Out, out: &str, base: &str, names: &[&str]) {
    o.push(&format!("{out} = null"));
    for n in names {
        let tt = o.var("ftt");
        o.push(&format!("if {out} == null {{"));
        let t = dot(o, base, n);
        o.push(&format!(
            "    if is_string({t}) || is_integer({t}) || is_boolean({t}) {{\n        {t} = to_string!({t})\n        {tt} = strip_whitespace({t})\n        if {tt} != \"\" && {tt} != \"-\" {{ {out} = {t} }}\n    }}\n}}"
        ));
    }
}

/// `out = the first of names whose value is an integer` (core: `names.iter().find_map(as_i64)`).
pub(crate) fn first_i64(o: &mut Out, out: &str, base: &str, names: &[&str]) {
    o.push(&format!("{out} = null"));
    for n in names {
        let t = o.var("fi");
        o.push(&format!("if {out} == null {{"));
        let d = dot(o, base, n);
        as_i64(o, &t, &d);
        o.push(&format!("{out} = {t}\n}}"));
    }
}

/// `has_any(base, names)` (core `process_fields::has_any`: any non-null value), as a
/// condition over variables it emits.
///
/// Mirrors core `source::process::process_fields::has_any`.
pub(crate) fn has_any(o: &mut Out, base: &str, names: &[&str]) -> String {
    let parts: Vec<String> = names
        .iter()
        .map(|n| format!("!is_null({})", dot(o, base, n)))
        .collect();
    parts.join(" || ")
}

/// The vendors' process field names: the core's own table, so the VRL reads the same fields.
pub use cadet_core::parts::source::ProcessFieldNames as Names;

/// Fills the process variables from `base` with `names` (core `process_fields::read`).
///
/// Mirrors core `source::process::process_fields::read`.
pub(crate) fn read_process(o: &mut Out, base: &str, names: &Names) {
    o.push("p_argv = []");
    for n in names.args {
        o.push("if length(p_argv) == 0 {");
        let items = dot(o, base, n);
        o.push(&format!(
            "if is_array({items}) {{\n    for_each(array!({items})) -> |_i, x| {{\n        if is_string(x) || is_integer(x) || is_boolean(x) {{ p_argv = push(p_argv, to_string!(x)) }}\n    }}\n}}\n}}"
        ));
    }
    first_text(o, "p_exe", base, names.executable);
    first_text(o, "p_name", base, names.name);
    first_text(o, "p_cl", base, names.command_line);
    first_text(o, "p_user", base, names.user);
    first_text(o, "p_pname", base, names.parent_name);
    first_text(o, "p_pexe", base, names.parent_executable);
    first_text(o, "p_pcl", base, names.parent_command_line);
    first_text(o, "p_host", base, names.host);
    first_i64(o, "p_pid", base, names.pid);
    first_text(o, "p_cid", base, names.container_id);
    o.push(&format!("src = {}", string(names.vendor)));
}

pub(crate) fn clear_process(o: &mut Out) {
    o.push("p_exe = null\np_name = null\np_argv = []\np_cl = null\np_user = null\np_pname = null\np_pexe = null\np_pcl = null\np_host = null\np_pid = null\np_cid = null");
}
