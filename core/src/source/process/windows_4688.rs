//! Windows Security 4688 (a new process has been created) and QRadar-style flat
//! exports (`eventid`, `CommandLine`/`Command`, `Process Name`, `payload`, `username`).

use super::process_fields::{self, WINDOWS_4688};
use crate::event::Event;
use crate::text::json::Json;

/// Reads a 4688 record (plain, or Winlogbeat's `winlog.event_data`) or a flat QRadar export.
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    let id = [
        "eventid",
        "EventID",
        "EventId",
        "event_id",
        "winlog.event_id",
    ]
    .iter()
    .find_map(|k| doc.get_dotted(k).as_i64());
    let data = if id == Some(4688) && doc.get_dotted("winlog.event_data").is_object() {
        doc.get_dotted("winlog.event_data")
    } else {
        doc
    };
    let flat_export = process_fields::has_any(
        data,
        &[
            "CommandLine",
            "Command",
            "Process Name",
            "payload",
            "UTF8(payload)",
            "NewProcessName",
        ],
    );
    if !(flat_export && (id.is_none() || id == Some(4688))) {
        return None;
    }
    let process = process_fields::read(data, &WINDOWS_4688);
    if process.command_line.is_none() && process.executable.is_none() && process.name.is_none() {
        return None;
    }
    Some(Event::from_process(WINDOWS_4688.vendor, process))
}
