//! macOS Endpoint Security `exec` events as `eslogger` writes them
//! (`event_type` 9, `event.exec.target`, `event.exec.args`).

use alloc::borrow::Cow;

use crate::event::{Event, ProcessStart};
use crate::text::json::Json;

/// Reads an Endpoint Security exec event.
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    let exec = doc.get("event").get("exec");
    if !exec.is_object() {
        return None;
    }
    let text = |v: &'a Json<'a>| v.as_str().map(Cow::Borrowed);
    let argv = exec
        .get("args")
        .as_array()
        .iter()
        .filter_map(|v| v.as_str().map(Cow::Borrowed))
        .collect();
    let target = exec.get("target");
    let instigator = doc.get("process");
    let euid = target.get("audit_token").get("euid").as_i64();
    let process = ProcessStart {
        executable: text(target.get("executable").get("path")),
        argv,
        user: euid.map(|u| {
            if u == 0 {
                Cow::Borrowed("root")
            } else {
                Cow::Owned(alloc::format!("{u}"))
            }
        }),
        parent_executable: text(instigator.get("executable").get("path")),
        pid: target.get("audit_token").get("pid").as_i64(),
        ..ProcessStart::default()
    };
    Some(Event::from_process("esf", process))
}
