//! `cadet`: scan log records for container-administration abuse (MITRE T1609, T1059.013).
//!
//! A thin binary: all detection lives in `cadet-core`; this file reads lines,
//! writes enriched NDJSON and prints a summary.

mod import_sigma;
mod json_check;
mod line_reader;
mod long_line;
mod output_format;
mod parallel_scan;
mod record_sink;
mod report;

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use cadet_core::{Config, Engine, Verdict};
use clap::{Parser, Subcommand, ValueEnum};

use line_reader::{Line, LineReader, MAX_LINE};
use parallel_scan::ParallelScan;
use record_sink::RecordSink;
use report::Summary;

/// Bundled sample events for `cadet demo`: the six Atomic Red Team tests of the seed
/// detections, evasions the literal queries miss, and routine benign use.
const DEMO: &str = include_str!("../samples/demo.jsonl");

#[derive(Parser)]
#[command(
    name = "cadet",
    version,
    about = "Container administration abuse detection (MITRE T1609, T1059.013) for log records"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One enriched JSON record per line.
    Ndjson,
    /// A table for people.
    Table,
}

#[derive(clap::Args)]
struct PackArgs {
    /// Profile: cadet, qradar-t1609, elastic-t1609, qradar-t1059-013.
    #[arg(long, short, default_value = "cadet")]
    profile: String,
    /// A rule pack (TOML) replacing the embedded one (`cadet rules --export` prints it).
    #[arg(long, short)]
    rules: Option<PathBuf>,
    /// Lowest score that counts as a match (overrides the profile's).
    #[arg(long, short)]
    threshold: Option<u32>,
}

#[derive(Subcommand)]
enum Command {
    /// Scan JSON lines or raw text lines and write enriched records.
    Scan {
        #[command(flatten)]
        pack: PackArgs,
        /// Write every record (enriched), one line per input line, in order; default: matches only.
        #[arg(long, short)]
        all: bool,
        /// Output format.
        #[arg(long, short, value_enum, default_value = "ndjson")]
        format: Format,
        /// Keep first-seen state (new user, new source IP, exec spikes) in this file across runs.
        #[arg(long)]
        state: Option<PathBuf>,
        /// Keep first-seen state during this run only.
        #[arg(long)]
        first_seen: bool,
        /// How many recently matched requests (audit IDs) to remember, so that each request is
        /// matched once whatever stages the audit log holds; 0: every stage of a long-running
        /// request is matched and names its stage. Saved in the --state file.
        #[arg(long, value_name = "N", default_value_t = cadet_core::DEFAULT_SCORED_REQUESTS)]
        scored_requests: usize,
        #[command(flatten)]
        output: output_format::OutputArgs,
        /// Threads that prepare records (parse, normalise, evaluate the rules); one more
        /// thread reads, finishes the records in input order (scored requests, correlations,
        /// first-seen state) and writes. Output and verdicts are those of `--threads 1`.
        /// Default: the number of cores.
        #[arg(long, value_name = "N")]
        threads: Option<NonZeroUsize>,
        /// Files to read (`-` or none: standard input).
        files: Vec<PathBuf>,
    },
    /// Run cadet on the bundled sample events and show a table.
    Demo {
        #[command(flatten)]
        pack: PackArgs,
    },
    /// List the rules of a profile (or print the whole pack with --export).
    Rules {
        #[command(flatten)]
        pack: PackArgs,
        /// Print the rule pack (TOML) instead of the list.
        #[arg(long)]
        export: bool,
        /// Show the rules whose id starts with this in full: description, references, false
        /// positives and condition.
        id: Option<String>,
    },
    /// List the fields rule conditions can use.
    Fields,
    /// Convert rules of another format into a cadet rule pack.
    Import {
        #[command(subcommand)]
        source: import_sigma::ImportSource,
    },
    /// Compile the rule pack and profile to another engine's language.
    Export {
        #[command(subcommand)]
        target: ExportTarget,
    },
}

#[derive(Subcommand)]
enum ExportTarget {
    /// A VRL program for Vector's `remap` transform (see vector-config/README.md).
    Vrl {
        /// Profile: cadet, qradar-t1609, elastic-t1609, qradar-t1059-013.
        #[arg(long, short, default_value = "cadet")]
        profile: String,
        /// A rule pack (TOML) replacing the embedded one.
        #[arg(long, short)]
        rules: Option<PathBuf>,
        /// `all` sets `.cadet` on every event; `matches-only` aborts the others (use `drop_on_abort`).
        #[arg(long, default_value = "all", value_parser = ["all", "matches-only"])]
        mode: String,
    },
}

/// An error with the process exit code it maps to.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    fn io(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Scan {
            pack,
            all,
            format,
            state,
            first_seen,
            scored_requests,
            output,
            threads,
            files,
        } => {
            let keep = Keep {
                state,
                first_seen,
                scored_requests,
            };
            let threads = threads
                .or_else(|| std::thread::available_parallelism().ok())
                .map_or(1, NonZeroUsize::get);
            scan(&pack, all, format, keep, threads, &files, &output)
        }
        Command::Demo { pack } => demo(&pack),
        Command::Rules { pack, export, id } => rules(&pack, export, id.as_deref()),
        Command::Export {
            target:
                ExportTarget::Vrl {
                    profile,
                    rules,
                    mode,
                },
        } => export_vrl(&profile, rules, &mode),
        Command::Import { source } => {
            import_sigma::run(source).map_err(|(code, message)| Failure { code, message })
        }
        Command::Fields => {
            for f in cadet_core::fields::all() {
                let scope = match f.scope() {
                    cadet_core::fields::Scope::Event => "event",
                    cadet_core::fields::Scope::Segment => "command",
                };
                println!(
                    "{:<34} {:<5} {scope:<7} {}",
                    f.name,
                    format!("{:?}", f.kind).to_lowercase(),
                    f.doc
                );
            }
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("cadet: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn engine(pack: &PackArgs, state_capacity: usize) -> Result<Engine, Failure> {
    engine_with(pack, state_capacity, cadet_core::DEFAULT_SCORED_REQUESTS)
}

fn engine_with(
    pack: &PackArgs,
    state_capacity: usize,
    scored_requests: usize,
) -> Result<Engine, Failure> {
    let config = config_for(pack, state_capacity, scored_requests)?;
    Engine::new(&config).map_err(|e| Failure::usage(e.to_string()))
}

/// The engine configuration of the command line's pack arguments.
fn config_for(
    pack: &PackArgs,
    state_capacity: usize,
    scored_requests: usize,
) -> Result<Config, Failure> {
    let (rules, rules_name) = match &pack.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
            (Some(text), path.display().to_string())
        }
        None => (None, "<embedded>".to_string()),
    };
    let config = Config {
        profile: pack.profile.clone(),
        rules,
        rules_name,
        threshold: pack.threshold,
        state_capacity,
        scored_requests,
        ..Config::default()
    };
    Ok(config)
}

/// Capacity of the first-seen state when the CLI keeps one.
const STATE_CAPACITY: usize = 100_000;

/// What `scan` keeps across records (and, with a state file, across runs).
struct Keep {
    state: Option<PathBuf>,
    first_seen: bool,
    scored_requests: usize,
}

fn scan(
    pack: &PackArgs,
    all: bool,
    format: Format,
    keep: Keep,
    threads: usize,
    files: &[PathBuf],
    output: &output_format::OutputArgs,
) -> Result<(), Failure> {
    let Keep {
        state,
        first_seen,
        scored_requests,
    } = keep;
    let keep_state = state.is_some() || first_seen;
    let config = config_for(
        pack,
        if keep_state { STATE_CAPACITY } else { 0 },
        scored_requests,
    )?;
    let mut engine = Engine::new(&config).map_err(|e| Failure::usage(e.to_string()))?;
    let writer = output_format::RecordWriter::new(output, &engine, all, format == Format::Ndjson)
        .map_err(Failure::usage)?;
    if let Some(path) = &state {
        if path.exists() {
            let saved = std::fs::read_to_string(path)
                .map_err(|e| Failure::io(format!("{}: {e}", path.display())))?;
            engine
                .import_state(&saved)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
        }
    }
    let inputs: Vec<Option<&PathBuf>> = if files.is_empty() {
        vec![None]
    } else {
        files
            .iter()
            .map(|f| (f.as_os_str() != "-").then_some(f))
            .collect()
    };
    let mut sink = RecordSink::new(&writer, all, format == Format::Table, engine.profile());
    let progress = report::progress(io::stderr().is_terminal(), files);
    let started = Instant::now();
    let (engine, scanned) = if threads <= 1 {
        let scanned = scan_inputs(&mut engine, &inputs, &mut sink, progress.as_ref());
        (engine, scanned)
    } else {
        let (jobs_tx, jobs) = ParallelScan::channel();
        std::thread::scope(|scope| {
            let mut parallel =
                ParallelScan::start(scope, threads, &config, engine, &sink, &jobs, jobs_tx);
            let scanned = scan_inputs(&mut parallel, &inputs, &mut sink, progress.as_ref());
            (parallel.into_engine(), scanned)
        })
    };
    scanned?;
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    if let Some(table) = &sink.table {
        table.print(&mut sink.out).map_err(write_failure)?;
    }
    sink.out.flush().map_err(write_failure)?;
    if let Some(path) = &state {
        std::fs::write(path, engine.export_state())
            .map_err(|e| Failure::io(format!("{}: {e}", path.display())))?;
    }
    sink.summary.print(started.elapsed());
    Ok(())
}

/// How `scan` scores the records it reads: on this thread ([`Engine::score`]), or prepared
/// on worker threads and finished here in order ([`ParallelScan`]).
trait Scorer {
    /// The next line of input (its verdict may reach the sink later, in order).
    fn record(&mut self, line: &[u8], sink: &mut RecordSink) -> Result<(), Failure>;
    /// Every line given so far reaches the sink.
    fn flush(&mut self, sink: &mut RecordSink) -> Result<(), Failure>;
    /// The engine that keeps the state.
    fn engine(&self) -> &Engine;
}

impl Scorer for Engine {
    fn record(&mut self, line: &[u8], sink: &mut RecordSink) -> Result<(), Failure> {
        let verdict = self.score(line);
        sink.record(line, &verdict).map_err(write_failure)
    }
    fn flush(&mut self, _sink: &mut RecordSink) -> Result<(), Failure> {
        Ok(())
    }
    fn engine(&self) -> &Engine {
        self
    }
}

impl Scorer for ParallelScan {
    fn record(&mut self, line: &[u8], sink: &mut RecordSink) -> Result<(), Failure> {
        ParallelScan::record(self, line, sink).map_err(Failure::io)
    }
    fn flush(&mut self, sink: &mut RecordSink) -> Result<(), Failure> {
        ParallelScan::flush(self, sink).map_err(Failure::io)
    }
    fn engine(&self) -> &Engine {
        ParallelScan::engine(self)
    }
}

/// Reads every input and scores its lines; every line read reaches the sink, also when a
/// later read fails.
fn scan_inputs(
    scorer: &mut dyn Scorer,
    inputs: &[Option<&PathBuf>],
    sink: &mut RecordSink,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<(), Failure> {
    let read = read_inputs(scorer, inputs, sink, progress);
    let flushed = scorer.flush(sink);
    read.and(flushed)
}

fn read_inputs(
    scorer: &mut dyn Scorer,
    inputs: &[Option<&PathBuf>],
    sink: &mut RecordSink,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<(), Failure> {
    for input in inputs {
        let reader: Box<dyn Read> = match input {
            Some(path) => Box::new(
                File::open(path).map_err(|e| Failure::io(format!("{}: {e}", path.display())))?,
            ),
            None => Box::new(io::stdin().lock()),
        };
        let mut lines = LineReader::new(reader);
        loop {
            let line = lines
                .next_line()
                .map_err(|e| Failure::io(format!("read: {e}")))?;
            let Some(line) = line else { break };
            match line {
                Line::Whole(record) => {
                    if let Some(p) = progress {
                        p.inc(record.len() as u64 + 1);
                    }
                    scorer.record(record, sink)?;
                }
                Line::TooLong { head, rest } => {
                    // Larger than MAX_LINE: never held whole nor scored; with --all it is
                    // written out enriched like any line, with cadet.error (long_line.rs).
                    // The lines before it are written first.
                    scorer.flush(sink)?;
                    sink.summary.too_long += 1;
                    let read_failure = |e: io::Error| Failure::io(format!("read: {e}"));
                    if sink.all() && sink.writes_lines() {
                        let mut spill = long_line::Spill::new().map_err(|e| {
                            Failure::io(format!("temporary file for a long line: {e}"))
                        })?;
                        spill.write_all(head).map_err(read_failure)?;
                        lines
                            .copy_rest_of_line(rest, &mut spill)
                            .map_err(read_failure)?;
                        let verdict = Verdict {
                            error: Some(long_line::ERROR.into()),
                            ..Verdict::not_matched(scorer.engine().profile())
                        };
                        spill
                            .write_enriched(&verdict.to_json(), &mut sink.out)
                            .map_err(write_failure)?;
                        sink.out.write_all(b"\n").map_err(write_failure)?;
                    } else {
                        lines.skip_rest_of_line(rest).map_err(read_failure)?;
                    }
                    eprintln!(
                        "cadet: a record longer than {MAX_LINE} bytes was passed on unscored (cadet.error)"
                    );
                }
            }
        }
    }
    Ok(())
}

fn write_failure(e: io::Error) -> Failure {
    Failure::io(format!("write: {e}"))
}

fn demo(pack: &PackArgs) -> Result<(), Failure> {
    let mut engine = engine(pack, 0)?;
    let mut table = report::Table::new();
    let mut summary = Summary::new(engine.profile());
    let started = Instant::now();
    for line in DEMO.lines().filter(|l| !l.trim().is_empty()) {
        let verdict: Verdict = engine.score(line.as_bytes());
        summary.add(&verdict, line.len());
        table.push(line.as_bytes(), &verdict);
    }
    // The samples' scoring only, not the seed engines below.
    let scored = started.elapsed();
    // What the literal seed queries say about the same records.
    for (column, profile) in [
        ("AQL-1609", "qradar-t1609"),
        ("EQL-1609", "elastic-t1609"),
        ("AQL-1059", "qradar-t1059-013"),
    ] {
        let mut seed = Engine::new(&Config {
            profile: profile.into(),
            ..Config::default()
        })
        .map_err(|e| Failure::usage(e.to_string()))?;
        let values = DEMO
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v = seed.score(l.as_bytes());
                if v.matched {
                    v.score.to_string()
                } else {
                    "-".into()
                }
            })
            .collect();
        table.add_column(column, values);
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "cadet demo: {} bundled sample events, profile `{}`",
        table.len(),
        engine.profile()
    )
    .map_err(write_failure)?;
    writeln!(out, "(AQL-1609, EQL-1609, AQL-1059: the score the literal seed queries give the same record; - = no match)\n").map_err(write_failure)?;
    table.print(&mut out).map_err(write_failure)?;
    summary.print(scored);
    Ok(())
}

fn rules(pack: &PackArgs, export: bool, id: Option<&str>) -> Result<(), Failure> {
    if export {
        match &pack.rules {
            Some(path) => print!(
                "{}",
                std::fs::read_to_string(path)
                    .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?
            ),
            None => print!("{}", cadet_core::DEFAULT_PACK),
        }
        return Ok(());
    }
    let engine = engine(pack, 0)?;
    if let Some(id) = id {
        return rule_cards(&engine, id);
    }
    let p = engine.profile_def();
    println!("profile {} — {}", p.name, p.description);
    println!(
        "combine {:?}, threshold {}, {} rules\n",
        p.combine,
        engine.threshold(),
        engine.rules().len()
    );
    println!("{:<44} {:>5}  {:<28} TITLE", "ID", "SCORE", "TECHNIQUES");
    for r in engine.rules() {
        println!(
            "{:<44} {:>5}  {:<28} {}",
            r.id,
            r.score,
            r.techniques.join(","),
            r.title
        );
    }
    Ok(())
}

/// The rules of the engine's profile whose id starts with `prefix`, each in full.
fn rule_cards(engine: &Engine, prefix: &str) -> Result<(), Failure> {
    let mut out = String::new();
    for r in engine.rules().iter().filter(|r| r.id.starts_with(prefix)) {
        out.push_str(&report::rule_card(r));
        out.push('\n');
    }
    if out.is_empty() {
        return Err(Failure::usage(format!(
            "no rule of profile `{}` has an id starting with `{prefix}`",
            engine.profile_def().name
        )));
    }
    print!("{out}");
    Ok(())
}

fn export_vrl(profile: &str, rules: Option<PathBuf>, mode: &str) -> Result<(), Failure> {
    let mode = cadet_vrl::Mode::parse(mode)
        .ok_or_else(|| Failure::usage(format!("unknown mode `{mode}`")))?;
    let rules = match rules {
        Some(path) => Some((
            path.display().to_string(),
            std::fs::read_to_string(&path)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?,
        )),
        None => None,
    };
    let program = cadet_vrl::export_text(
        rules.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
        profile,
        mode,
    )
    .map_err(|e| Failure::usage(e.to_string()))?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    out.write_all(program.as_bytes()).map_err(write_failure)?;
    Ok(())
}
