//! Line reading with bounded memory: a line longer than [`MAX_LINE`] is never
//! held whole; its head is returned and the rest can be streamed on or skipped.

use std::io::{self, BufRead, BufReader, Read, Write};

/// The longest line held in memory (bytes). Longer lines pass through unscored.
pub const MAX_LINE: usize = 8 << 20;

/// Reads `\n`-separated lines (a trailing `\r` is kept; the core trims it).
pub struct LineReader<R: Read> {
    inner: BufReader<R>,
    buf: Vec<u8>,
}

/// One line.
pub enum Line<'a> {
    /// The whole line, without its newline.
    Whole(&'a [u8]),
    /// The first [`MAX_LINE`] bytes; the rest of the line is still unread.
    TooLong {
        /// The bytes read so far.
        head: &'a [u8],
        /// Marker that the caller must stream or skip the rest.
        rest: RestOfLine,
    },
}

/// Proof that a long line's remainder is still to be consumed.
pub struct RestOfLine(());

impl<R: Read> LineReader<R> {
    /// Wraps a reader.
    pub fn new(inner: R) -> Self {
        LineReader {
            inner: BufReader::with_capacity(1 << 16, inner),
            buf: Vec::new(),
        }
    }

    /// The next line, or `None` at the end of input.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        if self.buf.capacity() > 4 * MAX_LINE {
            self.buf.shrink_to(1 << 16);
        }
        loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                return Ok(if self.buf.is_empty() {
                    None
                } else {
                    Some(Line::Whole(&self.buf))
                });
            }
            let room = MAX_LINE - self.buf.len();
            match memchr(available) {
                Some(at) if at <= room => {
                    self.buf.extend_from_slice(&available[..at]);
                    self.inner.consume(at + 1);
                    return Ok(Some(Line::Whole(&self.buf)));
                }
                _ => {
                    let take = available.len().min(room);
                    self.buf.extend_from_slice(&available[..take]);
                    self.inner.consume(take);
                    if self.buf.len() == MAX_LINE {
                        return Ok(Some(Line::TooLong {
                            head: &self.buf,
                            rest: RestOfLine(()),
                        }));
                    }
                }
            }
        }
    }

    /// Copies the rest of a long line (without its newline) to `out`.
    pub fn copy_rest_of_line(&mut self, _rest: RestOfLine, out: &mut impl Write) -> io::Result<()> {
        self.drain(Some(out))
    }

    /// Skips the rest of a long line.
    pub fn skip_rest_of_line(&mut self, _rest: RestOfLine) -> io::Result<()> {
        self.drain(None::<&mut io::Sink>)
    }

    fn drain<W: Write>(&mut self, mut out: Option<&mut W>) -> io::Result<()> {
        loop {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                return Ok(());
            }
            let (chunk, done) = match memchr(available) {
                Some(at) => (at, true),
                None => (available.len(), false),
            };
            if let Some(o) = out.as_mut() {
                o.write_all(&available[..chunk])?;
            }
            self.inner.consume(chunk + done as usize);
            if done {
                return Ok(());
            }
        }
    }
}

fn memchr(haystack: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', haystack)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_split_and_streamed() {
        let mut input = vec![b'a'; MAX_LINE + 10];
        input.extend_from_slice(b"\nshort\nlast");
        let mut r = LineReader::new(&input[..]);
        match r.next_line().unwrap().unwrap() {
            Line::TooLong { head, rest } => {
                assert_eq!(head.len(), MAX_LINE);
                let mut out = Vec::new();
                r.copy_rest_of_line(rest, &mut out).unwrap();
                assert_eq!(out.len(), 10);
            }
            Line::Whole(_) => panic!("expected a long line"),
        }
        assert!(matches!(
            r.next_line().unwrap(),
            Some(Line::Whole(b"short"))
        ));
        assert!(matches!(r.next_line().unwrap(), Some(Line::Whole(b"last"))));
        assert!(r.next_line().unwrap().is_none());
    }
}
