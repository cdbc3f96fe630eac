//! Writing a record back out with its verdict: one JSON object per record, whatever came in.

use alloc::string::String;
use alloc::vec::Vec;

use crate::text::json::write_json_string;
use crate::text::write_base64;

/// Which records a host writes out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputMode {
    /// Every record, in input order, enriched with its verdict (the pipeline default: nothing
    /// is lost).
    #[default]
    All,
    /// Only the records that matched (an alert stream).
    MatchesOnly,
}

impl OutputMode {
    /// Both modes.
    pub const ALL: [OutputMode; 2] = [OutputMode::All, OutputMode::MatchesOnly];

    /// The name hosts use in their settings: `all`, `matches-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputMode::All => "all",
            OutputMode::MatchesOnly => "matches-only",
        }
    }

    /// Parses a mode name (see [`OutputMode::as_str`]).
    ///
    /// ```
    /// use cadet_core::OutputMode;
    /// assert_eq!(OutputMode::parse("matches-only"), Some(OutputMode::MatchesOnly));
    /// assert_eq!(OutputMode::parse("enrich"), None);
    /// ```
    pub fn parse(name: &str) -> Option<OutputMode> {
        OutputMode::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

/// Leading and trailing ASCII whitespace removed.
pub fn trim(record: &[u8]) -> &[u8] {
    let start = record
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(record.len());
    let end = record
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map(|e| e + 1)
        .unwrap_or(start);
    &record[start..end.max(start)]
}

/// True when `t` (trimmed) is one valid JSON object and nothing else, in valid UTF-8 (serde
/// skips ignored strings without checking their UTF-8).
fn is_json_object(t: &[u8]) -> bool {
    t.len() >= 2
        && t[0] == b'{'
        && t[t.len() - 1] == b'}'
        && core::str::from_utf8(t).is_ok()
        && serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok()
}

/// Writes `record` with `"cadet": verdict_json` added, as one JSON object.
///
/// A valid JSON object keeps its bytes and gains the key before its closing brace. Anything
/// else (raw text, malformed or truncated JSON, a JSON array) is carried whole as a string:
/// `{"message": "<line>", "cadet": ...}`, with `message_base64` holding the exact bytes when the
/// line is not valid UTF-8 (`message` then has U+FFFD in place of the invalid bytes).
///
/// ```
/// let mut out = Vec::new();
/// cadet_core::write_enriched(br#"{"a":1"#, "{}", &mut out);
/// assert_eq!(out, br#"{"message":"{\"a\":1","cadet":{}}"#);
/// ```
pub fn write_enriched(record: &[u8], verdict_json: &str, out: &mut Vec<u8>) {
    write_checked(record, verdict_json, None, out)
}

/// [`write_enriched`] when the caller already knows whether the record is a valid JSON object
/// (the engine parsed it): `Some(true)` skips the check.
pub(crate) fn write_checked(
    record: &[u8],
    verdict_json: &str,
    known_object: Option<bool>,
    out: &mut Vec<u8>,
) {
    let t = trim(record);
    if known_object.unwrap_or_else(|| is_json_object(t)) {
        let body = &t[..t.len() - 1];
        out.extend_from_slice(body);
        if trim(&body[1..]).is_empty() {
            out.extend_from_slice(b"\"cadet\":");
        } else {
            out.extend_from_slice(b",\"cadet\":");
        }
    } else {
        out.extend_from_slice(b"{\"message\":");
        match core::str::from_utf8(t) {
            Ok(text) => write_json_string(out, text),
            Err(_) => {
                write_json_string(out, &String::from_utf8_lossy(t));
                out.extend_from_slice(b",\"message_base64\":\"");
                write_base64(t, out);
                out.push(b'"');
            }
        }
        out.extend_from_slice(b",\"cadet\":");
    }
    out.extend_from_slice(verdict_json.as_bytes());
    out.push(b'}');
}
