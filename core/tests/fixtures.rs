//! Replays every fixture in `core/fixtures` (see its README) through the native engine.

mod common;

use common::{fixture_files, lines, shared_dir, strip_expect};
use std::fs;
use std::path::Path;

use cadet_core::{Config, Engine, Severity, Verdict};
use serde_json::Value;

const PROFILES: [&str; 4] = ["cadet", "qradar-t1609", "elastic-t1609", "qradar-t1059-013"];

fn engine(profile: &str) -> Engine {
    Engine::new(&Config {
        profile: profile.into(),
        ..Config::default()
    })
    .unwrap()
}

/// The `_expect` objects of an attack file (inline, or from the sidecar `.expect`).
fn expectations(path: &Path, records: &[String]) -> Vec<Value> {
    if path.extension().unwrap() == "log" {
        let sidecar = path.with_extension("expect");
        let exp = lines(&sidecar);
        assert_eq!(
            exp.len(),
            records.len(),
            "{}: one expectation per line",
            sidecar.display()
        );
        exp.iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    } else {
        records
            .iter()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v.get("_expect").cloned().unwrap_or_else(|| {
                    panic!("{}: attack record without _expect: {l}", path.display())
                })
            })
            .collect()
    }
}

fn check(verdict: &Verdict, exp: &Value, what: &str) -> Vec<String> {
    let mut problems = Vec::new();
    // A later record of a request already scored (same auditID, an earlier stage matched):
    // not matched, naming the stage it was scored at (see core/fixtures/README.md).
    if let Some(first) = exp.get("duplicate_of_stage").and_then(|v| v.as_str()) {
        if verdict.matched || verdict.duplicate_of_stage.as_deref() != Some(first) {
            problems.push(format!(
                "{what}: expected a duplicate of the request scored at {first}, got {}",
                verdict.to_json()
            ));
        }
        return problems;
    }
    if let Some(stage) = exp.get("stage").and_then(|v| v.as_str()) {
        if verdict.stage.as_deref() != Some(stage) {
            problems.push(format!(
                "{what}: stage {:?}, expected {stage}",
                verdict.stage
            ));
        }
    }
    if !verdict.matched {
        return vec![format!("{what}: not matched (expected {exp})")];
    }
    let ids: Vec<&str> = verdict.rules.iter().map(|r| r.id.as_str()).collect();
    for want in exp["rules"].as_array().unwrap() {
        if !ids.contains(&want.as_str().unwrap()) {
            problems.push(format!("{what}: rule {want} missing; got {ids:?}"));
        }
    }
    // The denial of a refused request (an attempt), the owner of a controller-made pod,
    // and whether a suppression entry named the verdict (see core/fixtures/README.md).
    if let Some(denied) = exp.get("denied").and_then(|v| v.as_bool()) {
        if verdict.denied != denied {
            problems.push(format!(
                "{what}: denied {}, expected {denied}",
                verdict.denied
            ));
        }
    }
    if let Some(owner) = exp.get("owner").and_then(|v| v.as_object()) {
        let got = verdict.owner.as_ref();
        for (key, want) in owner {
            let have = match key.as_str() {
                "kind" => got.map(|o| o.kind.clone()),
                "name" => got.map(|o| o.name.clone()),
                "created_by" => got.and_then(|o| o.created_by.clone()),
                other => panic!("{what}: unknown owner key {other}"),
            };
            if have.as_deref() != want.as_str() {
                problems.push(format!("{what}: owner {key} {have:?}, expected {want}"));
            }
        }
    }
    if let Some(suppressed) = exp.get("suppressed").and_then(|v| v.as_bool()) {
        if verdict.suppressed_by.is_some() != suppressed {
            problems.push(format!(
                "{what}: suppressed_by {:?}, expected suppressed = {suppressed}",
                verdict.suppressed_by
            ));
        }
    }
    for want in exp
        .get("techniques")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        if !verdict
            .techniques
            .iter()
            .any(|t| t == want.as_str().unwrap())
        {
            problems.push(format!(
                "{what}: technique {want} missing; got {:?}",
                verdict.techniques
            ));
        }
    }
    let flags = serde_json::to_value(verdict.flags).unwrap();
    for want in exp
        .get("flags")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        if flags[want.as_str().unwrap()] != Value::Bool(true) {
            problems.push(format!("{what}: flag {want} not set; got {flags}"));
        }
    }
    if let Some(min) = exp.get("min_severity").and_then(|v| v.as_str()) {
        let min = Severity::parse(min).unwrap();
        if verdict.severity < min {
            problems.push(format!(
                "{what}: severity {:?} below {min:?} (score {})",
                verdict.severity, verdict.score
            ));
        }
    }
    problems
}

#[test]
fn attack_fixtures_are_detected_with_rules_techniques_and_flags() {
    let (mut checked, mut problems) = (0, Vec::new());
    for path in fixture_files()
        .iter()
        .filter(|p| p.to_string_lossy().contains(".attack."))
    {
        // One engine per file: each file is one log, so the set of scored requests (auditIDs)
        // spans its lines only (public test data reuses IDs such as "abc-123" across files).
        let mut engine = engine("cadet");
        let records = lines(path);
        for (i, (record, exp)) in records.iter().zip(expectations(path, &records)).enumerate() {
            // Scored without its `_expect`: an expectation never feeds the prefilter or a rule.
            let v = engine.score(strip_expect(record).as_bytes());
            problems.extend(check(&v, &exp, &format!("{}:{}", path.display(), i + 1)));
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} attack records found");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn benign_fixtures_stay_quiet() {
    let mut loud = Vec::new();
    let mut checked = 0;
    for path in fixture_files()
        .iter()
        .filter(|p| p.to_string_lossy().contains(".benign."))
    {
        let mut engine = engine("cadet");
        for record in lines(path) {
            let v = engine.score(strip_expect(&record).as_bytes());
            checked += 1;
            if v.matched {
                loud.push(format!(
                    "{}: {} -> {}",
                    path.display(),
                    &record[..record.len().min(120)],
                    v.to_json()
                ));
            }
        }
    }
    assert!(checked >= 40, "only {checked} benign records found");
    assert!(
        loud.is_empty(),
        "benign records matched:\n{}",
        loud.join("\n")
    );
}

/// The prefilter may only skip records that could not match: every fixture line and every
/// shared data line gets the same verdict with and without it, in every profile.
#[test]
fn prefilter_never_changes_a_verdict() {
    let mut all: Vec<String> = fixture_files()
        .iter()
        .flat_map(|p| lines(p))
        .map(|l| strip_expect(&l))
        .collect();
    all.extend(shared_json_lines());
    let mut rejected = 0;
    for profile in PROFILES {
        let mut fast = engine(profile);
        let mut full = Engine::new(&Config {
            profile: profile.into(),
            prefilter: false,
            ..Config::default()
        })
        .unwrap();
        for record in &all {
            let mut expected = full.score(record.as_bytes());
            if fast.rejects(record.as_bytes()) {
                rejected += 1;
                // A rejected record is never parsed, so a parse error goes unreported (by design).
                expected.error = None;
            }
            assert_eq!(
                fast.score(record.as_bytes()),
                expected,
                "{profile}: {record}"
            );
        }
    }
    assert!(rejected > 0, "the prefilter rejected nothing");
}

/// Every text line under ../shared/data (negatives, formats, rules as text, ...).
fn shared_json_lines() -> Vec<String> {
    let mut out = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<String>) {
        let Ok(rd) = fs::read_dir(dir) else { return };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("log" | "jsonl" | "json" | "txt")
            ) {
                for l in fs::read_to_string(&p).unwrap_or_default().lines() {
                    if !l.trim().is_empty() {
                        out.push(l.to_string());
                    }
                }
            }
        }
    }
    walk(&shared_dir(), &mut out);
    out
}

#[test]
fn shared_negatives_do_not_match_in_any_profile() {
    let dir = shared_dir().join("negatives");
    assert!(
        dir.is_dir(),
        "../shared/data/negatives not found beside the repo"
    );
    let mut n = 0;
    for profile in PROFILES {
        let mut e = engine(profile);
        for entry in fs::read_dir(&dir).unwrap() {
            let sub = entry.unwrap().path();
            for file in fs::read_dir(&sub).unwrap() {
                let file = file.unwrap().path();
                if file.extension().and_then(|e| e.to_str()) != Some("log") {
                    continue;
                }
                for line in lines(&file) {
                    let v = e.score(line.as_bytes());
                    assert!(
                        !v.matched,
                        "{profile}: {} matched: {}",
                        file.display(),
                        v.to_json()
                    );
                    assert!(v.error.is_none(), "{}: {:?}", file.display(), v.error);
                    n += 1;
                }
            }
        }
    }
    assert_eq!(n, 6 * 4, "expected the 6 public negative k8s audit events");
}

#[test]
fn enriched_output_keeps_the_record_and_adds_one_cadet_key() {
    let mut engine = engine("cadet");
    for path in fixture_files() {
        for record in lines(&path).iter().map(|l| strip_expect(l)) {
            let mut out = Vec::new();
            let returned = engine.enrich(record.as_bytes(), &mut out);
            let enriched: Value = serde_json::from_slice(&out).unwrap_or_else(|e| {
                panic!("{}: {e}: {}", path.display(), String::from_utf8_lossy(&out))
            });
            let verdict: Verdict = serde_json::from_value(enriched["cadet"].clone()).unwrap();
            assert_eq!(verdict, returned);
            match serde_json::from_str::<Value>(&record) {
                Ok(Value::Object(original)) => {
                    let Value::Object(mut got) = enriched else {
                        panic!()
                    };
                    got.remove("cadet");
                    assert_eq!(
                        Value::Object(got),
                        Value::Object(original),
                        "{}",
                        path.display()
                    );
                }
                _ => assert_eq!(
                    enriched["message"],
                    Value::String(record.trim().to_string())
                ),
            }
        }
    }
}

/// Real Sysmon for Linux output (grapl's test data, Apache-2.0): pretty-printed XML that
/// syslog carries as one line. cadet reads it as a process start from `sysmon`.
#[test]
fn sysmon_for_linux_xml_from_grapl_is_read() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sysmon/grapl_process_creation.xml");
    let xml = fs::read_to_string(path).unwrap();
    let one_line: String = xml.lines().map(str::trim).collect();
    let ev =
        cadet_core::parts::source::normalise_text(&one_line).expect("sysmon XML is recognised");
    assert_eq!(ev.source, "sysmon");
    let p = ev.process.unwrap();
    assert_eq!(p.executable.as_deref(), Some("/usr/bin/tr"));
    assert_eq!(p.command_line.as_deref(), Some("tr [:upper:][:lower:]"));
    assert_eq!(p.user.as_deref(), Some("root"));
    assert_eq!(p.parent_executable, None, "`-` means unknown");
    assert_eq!(p.host.as_deref(), Some("tux"));
    assert_eq!(p.pid, Some(49570));
    // ... and the same line with a container tool in it is scored.
    let attack = one_line
        .replace("/usr/bin/tr", "/usr/bin/docker")
        .replace("tr [:upper:][:lower:]", "docker exec -it web sh");
    let v = Engine::new(&Config::default())
        .unwrap()
        .score(attack.as_bytes());
    assert!(v.matched && v.flags.container_exec, "{}", v.to_json());
}

/// The WebAssembly builds search keywords with case-insensitive DFAs, native builds with
/// lower-cased chunks and SIMD (WebAssembly now with byte-pair tables): all must say the same about every record, in every profile.
#[test]
fn prefilter_strategies_agree() {
    use cadet_core::parts::prefilter::{Prefilter, Strategy};
    let mut all: Vec<String> = fixture_files()
        .iter()
        .flat_map(|p| lines(p))
        .map(|l| strip_expect(&l))
        .collect();
    all.extend(shared_json_lines());
    // long records cross chunk boundaries
    all.push(format!("{{\"pad\":\"{}\",\"apiVersion\":\"audit.k8s.io/v1\",\"x\":\"{}\",\"objectRef\":{{\"resource\":\"secrets\"}}}}", "p".repeat(5000), "q".repeat(9000)));
    all.push(format!("{} docker exec -it x sh", "w".repeat(1 << 20)));
    for profile in PROFILES {
        let e = engine(profile);
        let p = e.profile_def();
        let Some(words) = &p.prefilter else { continue };
        let markers = cadet_core::parts::source::MARKERS;
        let a = Prefilter::with_strategy(
            words,
            &p.prefilter_control_plane,
            markers,
            Strategy::LowerChunks,
        )
        .unwrap();
        let b = Prefilter::with_strategy(
            words,
            &p.prefilter_control_plane,
            markers,
            Strategy::CaseInsensitiveDfa,
        )
        .unwrap();
        let c = Prefilter::with_strategy(
            words,
            &p.prefilter_control_plane,
            markers,
            Strategy::LowerChunksBigrams,
        )
        .unwrap();
        let d = Prefilter::with_strategy(
            words,
            &p.prefilter_control_plane,
            markers,
            Strategy::FoldedPairs,
        )
        .unwrap();
        for record in &all {
            let expected = a.may_match(record.as_bytes());
            for (other, name) in [
                (&b, "case-insensitive DFA"),
                (&c, "byte-pair tables"),
                (&d, "folded pairs"),
            ] {
                assert_eq!(
                    expected,
                    other.may_match(record.as_bytes()),
                    "{profile}, {name}: {}",
                    &record[..record.len().min(200)]
                );
            }
        }
    }
}

/// Expectations never reach the engine: `strip_expect` removes the `_expect` member and
/// nothing else, and a record whose expectation holds prefilter keywords (which would let it
/// past the prefilter, and could feed a rule) is scored exactly as the record without it.
#[test]
fn expectations_are_stripped_before_scoring() {
    let mut stripped_lines = 0;
    for path in fixture_files()
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
    {
        for line in lines(path) {
            let Ok(Value::Object(mut original)) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            let stripped = strip_expect(&line);
            if original.remove("_expect").is_none() {
                assert_eq!(
                    stripped,
                    line,
                    "{}: changed without _expect",
                    path.display()
                );
                continue;
            }
            let got: Value = serde_json::from_str(&stripped)
                .unwrap_or_else(|e| panic!("{}: {e}: {stripped}", path.display()));
            assert_eq!(got, Value::Object(original), "{}", path.display());
            assert!(!stripped.contains("\"_expect\""), "{stripped}");
            stripped_lines += 1;
        }
    }
    assert!(
        stripped_lines > 100,
        "only {stripped_lines} records with _expect"
    );
    // First member, last member, spaces around the colon and commas.
    assert_eq!(
        strip_expect(r#"{"_expect":{"rules":[]},"a":1}"#),
        r#"{"a":1}"#
    );
    assert_eq!(
        strip_expect(r#"{"a":"}","_expect" : {"r":"\"{"} }"#),
        r#"{"a":"}" }"#
    );
    assert_eq!(strip_expect(r#"{ "_expect": [1, {"x": 2}] }"#), r#"{  }"#);
    assert_eq!(
        strip_expect(r#"{"a":{"_expect":1}}"#),
        r#"{"a":{"_expect":1}}"#
    );
    assert_eq!(
        strip_expect("docker exec -it web sh"),
        "docker exec -it web sh"
    );

    // A routine control-plane record the prefilter rejects; its `_expect` names exec and the
    // docker socket. Unstripped, those words pass the prefilter; stripped, nothing changes.
    let mut e = engine("cadet");
    let benign = lines(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/k8s_audit/apiserver.benign.jsonl"),
    )
    .into_iter()
    .find(|l| l.contains("/leases/"))
    .expect("a lease record");
    assert!(e.rejects(benign.as_bytes()), "{benign}");
    let with = format!(
        "{},\"_expect\":{{\"rules\":[\"cadet.k8s.pod_exec_shell\"],\"note\":\"kubectl exec -it web -- sh; docker run --privileged -v /var/run/docker.sock:/s\"}}}}",
        &benign[..benign.len() - 1]
    );
    assert!(
        !e.rejects(with.as_bytes()),
        "the keywords in _expect would pass the prefilter"
    );
    assert!(e.rejects(strip_expect(&with).as_bytes()));
    assert_eq!(strip_expect(&with), benign);
    assert_eq!(
        e.score(strip_expect(&with).as_bytes()),
        e.score(benign.as_bytes())
    );
}
