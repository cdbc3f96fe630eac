//! The component outside Rust: `jco transpile` turns it into JavaScript + core wasm, and
//! node replays every fixture record (and the hostile ones) for every profile, comparing
//! each output with the native core's, byte for byte.
//!
//! The size-optimised component is checked here too: binaryen's `-Oz` through `jco opt` over
//! cargo's component, replayed under wasmtime against native; its size is printed against
//! issue 17's 1 MiB target (missed since the rule content and the ECS/OCSF writers:
//! plugin-wasi/README.md, Size).
//!
//! Needs node and npm (`npm ci` in host-tests/ installs the pinned jco; this test runs it
//! if jco is missing). Skips, saying so, only when node is not installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use cadet_core::{Config, Engine};
use host_tests::{corpus, parity};

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if !out.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// host-tests' pinned jco, installed if missing; `None` (the test says it skips) when node is
/// not installed.
fn jco(what: &str) -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    if Command::new("node").arg("--version").output().is_err() {
        println!("SKIPPED {what}: node is not installed (install node >= 20 and run `npm install` in host-tests/)");
        return None;
    }
    let jco = here.join("node_modules/.bin/jco");
    if !jco.exists() {
        // `npm install` (from package-lock.json): `npm ci` rejects jco's optional per-platform
        // packages under this machine kind's npm settings (omit-lockfile-registry-resolved).
        // `--no-save` leaves package-lock.json as committed.
        println!(
            "jco is not installed: running `npm install` in {}",
            here.display()
        );
        run(Command::new("npm")
            .args(["install", "--no-save", "--no-audit", "--no-fund"])
            .current_dir(here));
    }
    Some(jco)
}

/// The guide's budget for the shipped component: under 1 MiB once binaryen's `-Oz` (through
/// `jco opt`, plugin-wasi/README.md's size step) has run over cargo's build; the optimised
/// component must still give the native verdict on every fixture for every profile.
#[test]
fn the_size_optimised_component_matches_native() {
    let Some(jco) = jco("the size-optimised component") else {
        return;
    };
    let raw = host_tests::component::COMPONENT_WASM;
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cadet.opt.wasm");
    run(Command::new(&jco)
        .arg("opt")
        .arg(raw)
        .arg("-o")
        .arg(&out)
        .args([
            "--",
            "-Oz",
            "--enable-bulk-memory",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-multivalue",
            "--enable-reference-types",
            "--enable-simd",
            "--strip-debug",
        ]));
    let raw_bytes = std::fs::metadata(raw).unwrap().len();
    let bytes = std::fs::metadata(&out).unwrap().len();
    let budget = 1u64 << 20;
    println!(
        "component: {raw_bytes} bytes from cargo, {bytes} bytes after binaryen -Oz; target < {budget}: {}",
        if bytes < budget {
            format!("met, {} bytes to spare", budget - bytes)
        } else {
            format!("missed by {} bytes", bytes - budget)
        }
    );
    let host = host_tests::component::ComponentHost::from_file(&out, Default::default())
        .expect("compile the optimised component");
    let rows = parity::compare_all(&host, &parity::profiles(), &corpus::all_sets());
    println!("{}", parity::table(&rows));
    assert!(
        rows.iter().all(parity::Row::identical),
        "the optimised component differs from native:\n{}",
        parity::explain(&rows, 3)
    );
}

#[test]
fn jco_transpiled_component_matches_native() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(jco) = jco("jco parity") else {
        return;
    };
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jco");
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
    // The transpiled module imports @bytecodealliance/preview2-shim: let node find it.
    std::os::unix::fs::symlink(here.join("node_modules"), work.join("node_modules")).unwrap();

    // Records: every fixture record plus the hostile ones; expected output per profile.
    let mut records: Vec<Vec<u8>> = corpus::all_sets()
        .into_iter()
        .flat_map(|s| s.records)
        .collect();
    records.extend(
        corpus::hostile_records()
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| !r.contains(&b'\n')),
    );
    let mut input = Vec::new();
    for r in &records {
        input.extend_from_slice(r);
        input.push(b'\n');
    }
    std::fs::write(cases.join("records.jsonl"), &input).unwrap();
    let profiles = parity::profiles();
    for profile in &profiles {
        let mut engine = Engine::new(&Config {
            profile: profile.clone(),
            ..Config::default()
        })
        .unwrap();
        let mut expected = Vec::new();
        for r in &records {
            engine.enrich(r, &mut expected);
            expected.push(b'\n');
        }
        std::fs::write(cases.join(format!("expected.{profile}.jsonl")), expected).unwrap();
    }

    let output = Command::new("node")
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
            s["records"].as_u64().unwrap_or(0),
            format!("{}/{}", s["enrich"], s["utf8"]),
            format!("{}/{}", s["batch"], s["utf8"]),
            format!("{}/{}", s["bytes"], s["records"]),
            s["identical"]
        );
        assert_eq!(s["records"].as_u64().unwrap() as usize, records.len());
        assert!(
            s["configureError"]
                .as_str()
                .is_some_and(|e| e.contains("no-such-profile")),
            "{s}"
        );
    }
    assert!(
        output.status.success() && summaries.iter().all(|s| s["identical"] == true),
        "jco output differs from native:\n{stdout}"
    );
}
