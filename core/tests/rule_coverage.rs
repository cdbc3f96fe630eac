//! A positive fixture for every rule of the default pack.
//!
//! - Profile `cadet`: every rule id must be named in the `_expect` of at least one attack
//!   fixture (`core/fixtures/**/*.attack.jsonl` inline, `*.attack.expect` sidecars).
//!   `fixtures.rs` checks that each named rule really fires on its record, so a rule listed
//!   here is a rule some real-shaped record makes fire.
//! - The seed profiles (`qradar-t1609`, `elastic-t1609`, `qradar-t1059-013`) keep their
//!   expectations branch by branch in `profiles.rs`, not in `_expect`; here each of their
//!   rules must fire (be among the verdict's rules) on at least one attack fixture record
//!   scored with that profile, so no rule of any profile is left without a positive record.
//!
//! The rules are asked of the pack (`Engine::pack`), never listed by hand.

mod common;

use std::collections::BTreeSet;

use common::{fixture_files, lines, strip_expect};

use cadet_core::{Config, Engine};
use serde_json::Value;

fn engine(profile: &str) -> Engine {
    Engine::new(&Config {
        profile: profile.into(),
        ..Config::default()
    })
    .unwrap()
}

/// Every attack record (as scored: without `_expect`) and its expectation.
fn attack_records() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for path in fixture_files()
        .iter()
        .filter(|p| p.to_string_lossy().contains(".attack."))
    {
        let records = lines(path);
        if path.extension().is_some_and(|e| e == "log") {
            let exp = lines(&path.with_extension("expect"));
            assert_eq!(exp.len(), records.len(), "{}", path.display());
            for (r, e) in records.into_iter().zip(exp) {
                out.push((r, serde_json::from_str(&e).unwrap()));
            }
        } else {
            for r in records {
                let v: Value = serde_json::from_str(&r).unwrap();
                let e = v["_expect"].clone();
                assert!(
                    e.is_object(),
                    "{}: attack record without _expect",
                    path.display()
                );
                out.push((strip_expect(&r), e));
            }
        }
    }
    out
}

/// The rule ids named in any `_expect`.
fn expected_rule_ids(records: &[(String, Value)]) -> BTreeSet<String> {
    records
        .iter()
        .flat_map(|(_, e)| e["rules"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r.as_str().map(String::from))
        .collect()
}

#[test]
fn every_cadet_rule_has_a_positive_fixture() {
    let records = attack_records();
    let named = expected_rule_ids(&records);
    let e = engine("cadet");
    let rules: Vec<String> = e.pack().rules_of("cadet").map(|r| r.id.clone()).collect();
    assert!(
        rules.len() > 50,
        "only {} cadet rules in the pack",
        rules.len()
    );
    let missing: Vec<&String> = rules.iter().filter(|id| !named.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} cadet rules are named in no `_expect` of an attack fixture:\n{}",
        missing.len(),
        rules.len(),
        missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // An `_expect` naming a rule the pack does not have is a typo, not coverage.
    let known: BTreeSet<&str> = e.pack().rules.iter().map(|r| r.id.as_str()).collect();
    let unknown: Vec<&String> = named
        .iter()
        .filter(|id| !known.contains(id.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "`_expect` names unknown rules: {unknown:?}"
    );
}

#[test]
fn every_rule_of_every_other_profile_fires_on_an_attack_fixture() {
    let records = attack_records();
    let base = engine("cadet");
    let mut missing = Vec::new();
    let mut profiles = 0;
    for profile in base.pack().profiles.iter().filter(|p| p.name != "cadet") {
        profiles += 1;
        let mut e = engine(&profile.name);
        let mut fired = BTreeSet::new();
        for (r, _) in &records {
            let v = e.score(r.as_bytes());
            fired.extend(v.rules.iter().map(|x| x.id.clone()));
        }
        for rule in base.pack().rules_of(&profile.name) {
            if !fired.contains(&rule.id) {
                missing.push(format!("{}: {}", profile.name, rule.id));
            }
        }
    }
    assert!(profiles >= 3, "the seed profiles are missing from the pack");
    assert!(
        missing.is_empty(),
        "{} rules fire on no attack fixture:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
