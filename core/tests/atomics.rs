//! The Atomic Red Team tests in `../shared/data/atomics` (MIT, Red Canary), read from the
//! YAML as published: every test's command block, with its input defaults filled in, runs as
//! `sh -c "<block>"` (the way the Atomic executor runs it) and must be detected by the
//! `cadet` profile with the file's technique.

use std::path::Path;

use cadet_core::{Config, Engine};

struct Atomic {
    technique: String,
    name: String,
    command: String,
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// A reader for the few shapes of the atomics format this test needs.
fn read_atomics(path: &Path) -> Vec<Atomic> {
    let text = std::fs::read_to_string(path).unwrap();
    let technique = text
        .lines()
        .find_map(|l| l.strip_prefix("attack_technique: "))
        .unwrap()
        .trim()
        .to_string();
    let mut out = Vec::new();
    for block in text.split("\n- name: ").skip(1) {
        let lines: Vec<&str> = block.lines().collect();
        let name = lines[0].trim().to_string();
        // input_arguments: name -> default
        let mut defaults = Vec::new();
        if let Some(start) = lines.iter().position(|l| l.trim() == "input_arguments:") {
            let mut current = None;
            for l in &lines[start + 1..] {
                if indent(l) <= 2 && !l.trim().is_empty() {
                    break;
                }
                if indent(l) == 4 && l.trim().ends_with(':') {
                    current = Some(l.trim().trim_end_matches(':').to_string());
                } else if let (Some(arg), Some(v)) = (&current, l.trim().strip_prefix("default: "))
                {
                    defaults.push((arg.clone(), v.trim().trim_matches('"').to_string()));
                }
            }
        }
        let exec = lines.iter().position(|l| l.trim() == "executor:").unwrap();
        let cmd_at = exec
            + lines[exec..]
                .iter()
                .position(|l| l.trim().starts_with("command:"))
                .unwrap();
        let mut command = String::new();
        for l in &lines[cmd_at + 1..] {
            if !l.trim().is_empty() && indent(l) <= 4 {
                break;
            }
            command.push_str(l.trim());
            command.push('\n');
        }
        for (arg, value) in &defaults {
            command = command.replace(&format!("#{{{arg}}}"), value);
        }
        command = command.replace("$PathtoAtomicsFolder", "/atomics");
        out.push(Atomic {
            technique: technique.clone(),
            name,
            command,
        });
    }
    out
}

#[test]
fn every_atomic_test_is_detected_with_its_technique() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/atomics");
    let mut engine = Engine::new(&Config::default()).unwrap();
    let mut checked = Vec::new();
    let mut problems = Vec::new();
    for file in ["T1609", "T1610", "T1611", "T1613", "T1552.007"] {
        for atomic in read_atomics(&dir.join(format!("{file}.yaml"))) {
            let mut record = serde_json::json!({
                "event": {"category": ["process"], "type": ["start"]},
                "user": {"name": "atomic"},
                "process": {"name": "sh", "executable": "/bin/sh", "args": ["sh", "-c", atomic.command]},
            });
            // This test runs inside a (privileged) container by design.
            if atomic.name.contains("escape privileged Docker container") {
                record["container"] = serde_json::json!({"id": "0123456789ab"});
            }
            let v = engine.score(record.to_string().as_bytes());
            if !v.matched || !v.techniques.contains(&atomic.technique) {
                problems.push(format!(
                    "{} {:?}: {}",
                    atomic.technique,
                    atomic.name,
                    v.to_json()
                ));
            }
            checked.push(format!("{} {}", atomic.technique, atomic.name));
        }
    }
    assert_eq!(checked.len(), 2 + 1 + 3 + 2 + 3, "{checked:#?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
