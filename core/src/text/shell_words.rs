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
