//! A command line or sudo's log line (core `source::process::shell_line`).

use crate::program::Out;
use crate::text::shell_words::shell_split;

/// `line` read as a command line, kept only if the analysis finds a container tool in it
/// (core `source::process::shell_line::read`).
///
/// Mirrors core `source::process::shell_line::read`.
pub(crate) fn read(o: &mut Out) {
    o.push(
        r#"    # text (core source::process::shell_line::read): a command line, or sudo's log (COMMAND=...); read only when
    # the analysis below finds a container tool in it.
    text_pending = false
    if src == "" {
        tl_at = find(line, "COMMAND=")
        tl_cmd = strip_whitespace(line)
        if tl_at != null { tl_cmd = slice!(line, int!(tl_at) + 8) }"#,
    );
    shell_split(o, "p_argv", "tl_cmd");
    o.push(
        r#"        p_cl = tl_cmd
        tl_su = find(line, "sudo:")
        if tl_su != null {
            tl_rest = replace(slice!(line, int!(tl_su) + 5), r'^\s+', "")
            p_user = split(tl_rest, r'[ :]')[0]
        }
        src = "text"
        text_pending = true
    }"#,
    );
}
