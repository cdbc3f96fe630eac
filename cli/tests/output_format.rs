//! `cadet scan --output cadet|ecs|ocsf` and the demo's timing line, as a user runs them.

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
    // cadet may exit before reading its input (usage errors): a broken pipe is expected then
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const INPUT: &str = r#"{"@timestamp":"2026-11-20T10:15:02.113Z","process":{"pid":5,"name":"docker","args":["docker","ps"]}}
{"@timestamp":"2026-11-20T10:15:03.000Z","user":{"name":"alice"},"process":{"pid":6,"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}
not json at all
kubectl exec -it web -- sh
"#;

#[test]
fn ocsf_writes_one_detection_finding_per_matched_record() {
    let o = cadet(&["scan", "--output", "ocsf"], INPUT);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = lines(&o);
    assert_eq!(out.len(), 2, "the privileged run and the kubectl exec line");
    for f in &out {
        assert_eq!(f["class_uid"], 2004);
        assert_eq!(f["type_uid"], 200401);
        assert!(f["finding_info"]["uid"]
            .as_str()
            .unwrap()
            .starts_with("cadet-cadet-"));
    }
    assert_eq!(
        out[0]["time"], 1_795_169_703_000_i64,
        "the record's own @timestamp"
    );
    assert_eq!(out[0]["evidences"][0]["process"]["pid"], 6);
    assert_eq!(out[0]["severity_id"], 5);
    // the text line has no time of its own: it gets the time it was read (now, give or take)
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!((now - out[1]["time"].as_i64().unwrap()).abs() < 600_000);
}

#[test]
fn ecs_writes_alert_documents() {
    let o = cadet(&["scan", "--output", "ecs", "-"], INPUT);
    assert!(o.status.success());
    let out = lines(&o);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["event"]["kind"], "alert");
    assert_eq!(out[0]["@timestamp"], "2026-11-20T10:15:03.000Z");
    assert_eq!(out[0]["user"]["name"], "alice");
    assert_eq!(out[0]["rule"]["id"], "cadet.proc.privileged_host_root");
    assert_eq!(
        out[0]["cadet"]["score"].as_f64(),
        out[0]["event"]["risk_score"].as_f64()
    );
}

#[test]
fn cadet_output_is_the_enriched_record_as_before() {
    let default = cadet(&["scan"], INPUT);
    let explicit = cadet(&["scan", "--output", "cadet"], INPUT);
    assert_eq!(default.stdout, explicit.stdout);
    assert_eq!(lines(&default)[0]["cadet"]["matched"], true);
}

#[test]
fn alert_outputs_refuse_all_and_table() {
    for args in [
        ["scan", "--output", "ocsf", "--all"],
        ["scan", "--output", "ecs", "--format=table"],
    ] {
        let o = cadet(&args, INPUT);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("--output"),
            "{args:?}"
        );
        assert!(o.stdout.is_empty());
    }
    let o = cadet(&["scan", "--output", "cef"], INPUT);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn demo_prints_no_rate_for_a_fraction_of_a_second() {
    let o = cadet(&["demo"], "");
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("records/s"), "{err}");
    assert!(
        err.contains("scored in") && err.contains("a rate is printed for runs of 1 s or more"),
        "{err}"
    );
}
