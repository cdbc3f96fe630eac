//! `cadet scan` on the stages of long-running requests (core/fixtures/k8s_audit/
//! stages.attack.jsonl: exec, WebSocket exec, attach, port-forward, a watch, nodes/proxy):
//! one alert per request, `--scored-requests 0` scores every stage, `--state` keeps the set
//! of scored requests across runs.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn cadet(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cadet"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The fixture's records (with `_expect`, which cadet passes on untouched).
fn stages() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../core/fixtures/k8s_audit/stages.attack.jsonl");
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn scan_matches_each_request_once_and_passes_the_later_stages_on() {
    let input = stages();
    let o = cadet(&["scan", "--all"], &input);
    let out = lines(&o);
    assert_eq!(out.len(), input.lines().count());
    let mut first_of: std::collections::BTreeMap<String, String> = Default::default();
    for rec in &out {
        let id = rec["auditID"].as_str().unwrap().to_string();
        let stage = rec["stage"].as_str().unwrap().to_string();
        match first_of.get(&id) {
            None => {
                assert_eq!(rec["cadet"]["matched"], true, "{rec}");
                assert_eq!(rec["cadet"]["stage"], stage.as_str());
                first_of.insert(id, stage);
            }
            Some(first) => {
                assert_eq!(rec["cadet"]["matched"], false, "{rec}");
                assert_eq!(rec["cadet"]["duplicate_of_stage"], first.as_str());
            }
        }
    }
    let matched = out.iter().filter(|r| r["cadet"]["matched"] == true).count();
    assert_eq!(matched, first_of.len());
    assert_eq!(matched, 6, "six requests in the fixture");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!(
            "{} later stages of requests already matched",
            out.len() - matched
        )),
        "{stderr}"
    );
    // Matches only (the default): one line per request.
    assert_eq!(lines(&cadet(&["scan"], &input)).len(), 6);
}

#[test]
fn scored_requests_zero_matches_every_stage_and_names_it() {
    let input = stages();
    let out = lines(&cadet(&["scan", "--scored-requests", "0"], &input));
    assert_eq!(out.len(), input.lines().count(), "every stage matched");
    for rec in &out {
        assert_eq!(rec["cadet"]["stage"], rec["stage"], "{rec}");
        assert!(rec["cadet"].get("duplicate_of_stage").is_none());
    }
}

#[test]
fn the_state_file_keeps_the_scored_requests_across_runs() {
    let dir = std::env::temp_dir().join(format!("cadet-stages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let state_arg = state.to_str().unwrap();
    let input = stages();
    let all: Vec<&str> = input.lines().collect();
    // The first run sees the exec's RequestReceived; the second, after a restart, the rest.
    let first = lines(&cadet(
        &["scan", "--all", "--state", state_arg],
        &format!("{}\n", all[0]),
    ));
    assert_eq!(first[0]["cadet"]["matched"], true);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved["scored_requests"].as_array().unwrap().len(), 1);
    let second = lines(&cadet(
        &["scan", "--all", "--state", state_arg],
        &format!("{}\n{}\n", all[1], all[2]),
    ));
    for rec in &second {
        assert_eq!(rec["cadet"]["matched"], false, "{rec}");
        assert_eq!(rec["cadet"]["duplicate_of_stage"], "RequestReceived");
    }
    // A state file of an older cadet (first-seen fields only) still loads.
    let old = serde_json::json!({"capacity": 100000, "tick": 0, "entries": {}});
    std::fs::write(&state, old.to_string()).unwrap();
    let third = lines(&cadet(
        &["scan", "--all", "--state", state_arg],
        &format!("{}\n", all[1]),
    ));
    assert_eq!(third[0]["cadet"]["matched"], true, "{}", third[0]);
    let _ = std::fs::remove_dir_all(&dir);
}
