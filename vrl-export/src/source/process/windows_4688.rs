//! Windows 4688 and QRadar-style flat exports (core `source::process::windows_4688`).

use alloc::format;

use cadet_core::parts::source::WINDOWS_4688;

use crate::program::Out;
use crate::source::process::process_fields::{clear_process, first_i64, has_any, read_process};
use crate::text::json::dot;

/// A 4688 record (core `source::process::windows_4688::read`).
///
/// Mirrors core `source::process::windows_4688::read`.
pub(crate) fn read(o: &mut Out) {
    o.push(
        "\n# win4688 (core source::process::windows_4688::read): Windows 4688 and QRadar-style flat exports.",
    );
    o.push("if src == \"\" {");
    first_i64(
        o,
        "w_id",
        "rec",
        &[
            "eventid",
            "EventID",
            "EventId",
            "event_id",
            "winlog.event_id",
        ],
    );
    let w = dot(o, "rec", "winlog.event_data");
    o.push(&format!(
        "w_data = rec\nif w_id == 4688 && is_object({w}) {{ w_data = object!({w}) }}"
    ));
    let flat = has_any(
        o,
        "w_data",
        &[
            "CommandLine",
            "Command",
            "Process Name",
            "payload",
            "UTF8(payload)",
            "NewProcessName",
        ],
    );
    o.push(&format!("if ({flat}) && (w_id == null || w_id == 4688) {{"));
    read_process(o, "w_data", &WINDOWS_4688);
    o.push("    if p_cl == null && p_exe == null && p_name == null {");
    clear_process(o);
    o.push("        src = \"\"\n    }\n}\n}");
}
