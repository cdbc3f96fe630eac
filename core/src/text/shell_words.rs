//! Splitting command lines into words the way a POSIX shell would (quotes and
//! backslashes), without expanding anything.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

/// Splits `line` into words: `'...'` is literal, `"..."` honours `\"` and `\\`,
/// a backslash outside quotes escapes the next character. Shell operators
/// (`;`, `&&`, `||`, `|`) become words of their own.
///
/// ```
/// assert_eq!(cadet_core::parts::text::split(r#"sh -c "docker exec -it web sh""#),
///            ["sh", "-c", "docker exec -it web sh"]);
/// ```
pub fn split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut has_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                has_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                has_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.peek() {
                            Some(&n @ ('"' | '\\' | '$' | '`')) => {
                                cur.push(n);
                                chars.next();
                            }
                            _ => cur.push('\\'),
                        },
                        _ => cur.push(c),
                    }
                }
            }
            '\\' => {
                has_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '\n' => {
                // A newline ends a command, like `;`.
                if has_word {
                    words.push(core::mem::take(&mut cur));
                    has_word = false;
                }
                words.push(String::from(";"));
            }
            ';' | '|' | '&' => {
                if has_word {
                    words.push(core::mem::take(&mut cur));
                    has_word = false;
                }
                let mut op = String::from(c);
                if let Some(&n) = chars.peek() {
                    if (c == '|' || c == '&') && n == c {
                        op.push(n);
                        chars.next();
                    }
                }
                words.push(op);
            }
            c if c.is_whitespace() => {
                if has_word {
                    words.push(core::mem::take(&mut cur));
                    has_word = false;
                }
            }
            c => {
                has_word = true;
                cur.push(c);
            }
        }
    }
    if has_word {
        words.push(cur);
    }
    words
}

/// Most commands [`split_commands`] returns for one line; the rest of the line is not read.
pub const MAX_COMMANDS: usize = 256;

/// Deepest nesting of `$(…)` and backticks [`split_commands`] keeps apart. An opener nested
/// deeper separates commands instead of opening a level, so the commands inside are still
/// returned (as commands of the deepest level); the frame stack never grows past this.
pub const MAX_DEPTH: usize = 8;

/// One level of [`split_commands`]: the line itself, or a `$(…)` / backtick substitution.
#[derive(Default)]
struct Frame {
    /// Opened by `` ` `` (closed by the next one); otherwise by `$(` (or the line itself).
    tick: bool,
    /// A `$(…)`: `)` at `parens == 0` closes it.
    dollar: bool,
    dq: bool,
    sq: bool,
    esc: bool,
    comment: bool,
    parens: usize,
    cur: String,
    has: bool,
    words: Vec<String>,
    /// The frame's text as written, for the word of the level around it.
    raw: String,
}

impl Frame {
    fn end_word(&mut self) {
        if self.has {
            self.words.push(core::mem::take(&mut self.cur));
            self.has = false;
        }
    }

    /// Ends the current command; true when `out` is full.
    fn end_command(&mut self, out: &mut Vec<Vec<String>>) -> bool {
        self.end_word();
        if !self.words.is_empty() {
            out.push(core::mem::take(&mut self.words));
        }
        out.len() >= MAX_COMMANDS
    }
}

/// Splits a shell line into its commands, each as words (quotes and backslashes as in
/// [`split`], nothing expanded). Commands end at `;`, `|`, `||`, `&`, `&&`, a newline, `(` and
/// `)`; the commands inside `$(…)` and backticks, also inside double quotes, are commands of
/// their own, returned before the command around them, whose word keeps the substitution as
/// written (`TOKEN=$(cat /t)` stays one word). Single quotes, backslashes and `#` comments
/// hide operators and substitutions. Linear in the line's length: at most [`MAX_COMMANDS`]
/// commands, nesting kept apart up to [`MAX_DEPTH`] levels.
///
/// ```
/// use cadet_core::parts::text::split_commands;
/// assert_eq!(split_commands("true; kubectl exec -it web -- sh"),
///            [vec!["true"], vec!["kubectl", "exec", "-it", "web", "--", "sh"]]);
/// assert_eq!(split_commands(r#"echo "a; b""#), [vec!["echo", "a; b"]]);
/// assert_eq!(split_commands("T=$(cat /t | base64)"),
///            [vec!["cat", "/t"], vec!["base64"], vec!["T=$(cat /t | base64)"]]);
/// ```
pub fn split_commands(line: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut stack: Vec<Frame> = alloc::vec![Frame::default()];
    let mut chars = line.chars().peekable();
    loop {
        let depth = stack.len() - 1;
        let Some(c) = chars.next() else {
            // End of the line: every open level ends as if closed.
            if depth == 0 {
                if let Some(f) = stack.last_mut() {
                    f.end_command(&mut out);
                }
                return out;
            }
            if close(&mut stack, "", &mut out) {
                return out;
            }
            continue;
        };
        let Some(f) = stack.last_mut() else {
            return out;
        };
        if f.comment {
            f.raw.push(c);
            if c == '\n' {
                f.comment = false;
                if f.end_command(&mut out) {
                    return out;
                }
            }
            continue;
        }
        if f.esc {
            f.esc = false;
            f.raw.push(c);
            if c != '\n' {
                if f.dq && !matches!(c, '"' | '\\' | '$' | '`') {
                    f.cur.push('\\');
                }
                f.cur.push(c);
                f.has = true;
            }
            continue;
        }
        if f.sq {
            f.raw.push(c);
            if c == '\'' {
                f.sq = false;
            } else {
                f.cur.push(c);
            }
            continue;
        }
        // Openers and closers, the same inside and outside double quotes.
        let open = match c {
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                Some(false)
            }
            '`' if f.tick => {
                if close(&mut stack, "`", &mut out) {
                    return out;
                }
                continue;
            }
            '`' => Some(true),
            _ => None,
        };
        if let Some(tick) = open {
            if depth < MAX_DEPTH {
                f.has = true;
                stack.push(Frame {
                    tick,
                    dollar: !tick,
                    ..Frame::default()
                });
            } else {
                f.raw.push_str(if tick { "`" } else { "$(" });
                if f.end_command(&mut out) {
                    return out;
                }
            }
            continue;
        }
        if f.dq {
            f.raw.push(c);
            match c {
                '"' => f.dq = false,
                '\\' => f.esc = true,
                c => f.cur.push(c),
            }
            continue;
        }
        if c == ')' && f.dollar && f.parens == 0 {
            if close(&mut stack, ")", &mut out) {
                return out;
            }
            continue;
        }
        f.raw.push(c);
        match c {
            '\'' => {
                f.sq = true;
                f.has = true;
            }
            '"' => {
                f.dq = true;
                f.has = true;
            }
            '\\' => f.esc = true,
            '#' if !f.has => f.comment = true,
            ';' | '|' | '&' | '\n' | '(' | ')' => {
                if c == '(' && f.dollar {
                    f.parens += 1;
                } else if c == ')' && f.dollar {
                    f.parens -= 1;
                }
                if f.end_command(&mut out) {
                    return out;
                }
            }
            c if c.is_whitespace() => f.end_word(),
            c => {
                f.cur.push(c);
                f.has = true;
            }
        }
    }
}

/// Closes the innermost level of [`split_commands`] with `closer`: its last command ends,
/// and the level's text as written joins the word around it. True when `out` is full.
fn close(stack: &mut Vec<Frame>, closer: &str, out: &mut Vec<Vec<String>>) -> bool {
    if stack.len() < 2 {
        return false;
    }
    let Some(mut child) = stack.pop() else {
        return false;
    };
    if child.end_command(out) {
        return true;
    }
    if let Some(parent) = stack.last_mut() {
        let mut text = String::from(if child.tick { "`" } else { "$(" });
        text.push_str(&child.raw);
        text.push_str(closer);
        parent.cur.push_str(&text);
        parent.raw.push_str(&text);
        parent.has = true;
    }
    false
}

/// True for the words [`split`] emits for shell operators.
pub fn is_operator(word: &str) -> bool {
    matches!(word, ";" | "|" | "||" | "&" | "&&")
}

/// Splits a Windows command line the way `CommandLineToArgvW` does, simplified:
/// whitespace separates words, double quotes group, backslashes are literal
/// except before a double quote (`\"` is a quote).
///
/// ```
/// assert_eq!(cadet_core::parts::text::split_windows(r#""C:\Program Files\Docker\docker.exe" exec -it web cmd"#),
///            [r"C:\Program Files\Docker\docker.exe", "exec", "-it", "web", "cmd"]);
/// ```
pub fn split_windows(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let (mut has_word, mut quoted) = (false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
                has_word = true;
            }
            '"' => {
                quoted = !quoted;
                has_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if has_word {
                    words.push(core::mem::take(&mut cur));
                    has_word = false;
                }
            }
            c => {
                cur.push(c);
                has_word = true;
            }
        }
    }
    if has_word {
        words.push(cur);
    }
    words
}

/// True for a command line that names a Windows program (`C:\...`, `"C:\...`, `\\server\...`).
pub fn is_windows_command(line: &str) -> bool {
    let t = line.trim_start().trim_start_matches('"').as_bytes();
    (t.len() > 2 && t[0].is_ascii_alphabetic() && t[1] == b':' && t[2] == b'\\')
        || t.starts_with(b"\\\\")
}

/// The arguments of a command string split like a shell would (`cmd=` of the kubelet `/run`).
pub fn split_command(s: &str) -> Vec<Cow<'static, str>> {
    crate::text::shell_words::split(s)
        .into_iter()
        .map(Cow::Owned)
        .collect()
}
