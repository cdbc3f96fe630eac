//! Splunk CIM Endpoint.Processes records (`process_name`, `process`, `parent_process_name`, ...).

use super::process_fields::{self, SPLUNK_CIM};
use crate::event::Event;
use crate::text::json::Json;

/// Reads a Splunk CIM process record.
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    let cim = process_fields::has_any(doc, &["process_name", "process_path"])
        || (doc.get("process").as_str().is_some()
            && process_fields::has_any(
                doc,
                &["parent_process_name", "parent_process", "process_id"],
            ));
    if !cim {
        return None;
    }
    Some(Event::from_process(
        SPLUNK_CIM.vendor,
        process_fields::read(doc, &SPLUNK_CIM),
    ))
}
