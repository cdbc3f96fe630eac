//! Splunk CIM Endpoint.Processes (core `source::process::splunk`).

use alloc::format;

use cadet_core::parts::source::SPLUNK_CIM;

use crate::program::Out;
use crate::source::process::process_fields::{has_any, read_process};

/// A CIM process record (core `source::process::splunk::read`).
///
/// Mirrors core `source::process::splunk::read`.
pub(crate) fn read(o: &mut Out) {
    o.push("\n# splunk (core source::process::splunk::read): Splunk CIM Endpoint.Processes.");
    o.push("if src == \"\" {");
    let a = has_any(o, "rec", &["process_name", "process_path"]);
    let b = has_any(
        o,
        "rec",
        &["parent_process_name", "parent_process", "process_id"],
    );
    o.push(&format!("if ({a}) || (is_string(rec.process) && ({b})) {{"));
    read_process(o, "rec", &SPLUNK_CIM);
    o.push("}\n}");
}
