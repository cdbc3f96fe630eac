//! The normalised record (core `event`): a process start completed from its parts.

use alloc::format;

use crate::program::Out;
use crate::text::shell_words::{shell_split, windows_split};

/// `ProcessStart::complete`: argv from the command line, the command
/// line from argv, names from paths.
///
/// Mirrors core `event::complete`.
pub(crate) fn complete(o: &mut Out) {
    o.push("\n# core: ProcessStart::complete — fill argv, command line and names from each other.");
    o.push(
        "# core: Event::from_process — a command line logged without argv (and a text line) is a",
    );
    o.push("# shell line: every command of it is analysed (p_line).");
    o.push("p_line = src == \"text\"");
    o.push("if length(p_argv) == 0 && p_cl != null {\n    pcl = string!(p_cl)");
    let win = r#"r'^\s*"*(?:[A-Za-z]:\\|\\\\)'"#;
    o.push(&format!(
        "    if match(pcl, {win}) || (p_exe != null && match(string!(p_exe), {win})) {{"
    ));
    windows_split(o, "p_argv", "pcl");
    o.push("    } else {\n    p_line = true");
    shell_split(o, "p_argv", "pcl");
    o.push("    }\n}");
    o.push(
        r#"if p_cl == null && length(p_argv) > 0 { p_cl = join(p_argv, " ") }
if p_name == null {
    if p_exe != null { p_name = replace(string!(p_exe), r'(?s)^.*[/\\]', "") } else if length(p_argv) > 0 { p_name = replace(string!(p_argv[0]), r'(?s)^.*[/\\]', "") }
}
if p_pname == null && p_pexe != null { p_pname = replace(string!(p_pexe), r'(?s)^.*[/\\]', "") }"#,
    );
}
