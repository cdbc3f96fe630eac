//! A line over [`MAX_LINE`](crate::line_reader::MAX_LINE): never held whole, never scored, but
//! written out as one enriched JSON line like any other (issue 15).
//!
//! The line is spilled to a temporary file (unlinked at once where the system allows, so
//! nothing is left behind) while its UTF-8 and its JSON-object shape are checked piece by
//! piece; then it is written out in pieces by [`cadet_core::StreamedLine`], the core's own
//! writer, with the verdict `{"profile": …, "error": "line over 8 MiB: not scored"}`: a JSON
//! object keeps its bytes and gains `"cadet"`, any other line becomes `message` (plus
//! `message_base64` when it is not UTF-8) — the bytes `cadet_core::write_enriched` would write
//! for the whole line. Memory: 64 KiB pieces and the object check's nesting bits.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use cadet_core::StreamedLine;

use crate::json_check::ObjectCheck;

/// The `cadet.error` of a line over the limit.
pub const ERROR: &str = "line over 8 MiB: not scored";

/// Size of the pieces read back from the temporary file.
const PIECE: usize = 64 << 10;

/// A long line being spilled: `Write` it whole (without its newline), then
/// [`Spill::write_enriched`].
pub struct Spill {
    file: File,
    /// Set while the file still has a name to remove.
    path: Option<PathBuf>,
    len: u64,
    /// Offset of the first byte that is not ASCII whitespace.
    start: Option<u64>,
    /// Offset just past the last byte that is not ASCII whitespace.
    end: u64,
    utf8: Utf8Check,
    object: ObjectCheck,
}

impl Spill {
    /// A new, empty temporary file in the system's temporary directory.
    pub fn new() -> io::Result<Spill> {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "cadet-long-line-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        // Unlinked while open (Unix): the data stays reachable through `file` only.
        let path = std::fs::remove_file(&path).err().map(|_| path);
        Ok(Spill {
            file,
            path,
            len: 0,
            start: None,
            end: 0,
            utf8: Utf8Check::default(),
            object: ObjectCheck::default(),
        })
    }

    /// Writes the line, enriched with `verdict_json`, to `out` (no newline).
    pub fn write_enriched(mut self, verdict_json: &str, out: &mut impl Write) -> io::Result<()> {
        let start = self.start.unwrap_or(self.len);
        let end = self.end.max(start);
        let mut buf = Vec::with_capacity(2 * PIECE);
        let valid_utf8 = self.utf8.finish();
        match self.object.finish().filter(|_| valid_utf8) {
            Some(has_members) => {
                // The trimmed object without its closing brace, then the verdict.
                self.pieces(start, end - 1, |piece| out.write_all(piece))?;
                StreamedLine::close_object(has_members, verdict_json, &mut buf);
            }
            None => {
                let mut line = StreamedLine::message(&mut buf);
                self.pieces(start, end, |piece| {
                    line.text(piece, &mut buf);
                    out.write_all(&buf)?;
                    buf.clear();
                    Ok(())
                })?;
                if !valid_utf8 {
                    self.pieces(start, end, |piece| {
                        line.bytes(piece, &mut buf);
                        out.write_all(&buf)?;
                        buf.clear();
                        Ok(())
                    })?;
                }
                line.close(verdict_json, &mut buf);
            }
        }
        out.write_all(&buf)
    }

    /// Calls `f` with the bytes `from..to` of the file, in pieces.
    fn pieces(
        &mut self,
        from: u64,
        to: u64,
        mut f: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(from))?;
        let mut left = to.saturating_sub(from);
        let mut piece = vec![0; PIECE];
        while left > 0 {
            let want = piece.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = self.file.read(&mut piece[..want])?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "temporary file of a long line ended early",
                ));
            }
            f(&piece[..n])?;
            left -= n as u64;
        }
        Ok(())
    }
}

impl Write for Spill {
    fn write(&mut self, piece: &[u8]) -> io::Result<usize> {
        self.file.write_all(piece)?;
        if let Some(i) = piece.iter().position(|b| !b.is_ascii_whitespace()) {
            self.start.get_or_insert(self.len + i as u64);
        }
        if let Some(i) = piece.iter().rposition(|b| !b.is_ascii_whitespace()) {
            self.end = self.len + i as u64 + 1;
        }
        self.len += piece.len() as u64;
        self.utf8.feed(piece);
        self.object.feed(piece);
        Ok(piece.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// UTF-8 validity of a line fed in pieces that may split a sequence.
#[derive(Default)]
struct Utf8Check {
    /// The start of a sequence the last piece ended in.
    carry: Vec<u8>,
    invalid: bool,
}

impl Utf8Check {
    fn feed(&mut self, piece: &[u8]) {
        if self.invalid {
            return;
        }
        let joined;
        let bytes = if self.carry.is_empty() {
            piece
        } else {
            let mut j = std::mem::take(&mut self.carry);
            j.extend_from_slice(piece);
            joined = j;
            &joined[..]
        };
        if let Err(e) = std::str::from_utf8(bytes) {
            match e.error_len() {
                Some(_) => self.invalid = true,
                None => self.carry = bytes[e.valid_up_to()..].to_vec(),
            }
        }
    }

    /// True when every piece together was valid UTF-8.
    fn finish(&self) -> bool {
        !self.invalid && self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The long-line path writes what the core writes for the same line held whole.
    fn same_as_core(line: &[u8]) {
        let mut spill = Spill::new().unwrap();
        // Odd piece sizes, so UTF-8 sequences and tokens are split.
        for piece in line.chunks(7) {
            spill.write_all(piece).unwrap();
        }
        let mut out = Vec::new();
        spill
            .write_enriched(r#"{"profile":"p"}"#, &mut out)
            .unwrap();
        let mut want = Vec::new();
        cadet_core::write_enriched(line, r#"{"profile":"p"}"#, &mut want);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&want),
            "{}",
            String::from_utf8_lossy(line)
        );
    }

    #[test]
    fn long_line_output_equals_the_core_writer() {
        for line in [
            &b"plain text \"quoted\" \\ tab\t"[..],
            b"  {\"a\": [1, 2, {\"b\": \"caf\xc3\xa9\"}]}  \r",
            b"{ }",
            b"{\"a\":1",
            b"{\"a\":\"\xff\"}",
            b"caf\xc3\xa9 \xe2\x82 cut \xf0\x9f\x90\xb3 whale \xff\xfe end \xc3",
            b"\xef\xbb\xbf{\"bom\":1}",
            b"   ",
            b"",
            b"\x00\x01 nul {\"a\":\"\x00\"}",
        ] {
            same_as_core(line);
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        same_as_core(deep.as_bytes());
        // What the whole-line writer gives, spelled out (so a bug shared with it shows).
        let mut spill = Spill::new().unwrap();
        spill.write_all(b" caf\xc3").unwrap();
        spill.write_all(b"\xa9 \"\xff\" ").unwrap();
        let mut out = Vec::new();
        spill.write_enriched("{}", &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"message":"café \"\u{fffd}\"","message_base64":"Y2Fmw6kgIv8i","cadet":{}}"#
                .replace("\\u{fffd}", "\u{fffd}")
        );
        let mut spill = Spill::new().unwrap();
        spill.write_all(b"{\"a\":").unwrap();
        spill.write_all(b"1} ").unwrap();
        let mut out = Vec::new();
        spill.write_enriched("{}", &mut out).unwrap();
        assert_eq!(out, br#"{"a":1,"cadet":{}}"#);
        let mut big = vec![b'x'; 300_000];
        big.extend_from_slice(b"\xe2\x82\xac\xff");
        same_as_core(&big);
    }
}
