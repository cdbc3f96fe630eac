//! Differential test of Sigma correlations: `cadet import sigma` turns `event_count` and
//! `value_count` correlations into `[[correlation]]` entries; cadet's alerts are compared with
//! rsigma-eval's `CorrelationEngine` (the oracle, reading the audit event and its own
//! timestamp fields) record for record, over the Kubernetes audit fixtures in file order
//! (`core/fixtures/k8s_audit/*.jsonl`, real-shaped kube-apiserver, Falco and EKS events with
//! their times) and over the exec and read records of `apiserver.attack.jsonl` re-timed 25 s
//! apart (the windows expire inside the stream).

mod common;

use std::collections::BTreeSet;

use rsigma_eval::{CorrelationConfig, CorrelationEngine, TimestampFallback};
use serde_json::Value;

const RULES: &str = r#"
title: Pod exec
id: 5c0e0001-0000-4000-8000-00000000c001
logsource: {product: kubernetes, service: audit}
detection:
  selection:
    verb: [create, get]
    objectRef.resource: pods
    objectRef.subresource: exec
  condition: selection
level: medium
tags: [attack.t1609]
---
title: API read
id: 5c0e0001-0000-4000-8000-00000000c002
logsource: {product: kubernetes, service: audit}
detection:
  selection:
    verb: [get, list, watch]
  condition: selection
level: low
---
title: Exec burst by one user
id: 5c0e0001-0000-4000-8000-00000000cc01
correlation:
  type: event_count
  rules: [5c0e0001-0000-4000-8000-00000000c001]
  group-by: [user.username]
  timespan: 1m
  condition: {gte: 3}
level: high
tags: [attack.t1609]
---
title: Distinct resources read by one user
id: 5c0e0001-0000-4000-8000-00000000cc02
correlation:
  type: value_count
  rules: [5c0e0001-0000-4000-8000-00000000c002]
  group-by: [user.username]
  timespan: 5m
  condition: {field: objectRef.resource, gte: 3}
level: high
tags: [attack.t1613]
---
title: Exec storm (never reached)
id: 5c0e0001-0000-4000-8000-00000000cc03
correlation:
  type: event_count
  rules: [5c0e0001-0000-4000-8000-00000000c001]
  group-by: [user.username]
  timespan: 1h
  condition: {gte: 10}
level: critical
---
title: Two execs within two seconds
id: 5c0e0001-0000-4000-8000-00000000cc04
correlation:
  type: event_count
  rules: [5c0e0001-0000-4000-8000-00000000c001]
  group-by: [user.username]
  timespan: 2s
  condition: {gte: 2}
level: medium
---
title: Several users exec in one namespace
id: 5c0e0001-0000-4000-8000-00000000cc05
correlation:
  type: value_count
  rules: [5c0e0001-0000-4000-8000-00000000c001]
  group-by: [objectRef.namespace]
  timespan: 10m
  condition: {field: user.username, gte: 2, lt: 4}
level: medium
"#;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(common::root().join("core/fixtures/k8s_audit").join(name)).unwrap()
}

/// The streams: each audit fixture file in its order, and the re-timed one.
fn streams() -> Vec<(String, Vec<String>)> {
    let mut files: Vec<String> = std::fs::read_dir(common::root().join("core/fixtures/k8s_audit"))
        .unwrap()
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            n.ends_with(".jsonl").then_some(n)
        })
        .collect();
    files.sort();
    let mut out: Vec<(String, Vec<String>)> = files
        .iter()
        .map(|f| (f.clone(), fixture(f).lines().map(String::from).collect()))
        .collect();
    // The exec and read records of apiserver.attack.jsonl, 25 s apart: a 1-minute window
    // holds three of them, so the exec burst fires only where three fall within it.
    let retimed: Vec<String> = fixture("apiserver.attack.jsonl")
        .lines()
        .take(43)
        .enumerate()
        .filter(|(i, _)| *i < 9 || *i >= 30)
        .enumerate()
        .map(|(n, (_, l))| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            let secs = 25 * n as u32;
            let t = format!("2025-06-12T10:{:02}:{:02}.500000Z", secs / 60, secs % 60);
            v["stageTimestamp"] = Value::from(t.clone());
            v["requestReceivedTimestamp"] = Value::from(t);
            v.to_string()
        })
        .collect();
    out.push(("apiserver.attack.jsonl re-timed 25 s apart".into(), retimed));
    out
}

/// The Sigma id of each correlation, as cadet names it.
fn cadet_ids() -> Vec<(String, String)> {
    (1..=5)
        .map(|i| {
            let id = format!("5c0e0001-0000-4000-8000-00000000cc0{i}");
            (format!("sigma.{id}"), id)
        })
        .collect()
}

fn oracle() -> CorrelationEngine {
    let mut engine = CorrelationEngine::new(CorrelationConfig {
        // The audit event's own time, as cadet reads it (stageTimestamp first).
        timestamp_fields: vec!["stageTimestamp".into(), "requestReceivedTimestamp".into()],
        timestamp_fallback: TimestampFallback::Skip,
        ..CorrelationConfig::default()
    });
    let c = rsigma_parser::parse_sigma_yaml(RULES).expect("rsigma parses the rules");
    engine
        .add_collection(&c)
        .expect("rsigma compiles the rules");
    engine
}

fn converted() -> cadet_sigma::Conversion {
    let out = cadet_sigma::convert(
        &[cadet_sigma::Input {
            name: "correlations.yml".into(),
            text: RULES.into(),
        }],
        &cadet_sigma::Options::default(),
    )
    .unwrap();
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    assert_eq!((out.rules.len(), out.correlations.len()), (2, 5));
    out
}

#[test]
fn correlation_alerts_agree_with_rsigma_record_for_record() {
    let pack = converted().pack;
    let ids = cadet_ids();
    let (mut records, mut agree, mut timed) = (0, 0, 0);
    let mut alerts = std::collections::BTreeMap::<String, (usize, usize)>::new();
    let mut disagreements = Vec::new();
    for (name, lines) in streams() {
        let mut cadet = common::Cadet::new(&pack);
        let mut rsigma = oracle();
        let mut seen = std::collections::HashSet::new();
        for (i, line) in lines.iter().enumerate() {
            let mine: BTreeSet<String> = cadet
                .matches(line)
                .into_iter()
                .filter_map(|r| ids.iter().find(|(c, _)| *c == r).map(|(_, s)| s.clone()))
                .collect();
            // cadet scores a request once, on the first record of its auditID (a
            // RequestReceived/ResponseStarted/ResponseComplete series is one request), so
            // the oracle is given that record only: both count requests, not stage records.
            let mut first = |view: &Value| match view.get("auditID").and_then(Value::as_str) {
                Some(id) => seen.insert(id.to_string()),
                None => true,
            };
            let theirs: BTreeSet<String> = match common::audit_view(line) {
                Some(view) if first(&view) => {
                    if view.get("stageTimestamp").is_some()
                        || view.get("requestReceivedTimestamp").is_some()
                    {
                        timed += 1;
                    }
                    rsigma
                        .process_event(&rsigma_eval::JsonEvent::borrow(&view))
                        .into_iter()
                        .filter(|r| r.is_correlation())
                        .filter_map(|r| r.header.rule_id)
                        .collect()
                }
                _ => BTreeSet::new(),
            };
            records += 1;
            for id in &mine {
                alerts.entry(id.clone()).or_default().0 += 1;
            }
            for id in &theirs {
                alerts.entry(id.clone()).or_default().1 += 1;
            }
            if mine == theirs {
                agree += 1;
            } else {
                disagreements.push(format!(
                    "{name}:{}: cadet {mine:?}, rsigma {theirs:?}",
                    i + 1
                ));
            }
        }
    }
    println!("correlations: {agree} of {records} records agree ({timed} with an audit timestamp)");
    for (id, (c, r)) in &alerts {
        println!("  {id}: cadet {c} alert(s), rsigma {r}");
    }
    for d in &disagreements {
        println!("  DISAGREE {d}");
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
    // Each correlation that should fire fires in both, the storm never does.
    for (i, want_some) in [(1, true), (2, true), (3, false), (4, true), (5, true)] {
        let id = format!("5c0e0001-0000-4000-8000-00000000cc0{i}");
        let n = alerts.get(&id).map(|a| a.0).unwrap_or(0);
        assert_eq!(n > 0, want_some, "{id}: {n} alerts");
    }
}

#[test]
fn the_window_expires_in_both() {
    // alice execs at 10:00:01, :04, :05, :06, :07; bob at :02, :03, :08 (apiserver.attack.jsonl
    // lines 1-8). "Two execs within two seconds": bob's pair at :03, alice from :05 on; bob's
    // exec at :08 is alone in its window.
    let pack = converted().pack;
    let mut cadet = common::Cadet::new(&pack);
    let fired: Vec<usize> = fixture("apiserver.attack.jsonl")
        .lines()
        .take(8)
        .enumerate()
        .filter(|(_, l)| {
            cadet
                .matches(l)
                .contains("sigma.5c0e0001-0000-4000-8000-00000000cc04")
        })
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(fired, [3, 5, 6, 7]);
}

#[test]
fn the_pack_states_the_correlations() {
    let out = converted();
    assert!(out.pack.contains(
        "[[correlation]]\nid = \"sigma.5c0e0001-0000-4000-8000-00000000cc02\"\ntitle = \"Distinct resources read by one user\""
    ), "{}", out.pack);
    assert!(out.pack.contains("kind = \"value_count\"\nrules = [\"sigma.5c0e0001-0000-4000-8000-00000000c002\"]\ngroup_by = [\"user.name\"]\ntimespan = 300\nvalue_field = \"k8s.resource\"\ncondition = { gte = 3 }"), "{}", out.pack);
    assert!(
        out.pack.contains("condition = { gte = 2, lt = 4 }"),
        "{}",
        out.pack
    );
    // generate: false (Sigma's default): the base rules only feed the correlations.
    assert!(out.rules.iter().all(|r| r.score == 0));
}
