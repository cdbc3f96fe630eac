//! Elastic Common Schema process events (Elastic Endpoint, Auditbeat, Elastic Agent).

use super::process_fields::{self, ECS};
use crate::event::Event;
use crate::json::Json;

/// Reads an ECS record with `process.*` fields. Events whose `event.type` says
/// they are not a start (`end`, `info`) are left alone.
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    if !process_fields::has_any(doc, &["process.name", "process.executable", "process.args", "process.command_line"]) {
        return None;
    }
    let kind = doc.get_dotted("event.type");
    let types: alloc::vec::Vec<&str> = match kind {
        Json::Str(s) => alloc::vec![&**s],
        Json::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
        _ => alloc::vec::Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| *t == "start") {
        return None;
    }
    let process = process_fields::read(doc, &ECS);
    Some(Event::from_process(ECS.vendor, process))
}
