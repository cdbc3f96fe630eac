//! Correlations (`[[correlation]]`): `event_count` and `value_count` per `group_by` within a
//! sliding `timespan` of the records' own time, on the bounded detector state. The records are
//! the kube-apiserver exec events of core/fixtures/k8s_audit/apiserver.attack.jsonl (alice
//! execs at lines 0, 3, 4, 5, 6 into namespaces payments, web, monitoring, payments,
//! payments; bob at lines 1, 2, 7 into payments, web, default; one second apart).

use cadet_core::{Config, Engine, Verdict, DEFAULT_PACK};
use serde_json::Value;

const EXEC_RULES: &str = r#"["cadet.k8s.pod_exec_host_escape", "cadet.k8s.pod_exec_credential_access", "cadet.k8s.pod_exec_malicious", "cadet.k8s.pod_exec_shell", "cadet.k8s.pod_exec"]"#;

fn correlations() -> String {
    format!(
        r#"
[[correlation]]
id = "test.exec_burst"
title = "Four execs by one user within a minute"
kind = "event_count"
rules = {EXEC_RULES}
group_by = ["user.name"]
timespan = "1m"
condition = {{ gte = 4 }}
score = 95
techniques = ["T1609"]

[[correlation]]
id = "test.exec_spread"
title = "Execs into three namespaces by one user within five minutes"
kind = "value_count"
rules = {EXEC_RULES}
group_by = ["user.name"]
value_field = "k8s.namespace"
timespan = 300
condition = {{ gte = 3 }}
score = 80
techniques = ["T1609", "T1613"]
"#
    )
}

fn pack() -> String {
    format!("{DEFAULT_PACK}\n{}", correlations())
}

fn engine_with(config: Config) -> Engine {
    Engine::new(&Config {
        rules: Some(pack()),
        rules_name: "correlations.toml".into(),
        ..config
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn engine() -> Engine {
    engine_with(Config::default())
}

fn exec_lines() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/k8s_audit/apiserver.attack.jsonl"
    ))
    .unwrap();
    text.lines().take(8).map(String::from).collect()
}

fn fired(v: &Verdict) -> Vec<&str> {
    v.rules
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| id.starts_with("test."))
        .collect()
}

/// The lines (indices) at which each correlation fired.
fn firing(engine: &mut Engine, lines: &[String]) -> (Vec<usize>, Vec<usize>) {
    let (mut burst, mut spread) = (Vec::new(), Vec::new());
    for (i, l) in lines.iter().enumerate() {
        let v = engine.score(l.as_bytes());
        let f = fired(&v);
        if f.contains(&"test.exec_burst") {
            burst.push(i);
        }
        if f.contains(&"test.exec_spread") {
            spread.push(i);
        }
    }
    (burst, spread)
}

/// `line` with its audit timestamps set to `secs` seconds after 2025-06-12T10:00:00Z.
fn at(line: &str, secs: u32) -> String {
    let mut v: Value = serde_json::from_str(line).unwrap();
    let t = format!("2025-06-12T10:{:02}:{:02}.000000Z", secs / 60, secs % 60);
    v["stageTimestamp"] = Value::from(t.clone());
    v["requestReceivedTimestamp"] = Value::from(t);
    v.to_string()
}

#[test]
fn event_count_and_value_count_fire_on_the_records_that_make_them_hold() {
    let lines = exec_lines();
    let mut e = engine();
    let (burst, spread) = firing(&mut e, &lines);
    // alice's 4th and 5th exec within the minute; bob has three.
    assert_eq!(burst, [5, 6]);
    // alice: payments, web, monitoring at line 4; bob: payments, web, default at line 7.
    assert_eq!(spread, [4, 5, 6, 7]);

    let mut e = engine();
    let verdicts: Vec<Verdict> = lines.iter().map(|l| e.score(l.as_bytes())).collect();
    let v = &verdicts[5];
    assert!(v.matched);
    assert_eq!(v.score, 95, "the correlation's score, the highest hit");
    let hit = v.rules.iter().find(|r| r.id == "test.exec_burst").unwrap();
    assert_eq!(
        (hit.title.as_str(), hit.score),
        ("Four execs by one user within a minute", 95)
    );
    assert!(v.techniques.contains(&"T1613".to_string()));
    assert!(
        v.indicators.contains(
            &"test.exec_burst: 4 records by user.name=alice@corp.example within 60s".into()
        ),
        "{:?}",
        v.indicators
    );
    assert!(v.indicators.contains(
        &"test.exec_spread: 3 distinct k8s.namespace by user.name=alice@corp.example within 300s"
            .into()
    ));
    // The enriched line carries it too.
    let mut out = Vec::new();
    let mut e = engine();
    for l in &lines[..6] {
        out.clear();
        e.enrich(l.as_bytes(), &mut out);
    }
    let line = String::from_utf8(out).unwrap();
    assert!(line.contains(r#"{"id":"test.exec_burst","title":"Four execs by one user within a minute","score":95}"#), "{line}");
}

#[test]
fn a_verdict_no_correlation_fires_on_is_the_pack_without_correlations_verdict() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/k8s_audit/apiserver.attack.jsonl"
    ))
    .unwrap();
    let mut with = engine_with(Config {
        state_capacity: 64,
        ..Config::default()
    });
    let mut without = Engine::new(&Config {
        state_capacity: 64,
        ..Config::default()
    })
    .unwrap();
    let mut same = 0;
    for l in text.lines() {
        let a = with.score(l.as_bytes());
        let b = without.score(l.as_bytes());
        if fired(&a).is_empty() {
            assert_eq!(a, b, "{l}");
            same += 1;
        }
    }
    assert_eq!(same, text.lines().count() - 4);
    assert!(!without.export_state().contains("correlations"));
    assert!(with.export_state().contains(r#""correlations""#));
}

#[test]
fn the_window_is_the_records_own_time_and_slides() {
    let lines = exec_lines();
    let alice: Vec<&String> = [0, 3, 4, 5].iter().map(|&i| &lines[i]).collect();
    // Four execs 20 s apart: the 4th at 60 s sees the 1st at 0 s (the window is inclusive).
    let mut e = engine();
    let got: Vec<bool> = [0, 20, 40, 60]
        .iter()
        .zip(&alice)
        .map(|(&t, l)| fired(&e.score(at(l, t).as_bytes())).contains(&"test.exec_burst"))
        .collect();
    assert_eq!(got, [false, false, false, true]);
    // One second later the 1st has left the window: three in it, no alert.
    let mut e = engine();
    let got: Vec<bool> = [0, 20, 40, 61]
        .iter()
        .zip(&alice)
        .map(|(&t, l)| fired(&e.score(at(l, t).as_bytes())).contains(&"test.exec_burst"))
        .collect();
    assert_eq!(got, [false, false, false, false]);
    // And a 5th at 70 s sees 20, 40, 61, 70: four again.
    let v = e.score(at(&lines[6], 70).as_bytes());
    assert!(fired(&v).contains(&"test.exec_burst"));
}

#[test]
fn records_without_time_feed_no_correlation() {
    let mut e = engine();
    for l in exec_lines() {
        let mut v: Value = serde_json::from_str(&l).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("stageTimestamp");
        o.remove("requestReceivedTimestamp");
        let verdict = e.score(v.to_string().as_bytes());
        assert!(verdict.matched, "the base rules still match");
        assert!(fired(&verdict).is_empty());
    }
}

#[test]
fn suppressed_matches_feed_no_correlation() {
    let mut e = engine_with(Config {
        suppressions: Some(
            "[[suppress]]\nname = \"alice-oncall\"\nuser = [\"alice@corp.example\"]\n".into(),
        ),
        ..Config::default()
    });
    let (burst, spread) = firing(&mut e, &exec_lines());
    assert!(burst.is_empty());
    assert_eq!(spread, [7], "bob's, not suppressed");
}

#[test]
fn the_state_is_saved_and_restored_and_bounded() {
    let lines = exec_lines();
    let mut first = engine();
    for l in &lines[..4] {
        first.score(l.as_bytes());
    }
    let saved = first.export_state();
    let state: Value = serde_json::from_str(&saved).unwrap();
    assert!(state["correlations"]["entries"].as_object().unwrap().len() >= 2);
    let mut second = engine();
    second.import_state(&saved).unwrap();
    let (burst, spread) = firing(&mut second, &lines[4..]);
    // Lines 5, 6 and 4, 5, 6, 7 of the whole stream.
    assert_eq!(burst, [1, 2]);
    assert_eq!(spread, [0, 1, 2, 3]);
    // Without the saved state the rest of the stream is below both thresholds.
    let (burst, spread) = firing(&mut engine(), &lines[4..]);
    assert!(burst.is_empty() && spread.is_empty());

    // Capacity: at most `state_capacity` groups, least recently used dropped first.
    let mut small = engine_with(Config {
        state_capacity: 2,
        ..Config::default()
    });
    let (burst, spread) = firing(&mut small, &lines);
    let state: Value = serde_json::from_str(&small.export_state()).unwrap();
    assert_eq!(
        state["correlations"]["entries"].as_object().unwrap().len(),
        2
    );
    // bob's two groups (lines 1, 2) evict alice's, so her count restarts at line 3: four
    // execs at line 6, three namespaces (web, monitoring, payments) at line 5.
    assert_eq!(burst, [6]);
    assert_eq!(spread, [5, 6]);
    let mut tiny = engine_with(Config {
        state_capacity: 1,
        ..Config::default()
    });
    let (burst, spread) = firing(&mut tiny, &lines);
    assert!(
        burst.is_empty() && spread.is_empty(),
        "one group: each correlation evicts the other's"
    );
}

#[test]
fn bad_correlations_are_refused_naming_them() {
    let cases = [
        (
            "rules = [\"cadet.k8s.nope\"]",
            "unknown rule `cadet.k8s.nope`",
        ),
        ("group_by = [\"user.nam\"]", "unknown field `user.nam`"),
        ("group_by = [\"user.groups\"]", "holds a list"),
        ("timespan = \"5 minutes\"", "bad timespan"),
        ("timespan = 0", "bad timespan"),
        ("condition = { gte = 5000 }", "must be 0 to 1000"),
        ("condition = {}", "needs one of"),
        ("kind = \"temporal\"", "unknown kind `temporal`"),
        ("value_field = \"k8s.name\"", "for value_count only"),
        ("id = \"cadet.k8s.pod_exec\"", "also a rule's id"),
    ];
    let base = [
        ("id", "id = \"test.bad\""),
        ("title", "title = \"t\""),
        ("kind", "kind = \"event_count\""),
        ("rules", "rules = [\"cadet.k8s.pod_exec\"]"),
        ("group_by", "group_by = [\"user.name\"]"),
        ("timespan", "timespan = \"5m\""),
        ("condition", "condition = { gte = 3 }"),
        ("score", "score = 50"),
    ];
    for (replace, want) in cases {
        let key = replace.split(' ').next().unwrap();
        let mut body: Vec<String> = base
            .iter()
            .filter(|(k, _)| *k != key)
            .map(|(_, l)| l.to_string())
            .collect();
        body.push(replace.to_string());
        let text = format!("{DEFAULT_PACK}\n[[correlation]]\n{}\n", body.join("\n"));
        let err = Engine::new(&Config {
            rules: Some(text.clone()),
            rules_name: "bad.toml".into(),
            ..Config::default()
        })
        .unwrap_err();
        let id = if key == "id" {
            "cadet.k8s.pod_exec"
        } else {
            "test.bad"
        };
        assert_eq!(err.rule.as_deref(), Some(id), "{err}");
        assert_eq!(
            err.line,
            Some(DEFAULT_PACK.lines().count() + 2),
            "the [[correlation]] line: {err}"
        );
        assert!(err.to_string().contains(want), "{replace}: {err}");
    }
    // value_count without its field.
    let text = format!(
        "{DEFAULT_PACK}\n[[correlation]]\nid = \"v\"\ntitle = \"t\"\nkind = \"value_count\"\nrules = [\"cadet.k8s.pod_exec\"]\ntimespan = 60\ncondition = {{ gte = 2 }}\nscore = 1\n"
    );
    let err = Engine::new(&Config {
        rules: Some(text),
        ..Config::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("needs `value_field`"), "{err}");
}
