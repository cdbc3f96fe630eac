//! The shared hostile corpus (`scripts/hostile-corpus`, issue 15) through the native core,
//! under every profile of the embedded pack: one enriched line per record, every output line
//! a valid JSON object with the verdict, no panic. The contract is checked by
//! `fuzz/src/contract.rs`, the same checker every host's hostile test uses.
//!
//! `cargo test -p cadet-core --test hostile_corpus -- --nocapture` prints the table.

#[path = "../../fuzz/src/contract.rs"]
mod contract;

use std::sync::OnceLock;

use cadet_core::{Config, Engine};

fn corpus() -> &'static (Vec<u8>, Vec<String>) {
    static C: OnceLock<(Vec<u8>, Vec<String>)> = OnceLock::new();
    C.get_or_init(|| {
        contract::hostile_corpus(
            &std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-corpus"),
        )
    })
}

fn profiles() -> Vec<String> {
    let engine = Engine::new(&Config::default()).unwrap();
    engine
        .pack()
        .profiles
        .iter()
        .map(|p| p.name.clone())
        .collect()
}

#[derive(Default)]
struct Tally {
    records: usize,
    matched: usize,
    errors: usize,
    failures: Vec<String>,
}

fn replay(profile: &str, state_capacity: usize) -> Tally {
    let (bytes, names) = corpus();
    let mut engine = Engine::new(&Config {
        profile: profile.into(),
        state_capacity,
        ..Config::default()
    })
    .unwrap();
    let mut t = Tally::default();
    let mut out = Vec::new();
    for (line, name) in contract::lines(bytes).into_iter().zip(names) {
        t.records += 1;
        out.clear();
        let verdict = engine.score(line);
        t.errors += verdict.error.is_some() as usize;
        t.matched += engine.enrich(line, &mut out).matched as usize;
        assert!(
            contract::is_object(verdict.to_json().as_bytes()),
            "{profile} {name}: verdict JSON"
        );
        if let Err(e) = contract::check(line, &out, true) {
            t.failures.push(format!("{profile} | {name}: {e}"));
        }
    }
    t
}

#[test]
fn the_corpus_has_what_issue_15_lists() {
    let (bytes, names) = corpus();
    let lines = contract::lines(bytes);
    assert!(lines.len() > 1000, "{} records", lines.len());
    for what in [
        "empty line",
        "BOM",
        "CRLF",
        "NUL",
        "invalid UTF-8 raw",
        "invalid UTF-8 in JSON string",
        "malformed",
        "truncated",
        "10 MB JSON record",
        "100000 deep",
        "1000000-element",
        "100000-digit",
        "duplicate keys",
        "binary garbage",
        "fixture",
    ] {
        assert!(names.iter().any(|n| n.contains(what)), "no `{what}` record");
    }
    let big = lines.iter().map(|l| l.len()).max().unwrap();
    assert!(big >= 10 << 20, "largest record {big} bytes");
    assert!(lines.iter().any(|l| std::str::from_utf8(l).is_err()));
    assert!(
        lines.iter().any(|l| contract::spliced_gap(l)),
        "no malformed object in the corpus"
    );
}

/// The whole contract for every record under every profile: exactly one line, a JSON object
/// with the verdict; a JSON object record keeps its bytes, any other line (malformed or
/// truncated JSON included) is carried whole as `message`, with `message_base64` when it is
/// not UTF-8.
#[test]
fn every_record_one_valid_json_line_under_every_profile() {
    let mut failures = Vec::new();
    println!(
        "{:<18} | {:>7} | {:>7} | {:>6} | {:>8}",
        "profile", "records", "matched", "errors", "breaches"
    );
    for profile in profiles() {
        let t = replay(&profile, 0);
        println!(
            "{profile:<18} | {:>7} | {:>7} | {:>6} | {:>8}",
            t.records,
            t.matched,
            t.errors,
            t.failures.len()
        );
        assert_eq!(t.records, corpus().1.len());
        failures.extend(t.failures);
    }
    assert!(
        failures.is_empty(),
        "{} contract breaches:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

/// With the first-seen state on (a small capacity, so eviction runs), the corpus twice: the
/// same contract, the state stays within its capacity and survives export/import.
#[test]
fn first_seen_state_through_the_corpus() {
    let (bytes, _) = corpus();
    let mut engine = Engine::new(&Config {
        state_capacity: 8,
        ..Config::default()
    })
    .unwrap();
    let mut out = Vec::new();
    for _ in 0..2 {
        for line in contract::lines(bytes) {
            out.clear();
            engine.enrich(line, &mut out);
            contract::check(line, &out, true).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let state = engine.export_state();
    assert!(contract::is_object(state.as_bytes()), "state JSON: {state}");
    let entries = state.matches("\"used\":").count();
    assert!(
        entries > 0 && entries <= 8,
        "{entries} state entries for capacity 8: {state}"
    );
    // Import renumbers the recency stamps; the keys and their order of use stay.
    let mut fresh = Engine::new(&Config {
        state_capacity: 8,
        ..Config::default()
    })
    .unwrap();
    fresh.import_state(&state).unwrap();
    assert_eq!(
        keys_by_recency(&fresh.export_state()),
        keys_by_recency(&state)
    );
}

/// The state's keys, least recently used first.
fn keys_by_recency(state: &str) -> Vec<String> {
    let top = contract::object_members(state.as_bytes()).unwrap();
    let (_, range) = top.iter().find(|(k, _)| k == "entries").expect("entries");
    let entries = &state.as_bytes()[range.clone()];
    let mut keyed: Vec<(u64, String)> = contract::object_members(entries)
        .unwrap()
        .into_iter()
        .map(|(key, r)| {
            let entry = &entries[r];
            let used = contract::object_members(entry)
                .unwrap()
                .into_iter()
                .find(|(k, _)| k == "used")
                .unwrap()
                .1;
            (
                std::str::from_utf8(&entry[used]).unwrap().parse().unwrap(),
                key,
            )
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, k)| k).collect()
}
