//! The generated VRL program, run by the `vrl` crate (the engine of Vector's `remap`),
//! gives every fixture record the verdict cadet-core gives it.

use cadet_core::{Config, Engine};
use cadet_vector_tests::{corpus, event_of, is_api_record, native, Outcome, Vrl, PROFILES};
use cadet_vrl::Mode;

fn compile(profile: &str, mode: Mode) -> Vrl {
    let source = cadet_vrl::export_text(None, profile, mode).expect("export");
    let (vrl, warnings) = Vrl::compile(&source)
        .unwrap_or_else(|e| panic!("{profile}: the program does not compile:\n{e}"));
    assert!(
        warnings.is_empty(),
        "{profile}: the program compiles with warnings:\n{}",
        warnings.join("\n")
    );
    vrl
}

#[test]
fn every_profile_gives_the_native_verdict_on_every_fixture() {
    let records = corpus();
    assert!(
        records.len() > 100,
        "the corpus is too small ({} records)",
        records.len()
    );
    let mut failures = Vec::new();
    for profile in PROFILES {
        let vrl = compile(profile, Mode::All);
        // VRL keeps no state between events: it is the core with its set of scored requests
        // off, every stage of a long-running request scored and named.
        let mut engine = Engine::new(&Config {
            profile: profile.to_string(),
            scored_requests: 0,
            ..Config::default()
        })
        .expect("engine");
        let (mut compared, mut matched, mut skipped, mut api, mut api_matched) = (0, 0, 0, 0, 0);
        for r in &records {
            let Some(event) = event_of(&r.line) else {
                skipped += 1;
                continue;
            };
            let want = native(&mut engine, &r.line);
            let is_api = is_api_record(&r.line);
            api += is_api as usize;
            let got = match vrl.run(event) {
                Ok(Outcome::Event(ev)) => ev.get("cadet").cloned().unwrap_or_default(),
                Ok(Outcome::Aborted(_)) => serde_json::json!("aborted"),
                Err(e) => serde_json::json!(format!("runtime error: {e}")),
            };
            compared += 1;
            if want["matched"] == true {
                matched += 1;
                api_matched += is_api as usize;
            }
            if got != want {
                let src = want["source"].as_str().unwrap_or("-").to_string();
                failures.push(format!(
                    "{profile} [{src}] {}\n  line:   {}\n  native: {want}\n  vrl:    {got}",
                    r.origin, r.line
                ));
            }
        }
        let differ = failures
            .iter()
            .filter(|f| f.starts_with(&format!("{profile} ")))
            .count();
        println!(
            "{profile:18} compared {compared:4} (control-plane/daemon {api:3})  matched {matched:4} (control-plane/daemon {api_matched:3})  equal {:4}  | json codec rejects {skipped}",
            compared - differ
        );
    }
    let heads: Vec<&str> = failures
        .iter()
        .map(|f| f.lines().next().unwrap_or(""))
        .collect();
    assert!(
        failures.is_empty(),
        "{} records differ:\n{}\n\nfirst differences:\n{}",
        failures.len(),
        heads.join("\n"),
        failures
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn matches_only_aborts_exactly_the_non_matches() {
    let records = corpus();
    for profile in ["qradar-t1609", "cadet"] {
        let vrl = compile(profile, Mode::MatchesOnly);
        // VRL keeps no state between events: it is the core with its set of scored requests
        // off, every stage of a long-running request scored and named.
        let mut engine = Engine::new(&Config {
            profile: profile.to_string(),
            scored_requests: 0,
            ..Config::default()
        })
        .expect("engine");
        let (mut kept, mut dropped) = (0, 0);
        for r in &records {
            let Some(event) = event_of(&r.line) else {
                continue;
            };
            let want = native(&mut engine, &r.line);
            match vrl.run(event).expect("runs") {
                Outcome::Aborted(_) => {
                    assert_eq!(
                        want["matched"], false,
                        "{profile} {}: aborted a match",
                        r.origin
                    );
                    dropped += 1;
                }
                Outcome::Event(ev) => {
                    assert_eq!(ev["cadet"], want, "{profile} {}", r.origin);
                    assert_eq!(
                        want["matched"], true,
                        "{profile} {}: kept a non-match",
                        r.origin
                    );
                    kept += 1;
                }
            }
        }
        println!("{profile}: matches-only kept {kept}, dropped {dropped}");
        assert!(kept > 0 && dropped > 0);
    }
}

#[test]
fn the_shipped_program_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vector-config/cadet.vrl");
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    let fresh = cadet_vrl::export_text(None, "cadet", Mode::All).expect("export");
    assert!(
        shipped == fresh,
        "vector-config/cadet.vrl is stale: regenerate it with `cadet export vrl --profile cadet > vector-config/cadet.vrl`"
    );
}

#[test]
fn the_shipped_vector_config_is_up_to_date_and_its_unit_tests_pass() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vector-config/vector.yaml");
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        shipped == cadet_vector_tests::vector_yaml(),
        "vector-config/vector.yaml is stale: regenerate with `cargo run -p cadet-vector-tests --bin gen-vector-config`"
    );
    // Each unit test of vector.yaml, run the way `vector test` runs it: the event through the
    // remap program, then the test's VRL condition on the output.
    let vrl = compile("cadet", Mode::All);
    let tests = cadet_vector_tests::unit_tests();
    assert!(tests.len() >= 10, "too few unit tests: {}", tests.len());
    for t in &tests {
        let Outcome::Event(out) = vrl.run(t.event.clone()).expect("runs") else {
            panic!("{}: aborted", t.name)
        };
        let (cond, warnings) =
            Vrl::compile(&cadet_vector_tests::unit_test_condition(t)).expect("condition compiles");
        assert!(warnings.is_empty(), "{}: {warnings:?}", t.name);
        match cond.run(out) {
            Ok(Outcome::Event(_)) => {}
            other => panic!("{}: the unit test's condition fails: {other:?}", t.name),
        }
    }
}
