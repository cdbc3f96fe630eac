//! Raw command lines: shell history lines, sudo's log (`... ; COMMAND=/usr/bin/docker ...`)
//! and any text line that starts with a container tool or a wrapper of one.

use alloc::borrow::Cow;

use crate::event::{Event, ProcessStart};

/// Reads a raw line as a command when it is one cadet analyses.
pub fn read(line: &str) -> Option<Event<'_>> {
    let command = match line.find("COMMAND=") {
        Some(at) => &line[at + "COMMAND=".len()..],
        None => line.trim(),
    };
    let words = crate::text::shell_words::split(command);
    let argv: alloc::vec::Vec<Cow<'_, str>> = words.into_iter().map(Cow::Owned).collect();
    let analysis = crate::analysis::analyse(&argv);
    analysis.tool?;
    let user = line.find("sudo:").and_then(|at| {
        let rest = line[at + 5..].trim_start();
        rest.split(&[' ', ':'][..]).next().map(Cow::Borrowed)
    });
    let process = ProcessStart {
        argv,
        command_line: Some(Cow::Borrowed(command)),
        user,
        ..ProcessStart::default()
    };
    Some(Event::from_process("text", process))
}
