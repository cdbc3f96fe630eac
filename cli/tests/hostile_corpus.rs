//! The shared hostile corpus (`scripts/hostile-corpus`, issue 15) through the `cadet` binary:
//! `cadet scan --all --profile P FILE` for every profile of the embedded pack writes exactly
//! one line per input line, in order, each a valid JSON object with the verdict (checked by
//! `fuzz/src/contract.rs`, the checker every host's hostile test uses), and exits 0.

#[path = "../../fuzz/src/contract.rs"]
mod contract;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Lines longer than this are passed on unscored by `scan` (cli/src/line_reader.rs).
const MAX_LINE: usize = 8 << 20;

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

fn replay(strict: bool, over_limit_strict: bool) -> Vec<String> {
    let (_, bytes, names) = corpus();
    let inputs = contract::lines(bytes);
    let mut failures = Vec::new();
    println!(
        "{:<18} | {:>7} | {:>7} | {:>9} | {:>10}",
        "profile (cli)", "records", "lines", "known gap", "over 8 MiB"
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
        let (mut gaps, mut over) = (0, 0);
        for ((input, output), name) in inputs.iter().zip(&outputs).zip(names) {
            if input.len() > MAX_LINE && !over_limit_strict {
                // Documented today: passed on unchanged, unscored.
                over += 1;
                if output != input {
                    failures.push(format!(
                        "{profile} | {name}: an over-long line was not passed on unchanged"
                    ));
                }
                continue;
            }
            match contract::check(input, output, strict) {
                Ok(contract::Checked::Full) => {}
                Ok(contract::Checked::KnownGap(_)) => gaps += 1,
                Err(e) => failures.push(format!("{profile} | {name}: {e}")),
            }
        }
        println!(
            "{profile:<18} | {:>7} | {:>7} | {gaps:>9} | {over:>10}",
            inputs.len(),
            outputs.len()
        );
    }
    failures
}

#[test]
fn scan_all_one_valid_json_line_per_record_every_profile() {
    let failures = replay(false, false);
    assert!(
        failures.is_empty(),
        "{} breaches:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

#[test]
fn scan_all_strict_contract_every_profile() {
    let failures = replay(true, false);
    assert!(
        failures.is_empty(),
        "{} breaches:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

/// A line over the 8 MiB line limit is passed on raw today: not JSON when the line is not,
/// and without a `cadet` verdict. The contract wants `{"message"…,"cadet":{"error":…}}`.
#[test]
#[ignore = "needs cli fix: lines over 8 MiB pass through raw, without cadet.error (issue 15)"]
fn scan_all_over_long_lines_meet_the_contract() {
    let failures = replay(true, true);
    assert!(
        failures.is_empty(),
        "{} breaches:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
