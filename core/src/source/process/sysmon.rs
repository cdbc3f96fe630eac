//! Sysmon EventID 1 (process creation): Windows and Sysmon for Linux, as flat
//! JSON, Winlogbeat (`winlog.event_data`), XML-to-JSON (`Event.EventData.Data`)
//! and the one-line XML Sysmon for Linux writes to syslog.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use super::process_fields::{self, SYSMON};
use crate::event::{Event, ProcessStart};
use crate::text::json::Json;

fn event_id(doc: &Json<'_>) -> Option<i64> {
    [
        "EventID",
        "event_id",
        "EventId",
        "winlog.event_id",
        "Event.System.EventID",
    ]
    .iter()
    .find_map(|k| doc.get_dotted(k).as_i64())
}

fn is_sysmon(doc: &Json<'_>) -> bool {
    let named = [
        "Channel",
        "channel",
        "winlog.channel",
        "SourceName",
        "winlog.provider_name",
        "Provider",
    ]
    .iter()
    .filter_map(|k| doc.get_dotted(k).as_str())
    .any(|s| s.contains("Sysmon"));
    named || process_fields::has_any(doc, &["Image", "winlog.event_data.Image"])
}

/// Reads a Sysmon EventID 1 record.
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    if event_id(doc) != Some(1) || !is_sysmon(doc) {
        return None;
    }
    let data = if doc.get_dotted("winlog.event_data").is_object() {
        doc.get_dotted("winlog.event_data")
    } else {
        doc
    };
    let mut process = process_fields::read(data, &SYSMON);
    if process.host.is_none() {
        process.host = doc
            .get_dotted("winlog.computer_name")
            .as_str()
            .map(Cow::Borrowed);
    }
    Some(Event::from_process(SYSMON.vendor, process))
}

/// Reads one line of Sysmon XML (`<Event><System>...<EventID>1</EventID>...`).
pub fn read_xml_line(line: &str) -> Option<Event<'_>> {
    if !line.contains("<EventID>1</EventID>") || !line.contains("<Data Name=\"Image\">") {
        return None;
    }
    let data = |name: &str| -> Option<Cow<'_, str>> {
        let open = alloc::format!("<Data Name=\"{name}\">");
        let start = line.find(&open)? + open.len();
        let end = line[start..].find("</Data>")? + start;
        let raw = &line[start..end];
        if raw == "-" || raw.is_empty() {
            return None;
        }
        Some(xml_unescape(raw))
    };
    let process = ProcessStart {
        executable: data("Image"),
        command_line: data("CommandLine"),
        user: data("User"),
        parent_executable: data("ParentImage"),
        parent_command_line: data("ParentCommandLine"),
        pid: data("ProcessId").and_then(|p| p.parse().ok()),
        host: {
            let s = line.find("<Computer>").map(|i| i + "<Computer>".len());
            s.and_then(|s| {
                line[s..]
                    .find("</Computer>")
                    .map(|e| Cow::Borrowed(&line[s..s + e]))
            })
        },
        argv: Vec::new(),
        name: None,
        parent_name: None,
        container_id: None,
    };
    Some(Event::from_process(SYSMON.vendor, process))
}

fn xml_unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}
