//! `Engine::prepare` (stateless, on other engines) followed by `Engine::finish` (ordered, on the
//! engine that keeps the state) gives, record by record, the verdict `Engine::score` gives: for
//! every profile of the pack, with the state off and on (scored requests, first-seen, a pack
//! with correlations), on the fixture corpus, its Kubernetes audit records replayed at every
//! stage, and the bench's realistic and easy mixes. This is what `cadet scan --threads N`
//! relies on.

mod common;

#[allow(dead_code)]
#[path = "../../bench/src/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../../bench/src/realistic.rs"]
mod realistic;

use std::path::Path;

use cadet_core::{Config, Engine, DEFAULT_PACK};

const SEED: u64 = 0x00CA_DE75;

/// Two correlations over the exec rules, as in `tests/correlation.rs`.
const CORRELATIONS: &str = r#"
[[correlation]]
id = "test.exec_burst"
title = "Four execs by one user within a minute"
kind = "event_count"
rules = ["cadet.k8s.pod_exec_host_escape", "cadet.k8s.pod_exec_credential_access", "cadet.k8s.pod_exec_malicious", "cadet.k8s.pod_exec_shell", "cadet.k8s.pod_exec"]
group_by = ["user.name"]
timespan = "1m"
condition = { gte = 4 }
score = 95
techniques = ["T1609"]

[[correlation]]
id = "test.exec_spread"
title = "Execs into three namespaces by one user within five minutes"
kind = "value_count"
rules = ["cadet.k8s.pod_exec_host_escape", "cadet.k8s.pod_exec_credential_access", "cadet.k8s.pod_exec_malicious", "cadet.k8s.pod_exec_shell", "cadet.k8s.pod_exec"]
group_by = ["user.name"]
value_field = "k8s.namespace"
timespan = 300
condition = { gte = 3 }
score = 80
techniques = ["T1609", "T1613"]
"#;

const STAGES: [&str; 3] = ["RequestReceived", "ResponseStarted", "ResponseComplete"];

/// Every fixture record (without `_expect`), then each Kubernetes audit record of the
/// fixtures once more at each of the three stages (the same request, so later stages meet
/// the scored set), then the realistic and the easy bench mixes.
fn corpus() -> Vec<String> {
    let mut records = Vec::new();
    let mut staged = Vec::new();
    for file in common::fixture_files() {
        for line in common::lines(&file) {
            let record = common::strip_expect(&line);
            for from in STAGES {
                let from_text = format!("\"stage\":\"{from}\"");
                if record.contains("\"auditID\"") && record.contains(&from_text) {
                    for to in STAGES {
                        staged.push(record.replace(&from_text, &format!("\"stage\":\"{to}\"")));
                    }
                }
            }
            if let Some(metadata) = metadata_level_later_stage(&record) {
                staged.push(metadata);
            }
            records.push(record);
        }
    }
    records.extend(staged);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    records.extend(realistic::Realistic::new(SEED, &fixtures).lines(1_500).0);
    records.extend(corpus::Generator::new(SEED, &fixtures).lines(1_500).0);
    records
}

/// A Kubernetes audit record as a later stage of the same request logged at the `Metadata`
/// level: without its request and response bodies, so the rules that read them do not hit it,
/// and only the set of scored requests makes it a duplicate.
fn metadata_level_later_stage(record: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(record).ok()?;
    let object = value.as_object_mut()?;
    object.get("auditID")?;
    let mut removed = false;
    for body in ["requestObject", "responseObject"] {
        removed |= object.remove(body).is_some();
    }
    if !removed {
        return None;
    }
    object.insert("stage".into(), "ResponseComplete".into());
    object.insert("level".into(), "Metadata".into());
    Some(value.to_string())
}

/// What the records went through in the ordered step.
#[derive(Default, Debug)]
struct Counts {
    /// Final after `prepare`.
    done: usize,
    /// Needed the ordered step.
    ordered: usize,
    matched: usize,
    duplicates: usize,
    /// Duplicates decided by the scored-set look-up on a verdict prepared without state.
    looked_up_duplicates: usize,
}

/// Scores `records` through `score` on one engine and `prepare` (on a second) + `finish` (on
/// a third), asserting equal verdicts record by record and equal state at the end.
fn compare(config: &Config, records: &[String]) -> Counts {
    let mut plain = Engine::new(config).unwrap();
    let preparer = Engine::new(config).unwrap();
    let mut finisher = Engine::new(config).unwrap();
    let mut counts = Counts::default();
    for (i, record) in records.iter().enumerate() {
        let bytes = record.as_bytes();
        let expected = plain.score(bytes);
        let prepared = preparer.prepare(bytes);
        match prepared.verdict() {
            Some(v) => {
                counts.done += 1;
                assert!(v.duplicate_of_stage.is_none());
            }
            None => counts.ordered += 1,
        }
        // The same record prepared twice gives the same answer (no state in `prepare`).
        assert_eq!(preparer.prepare(bytes), prepared);
        // The scored-set look-up on a prepared verdict; read from the debug form, since which
        // step is left is not part of the API.
        let looked_up = format!("{prepared:?}").contains("Request {");
        let got = finisher.finish(bytes, prepared);
        assert_eq!(
            got, expected,
            "profile {}, record {i}: prepare + finish differs from score\n{record}",
            config.profile
        );
        counts.matched += got.matched as usize;
        if got.duplicate_of_stage.is_some() {
            counts.duplicates += 1;
            counts.looked_up_duplicates += looked_up as usize;
        }
    }
    assert_eq!(finisher.export_state(), plain.export_state());
    counts
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

#[test]
fn prepare_then_finish_is_score_for_every_profile() {
    let records = corpus();
    let profiles = profiles();
    assert!(profiles.len() >= 4, "{profiles:?}");
    for profile in &profiles {
        for (state_capacity, scored_requests) in [(0, 4096), (100_000, 4096), (0, 0), (50, 8)] {
            let config = Config {
                profile: profile.clone(),
                state_capacity,
                scored_requests,
                ..Config::default()
            };
            let counts = compare(&config, &records);
            assert!(counts.done > 0, "{profile}: {counts:?}");
            // With the state and the scored set off, no verdict needs the ordered step.
            if state_capacity == 0 && scored_requests == 0 {
                assert_eq!(counts.ordered, 0, "{profile}: {counts:?}");
            }
            if profile == "cadet" && (state_capacity > 0 || scored_requests > 0) {
                assert!(counts.ordered > 0, "{counts:?}");
            }
            if profile == "cadet" {
                eprintln!("{profile} state {state_capacity} scored {scored_requests}: {counts:?}");
                assert!(counts.matched > 100, "{counts:?}");
                if scored_requests > 0 {
                    assert!(counts.duplicates > 10, "{counts:?}");
                    assert!(counts.looked_up_duplicates > 0, "{counts:?}");
                }
            }
        }
    }
}

#[test]
fn prepare_then_finish_is_score_with_correlations() {
    let records = corpus();
    let pack = format!("{DEFAULT_PACK}\n{CORRELATIONS}");
    let mut fired = 0;
    for profile in profiles() {
        for state_capacity in [0, 100_000] {
            let config = Config {
                profile: profile.clone(),
                rules: Some(pack.clone()),
                rules_name: "correlations.toml".into(),
                state_capacity,
                ..Config::default()
            };
            let engine = Engine::new(&config).unwrap();
            if !engine
                .pack()
                .correlations_of(&profile)
                .any(|c| c.id.starts_with("test."))
            {
                continue;
            }
            compare(&config, &records);
            let mut e = Engine::new(&config).unwrap();
            fired += records
                .iter()
                .filter(|r| {
                    e.score(r.as_bytes())
                        .rules
                        .iter()
                        .any(|h| h.id.starts_with("test."))
                })
                .count();
        }
    }
    assert!(fired > 0, "no correlation fired on the corpus");
}

#[test]
fn an_engine_can_move_to_another_thread() {
    fn is_send<T: Send>() {}
    is_send::<Engine>();
    is_send::<cadet_core::Prepared>();
}
