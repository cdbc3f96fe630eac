//! `cadet import sigma FILE|DIR... [--pipeline NAME] [--skip-unsupported] > pack.toml`:
//! Sigma rules to a cadet rule pack (the conversion lives in `cadet-sigma`).

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

/// What `cadet import` reads.
#[derive(Subcommand)]
pub enum ImportSource {
    /// Convert Sigma rules (files or directories of .yml) into a cadet rule pack on stdout.
    Sigma {
        /// Use only this pipeline (default: the one covering each rule's logsource).
        #[arg(long)]
        pipeline: Option<String>,
        /// Write the pack of the rules that convert and report the others as warnings
        /// (default: any refused rule is an error and no pack is written).
        #[arg(long, short)]
        skip_unsupported: bool,
        /// List the pipelines and exit.
        #[arg(long)]
        list_pipelines: bool,
        /// Sigma files or directories.
        #[arg(required_unless_present = "list_pipelines")]
        paths: Vec<PathBuf>,
    },
}

/// Runs the import; the error is (exit code, message).
pub fn run(source: ImportSource) -> Result<(), (u8, String)> {
    let ImportSource::Sigma {
        pipeline,
        skip_unsupported,
        list_pipelines,
        paths,
    } = source;
    if list_pipelines {
        for name in cadet_sigma::pipeline_names() {
            println!("{name}");
        }
        return Ok(());
    }
    let inputs = cadet_sigma::read_paths(&paths).map_err(|e| (1, e.to_string()))?;
    let opts = cadet_sigma::Options { pipeline };
    let out = cadet_sigma::convert(&inputs, &opts).map_err(|e| (2, e.to_string()))?;
    let level = if skip_unsupported { "warning" } else { "error" };
    for r in &out.refused {
        eprintln!("cadet: {level}: {r}");
    }
    eprintln!(
        "cadet: {} Sigma rule(s) converted, {} refused, {} suppression(s) from filters",
        out.rules.len(),
        out.refused.len(),
        out.suppressions
    );
    if !out.refused.is_empty() && !skip_unsupported {
        return Err((
            2,
            format!(
                "{} document(s) refused; no pack written (--skip-unsupported writes the others)",
                out.refused.len()
            ),
        ));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.pack.as_bytes())
        .and_then(|_| stdout.flush())
        .map_err(|e| (1, format!("write: {e}")))
}
