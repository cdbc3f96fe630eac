//! macOS Endpoint Security exec events (core `source::process::esf`).

use crate::program::Out;
use crate::text::json::as_i64;

/// The exec event of `rec` (core `source::process::esf::read`).
///
/// Mirrors core `source::process::esf::read`.
pub(crate) fn read(o: &mut Out) {
    o.push("\n# esf (core source::process::esf::read): macOS Endpoint Security exec events (eslogger).");
    o.push("esf = rec.event.exec\nif src == \"\" && is_object(esf) {");
    o.push(
        r#"    for_each(array(esf.args) ?? []) -> |_i, x| { if is_string(x) { p_argv = push(p_argv, x) } }
    if is_string(esf.target.executable.path) { p_exe = esf.target.executable.path }
    if is_string(rec.process.executable.path) { p_pexe = rec.process.executable.path }"#,
    );
    as_i64(o, "euid", "esf.target.audit_token.euid");
    o.push("    if euid != null { if euid == 0 { p_user = \"root\" } else { p_user = to_string!(euid) } }");
    as_i64(o, "p_pid", "esf.target.audit_token.pid");
    o.push("    src = \"esf\"\n}");
}
