//! Writing a record back out with its verdict: one JSON object per record, whatever came in.

use alloc::vec::Vec;

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
        StreamedLine::close_object(!trim(&body[1..]).is_empty(), verdict_json, out);
    } else {
        let mut line = StreamedLine::message(out);
        line.text(t, out);
        if core::str::from_utf8(t).is_err() {
            line.bytes(t, out);
        }
        line.close(verdict_json, out);
    }
}

/// The enriched line of a record written in pieces, for a host that streams a line too long
/// to hold in memory (the CLI's lines over 8 MiB): the bytes are those [`write_enriched`]
/// writes for the whole line, which is written through this same type.
///
/// A line that is a valid JSON object (the host checks it: trimmed of ASCII whitespace, valid
/// UTF-8, RFC 8259): the host copies the trimmed object without its closing `}` to the output,
/// then calls [`StreamedLine::close_object`]. Any other line: [`StreamedLine::message`], then
/// [`StreamedLine::text`] with every piece of the trimmed line in order, then — only when the
/// line is not valid UTF-8 — [`StreamedLine::bytes`] with every piece again, and
/// [`StreamedLine::close`]. Pieces may split a UTF-8 sequence anywhere.
///
/// ```
/// use cadet_core::StreamedLine;
/// let line = b"caf\xc3\xa9 \xff!";
/// let mut out = Vec::new();
/// let mut w = StreamedLine::message(&mut out);
/// for piece in line.chunks(2) {
///     w.text(piece, &mut out);
/// }
/// for piece in line.chunks(4) {
///     w.bytes(piece, &mut out);
/// }
/// w.close("{}", &mut out);
/// let mut whole = Vec::new();
/// cadet_core::write_enriched(line, "{}", &mut whole);
/// assert_eq!(out, whole);
/// ```
#[derive(Debug)]
pub struct StreamedLine {
    /// The start of a UTF-8 sequence the last text piece ended in (at most 3 bytes).
    utf8: Vec<u8>,
    /// Bytes not yet base64-encoded (at most 2); `None` until the first [`StreamedLine::bytes`].
    base64: Option<Vec<u8>>,
}

impl StreamedLine {
    /// Ends a JSON object record whose bytes without the closing `}` are already in `out`:
    /// writes `,"cadet":<verdict>}` (`"cadet":<verdict>}` for an object with no members).
    pub fn close_object(has_members: bool, verdict_json: &str, out: &mut Vec<u8>) {
        if has_members {
            out.push(b',');
        }
        out.extend_from_slice(b"\"cadet\":");
        out.extend_from_slice(verdict_json.as_bytes());
        out.push(b'}');
    }

    /// Starts the message form: writes `{"message":"`.
    pub fn message(out: &mut Vec<u8>) -> StreamedLine {
        out.extend_from_slice(b"{\"message\":\"");
        StreamedLine {
            utf8: Vec::new(),
            base64: None,
        }
    }

    /// The next piece of the line, written escaped into `message` (invalid UTF-8 as U+FFFD,
    /// exactly as `String::from_utf8_lossy` of the whole line).
    pub fn text(&mut self, piece: &[u8], out: &mut Vec<u8>) {
        if self.utf8.is_empty() {
            self.text_from(piece, out)
        } else {
            let mut joined = core::mem::take(&mut self.utf8);
            joined.extend_from_slice(piece);
            self.text_from(&joined, out)
        }
    }

    fn text_from(&mut self, mut rest: &[u8], out: &mut Vec<u8>) {
        loop {
            match core::str::from_utf8(rest) {
                Ok(s) => return escape_into(s, out),
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    escape_into(core::str::from_utf8(valid).unwrap_or_default(), out);
                    match e.error_len() {
                        Some(n) => {
                            escape_into("\u{FFFD}", out);
                            rest = &after[n..];
                        }
                        None => {
                            // A sequence cut by the end of the piece: the next piece ends it.
                            self.utf8.extend_from_slice(after);
                            return;
                        }
                    }
                }
            }
        }
    }

    /// The next piece of the line's exact bytes, for `message_base64` (only for a line that is
    /// not valid UTF-8); the first call ends `message` and opens `message_base64`.
    pub fn bytes(&mut self, piece: &[u8], out: &mut Vec<u8>) {
        if self.base64.is_none() {
            self.end_text(out);
            out.extend_from_slice(b",\"message_base64\":\"");
        }
        let carry = self.base64.get_or_insert_with(Vec::new);
        let mut piece = piece;
        while !carry.is_empty() && carry.len() < 3 && !piece.is_empty() {
            carry.push(piece[0]);
            piece = &piece[1..];
        }
        if carry.len() == 3 {
            write_base64(carry, out);
            carry.clear();
        }
        let whole = piece.len() / 3 * 3;
        write_base64(&piece[..whole], out);
        carry.extend_from_slice(&piece[whole..]);
    }

    /// Ends the line: closes the last string and writes `,"cadet":<verdict>}`.
    pub fn close(mut self, verdict_json: &str, out: &mut Vec<u8>) {
        match self.base64.take() {
            None => self.end_text(out),
            Some(carry) => {
                write_base64(&carry, out);
                out.push(b'"');
            }
        }
        out.extend_from_slice(b",\"cadet\":");
        out.extend_from_slice(verdict_json.as_bytes());
        out.push(b'}');
    }

    /// Ends `message`: an unfinished UTF-8 sequence at the end of the line is one U+FFFD.
    fn end_text(&mut self, out: &mut Vec<u8>) {
        if !self.utf8.is_empty() {
            self.utf8.clear();
            escape_into("\u{FFFD}", out);
        }
        out.push(b'"');
    }
}

/// `s` escaped as inside a JSON string, without the quotes: serde_json's escaping, as
/// [`write_json_string`](crate::write_json_string) writes it, so every build writes the same bytes.
fn escape_into(s: &str, out: &mut Vec<u8>) {
    if s.is_empty() {
        return;
    }
    let quoted = serde_json::to_string(s).unwrap_or_default();
    out.extend_from_slice(&quoted.as_bytes()[1..quoted.len().saturating_sub(1).max(1)]);
}
