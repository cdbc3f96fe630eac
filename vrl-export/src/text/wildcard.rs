//! Wildcard patterns (core `text::wildcard`) as regular expressions.

use alloc::format;
use alloc::string::{String, ToString};

use crate::text::regex_escape;

/// The wildcard pattern (lower-cased) as an anchored regular expression (core `wildcard.rs`).
///
/// Mirrors core `text::wildcard::build`.
pub(crate) fn wildcard_regex(pattern: &str, any: char, one: char) -> String {
    format!("(?s)^{}$", wildcard_body(pattern, any, one))
}

pub(crate) fn wildcard_body(pattern: &str, any: char, one: char) -> String {
    let mut re = String::new();
    for c in pattern.to_lowercase().chars() {
        if c == any {
            re.push_str(".*");
        } else if c == one {
            re.push('.');
        } else {
            re.push_str(&regex_escape(&c.to_string()));
        }
    }
    re
}
