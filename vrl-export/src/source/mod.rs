//! Section 2, the normalisers (core `source`): the control-plane and daemon records recognised
//! first, then the process sources, then text lines.

pub(crate) mod control_plane;
pub(crate) mod process;

use crate::program::Out;
use crate::source::process::process_fields::clear_process;

/// The variables source detection leaves: for the rules the source, the kind, the event fields
/// and the parent process; then, in a block that ends after the argument analysis, the process
/// start and the payload candidates of a control-plane record.
pub(crate) fn declare(o: &mut Out, control_plane: bool) {
    o.push("# ------------------------------------------------------------------ 2. normalise");
    o.push("# core: source::normalise — the first normaliser that knows the record reads it.");
    o.push("src = \"\"\nkind = \"process\"\nevf = {}\nparents = []\n{\ntext_pending = false");
    if control_plane {
        o.push("pl_cands = []");
    }
    clear_process(o);
}

/// Source detection and the process normalisers (core `source::normalise`).
/// Leaves `src` ("" when no normaliser read the record) and the `p_*` variables.
///
/// Mirrors core `source::normalise`.
/// Mirrors core `source::normalise_text`.
pub(crate) fn normalise(o: &mut Out) {
    o.push("line = null");
    control_plane::init(o);
    control_plane::read(o);
    process::esf::read(o);
    process::ecs::read(o);
    process::sysmon::read(o);
    process::windows_4688::read(o);
    process::splunk::read(o);
    process::auditd::read_json(o);
    // Text lines
    o.push("\n# Text lines (core source::normalise_text), also a JSON record's message/log/MESSAGE/msg.");
    o.push(
        r#"if src == "" {
    if is_string(rec.message) { line = rec.message } else if is_string(rec.log) { line = rec.log } else if is_string(rec.MESSAGE) { line = rec.MESSAGE } else if is_string(rec.msg) { line = rec.msg }
}
if line != null {
    line = string!(line)"#,
    );
    process::auditd::read_line(o);
    process::sysmon::read_xml_line(o);
    control_plane::read_text(o);
    process::shell_line::read(o);
    o.push("}");
}
