//! Elastic Common Schema process events (Elastic Endpoint, Auditbeat, Elastic Agent).

use super::process_fields::{self, ECS};
use crate::event::Event;
use crate::text::json::Json;

/// Reads an ECS record with `process.*` fields. Events whose `event.type` says
/// they are not a start (`end`, `info`) are left alone.
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    let text = |k: &str| doc.get_dotted(k).as_str().is_some();
    let has_process = text("process.name")
        || text("process.executable")
        || text("process.command_line")
        || !doc.get_dotted("process.args").as_array().is_empty();
    if !has_process {
        return None;
    }
    let kind = doc.get_dotted("event.type");
    let types: alloc::vec::Vec<&str> = match kind {
        Json::Str(s) => alloc::vec![&**s],
        Json::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
        _ => alloc::vec::Vec::new(),
    };
    if !types.is_empty() && !types.contains(&"start") {
        return None;
    }
    let process = process_fields::read(doc, &ECS);
    Some(Event::from_process(ECS.vendor, process))
}
