//! `cadet scan --threads N`: records prepared on N worker threads, finished in input order.
//!
//! The engine's verdict of a record can depend on the records before it (the set of scored
//! requests, correlations, the first-seen state), so records are not shared out among
//! engines. Instead the calling thread reads lines into [`Batch`]es (at most
//! [`BATCH_LINES`] lines or [`BATCH_BYTES`] bytes, a longer line alone) and hands them to the
//! workers, each with its own engine built from the same configuration, which run the
//! stateless [`Engine::prepare`] on every record and, for the records whose verdict is final
//! then (most of them), write the output line at once through the same
//! [`RecordSink::line`] the one-thread scan uses. Batches come back in any order; the calling
//! thread takes them in input order and runs [`Engine::finish`] on its own engine, the one
//! that keeps the state, for every record: a move for the final ones, a look-up in the scored
//! set, or — for the records some rule hits — the whole [`Engine::score`]. So the verdicts are
//! those of `--threads 1`, byte for byte, and the output is in input order.
//!
//! Memory: at most `4 × threads + 2` batches are in flight (and no more than
//! [`IN_FLIGHT_BYTES`] of input unless a single batch is larger), each holding its lines and
//! their output lines; plus one engine per worker.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Mutex;

use cadet_core::{Config, Engine, Prepared};

use crate::output_format::RecordWriter;
use crate::record_sink::RecordSink;
use crate::report::Summary;

/// Most lines in one batch.
pub const BATCH_LINES: usize = 1024;

/// A batch is handed out once it holds this many bytes of lines.
pub const BATCH_BYTES: usize = 256 << 10;

/// Batches in flight per worker (plus two): enough queued work (several milliseconds) that a
/// worker does not wait while the ordered thread is not running, on a busy machine.
pub const IN_FLIGHT_PER_THREAD: usize = 4;

/// Input bytes in flight beyond which the reader waits (a single larger batch still goes).
pub const IN_FLIGHT_BYTES: usize = 16 << 20;

/// A batch and its place in the input (0, 1, 2, …).
pub type Job = (u64, Batch);

/// The workers' shared end of the job channel.
pub type JobQueue = Mutex<Receiver<Job>>;

/// Lines read together, and what the workers made of them.
#[derive(Default)]
pub struct Batch {
    /// The lines, one after the other (without their newlines).
    bytes: Vec<u8>,
    /// Where each line ends in `bytes`.
    ends: Vec<usize>,
    /// `Engine::prepare` of each line; `None` when the worker wrote the record out already
    /// (its verdict was final: counted in `counted`, its line in `lines`).
    prepared: Vec<Option<Prepared>>,
    /// The output lines of the records whose verdict was final after `prepare`.
    lines: Vec<u8>,
    /// Where each record's output line ends in `lines` (empty for the others).
    line_ends: Vec<usize>,
    /// The summary counts of the records written by the worker.
    counted: Option<Summary>,
}

impl Batch {
    fn push(&mut self, line: &[u8]) {
        self.bytes.extend_from_slice(line);
        self.ends.push(self.bytes.len());
    }

    fn is_full(&self) -> bool {
        self.ends.len() >= BATCH_LINES || self.bytes.len() >= BATCH_BYTES
    }

    fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.prepared.clear();
        self.lines.clear();
        self.line_ends.clear();
        if let Some(counted) = &mut self.counted {
            counted.clear();
        }
    }

    /// The worker's part: prepare every record; with `output`, write out (and count) the
    /// records whose verdict is final, which then need nothing more.
    fn prepare(&mut self, engine: &Engine, output: Option<(&RecordWriter, bool)>) {
        let mut start = 0;
        for &end in &self.ends {
            let record = &self.bytes[start..end];
            start = end;
            let prepared = engine.prepare(record);
            let pending = match (output, prepared.verdict()) {
                (Some((writer, all)), Some(verdict)) => {
                    RecordSink::line(writer, all, record, verdict, &mut self.lines);
                    self.counted
                        .get_or_insert_with(|| Summary::new(engine.profile()))
                        .add(verdict, record.len());
                    None
                }
                _ => Some(prepared),
            };
            self.line_ends.push(self.lines.len());
            self.prepared.push(pending);
        }
    }
}

/// The calling thread's side: batching, hand-out, and the ordered finish.
pub struct ParallelScan {
    engine: Engine,
    jobs: Option<Sender<Job>>,
    done: Receiver<Job>,
    filling: Batch,
    /// Batches handed out so far, and the sequence number of the next to finish.
    sent: u64,
    next: u64,
    /// Input bytes of the batches handed out and not yet finished.
    in_flight_bytes: usize,
    in_flight_limit: usize,
    /// Batches back from the workers ahead of their turn.
    waiting: BTreeMap<u64, Batch>,
    /// Finished batches, to reuse their buffers.
    spare: Vec<Batch>,
}

/// The work of one worker thread: its own engine, batches until the channel closes.
fn work(
    config: &Config,
    output: Option<(&RecordWriter, bool)>,
    jobs: &JobQueue,
    done: Sender<Job>,
) {
    // The calling thread built an engine from the same configuration, so this one builds
    // too; if it did not, dropping `done` tells the calling thread.
    let Ok(engine) = Engine::new(config) else {
        return;
    };
    loop {
        let job = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let Ok((seq, mut batch)) = job else { return };
        batch.prepare(&engine, output);
        if done.send((seq, batch)).is_err() {
            return;
        }
    }
}

impl ParallelScan {
    /// Starts `threads` workers in `scope`; `engine` (built from `config`, state restored)
    /// finishes the records.
    pub fn start<'scope, 'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        threads: usize,
        config: &'env Config,
        engine: Engine,
        sink: &RecordSink<'env>,
        jobs: &'env JobQueue,
        jobs_tx: Sender<Job>,
    ) -> ParallelScan {
        let (done_tx, done) = mpsc::channel();
        // Workers write the output lines of final records, unless the output is a table.
        let output = sink.writes_lines().then(|| (sink.writer(), sink.all()));
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            scope.spawn(move || work(config, output, jobs, done_tx));
        }
        ParallelScan {
            engine,
            jobs: Some(jobs_tx),
            done,
            filling: Batch::default(),
            sent: 0,
            next: 0,
            in_flight_bytes: 0,
            in_flight_limit: IN_FLIGHT_PER_THREAD * threads + 2,
            waiting: BTreeMap::new(),
            spare: Vec::new(),
        }
    }

    /// The job channel the workers share (make it before [`ParallelScan::start`], in the
    /// scope's environment).
    pub fn channel() -> (Sender<Job>, JobQueue) {
        let (tx, rx) = mpsc::channel();
        (tx, Mutex::new(rx))
    }

    /// The engine that keeps the state (for its profile and `export_state`).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The next line of input.
    pub fn record(&mut self, line: &[u8], sink: &mut RecordSink) -> Result<(), String> {
        self.filling.push(line);
        if self.filling.is_full() {
            self.hand_out(sink)?;
        }
        Ok(())
    }

    /// Finishes every line read so far (before a long line, and at the end).
    pub fn flush(&mut self, sink: &mut RecordSink) -> Result<(), String> {
        self.hand_out(sink)?;
        while self.next < self.sent {
            self.take_one(sink)?;
        }
        Ok(())
    }

    /// Hands the filling batch to the workers, first finishing batches while too many are
    /// in flight.
    fn hand_out(&mut self, sink: &mut RecordSink) -> Result<(), String> {
        if self.filling.is_empty() {
            return Ok(());
        }
        let bytes = self.filling.bytes.len();
        while self.sent > self.next
            && (self.sent - self.next >= self.in_flight_limit as u64
                || self.in_flight_bytes + bytes > IN_FLIGHT_BYTES)
        {
            self.take_one(sink)?;
        }
        let batch = std::mem::replace(&mut self.filling, self.spare.pop().unwrap_or_default());
        let jobs = self.jobs.as_ref().ok_or("scan workers stopped")?;
        jobs.send((self.sent, batch))
            .map_err(|_| "scan workers stopped".to_string())?;
        self.sent += 1;
        self.in_flight_bytes += bytes;
        Ok(())
    }

    /// Waits for one batch to come back and finishes every batch whose turn it is.
    fn take_one(&mut self, sink: &mut RecordSink) -> Result<(), String> {
        let (seq, batch) = self
            .done
            .recv()
            .map_err(|_| "scan workers stopped".to_string())?;
        self.waiting.insert(seq, batch);
        while let Some(batch) = self.waiting.remove(&self.next) {
            self.next += 1;
            self.in_flight_bytes -= batch.bytes.len();
            self.finish(batch, sink)?;
        }
        Ok(())
    }

    /// The ordered step of one batch: `Engine::finish` of every record the worker did not
    /// write out, and the output in input order.
    fn finish(&mut self, mut batch: Batch, sink: &mut RecordSink) -> Result<(), String> {
        let write = |e: std::io::Error| format!("write: {e}");
        let mut start = 0;
        // Lines the worker wrote, from here up to the next record it left to finish.
        let mut written_from = 0;
        let prepared = std::mem::take(&mut batch.prepared);
        for ((&end, &line_end), prepared) in batch.ends.iter().zip(&batch.line_ends).zip(prepared) {
            let record = &batch.bytes[start..end];
            start = end;
            let Some(prepared) = prepared else { continue };
            // The lines written before this record (line_end: this one writes none).
            sink.out
                .write_all(&batch.lines[written_from..line_end])
                .map_err(write)?;
            written_from = line_end;
            let verdict = self.engine.finish(record, prepared);
            sink.record(record, &verdict).map_err(write)?;
        }
        let empty = Summary::new(self.engine.profile());
        sink.written_lines(
            &batch.lines[written_from..],
            batch.counted.as_ref().unwrap_or(&empty),
        )
        .map_err(write)?;
        batch.clear();
        self.spare.push(batch);
        Ok(())
    }

    /// Returns the engine; the job channel closes, which ends the workers (so the scope can
    /// join them).
    pub fn into_engine(self) -> Engine {
        self.engine
    }
}
