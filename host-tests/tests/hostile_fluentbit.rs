//! The shared hostile corpus (`scripts/hostile-corpus`, issue 15) through the Fluent Bit
//! `filter_wasm` module (the wasm32-unknown-unknown build host-tests' build script makes),
//! called the way Fluent Bit calls it, for every profile of the embedded pack (entry point
//! `cadet_filter_<profile>`, every record passed on): the returned string is the native
//! enriched record of the bytes Fluent Bit hands over (up to the first NUL, as `strlen` does),
//! never a trap, never dropped (Fluent Bit drops a result that is not a JSON object), and it
//! meets the enrich contract (`fuzz/src/contract.rs`).
//!
//! The call sequence (exported `malloc`, copy tag and record with a trailing NUL, call with six
//! i32 arguments, read the NUL-terminated result, `free` both copies) is
//! `host_tests::fluentbit_host`'s, the one emulation of fluent-bit v5.1.1's caller every Fluent
//! Bit test uses; here for the wasm32-unknown-unknown build only.

#[path = "../../fuzz/src/contract.rs"]
mod contract;

use std::path::Path;

use cadet_core::{Config, Engine};
use host_tests::fluentbit_host::{self, FilterWasm, Setup, UNKNOWN_WASM};
use host_tests::parity;
use wasmtime::Module;

fn replay() -> Vec<String> {
    assert!(!UNKNOWN_WASM.is_empty(), "CADET_FLUENTBIT_WASM is empty: the Fluent Bit module did not build (see host-tests/build.rs's warning)");
    let wasm = fluentbit_host::engine(64 * 1024, false); // as tests/fluentbit.rs
    let module = Module::from_file(&wasm, UNKNOWN_WASM).unwrap();
    let (bytes, names) =
        contract::hostile_corpus(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-corpus"));
    let records = contract::lines(&bytes);
    let mut failures = Vec::new();
    println!(
        "{:<18} | {:>7} | {:>7} | {:>8}",
        "profile (fluentbit)", "records", "kept", "breaches"
    );
    for profile in parity::profiles() {
        let mut fb = FilterWasm::new(
            &wasm,
            &module,
            &format!("cadet_filter_{}", profile.replace('-', "_")),
            Setup::default(),
        );
        let mut native = Engine::new(&Config {
            profile: profile.clone(),
            ..Config::default()
        })
        .unwrap();
        let (mut kept, before) = (0, failures.len());
        for (record, name) in records.iter().zip(&names) {
            let handed = &record[..record.iter().position(|&b| b == 0).unwrap_or(record.len())];
            let mut want = Vec::new();
            native.enrich(handed, &mut want);
            match fb.call(record) {
                Err(why) => failures.push(format!("{profile} | {name}: dropped: {why}")),
                Ok(out) if out.is_empty() => {
                    failures.push(format!("{profile} | {name}: dropped: empty result"))
                }
                Ok(out) => {
                    kept += 1;
                    if out != want {
                        failures.push(format!("{profile} | {name}: differs from native"));
                    }
                    if let Err(e) = contract::check(handed, &out, true) {
                        failures.push(format!("{profile} | {name}: {e}"));
                    }
                }
            }
        }
        println!(
            "{profile:<18} | {:>7} | {kept:>7} | {:>8}",
            records.len(),
            failures.len() - before
        );
    }
    failures
}

/// Every record kept (Fluent Bit drops a result that is not a JSON object), equal to native,
/// and meeting the whole contract.
#[test]
fn hostile_corpus_fluentbit_module_equals_native_nothing_dropped() {
    let failures = replay();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
