//! The shared hostile corpus (`scripts/hostile-corpus`, issue 15) through the component
//! transpiled by jco, under node: `host-tests/jco/replay.mjs` (the script the fixture parity
//! test uses) replays every record through `enrichBytes`, and the UTF-8 ones through `enrich`
//! and `enrichBatch`, for every profile, comparing with the native core byte for byte; the
//! native lines it compares with meet the enrich contract (`fuzz/src/contract.rs`).
//!
//! Needs node and npm (runs `npm install` in host-tests/ if jco is missing); skips, saying so,
//! only when node is absent.

#[path = "../../fuzz/src/contract.rs"]
mod contract;

use std::path::{Path, PathBuf};
use std::process::Command;

use cadet_core::{Config, Engine};
use host_tests::parity;

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn hostile_corpus_through_jco_equals_native_every_profile() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    if Command::new("node").arg("--version").output().is_err() {
        println!("SKIPPED hostile jco replay: node is not installed");
        return;
    }
    let jco = here.join("node_modules/.bin/jco");
    if !jco.exists() {
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(here));
    }
    // Own scratch folder: tests/jco.rs may run at the same time in another test binary.
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jco-hostile");
    let _ = std::fs::remove_dir_all(&work);
    let out_dir = work.join("transpiled");
    let cases = work.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    run(Command::new(&jco)
        .args([
            "transpile",
            host_tests::component::COMPONENT_WASM,
            "--name",
            "cadet",
            "--quiet",
            "-o",
        ])
        .arg(&out_dir));
    std::os::unix::fs::symlink(here.join("node_modules"), work.join("node_modules")).unwrap();

    let (bytes, names) =
        contract::hostile_corpus(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-corpus"));
    let records = contract::lines(&bytes);
    std::fs::write(cases.join("records.jsonl"), &bytes).unwrap();
    let profiles = parity::profiles();
    let mut failures = Vec::new();
    for profile in &profiles {
        let mut engine = Engine::new(&Config {
            profile: profile.clone(),
            ..Config::default()
        })
        .unwrap();
        let mut expected = Vec::new();
        let mut line = Vec::new();
        for (r, name) in records.iter().zip(&names) {
            line.clear();
            engine.enrich(r, &mut line);
            if let Err(e) = contract::check(r, &line, true) {
                failures.push(format!("{profile} | {name}: {e}"));
            }
            expected.extend_from_slice(&line);
            expected.push(b'\n');
        }
        std::fs::write(cases.join(format!("expected.{profile}.jsonl")), expected).unwrap();
    }
    assert!(
        failures.is_empty(),
        "native lines break the contract:\n{}",
        failures[..failures.len().min(20)].join("\n")
    );

    let output = Command::new("node")
        .arg("--max-old-space-size=4096")
        .arg(here.join("jco/replay.mjs"))
        .arg(out_dir.join("cadet.js"))
        .arg(&cases)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    let summaries: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(
        summaries.len(),
        profiles.len(),
        "node reported {} profiles",
        summaries.len()
    );
    println!(
        "{:<18} | {:>7} | {:>9} | {:>9} | {:>9} | identical",
        "profile (jco)", "records", "enrich", "batch", "bytes"
    );
    for s in &summaries {
        println!(
            "{:<18} | {:>7} | {:>9} | {:>9} | {:>9} | {}",
            s["profile"].as_str().unwrap(),
            s["records"],
            format!("{}/{}", s["enrich"], s["utf8"]),
            format!("{}/{}", s["batch"], s["utf8"]),
            format!("{}/{}", s["bytes"], s["records"]),
            s["identical"]
        );
        assert_eq!(
            s["records"].as_u64().unwrap() as usize,
            records.len(),
            "records lost"
        );
    }
    // Every call gives the native line for every record it can take: `enrichBytes` all of
    // them, `enrich` and `enrichBatch` every record that is valid UTF-8 (BOM-prefixed ones
    // included: replay.mjs decodes with `ignoreBOM: true`).
    let utf8 = records
        .iter()
        .filter(|r| std::str::from_utf8(r).is_ok())
        .count() as u64;
    for s in &summaries {
        assert_eq!(s["utf8"].as_u64(), Some(utf8), "UTF-8 records:\n{s}");
        assert_eq!(
            s["bytes"].as_u64(),
            s["records"].as_u64(),
            "enrichBytes differs from native:\n{s}"
        );
        assert_eq!(s["enrich"].as_u64(), Some(utf8), "enrich differs:\n{s}");
        assert_eq!(s["batch"].as_u64(), Some(utf8), "enrichBatch differs:\n{s}");
    }
}
