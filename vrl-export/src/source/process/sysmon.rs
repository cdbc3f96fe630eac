//! Sysmon EventID 1, as JSON and as an XML line (core `source::process::sysmon`).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::parts::source::SYSMON;

use crate::program::Out;
use crate::source::process::process_fields::{first_i64, has_any, read_process};
use crate::text::json::dot;

/// A Sysmon JSON record (core `source::process::sysmon::read`).
///
/// Mirrors core `source::process::sysmon::read`.
pub(crate) fn read(o: &mut Out) {
    o.push(
        "\n# sysmon (core source::process::sysmon::read): Sysmon EventID 1, flat or Winlogbeat.",
    );
    o.push("if src == \"\" {");
    first_i64(
        o,
        "sm_id",
        "rec",
        &[
            "EventID",
            "event_id",
            "EventId",
            "winlog.event_id",
            "Event.System.EventID",
        ],
    );
    let named: Vec<String> = [
        "Channel",
        "channel",
        "winlog.channel",
        "SourceName",
        "winlog.provider_name",
        "Provider",
    ]
    .iter()
    .map(|k| {
        let d = dot(o, "rec", k);
        format!("(is_string({d}) && contains!({d}, \"Sysmon\"))")
    })
    .collect();
    let img = has_any(o, "rec", &["Image", "winlog.event_data.Image"]);
    let w = dot(o, "rec", "winlog.event_data");
    o.push(&format!(
        "if sm_id == 1 && ({} || {img}) {{\n    sm_data = rec\n    if is_object({w}) {{ sm_data = object!({w}) }}",
        named.join(" || "),
    ));
    read_process(o, "sm_data", &SYSMON);
    let w = dot(o, "rec", "winlog.computer_name");
    o.push(&format!(
        "    if p_host == null && is_string({w}) {{ p_host = {w} }}\n}}\n}}"
    ));
}

/// A Sysmon XML event on `line` (core `source::process::sysmon::read_xml_line`).
///
/// Mirrors core `source::process::sysmon::read_xml_line`.
pub(crate) fn read_xml_line(o: &mut Out) {
    o.push(
        r#"    # sysmon XML line (core source::process::sysmon::read_xml_line).
    if src == "" && contains(line, "<EventID>1</EventID>") && contains(line, "<Data Name=\"Image\">") {
        sx = {}
        for_each(["Image", "CommandLine", "User", "ParentImage", "ParentCommandLine", "ProcessId"]) -> |_i, name| {
            sx_open = "<Data Name=\"" + name + "\">"
            sx_at = find(line, sx_open)
            if sx_at != null {
                sx_rest = slice!(line, int!(sx_at) + length(sx_open))
                sx_end = find(sx_rest, "</Data>")
                if sx_end != null {
                    sx_raw = slice!(sx_rest, 0, int!(sx_end))
                    if sx_raw != "-" && sx_raw != "" {
                        if contains(sx_raw, "&") {
                            sx_raw = replace(replace(replace(replace(replace(sx_raw, "&quot;", "\""), "&apos;", "'"), "&lt;", "<"), "&gt;", ">"), "&amp;", "&")
                        }
                        sx = set!(sx, [name], sx_raw)
                    }
                }
            }
        }
        p_exe = sx.Image
        p_cl = sx.CommandLine
        p_user = sx.User
        p_pexe = sx.ParentImage
        p_pcl = sx.ParentCommandLine
        if sx.ProcessId != null { p_pid = parse_int(string!(sx.ProcessId), base: 10) ?? null }
        sx_c = find(line, "<Computer>")
        if sx_c != null {
            sx_cr = slice!(line, int!(sx_c) + 10)
            sx_ce = find(sx_cr, "</Computer>")
            if sx_ce != null { p_host = slice!(sx_cr, 0, int!(sx_ce)) }
        }
        src = "sysmon"
    }"#,
    );
}
