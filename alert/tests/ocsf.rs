//! OCSF Detection Findings for every matched fixture record: what they say (here) and that they
//! are valid against the real OCSF 1.5.0 schema (`validate_ocsf.py` with the pinned
//! `ocsf-json-schema` package, installed into a venv under the cargo target dir on first run;
//! skipped, saying so, only when `python3` is not installed).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use cadet_alert::{Alerter, Output};
use cadet_core::{Config, Engine, Severity};
use serde_json::Value;

fn findings() -> Vec<(common::Case, Value)> {
    let alerter = Alerter::new(&Engine::new(&Config::default()).unwrap());
    common::corpus()
        .into_iter()
        .map(|case| {
            let mut out = Vec::new();
            assert!(alerter.write(
                Output::Ocsf,
                &case.record,
                &case.verdict,
                common::RECEIVED_MS,
                &mut out
            ));
            let v: Value =
                serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{}: {e}", case.label));
            (case, v)
        })
        .collect()
}

#[test]
fn findings_say_what_the_verdict_says() {
    let all = findings();
    assert!(all.len() > 150, "only {} findings", all.len());
    let mut stamped_records = 0;
    let (mut suppressed, mut anomalies, mut sub, mut own_time, mut processes, mut apis) =
        (0, 0, 0, 0, 0, 0);
    for (case, f) in &all {
        let v = &case.verdict;
        let at = &case.label;
        assert_eq!(f["class_uid"], 2004, "{at}");
        assert_eq!(f["category_uid"], 2, "{at}");
        assert_eq!(f["activity_id"], 1, "{at}");
        assert_eq!(f["type_uid"], 200401, "{at}");
        assert_eq!(f["metadata"]["version"], "1.5.0", "{at}");
        assert_eq!(f["metadata"]["product"]["name"], "cadet", "{at}");
        assert_eq!(f["risk_score"], v.score, "{at}");
        let sev = match v.severity {
            Severity::None => 1,
            Severity::Low => 2,
            Severity::Medium => 3,
            Severity::High => 4,
            Severity::Critical => 5,
        };
        assert_eq!(f["severity_id"], sev, "{at}");
        // the strongest rule is the analytic, the others related analytics
        let top = cadet_alert::primary(v).unwrap();
        assert_eq!(
            f["finding_info"]["analytic"]["uid"],
            top.id.as_str(),
            "{at}"
        );
        assert_eq!(f["finding_info"]["title"], top.title.as_str(), "{at}");
        let related = f["finding_info"]["related_analytics"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(related + 1, v.rules.len(), "{at}");
        // one attack per technique; sub-techniques split into parent + sub
        let attacks = f["finding_info"]["attacks"].as_array().unwrap();
        assert_eq!(attacks.len(), v.techniques.len(), "{at}");
        for (a, t) in attacks.iter().zip(&v.techniques) {
            match t.split_once('.') {
                Some((parent, _)) => {
                    assert_eq!(a["technique"]["uid"], parent, "{at}");
                    assert_eq!(a["sub_technique"]["uid"], t.as_str(), "{at}");
                    assert!(
                        a["sub_technique"]["name"].is_string(),
                        "{at}: {t} has no name"
                    );
                    sub += 1;
                }
                None => assert_eq!(a["technique"]["uid"], t.as_str(), "{at}"),
            }
            assert!(a["technique"]["name"].is_string(), "{at}: {t} has no name");
            assert!(
                a["tactic"]["uid"].as_str().unwrap().starts_with("TA"),
                "{at}"
            );
        }
        // suppressed verdicts are Suppressed findings
        assert_eq!(
            f["status_id"],
            if v.suppressed_by.is_some() { 3 } else { 1 },
            "{at}"
        );
        suppressed += v.suppressed_by.is_some() as usize;
        // indicators and flags travel as evidence
        let ev = &f["evidences"][0];
        assert_eq!(
            ev["data"]["indicators"],
            serde_json::json!(v.indicators),
            "{at}"
        );
        processes += ev["process"].is_object() as usize;
        apis += ev["api"].is_object() as usize;
        // first-seen context as anomaly analyses, triage as remediation
        let ctx = v.context.as_ref();
        let expect_anomaly = ctx.is_some_and(|c| {
            c.first_seen_user_exec || c.first_seen_user_ip || c.exec_spike || c.discovery_burst
        });
        assert_eq!(f["anomaly_analyses"].is_array(), expect_anomaly, "{at}");
        anomalies += expect_anomaly as usize;
        assert_eq!(
            f["remediation"]["desc"].is_string(),
            v.triage.is_some(),
            "{at}"
        );
        // the record's own time, not the time it was received
        let doc: Option<Value> = serde_json::from_slice(&case.record).ok();
        if let Some(ts) = doc.as_ref().and_then(|d| d["@timestamp"].as_str()) {
            assert_eq!(
                f["time"],
                cadet_alert::time::rfc3339_ms(ts).unwrap(),
                "{at}"
            );
        }
        let timed_by_record = f["time"] != common::RECEIVED_MS;
        own_time += timed_by_record as usize;
        // A record with a top-level timestamp of the common shapes is timed by it.
        let stamped = doc.as_ref().is_some_and(|d| {
            [
                "@timestamp",
                "stageTimestamp",
                "requestReceivedTimestamp",
                "timestamp",
                "time",
            ]
            .iter()
            .any(|k| d[*k].is_string() || d[*k].is_number())
        });
        assert!(
            !stamped || timed_by_record,
            "{at}: its own timestamp is not the time"
        );
        stamped_records += stamped as usize;
        assert_eq!(f["finding_info"]["first_seen_time"], f["time"], "{at}");
    }
    eprintln!(
        "{} findings: {suppressed} suppressed, {anomalies} with first-seen context, {sub} sub-technique attacks, \
         {own_time} timed by the record itself, {processes} with a process, {apis} with an API call",
        all.len()
    );
    assert!(suppressed > 0 && anomalies > 0 && sub > 0 && processes > 0 && apis > 0);
    // Records without a full timestamp of their own (klog and syslog prefixes with no year,
    // shell history, Envoy's HTTP request records, the reduced audit events of other detectors'
    // test suites) take the received time; most fixtures carry one.
    assert!(
        own_time >= stamped_records && own_time * 2 > all.len(),
        "only {own_time} of {} findings carry the record's time ({stamped_records} records stamped)",
        all.len()
    );
}

#[test]
fn unmatched_records_give_no_finding() {
    let mut engine = Engine::new(&Config::default()).unwrap();
    let alerter = Alerter::new(&engine);
    let record = br#"{"process":{"name":"ls","args":["ls","-l"]}}"#;
    let verdict = engine.score(record);
    assert!(!verdict.matched);
    let mut out = Vec::new();
    assert!(!alerter.write(Output::Ocsf, record, &verdict, 0, &mut out));
    assert!(!alerter.write(Output::Ecs, record, &verdict, 0, &mut out));
    assert!(out.is_empty());
    assert!(alerter.write(Output::Cadet, record, &verdict, 0, &mut out));
    assert!(out.ends_with(b"}}"));
}

/// A Python with the pinned validator packages: a venv under the target dir (or, where the
/// venv module is missing, `pip install --target`). `Ok(None)`: no python3 at all.
fn validator_python() -> Result<Option<(PathBuf, Option<PathBuf>)>, String> {
    if Command::new("python3").arg("--version").output().is_err() {
        return Ok(None);
    }
    let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ocsf-requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ocsf-venv");
    let stamp = dir.join("installed-requirements.txt");
    let venv_python = dir.join("bin/python");
    let site = dir.join("site");
    let ready = |s: &Path| std::fs::read_to_string(s).ok().as_deref() == Some(wanted.as_str());
    if ready(&stamp) {
        return Ok(Some(if venv_python.exists() {
            (venv_python, None)
        } else {
            ("python3".into(), Some(site))
        }));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let pip_args = [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-r",
    ];
    let venv_ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    let (python, path) = if venv_ok {
        let st = Command::new(&venv_python)
            .args(pip_args)
            .arg(&requirements)
            .status();
        if !st.is_ok_and(|s| s.success()) {
            return Err(format!(
                "pip install -r {} into {} failed",
                requirements.display(),
                dir.display()
            ));
        }
        (venv_python, None)
    } else {
        std::fs::create_dir_all(&site).unwrap();
        let st = Command::new("python3")
            .args(pip_args)
            .arg(&requirements)
            .arg("--target")
            .arg(&site)
            .status();
        if !st.is_ok_and(|s| s.success()) {
            return Err(format!(
                "no venv module and pip install --target {} failed",
                site.display()
            ));
        }
        (PathBuf::from("python3"), Some(site))
    };
    std::fs::write(&stamp, &wanted).unwrap();
    Ok(Some((python, path)))
}

#[test]
fn findings_validate_against_the_ocsf_schema() {
    let (python, pythonpath) = match validator_python() {
        Ok(Some(p)) => p,
        Ok(None) => {
            eprintln!(
                "SKIPPED: python3 is not installed, so the OCSF schema validation did not run"
            );
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let all = findings();
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cadet-findings.jsonl");
    let mut text = String::new();
    for (_, f) in &all {
        text.push_str(&serde_json::to_string(f).unwrap());
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validate_ocsf.py");
    let mut cmd = Command::new(&python);
    cmd.arg(&script).arg(&path).args(["1.5.0", "1.8.0"]);
    if let Some(p) = pythonpath {
        cmd.env("PYTHONPATH", p);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "OCSF validation failed:\n{stdout}");
    assert!(
        stdout.contains(&format!(
            "OCSF 1.5.0: {n} of {n} findings valid",
            n = all.len()
        )),
        "{stdout}"
    );
}
