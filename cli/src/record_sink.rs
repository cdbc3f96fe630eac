//! Where `cadet scan` puts each scored record, in input order: the output line (through
//! [`RecordWriter`], the one writer of every output format), the `--format table` rows and the
//! summary. Both the one-thread scan and the threaded one ([`crate::parallel_scan`]) end here.

use std::io::{self, BufWriter, StdoutLock, Write};

use cadet_core::Verdict;

use crate::output_format::RecordWriter;
use crate::report::{Summary, Table};

/// The end of the scan pipeline.
pub struct RecordSink<'w> {
    /// Standard output.
    pub out: BufWriter<StdoutLock<'static>>,
    writer: &'w RecordWriter,
    /// Write every record (`--all`), not only matches.
    all: bool,
    /// Rows for `--format table` (`None`: NDJSON).
    pub table: Option<Table>,
    /// The end-of-run counts.
    pub summary: Summary,
    /// The line being written.
    buf: Vec<u8>,
}

impl<'w> RecordSink<'w> {
    /// A sink writing NDJSON (or collecting a table when `table`) to standard output.
    pub fn new(writer: &'w RecordWriter, all: bool, table: bool, profile: &str) -> Self {
        RecordSink {
            out: BufWriter::with_capacity(1 << 16, io::stdout().lock()),
            writer,
            all,
            table: table.then(Table::new),
            summary: Summary::new(profile),
            buf: Vec::new(),
        }
    }

    /// True when the output line of a record whose verdict is `verdict` can be written before
    /// the record's turn (by a worker thread, through [`RecordSink::line`]): NDJSON output.
    pub fn writes_lines(&self) -> bool {
        self.table.is_none()
    }

    /// Appends the output line of `record` (with its newline) to `out`, or nothing when the
    /// record is not written (not matched without `--all`, or no alert for it).
    pub fn line(
        writer: &RecordWriter,
        all: bool,
        record: &[u8],
        verdict: &Verdict,
        out: &mut Vec<u8>,
    ) {
        if (verdict.matched || all) && writer.write(record, verdict, out) {
            out.push(b'\n');
        }
    }

    /// The next record in input order and its verdict.
    pub fn record(&mut self, record: &[u8], verdict: &Verdict) -> io::Result<()> {
        self.summary.add(verdict, record.len());
        match &mut self.table {
            Some(table) => {
                if verdict.matched || self.all {
                    table.push(record, verdict);
                }
                Ok(())
            }
            None => {
                self.buf.clear();
                RecordSink::line(self.writer, self.all, record, verdict, &mut self.buf);
                self.out.write_all(&self.buf)
            }
        }
    }

    /// The output lines of records already counted (in `counted`) and written by a worker
    /// ([`RecordSink::line`]), in input order.
    pub fn written_lines(&mut self, lines: &[u8], counted: &Summary) -> io::Result<()> {
        self.summary.merge(counted);
        self.out.write_all(lines)
    }

    /// The `--all` flag.
    pub fn all(&self) -> bool {
        self.all
    }

    /// The record writer.
    pub fn writer(&self) -> &'w RecordWriter {
        self.writer
    }
}
