//! `cadet scan --output cadet|ecs|ocsf`: what a scanned record becomes on stdout.
//!
//! `cadet` is the record enriched with its verdict (every record with `--all`); `ecs` an ECS
//! alert document and `ocsf` an OCSF 1.5.0 Detection Finding, for matched records only (see
//! `alert/README.md`).

use std::time::{SystemTime, UNIX_EPOCH};

use cadet_alert::{Alerter, Output};
use cadet_core::{Engine, Verdict};
use clap::ValueEnum;

/// The `--output` flag of `cadet scan`.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// What to write per record: `cadet` = the record with its verdict; `ecs` = an ECS alert
    /// document, `ocsf` = an OCSF Detection Finding (both for matched records only).
    #[arg(long, value_enum, default_value = "cadet")]
    pub output: OutputKind,
}

/// The choices of `--output`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputKind {
    /// The record enriched with `"cadet": <verdict>`.
    Cadet,
    /// An ECS alert document (Elastic Common Schema).
    Ecs,
    /// An OCSF Detection Finding (class 2004).
    Ocsf,
}

/// Writes records in the chosen output.
pub struct RecordWriter {
    output: Output,
    alerter: Alerter,
}

impl RecordWriter {
    /// A writer for `engine`'s profile; refuses combinations that cannot hold (`--all` or
    /// `--format table` with an alert output).
    pub fn new(
        args: &OutputArgs,
        engine: &Engine,
        all: bool,
        ndjson: bool,
    ) -> Result<RecordWriter, String> {
        let output = match args.output {
            OutputKind::Cadet => Output::Cadet,
            OutputKind::Ecs => Output::Ecs,
            OutputKind::Ocsf => Output::Ocsf,
        };
        if output != Output::Cadet && all {
            return Err(format!(
                "--output {} writes alerts for matched records only; --all needs --output cadet",
                output.as_str()
            ));
        }
        if output != Output::Cadet && !ndjson {
            return Err(format!(
                "--output {} is JSON lines; it cannot be combined with --format table",
                output.as_str()
            ));
        }
        let alerter = if output == Output::Cadet {
            Alerter::default()
        } else {
            Alerter::new(engine)
        };
        Ok(RecordWriter { output, alerter })
    }

    /// Appends the record's line (without the newline) to `out`; false when nothing is written.
    pub fn write(&self, record: &[u8], verdict: &Verdict, out: &mut Vec<u8>) -> bool {
        if self.output == Output::Cadet {
            cadet_core::write_enriched(record, &verdict.to_json(), out);
            return true;
        }
        // Only for records without a timestamp of their own (and ECS event.created / OCSF
        // metadata.processed_time).
        let received_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.alerter
            .write(self.output, record, verdict, received_ms, out)
    }
}
