//! The alert corpus shared by the format tests: every fixture record of `core/fixtures` that the
//! `cadet` profile matches, scored without and with the first-seen state (so findings carry
//! first-seen context), plus suppressed variants of the Kubernetes attack records.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use cadet_core::{Config, Engine, Verdict};

/// The "received" time tests pass for records without a timestamp of their own.
pub const RECEIVED_MS: i64 = 1_795_000_000_000;

/// One alert to render: where the record came from, its bytes, the engine's verdict.
pub struct Case {
    pub label: String,
    pub record: Vec<u8>,
    pub verdict: Verdict,
}

/// Every `*.jsonl` and `*.log` file under `core/fixtures`, in path order.
pub fn fixture_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("jsonl" | "log")
            ) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/fixtures"),
        &mut out,
    );
    out
}

/// (label, record) for every non-empty line of every fixture file.
pub fn fixture_records() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/fixtures");
    let mut out = Vec::new();
    for path in fixture_files() {
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        for (i, line) in fs::read_to_string(&path).unwrap().lines().enumerate() {
            if !line.trim().is_empty() {
                out.push((format!("{name}:{}", i + 1), line.as_bytes().to_vec()));
            }
        }
    }
    out
}

/// A Kubernetes audit record with its user replaced by a control-plane identity (suppressed).
fn as_control_plane(record: &[u8]) -> Option<Vec<u8>> {
    let mut doc: serde_json::Value = serde_json::from_slice(record).ok()?;
    let user = doc.get_mut("user")?.as_object_mut()?;
    user.insert(
        "username".into(),
        "system:serviceaccount:kube-system:replicaset-controller".into(),
    );
    Some(serde_json::to_vec(&doc).unwrap())
}

/// The corpus (see the module documentation): matched verdicts only.
pub fn corpus() -> Vec<Case> {
    let records = fixture_records();
    let mut out = Vec::new();
    let mut plain = Engine::new(&Config::default()).unwrap();
    let mut stateful = Engine::new(&Config {
        state_capacity: 10_000,
        ..Config::default()
    })
    .unwrap();
    for (label, record) in &records {
        for (engine, tag) in [(&mut plain, ""), (&mut stateful, " (state)")] {
            let verdict = engine.score(record);
            if verdict.matched {
                out.push(Case {
                    label: format!("{label}{tag}"),
                    record: record.clone(),
                    verdict,
                });
            }
        }
    }
    for (label, record) in records
        .iter()
        .filter(|(l, _)| l.starts_with("k8s_audit/apiserver.attack"))
    {
        if let Some(variant) = as_control_plane(record) {
            let verdict = plain.score(&variant);
            if verdict.matched {
                out.push(Case {
                    label: format!("{label} (control plane)"),
                    record: variant,
                    verdict,
                });
            }
        }
    }
    out
}
