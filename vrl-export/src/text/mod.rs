//! VRL literals (strings, arrays, regexes, comments), and the text helpers of core `text`
//! (ASCII case, clean paths) emitted as VRL.

pub(crate) mod json;
pub(crate) mod shell_words;
pub(crate) mod time;
pub(crate) mod wildcard;

use alloc::format;
use alloc::string::String;

use crate::program::Out;

/// A VRL string literal (`"..."`) for `s`: quotes, backslashes and template braces escaped.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A VRL array literal of strings.
pub fn strings<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("[");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&string(s.as_ref()));
    }
    out.push(']');
    out
}

/// A VRL regex literal (`r'...'`) for the regular expression `re`.
pub fn regex(re: &str) -> String {
    let mut out = String::from("r'");
    for c in re.chars() {
        if c == '\'' {
            out.push_str("\\'");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Escapes `s` so a regular expression matches it literally.
pub fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The candidate paths of the (possibly dotted) key `key` of `base`, in the order the
/// core's `get_dotted` tries them: the whole name as a flat key first, then the part
/// before the first dot as an object and the rest looked up the same way.
///
/// Mirrors core `text::json::get_dotted`.
pub fn dotted_candidates(base: &str, key: &str) -> alloc::vec::Vec<String> {
    let mut candidates = alloc::vec::Vec::new();
    let parts: alloc::vec::Vec<&str> = key.split('.').collect();
    for split in 0..parts.len() {
        let mut path = String::from(base);
        for p in &parts[..split] {
            path.push('.');
            path.push_str(&string(p));
        }
        path.push('.');
        path.push_str(&string(&parts[split..].join(".")));
        candidates.push(path);
    }
    candidates
}

/// A VRL comment block (every line prefixed with `# `).
pub fn comment(text: &str, indent: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str(indent);
            out.push_str("#\n");
        } else {
            out.push_str(indent);
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `out = <ASCII lower case of the string variable v>` (core: `to_ascii_lowercase`).
///
/// Mirrors core `text::lower`.
pub(crate) fn ascii_lower(o: &mut Out, out: &str, v: &str) {
    o.push(&format!(
        "{out} = if match({v}, r'^[\\x00-\\x7F]*$') {{ downcase({v}) }} else {{ replace_with({v}, r'[A-Z]+') -> |m| {{ downcase(m.string) }} }}"
    ));
}

pub(crate) fn ascii_upper(o: &mut Out, out: &str, v: &str) {
    o.push(&format!(
        "{out} = if match({v}, r'^[\\x00-\\x7F]*$') {{ upcase({v}) }} else {{ replace_with({v}, r'[a-z]+') -> |m| {{ upcase(m.string) }} }}"
    ));
}

/// `clean_path(p)` as an expression over a string expression.
///
/// Mirrors core `text::clean_path`.
pub(crate) fn clean_path(p: &str) -> String {
    format!(
        "\"/\" + join!(filter(split({p}, \"/\")) -> |_i, s| {{ s != \"\" && s != \".\" }}, \"/\")"
    )
}

/// Lower-cases (ASCII) the variable `v` when it is not null.
///
/// Mirrors core `text::lower`.
pub(crate) fn lower_in_place(o: &mut Out, v: &str) {
    let t = o.var("lc");
    o.push(&format!("if {v} != null {{\n{t} = string!({v})"));
    ascii_lower(o, v, &t);
    o.push("}");
}
