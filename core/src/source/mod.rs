//! Normalisers: one file per log source. [`normalise`] detects the source of a
//! record and reads it into an [`Event`].
//!
//! Detection order matters where shapes overlap: control-plane sources first,
//! then process sources from the most specific shape to the most generic, then
//! the text normalisers for raw lines (or JSON records that only carry a
//! `message`/`log` line).

use crate::event::Event;
use crate::text::json::Json;

pub(crate) mod control_plane;
pub(crate) mod process;

use process::{auditd, ecs, esf, shell_line, splunk, sysmon, windows_4688};

/// Reads a parsed JSON record into an event, or `None` when no normaliser knows it.
pub fn normalise<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    if let Some(ev) = control_plane::read(doc) {
        return Some(ev);
    }
    esf::read(doc)
        .or_else(|| control_plane::http_request::read(doc))
        .or_else(|| ecs::read(doc))
        .or_else(|| sysmon::read(doc))
        .or_else(|| windows_4688::read(doc))
        .or_else(|| splunk::read(doc))
        .or_else(|| auditd::read_json(doc))
        .or_else(|| text_field(doc).and_then(normalise_text))
}

/// Reads a raw text line (auditd, Sysmon-for-Linux syslog XML, sudo log, shell line).
pub fn normalise_text(line: &str) -> Option<Event<'_>> {
    auditd::read_line(line)
        .or_else(|| sysmon::read_xml_line(line))
        .or_else(|| control_plane::read_text(line))
        .or_else(|| shell_line::read(line))
}

/// The text of a record that wraps a raw log line (`message`, `log`, `MESSAGE`).
fn text_field<'a>(doc: &'a Json<'a>) -> Option<&'a str> {
    ["message", "log", "MESSAGE", "msg"]
        .iter()
        .find_map(|k| doc.get(k).as_str())
}
