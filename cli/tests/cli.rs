//! The `cadet` binary as a user runs it.

use std::io::Write;
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
    child.wait_with_output().unwrap()
}

const INPUT: &str = r#"{"process":{"name":"docker","args":["docker","ps"]}}
{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}
not json at all
kubectl exec -it web -- sh
{"broken": 
"#;

fn lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn scan_all_writes_one_line_per_input_line_in_order() {
    let o = cadet(&["scan", "--all"], INPUT);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = lines(&o);
    assert_eq!(out.len(), 5);
    assert_eq!(out[0]["process"]["args"][1], "ps");
    assert_eq!(out[0]["cadet"]["matched"], false);
    assert_eq!(out[1]["cadet"]["severity"], "critical");
    assert_eq!(out[2]["message"], "not json at all");
    assert_eq!(out[3]["cadet"]["flags"]["container_exec"], true);
    assert_eq!(out[4]["message"], r#"{"broken":"#);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("5 records, 2 matched"), "{stderr}");
}

#[test]
fn scan_without_all_writes_matches_only() {
    let o = cadet(&["scan", "-"], INPUT);
    let out = lines(&o);
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|r| r["cadet"]["matched"] == true));
}

#[test]
fn scan_reads_files_and_profiles() {
    let dir = std::env::temp_dir().join(format!("cadet-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("in.jsonl");
    std::fs::write(&f, INPUT).unwrap();
    let o = cadet(
        &["scan", "--profile", "qradar-t1059-013", f.to_str().unwrap()],
        "",
    );
    let out = lines(&o);
    assert_eq!(out.len(), 2);
    assert_eq!(
        out[0]["cadet"]["score"],
        3 + 3,
        "--privileged (+3) and -v /:/host (+3)"
    );
    assert_eq!(
        out[1]["cadet"]["score"], 1,
        "kubectl exec (+1), read from a raw text line"
    );
    let o = cadet(&["scan", "--format", "table", f.to_str().unwrap()], "");
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.starts_with("SEVERITY") && table.contains("critical"),
        "{table}"
    );
}

#[test]
fn exit_codes() {
    // usage error
    assert_eq!(cadet(&["scan", "--bogus"], "").status.code(), Some(2));
    assert_eq!(
        cadet(&["scan", "--profile", "nope"], "").status.code(),
        Some(2)
    );
    // bad rule file: 2, and the message names the file, the rule and the problem
    let dir = std::env::temp_dir().join(format!("cadet-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[profile]]\nname='cadet'\ncombine='max'\n[[rule]]\nid='x.one'\ntitle='t'\nscore=5\nwhen='cmd.tol == \"docker\"'\n").unwrap();
    let o = cadet(&["scan", "--rules", bad.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.toml:8: rule `x.one`: unknown field `cmd.tol`"),
        "{err}"
    );
    // missing input: I/O error, 1
    assert_eq!(
        cadet(&["scan", "/nonexistent/file.jsonl"], "")
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn rules_export_round_trips() {
    let o = cadet(&["rules", "--export"], "");
    let dir = std::env::temp_dir().join(format!("cadet-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pack = dir.join("pack.toml");
    std::fs::write(&pack, &o.stdout).unwrap();
    let o = cadet(
        &[
            "rules",
            "--rules",
            pack.to_str().unwrap(),
            "--profile",
            "qradar-t1609",
        ],
        "",
    );
    let list = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(
        list.contains("qradar-t1609.privileged") && list.contains("qradar-t1609.else"),
        "{list}"
    );
}

#[test]
fn demo_shows_the_atomic_tests() {
    let o = cadet(&["demo"], "");
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("docker exec -it atomic-test-container /bin/sh"));
    assert!(
        text.lines().filter(|l| l.starts_with("critical")).count() >= 3,
        "{text}"
    );
}

#[test]
fn state_file_is_kept_across_runs() {
    let dir = std::env::temp_dir().join(format!("cadet-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let rec = "{\"user\":{\"name\":\"mallory\"},\"process\":{\"name\":\"docker\",\"args\":[\"docker\",\"exec\",\"-it\",\"web\",\"sh\"]}}\n";
    let first = lines(&cadet(&["scan", "--state", state.to_str().unwrap()], rec));
    assert_eq!(first[0]["cadet"]["context"]["first_seen_user_exec"], true);
    assert!(state.exists());
    let second = lines(&cadet(&["scan", "--state", state.to_str().unwrap()], rec));
    assert!(
        second[0]["cadet"].get("context").is_none(),
        "{}",
        second[0]["cadet"]
    );
}

#[test]
fn export_vrl_writes_the_same_program_as_the_library() {
    let o = cadet(
        &[
            "export",
            "vrl",
            "--profile",
            "qradar-t1609",
            "--mode",
            "matches-only",
        ],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let program = String::from_utf8(o.stdout).unwrap();
    let expected =
        cadet_vrl::export_text(None, "qradar-t1609", cadet_vrl::Mode::MatchesOnly).unwrap();
    assert_eq!(program, expected);
    assert!(program.contains("qradar-t1609.privileged") && program.contains("abort"));
    assert_eq!(
        cadet(&["export", "vrl", "--profile", "nope"], "")
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn rules_with_an_id_show_description_references_and_false_positives() {
    let o = cadet(&["rules", "cadet.k8s.pod_exec_shell"], "");
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("cadet.k8s.pod_exec_shell — "), "{text}");
    assert!(
        text.contains("\n  references:\n    - https://attack.mitre.org/techniques/T1609/\n"),
        "{text}"
    );
    assert!(text.contains("\n  false positives:\n    - "), "{text}");
    assert!(
        text.contains("$pod_exec_request") || text.contains("$allowed"),
        "the condition as written: {text}"
    );
    let o = cadet(&["rules", "cadet.nosuch"], "");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no rule of profile `cadet`"));
}
