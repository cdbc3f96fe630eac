//! The shared hostile corpus (`scripts/hostile-corpus`, issue 15) through the WASI component
//! under wasmtime, for every profile of the embedded pack: `enrich-bytes` for every record,
//! `enrich` and `enrich-batch` for the UTF-8 ones (host_tests::parity::compare, the same
//! comparison as the fixture parity test), each byte-identical to the native core, with no
//! trap and no record lost (the native lines are checked against the enrich contract
//! by core/tests/hostile_corpus.rs with `fuzz/src/contract.rs`).
//!
//! `cargo test -p host-tests --test hostile_component -- --nocapture` prints the table.

#[path = "../../fuzz/src/contract.rs"]
mod contract;

use std::path::Path;

use host_tests::component::{Budget, ComponentHost, Limits};
use host_tests::{corpus, parity};

fn hostile_set() -> (corpus::FixtureSet, Vec<String>) {
    let (bytes, names) =
        contract::hostile_corpus(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-corpus"));
    let records = contract::lines(&bytes)
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    (
        corpus::FixtureSet {
            name: "hostile corpus".into(),
            records,
        },
        names,
    )
}

#[test]
fn hostile_corpus_component_equals_native_no_trap_every_profile() {
    let (set, names) = hostile_set();
    let host = ComponentHost::new(Limits::default()).expect("compile the component");
    let profiles = parity::profiles();
    let rows = parity::compare_all(&host, &profiles, std::slice::from_ref(&set));
    println!("{}", parity::table(&rows));
    assert!(
        rows.iter().all(|r| r.records == names.len()),
        "records lost"
    );
    // A trap or a difference: name the record (the corpus names say what it is).
    let mut problems = Vec::new();
    for r in &rows {
        for m in &r.mismatches {
            let shown = &m.component[..m.component.len().min(200)];
            let line = format!("{} | {} | {}: {shown}", r.profile, m.call, names[m.index]);
            problems.push(line);
        }
    }
    assert!(
        problems.is_empty(),
        "component differs from native or trapped:\n{}",
        problems.join("\n")
    );
    // Identical to native byte for byte: the contract of those lines is checked on the same
    // corpus by core/tests/hostile_corpus.rs (not repeated here: the debug-build native pass
    // is the slow part of this test).
}

/// Every record of the corpus under every profile within the default fuel budget (10^10 per
/// record). The costliest record was the 1 000 000-argument one (4 MB) under
/// `qradar-t1059-013`, whose `imatches '.*(…|…).*'` conditions ran regex-lite's Pike VM over the
/// whole command line and exhausted the budget; they are now one scan
/// (core/src/condition/alternation.rs). `--nocapture` prints the costliest record per profile.
#[test]
fn hostile_corpus_component_never_runs_out_of_fuel() {
    let (set, names) = hostile_set();
    let limits = Limits::default();
    let Budget::FuelPerRecord(budget) = limits.budget else {
        panic!("the default limits are a fuel budget")
    };
    let host = ComponentHost::new(limits).expect("compile the component");
    let mut traps = Vec::new();
    println!(
        "{:<18} | {:>14} | costliest record",
        "profile", "fuel (max)"
    );
    for p in parity::profiles() {
        let mut detector = host.detector(host_tests::component::config(&p)).unwrap();
        let mut costliest = (0, "");
        for (record, name) in set.records.iter().zip(&names) {
            match detector.enrich(record) {
                host_tests::component::Outcome::Trapped { trap, .. } => {
                    traps.push(format!("{p} | {name}: {trap}"))
                }
                _ => {
                    let used = budget - detector.instance().fuel_left().unwrap_or(budget);
                    if used > costliest.0 {
                        costliest = (used, name);
                    }
                }
            }
        }
        println!("{p:<18} | {:>14} | {}", costliest.0, costliest.1);
    }
    assert!(traps.is_empty(), "{}", traps.join("\n"));
}

#[test]
fn hostile_corpus_component_strict_contract() {
    let (set, names) = hostile_set();
    let host = ComponentHost::new(Limits::default()).expect("compile the component");
    let mut failures = Vec::new();
    for p in parity::profiles() {
        let mut detector = host.detector(host_tests::component::config(&p)).unwrap();
        for (record, name) in set.records.iter().zip(&names) {
            match detector.enrich(record) {
                host_tests::component::Outcome::Enriched(out) => {
                    if let Err(e) = contract::check(record, &out, true) {
                        failures.push(format!("{p} | {name}: {e}"));
                    }
                }
                host_tests::component::Outcome::Trapped { trap, .. } => {
                    failures.push(format!("{p} | {name}: trapped: {trap}"))
                }
                other => failures.push(format!("{p} | {name}: {other:?}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} breaches:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
