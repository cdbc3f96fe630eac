//! Raw command lines: shell history lines, sudo's log (`... ; COMMAND=/usr/bin/docker ...`)
//! and any text line holding a shell line with a container-tool command (in any of its
//! commands, substitutions included).

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
    // Every command of the line, as in an `sh -c` script; read only when one is a container tool.
    let event = Event::from_shell_line("text", process);
    event
        .segments
        .iter()
        .any(|s| s.command.tool.is_some())
        .then_some(event)
}
