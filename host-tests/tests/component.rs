//! The WASI component against the native core: parity on every fixture for every profile,
//! typed verdicts, modes, state, hostile records and rule packs under resource limits.
//!
//! Run with `cargo test -p host-tests --test component -- --nocapture` to see the tables.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cadet_core::{
    Config as CoreConfig, Engine, Flags, RuleHit, Severity as CoreSeverity, Verdict as CoreVerdict,
};
use host_tests::component::{
    config, Budget, ComponentHost, Limits, Mode, Outcome, Severity, Verdict,
};
use host_tests::{corpus, parity};

/// One compiled component per test binary (compiling is the slow part).
fn host() -> &'static ComponentHost {
    static HOST: OnceLock<ComponentHost> = OnceLock::new();
    HOST.get_or_init(|| ComponentHost::new(Limits::default()).expect("compile the component"))
}

/// Asserts `got` is `Enriched(expected)`, with a short message (records can be megabytes).
#[track_caller]
fn assert_enriched(got: &Outcome, expected: &[u8], what: &str) {
    let short = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(300)]).into_owned();
    match got {
        Outcome::Enriched(out) if out == expected => {}
        Outcome::Enriched(out) => panic!(
            "{what}: differs from native\n  native:    {}\n  component: {}",
            short(expected),
            short(out)
        ),
        Outcome::Dropped => panic!("{what}: dropped, native gave {}", short(expected)),
        Outcome::Trapped { trap, .. } => panic!("{what}: trapped: {trap}"),
    }
}

fn native(profile: &str) -> Engine {
    Engine::new(&CoreConfig {
        profile: profile.into(),
        ..CoreConfig::default()
    })
    .unwrap()
}

#[test]
fn parity_every_fixture_every_profile() {
    let sets = corpus::all_sets();
    let total: usize = sets.iter().map(|s| s.records.len()).sum();
    assert!(
        sets.iter().any(|s| s.name == "core/fixtures/ecs"),
        "repository fixtures not found"
    );
    assert!(total > 100, "only {total} fixture records found");
    if !sets.iter().any(|s| s.name == "shared/data") {
        println!("note: ../shared/data is absent; only the repository's fixtures are replayed");
    }
    let profiles = parity::profiles();
    for p in ["cadet", "qradar-t1609", "elastic-t1609", "qradar-t1059-013"] {
        assert!(
            profiles.iter().any(|q| q == p),
            "profile {p} missing from the embedded pack"
        );
    }
    let rows = parity::compare_all(host(), &profiles, &sets);
    println!("{}", parity::table(&rows));
    assert!(
        rows.iter().all(parity::Row::identical),
        "component differs from native:\n{}",
        parity::explain(&rows, 3)
    );
    // The attack fixtures must exercise detection, or parity proves little.
    let matched: usize = rows
        .iter()
        .filter(|r| r.profile == "cadet")
        .map(|r| r.matched)
        .sum();
    println!("cadet profile matched {matched} of {total} records");
}

#[test]
fn parity_hostile_records_every_profile() {
    let hostile = corpus::hostile_records();
    let set = corpus::FixtureSet {
        name: "hostile".into(),
        records: hostile.iter().map(|(_, r)| r.clone()).collect(),
    };
    let rows = parity::compare_all(host(), &parity::profiles(), std::slice::from_ref(&set));
    println!("{}", parity::table(&rows));
    assert!(
        rows.iter().all(parity::Row::identical),
        "{}",
        parity::explain(&rows, 5)
    );
    // Not a single trap: bad input is an answer, not a crash.
    assert!(rows.iter().all(|r| r.traps == 0));
    // Every hostile record passes through: enriched output keeps the record's bytes or wraps it in `message`.
    let mut engine = native("cadet");
    for (name, record) in &hostile {
        let (out, _) = parity::native_enrich(&mut engine, record);
        assert!(
            out.ends_with(b"}") && out.windows(8).any(|w| w == b"\"cadet\":"),
            "{name}: no cadet object"
        );
    }
}

/// The WIT verdict as a cadet-core verdict, to compare with the native one field by field.
fn to_core(v: Verdict) -> CoreVerdict {
    CoreVerdict {
        profile: v.profile,
        matched: v.matched,
        score: v.score,
        severity: match v.severity {
            Severity::None => CoreSeverity::None,
            Severity::Low => CoreSeverity::Low,
            Severity::Medium => CoreSeverity::Medium,
            Severity::High => CoreSeverity::High,
            Severity::Critical => CoreSeverity::Critical,
        },
        techniques: v.techniques,
        rules: v
            .rules
            .into_iter()
            .map(|r| RuleHit {
                id: r.id,
                title: r.title,
                score: r.score,
            })
            .collect(),
        flags: Flags {
            privileged_container: v.flags.privileged_container,
            host_mount: v.flags.host_mount,
            container_exec: v.flags.container_exec,
            secrets_access: v.flags.secrets_access,
            escape: v.flags.escape,
        },
        indicators: v.indicators,
        source: v.source,
        stage: v.stage,
        duplicate_of_stage: v.duplicate_of_stage,
        denied: v.denied,
        owner: v.owner.map(|o| cadet_core::Owner {
            kind: o.kind,
            name: o.name,
            created_by: o.created_by,
        }),
        context: v.context.map(|c| cadet_core::Context {
            first_seen_user_exec: c.first_seen_user_exec,
            first_seen_user_ip: c.first_seen_user_ip,
            exec_spike: c.exec_spike,
            exec_rate: c.exec_rate,
            discovery_burst: c.discovery_burst,
            discovery_resources: c.discovery_resources,
        }),
        suppressed_by: v.suppressed_by,
        triage: v.triage.map(|t| cadet_core::Triage {
            escalate: t.escalate,
            steps: t.steps,
        }),
        error: v.error,
    }
}

#[test]
fn typed_score_equals_native_verdict() {
    let sets = corpus::all_sets();
    for profile in parity::profiles() {
        let mut engine = native(&profile);
        let mut inst = host().instantiate().unwrap();
        inst.configure(&config(&profile)).unwrap().unwrap();
        assert_eq!(inst.profile().unwrap(), profile);
        let (mut compared, mut errors) = (0, 0);
        for set in &sets {
            for record in &set.records {
                let Ok(text) = std::str::from_utf8(record) else {
                    continue;
                };
                let expected = engine.score(record);
                match inst.score(text).unwrap() {
                    Ok(v) => assert_eq!(to_core(v), expected, "{profile} {}: {text}", set.name),
                    Err(e) => {
                        assert_eq!(Some(e), expected.error, "{profile}: {text}");
                        errors += 1;
                    }
                }
                compared += 1;
            }
        }
        println!("{profile}: {compared} typed verdicts equal to native ({errors} errors)");
    }
}

#[test]
fn matches_only_mode_drops_exactly_the_unmatched() {
    let sets = corpus::repo_fixture_sets();
    let mut engine = native("cadet");
    let cfg = host_tests::component::Config {
        mode: Mode::MatchesOnly,
        ..config("cadet")
    };
    let mut det = host().detector(cfg).unwrap();
    let (mut kept, mut dropped) = (0, 0);
    for record in sets.iter().flat_map(|s| &s.records) {
        let (expected, matched) = parity::native_enrich(&mut engine, record);
        match det.enrich(record) {
            got @ Outcome::Enriched(_) => {
                assert!(matched);
                assert_enriched(&got, &expected, "matches-only");
                kept += 1;
            }
            Outcome::Dropped => {
                assert!(!matched);
                dropped += 1;
            }
            t @ Outcome::Trapped { .. } => panic!("{t:?}"),
        }
    }
    println!("matches-only: kept {kept}, dropped {dropped}");
    assert!(
        dropped > 0,
        "benign fixtures must be dropped in matches-only mode"
    );
}

#[test]
fn configure_errors_are_clear_and_keep_the_previous_engine() {
    let mut inst = host().instantiate().unwrap();
    let err = inst
        .configure(&config("no-such-profile"))
        .unwrap()
        .unwrap_err();
    let native_err = Engine::new(&CoreConfig {
        profile: "no-such-profile".into(),
        ..CoreConfig::default()
    })
    .unwrap_err();
    assert_eq!(err, native_err.to_string());
    assert!(err.contains("no-such-profile"), "{err}");
    let bad = host_tests::component::Config {
        rules: Some(
            "[[rule]]\nid = \"x\"\ntitle = \"x\"\nscore = 10\nwhen = '''process.name == '''\n"
                .into(),
        ),
        rules_name: Some("bad.toml".into()),
        ..config("cadet")
    };
    let err = inst.configure(&bad).unwrap().unwrap_err();
    assert!(err.contains("bad.toml"), "error must name the file: {err}");
    let err = inst
        .configure(&host_tests::component::Config {
            rules: Some("not = [toml".into()),
            ..config("cadet")
        })
        .unwrap()
        .unwrap_err();
    assert!(!err.is_empty());
    // The default engine is still in force and still works.
    assert_eq!(inst.profile().unwrap(), "cadet");
    let record = r#"{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}"#;
    let mut engine = native("cadet");
    assert_eq!(
        inst.enrich(record).unwrap().unwrap().into_bytes(),
        parity::native_enrich(&mut engine, record.as_bytes()).0
    );
}

#[test]
fn threshold_and_suppressions_configure_like_native() {
    let sets = corpus::repo_fixture_sets();
    let records: Vec<&Vec<u8>> = sets.iter().flat_map(|s| &s.records).collect();
    let suppress = "[[suppress]]\nname = \"ci-runner\"\nreason = \"CI agent\"\nuser = [\"*\"]\n";
    let cases = [
        (
            host_tests::component::Config {
                threshold: Some(0),
                ..config("cadet")
            },
            CoreConfig {
                threshold: Some(0),
                ..CoreConfig::default()
            },
        ),
        (
            host_tests::component::Config {
                threshold: Some(90),
                ..config("cadet")
            },
            CoreConfig {
                threshold: Some(90),
                ..CoreConfig::default()
            },
        ),
        (
            host_tests::component::Config {
                suppressions: Some(suppress.into()),
                ..config("cadet")
            },
            CoreConfig {
                rules: Some(format!("{}\n{suppress}\n", cadet_core::DEFAULT_PACK)),
                rules_name: "<config>".into(),
                ..CoreConfig::default()
            },
        ),
    ];
    for (wit, core) in cases {
        let mut engine = Engine::new(&core).unwrap();
        let mut det = host().detector(wit.clone()).unwrap();
        let mut suppressed = 0;
        for r in &records {
            let (expected, _) = parity::native_enrich(&mut engine, r);
            suppressed += expected.windows(15).any(|w| w == b"\"suppressed_by\"") as usize;
            assert_enriched(
                &det.enrich(r),
                &expected,
                &format!("{:?}/{:?}", wit.threshold, wit.suppressions.is_some()),
            );
        }
        if wit.suppressions.is_some() {
            println!("suppression entry applied to {suppressed} records");
        }
    }
}

#[test]
fn detector_state_round_trips_like_native() {
    let sets = corpus::repo_fixture_sets();
    let records: Vec<&Vec<u8>> = sets.iter().flat_map(|s| &s.records).collect();
    let core = CoreConfig {
        state_capacity: 1024,
        ..CoreConfig::default()
    };
    let wit = host_tests::component::Config {
        state_capacity: 1024,
        ..config("cadet")
    };
    // Native: one engine that never stops, and one restarted from its saved state halfway.
    let mut uninterrupted = Engine::new(&core).unwrap();
    let mut det = host().detector(wit.clone()).unwrap();
    let half = records.len() / 2;
    let mut with_context = 0;
    for r in &records[..half] {
        let (expected, _) = parity::native_enrich(&mut uninterrupted, r);
        with_context += expected.windows(10).any(|w| w == b"\"context\":") as usize;
        assert_enriched(&det.enrich(r), &expected, "first half");
    }
    let saved = det.instance().export_state().unwrap();
    assert_eq!(
        saved,
        uninterrupted.export_state(),
        "exported state differs from native"
    );
    let mut restored = Engine::new(&core).unwrap();
    restored.import_state(&saved).unwrap();
    // A restarted host: fresh instance, state imported; the rest of the stream must be
    // what the uninterrupted engine gives, and the state what a restored native engine holds.
    let mut restarted = host().detector(wit).unwrap();
    restarted.instance().import_state(&saved).unwrap().unwrap();
    for r in &records[half..] {
        let (expected, _) = parity::native_enrich(&mut uninterrupted, r);
        with_context += expected.windows(10).any(|w| w == b"\"context\":") as usize;
        assert_eq!(
            parity::native_enrich(&mut restored, r).0,
            expected,
            "native restore changed a verdict"
        );
        assert_enriched(&restarted.enrich(r), &expected, "after restore");
    }
    assert_eq!(
        restarted.instance().export_state().unwrap(),
        restored.export_state()
    );
    println!("state on: {} records, {with_context} with first-seen context, state {} bytes at the restart", records.len(), saved.len());
    // With the state off (first-seen and the set of scored requests), import is a clear
    // error, not a trap; a broken state is an error too.
    let mut off = host()
        .detector(host_tests::component::Config {
            scored_requests: Some(0),
            ..config("cadet")
        })
        .unwrap();
    assert!(off.instance().import_state(&saved).unwrap().is_err());
    let mut on = host()
        .detector(host_tests::component::Config {
            state_capacity: 8,
            ..config("cadet")
        })
        .unwrap();
    assert!(on.instance().import_state("{not json").unwrap().is_err());
    assert!(on
        .instance()
        .import_state(&"[".repeat(100_000))
        .unwrap()
        .is_err());
}

/// The stages of long-running requests (core/fixtures/k8s_audit/stages.attack.jsonl): the
/// component matches each request once, as native does; its set of scored requests survives
/// a restart through export-state / import-state; `scored-requests: 0` matches every stage.
#[test]
fn scored_requests_count_a_request_once_across_a_restart_like_native() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/fixtures/k8s_audit/stages.attack.jsonl");
    let records: Vec<Vec<u8>> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.as_bytes().to_vec())
        .collect();
    let mut uninterrupted = native("cadet");
    let mut det = host().detector(config("cadet")).unwrap();
    // Stop after the exec's RequestReceived; a restarted instance gets the rest.
    let (head, tail) = records.split_at(1);
    for r in head {
        let (expected, matched) = parity::native_enrich(&mut uninterrupted, r);
        assert!(matched);
        assert_enriched(&det.enrich(r), &expected, "before the restart");
    }
    let saved = det.instance().export_state().unwrap();
    assert_eq!(saved, uninterrupted.export_state());
    let mut restarted = host().detector(config("cadet")).unwrap();
    restarted.instance().import_state(&saved).unwrap().unwrap();
    let mut duplicates = 0;
    for r in tail {
        let (expected, _) = parity::native_enrich(&mut uninterrupted, r);
        duplicates += expected
            .windows(20)
            .any(|w| w == br#""duplicate_of_stage""#) as usize;
        assert_enriched(&restarted.enrich(r), &expected, "after the restart");
    }
    assert_eq!(duplicates, 6, "six later stages in the fixture");
    // Typed verdicts name the stage; with the set off, every stage matches.
    let mut off = host()
        .detector(host_tests::component::Config {
            scored_requests: Some(0),
            ..config("cadet")
        })
        .unwrap();
    for r in &records {
        let v = off
            .instance()
            .score(std::str::from_utf8(r).unwrap())
            .unwrap()
            .unwrap();
        assert!(v.matched && v.stage.is_some() && v.duplicate_of_stage.is_none());
    }
}

/// A record that makes a hostile pack work hard: a 1 MiB command line.
fn heavy_record() -> String {
    format!(
        r#"{{"process":{{"name":"docker","executable":"/usr/bin/docker","command_line":"docker exec -it web {}","args":["docker","exec","-it","web","sh"]}}}}"#,
        "ab".repeat(1 << 19)
    )
}

/// A pack with the embedded rules plus `n` regular-expression rules over the command line.
fn regex_pack(n: usize) -> String {
    let mut pack = String::from(cadet_core::DEFAULT_PACK);
    for i in 0..n {
        pack.push_str(&format!(
            "\n[[rule]]\nid = \"hostile.{i}\"\ntitle = \"hostile {i}\"\nscore = 10\nwhen = '''process.command_line matches \"(a|ab|b)*[a-z]{{1,40}}z{i}q\"'''\n"
        ));
    }
    pack
}

#[test]
fn hostile_pack_cannot_hang_the_host_fuel() {
    let limits = Limits {
        budget: Budget::FuelPerRecord(200_000_000),
        ..Limits::default()
    };
    hostile_pack_is_stopped(ComponentHost::new(limits).unwrap(), "fuel");
}

#[test]
fn hostile_pack_cannot_hang_the_host_epoch() {
    let limits = Limits {
        budget: Budget::Deadline(Duration::from_millis(200)),
        ..Limits::default()
    };
    hostile_pack_is_stopped(ComponentHost::new(limits).unwrap(), "epoch deadline");
}

fn hostile_pack_is_stopped(host: ComponentHost, what: &str) {
    let pack = regex_pack(200);
    let wit = host_tests::component::Config {
        rules: Some(pack.clone()),
        rules_name: Some("hostile.toml".into()),
        ..config("cadet")
    };
    let mut det = match host.detector(wit) {
        Ok(d) => d,
        Err(e) => panic!("the hostile pack itself must load (it is valid): {e}"),
    };
    let heavy = heavy_record();
    let normal = br#"{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"],"command_line":"docker run --privileged -v /:/host alpine sh"}}"#;
    let mut engine = Engine::new(&CoreConfig {
        rules: Some(pack),
        rules_name: "hostile.toml".into(),
        ..CoreConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    let outcome = det.enrich(heavy.as_bytes());
    let took = started.elapsed();
    match &outcome {
        Outcome::Trapped { record, trap } => {
            assert_eq!(record, heavy.as_bytes(), "the record passes on unchanged");
            println!(
                "{what}: the heavy record was stopped after {took:?}: {}",
                trap.lines().next().unwrap_or("")
            );
        }
        other => panic!(
            "{what}: expected the budget to stop the heavy record, got {}",
            match other {
                Outcome::Enriched(b) => format!("an answer of {} bytes after {took:?}", b.len()),
                _ => format!("{other:?}"),
            }
        ),
    }
    assert!(took < Duration::from_secs(30), "{what}: took {took:?}");
    // The next record runs on a fresh instance with the same configuration, identical to native.
    assert_enriched(
        &det.enrich(normal),
        &parity::native_enrich(&mut engine, normal).0,
        "after the trap",
    );
    // A batch with the poisoned record in the middle loses no record.
    let batch = vec![
        String::from_utf8(normal.to_vec()).unwrap(),
        heavy.clone(),
        String::from_utf8(normal.to_vec()).unwrap(),
    ];
    let outs = det.enrich_batch(&batch);
    assert_eq!(outs.len(), 3);
    let expected = parity::native_enrich(&mut engine, normal).0;
    assert_enriched(&outs[0], &expected, "batch record 0");
    assert!(matches!(&outs[1], Outcome::Trapped { record, .. } if record == heavy.as_bytes()));
    assert_enriched(&outs[2], &expected, "batch record 2");
    assert_eq!(
        det.traps.len(),
        3,
        "one trap for the record, one for the batch, one for its replay"
    );
}

#[test]
fn memory_limit_contains_huge_inputs() {
    let cap = 64 << 20;
    let host = ComponentHost::new(Limits {
        memory_bytes: cap,
        ..Limits::default()
    })
    .unwrap();
    // A 100 MB rule pack cannot even be copied into the instance: the call traps, the host lives.
    let mut inst = host.instantiate().unwrap();
    let huge = format!(
        "{}\n# {}\n",
        cadet_core::DEFAULT_PACK,
        "x".repeat(100 << 20)
    );
    let result = inst.configure(&host_tests::component::Config {
        rules: Some(huge),
        ..config("cadet")
    });
    assert!(
        result.is_err(),
        "a 100 MB pack under a 64 MiB cap must trap"
    );
    assert!(inst.peak_memory() <= cap || inst.refused_growths() > 0);
    assert!(inst.refused_growths() > 0, "the cap refused growth");
    println!(
        "100 MB pack: trapped ({}), peak asked {} MiB, {} growths refused",
        result.unwrap_err().to_string().lines().next().unwrap_or(""),
        inst.peak_memory() >> 20,
        inst.refused_growths()
    );

    // A 100 MB record: same; through the self-healing detector it passes unchanged.
    let mut det = host.detector(config("cadet")).unwrap();
    let big = format!(r#"{{"message":"{}"}}"#, "z".repeat(100 << 20));
    match det.enrich(big.as_bytes()) {
        Outcome::Trapped { record, .. } => assert_eq!(record.len(), big.len()),
        other => panic!("expected a trap, got {:?}", std::mem::discriminant(&other)),
    }
    // A 4 MiB record (the core's own limit) fits and is answered like native.
    let mut engine = native("cadet");
    let four = format!(
        r#"{{"process":{{"name":"docker","command_line":"docker exec -it x sh {}"}}}}"#,
        "q".repeat((4 << 20) - 80)
    );
    assert_enriched(
        &det.enrich(four.as_bytes()),
        &parity::native_enrich(&mut engine, four.as_bytes()).0,
        "4 MiB record",
    );
    // A pack with a million list entries fits under the cap or traps; never more memory.
    let mut inst = host.instantiate().unwrap();
    let mut pack = String::from("[lists]\nbig = [");
    for i in 0..1_000_000 {
        pack.push_str(&format!("\"item-{i}\","));
    }
    pack.push_str("]\n");
    pack.push_str(cadet_core::DEFAULT_PACK.replacen("[lists]", "", 1).as_str());
    let result = inst.configure(&host_tests::component::Config {
        rules: Some(pack),
        ..config("cadet")
    });
    println!(
        "pack with a 1 000 000-entry list: {:?}, peak {} MiB",
        result
            .as_ref()
            .map(|r| r
                .as_ref()
                .map(|_| "loaded")
                .map_err(|e| e.chars().take(80).collect::<String>()))
            .map_err(|e| e.to_string().lines().next().unwrap_or("").to_string()),
        inst.peak_memory() >> 20
    );
    assert!(inst.peak_memory() <= cap + (64 << 10));
}

#[test]
fn component_imports_no_filesystem_sockets_or_clocks() {
    let engine = wasmtime::Engine::default();
    let component =
        wasmtime::component::Component::from_file(&engine, host_tests::component::COMPONENT_WASM)
            .unwrap();
    let ty = component.component_type();
    let imports: Vec<String> = ty
        .imports(&engine)
        .map(|(name, _)| name.to_string())
        .collect();
    let exports: Vec<String> = ty
        .exports(&engine)
        .map(|(name, _)| name.to_string())
        .collect();
    println!("imports: {imports:?}\nexports: {exports:?}");
    assert_eq!(exports, vec!["cadet:detector/detector@0.1.0".to_string()]);
    for banned in [
        "wasi:filesystem",
        "wasi:sockets",
        "wasi:clocks",
        "wasi:http",
    ] {
        assert!(
            !imports.iter().any(|i| i.starts_with(banned)),
            "component imports {banned}: {imports:?}"
        );
    }
    let size = std::fs::metadata(host_tests::component::COMPONENT_WASM)
        .unwrap()
        .len();
    println!("component size: {size} bytes");
}
