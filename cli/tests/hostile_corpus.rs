//! The shared hostile corpus (`scripts/hostile-corpus`, issue 15) through the `cadet` binary:
//! `cadet scan --all --profile P FILE` for every profile of the embedded pack writes exactly
//! one line per input line, in order, each a valid JSON object with the verdict (checked by
//! `fuzz/src/contract.rs`, the checker every host's hostile test uses), and exits 0.

#[path = "../../fuzz/src/contract.rs"]
mod contract;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Lines longer than this are not scored by `scan` (cli/src/line_reader.rs).
const MAX_LINE: usize = 8 << 20;

/// Their `cadet.error` (cli/src/long_line.rs).
const OVER_LIMIT_ERROR: &str = "line over 8 MiB: not scored";

fn corpus() -> &'static (PathBuf, Vec<u8>, Vec<String>) {
    static C: OnceLock<(PathBuf, Vec<u8>, Vec<String>)> = OnceLock::new();
    C.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-corpus");
        let (bytes, names) = contract::hostile_corpus(&dir);
        let path = dir.join("cli-hostile.jsonl");
        std::fs::write(&path, &bytes).unwrap();
        (path, bytes, names)
    })
}

fn profiles() -> Vec<String> {
    let engine = cadet_core::Engine::new(&cadet_core::Config::default()).unwrap();
    engine
        .pack()
        .profiles
        .iter()
        .map(|p| p.name.clone())
        .collect()
}

/// `scan --all` under `profile`: (output lines, stderr).
fn scan(profile: &str) -> (Vec<u8>, String) {
    let (path, _, _) = corpus();
    let o = Command::new(env!("CARGO_BIN_EXE_cadet"))
        .args(["scan", "--all", "--profile", profile])
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{profile}: exit {}: {stderr}", o.status);
    (o.stdout, stderr)
}

/// Every profile: one line out per line in, each meeting the whole contract; a line over the
/// 8 MiB limit is not scored but written the same way, with `cadet.error` saying so.
fn replay() -> Vec<String> {
    let (_, bytes, names) = corpus();
    let inputs = contract::lines(bytes);
    let mut failures = Vec::new();
    println!(
        "{:<18} | {:>7} | {:>7} | {:>10} | {:>8}",
        "profile (cli)", "records", "lines", "over 8 MiB", "breaches"
    );
    for profile in profiles() {
        let (stdout, _) = scan(&profile);
        let outputs = contract::lines(&stdout);
        assert_eq!(
            outputs.len(),
            inputs.len(),
            "{profile}: {} lines out for {} in",
            outputs.len(),
            inputs.len()
        );
        let (mut over, before) = (0, failures.len());
        for ((input, output), name) in inputs.iter().zip(&outputs).zip(names) {
            if let Err(e) = contract::check(input, output, true) {
                failures.push(format!("{profile} | {name}: {e}"));
                continue;
            }
            if input.len() > MAX_LINE {
                over += 1;
                let error = format!(r#""error":"{OVER_LIMIT_ERROR}""#);
                let tail = &output[output.len().saturating_sub(4096)..];
                if !tail.windows(error.len()).any(|w| w == error.as_bytes()) {
                    failures.push(format!(
                        "{profile} | {name}: an over-long line has no cadet.error {OVER_LIMIT_ERROR:?}"
                    ));
                }
            }
        }
        println!(
            "{profile:<18} | {:>7} | {:>7} | {over:>10} | {:>8}",
            inputs.len(),
            outputs.len(),
            failures.len() - before
        );
        assert!(
            over > 0,
            "no record over the 8 MiB line limit in the corpus"
        );
    }
    failures
}

/// The whole contract for every record under every profile, lines over 8 MiB included
/// (carried whole, losslessly, with `cadet.error`, never held in memory whole).
#[test]
fn scan_all_one_valid_json_line_per_record_every_profile() {
    let failures = replay();
    assert!(
        failures.is_empty(),
        "{} breaches:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
