//! `cadet scan --threads N` writes exactly what `--threads 1` writes: the same lines, byte for
//! byte, in input order, with the state on (the set of scored requests, first-seen, a pack
//! with correlations) and with `--all`. The input is every fixture of `core/fixtures`, its
//! Kubernetes audit records replayed at every stage and at the `Metadata` level (so the set of
//! scored requests decides many verdicts, some without any rule hitting the record), and the
//! bench's realistic and easy mixes: several batches, so the workers' batches come back out
//! of order and the ordered finish has to put them back.

#[allow(dead_code)]
#[path = "../../bench/src/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../../bench/src/realistic.rs"]
mod realistic;

use std::path::{Path, PathBuf};
use std::process::Command;

const SEED: u64 = 0x00CA_DE75;

const STAGES: [&str; 3] = ["RequestReceived", "ResponseStarted", "ResponseComplete"];

/// Two correlations over the exec rules (as core/tests/correlation.rs).
const CORRELATIONS: &str = r#"
[[correlation]]
id = "test.exec_burst"
title = "Four execs by one user within a minute"
kind = "event_count"
rules = ["cadet.k8s.pod_exec_host_escape", "cadet.k8s.pod_exec_credential_access", "cadet.k8s.pod_exec_malicious", "cadet.k8s.pod_exec_shell", "cadet.k8s.pod_exec"]
group_by = ["user.name"]
timespan = "1m"
condition = { gte = 4 }
score = 95
techniques = ["T1609"]
"#;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/fixtures")
}

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            fixture_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("jsonl" | "log")
        ) {
            out.push(path);
        }
    }
}

/// The later stage of an audit record logged at the `Metadata` level (no bodies).
fn metadata_level_later_stage(record: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(record).ok()?;
    let object = value.as_object_mut()?;
    object.get("auditID")?;
    let mut removed = false;
    for body in ["requestObject", "responseObject"] {
        removed |= object.remove(body).is_some();
    }
    if !removed {
        return None;
    }
    object.insert("stage".into(), "ResponseComplete".into());
    object.insert("level".into(), "Metadata".into());
    Some(value.to_string())
}

/// The corpus as one input file's text.
fn corpus_text() -> String {
    let mut files = Vec::new();
    fixture_files(&fixtures(), &mut files);
    let mut lines: Vec<String> = Vec::new();
    let mut staged = Vec::new();
    for file in files {
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            for from in STAGES {
                let from_text = format!("\"stage\":\"{from}\"");
                if line.contains("\"auditID\"") && line.contains(&from_text) {
                    for to in STAGES {
                        staged.push(line.replace(&from_text, &format!("\"stage\":\"{to}\"")));
                    }
                }
            }
            staged.extend(metadata_level_later_stage(line));
            lines.push(line.to_string());
        }
    }
    lines.extend(staged);
    lines.extend(realistic::Realistic::new(SEED, &fixtures()).lines(3_000).0);
    lines.extend(corpus::Generator::new(SEED, &fixtures()).lines(3_000).0);
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

struct Temp(PathBuf);

impl Temp {
    fn new(name: &str) -> Temp {
        let path =
            std::env::temp_dir().join(format!("cadet-threads-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        Temp(path)
    }
    fn with(name: &str, contents: &[u8]) -> Temp {
        let t = Temp::new(name);
        std::fs::write(&t.0, contents).unwrap();
        t
    }
    fn arg(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `cadet scan <args>` and its standard output.
fn scan(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_cadet"))
        .arg("scan")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The same scan with `--threads 1`, 2 and 4: equal output, which is returned.
fn same_with_any_threads(args: &[&str]) -> Vec<u8> {
    let one = scan(&[&["--threads", "1"], args].concat());
    for threads in ["2", "4"] {
        let many = scan(&[&["--threads", threads], args].concat());
        assert!(
            many == one,
            "--threads {threads} {args:?} differs from --threads 1 ({} against {} bytes), first at line {}",
            many.len(),
            one.len(),
            first_difference(&one, &many)
        );
    }
    one
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.split(|&c| c == b'\n')
        .zip(b.split(|&c| c == b'\n'))
        .position(|(x, y)| x != y)
        .unwrap_or(0)
}

fn verdicts(output: &[u8]) -> Vec<serde_json::Value> {
    output
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice::<serde_json::Value>(l).unwrap()["cadet"].clone())
        .collect()
}

#[test]
fn threads_write_what_one_thread_writes_on_the_whole_corpus() {
    let text = corpus_text();
    let input = Temp::with("corpus.jsonl", text.as_bytes());
    let n = text.lines().count();
    assert!(n > 5 * 1024, "{n} lines: several batches");

    let all = same_with_any_threads(&["--all", input.arg()]);
    let all_verdicts = verdicts(&all);
    assert_eq!(all_verdicts.len(), n, "--all: one line per input line");
    // In input order: each output line is its input line plus the verdict.
    for (i, (out, line)) in all.split(|&b| b == b'\n').zip(text.lines()).enumerate() {
        let line = line.trim();
        if serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line).is_ok() {
            assert!(
                out.starts_with(&line.as_bytes()[..line.len() - 1]),
                "line {i} out of order"
            );
        }
    }
    // The set of scored requests decides verdicts (order matters), also for records
    // no rule hits on their own (the Metadata-level stages, without bodies).
    let duplicates = all_verdicts
        .iter()
        .filter(|v| v["duplicate_of_stage"].is_string())
        .count();
    assert!(duplicates > 50, "{duplicates} duplicates");
    let metadata_duplicates = all
        .split(|&b| b == b'\n')
        .filter(|l| {
            let s = String::from_utf8_lossy(l);
            s.contains("\"level\":\"Metadata\"") && s.contains("\"duplicate_of_stage\"")
        })
        .count();
    assert!(metadata_duplicates > 0);

    let matches = same_with_any_threads(&[input.arg()]);
    let matched = verdicts(&matches);
    assert!(matched.len() > 500 && matched.iter().all(|v| v["matched"] == true));
    assert_eq!(
        matched.len(),
        all_verdicts.iter().filter(|v| v["matched"] == true).count()
    );

    same_with_any_threads(&["--all", "--first-seen", input.arg()]);
    same_with_any_threads(&["--all", "--scored-requests", "0", input.arg()]);
    same_with_any_threads(&["--all", "--scored-requests", "16", input.arg()]);
    for profile in ["qradar-t1609", "elastic-t1609", "qradar-t1059-013"] {
        same_with_any_threads(&["--all", "--profile", profile, input.arg()]);
    }
    let table = same_with_any_threads(&["--format", "table", input.arg()]);
    assert!(!table.is_empty());
}

#[test]
fn threads_keep_the_state_file_and_correlations_as_one_thread() {
    let text = corpus_text();
    let input = Temp::with("corpus-state.jsonl", text.as_bytes());
    let pack = Command::new(env!("CARGO_BIN_EXE_cadet"))
        .args(["rules", "--export"])
        .output()
        .unwrap()
        .stdout;
    let mut pack = String::from_utf8(pack).unwrap();
    pack.push_str(CORRELATIONS);
    let pack = Temp::with("correlations.toml", pack.as_bytes());

    let out = same_with_any_threads(&["--all", "--rules", pack.arg(), input.arg()]);
    let fired = verdicts(&out)
        .iter()
        .filter(|v| {
            v["rules"]
                .as_array()
                .is_some_and(|r| r.iter().any(|h| h["id"] == "test.exec_burst"))
        })
        .count();
    assert!(fired > 0, "the correlation fires on the corpus");

    // The state file after a run (and after a second run that starts from it) is the same.
    let mut saved = Vec::new();
    for threads in ["1", "4"] {
        let state = Temp::new(&format!("state-{threads}.json"));
        let first = scan(&[
            "--threads",
            threads,
            "--all",
            "--state",
            state.arg(),
            "--rules",
            pack.arg(),
            input.arg(),
        ]);
        let second = scan(&[
            "--threads",
            threads,
            "--all",
            "--state",
            state.arg(),
            "--rules",
            pack.arg(),
            input.arg(),
        ]);
        assert_ne!(first, second, "the second run starts from the saved state");
        saved.push((first, second, std::fs::read(&state.0).unwrap()));
    }
    assert!(
        saved[0] == saved[1],
        "--threads 4 with --state differs from --threads 1"
    );
}

#[test]
fn threads_keep_a_line_over_the_limit_in_its_place() {
    let mut text = corpus_text().into_bytes();
    let middle = text.len() / 2;
    let at = middle + text[middle..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut long = br#"{"message":""#.to_vec();
    long.resize(long.len() + (9 << 20), b'x');
    long.extend_from_slice(b"\"}\n");
    text.splice(at..at, long);
    let input = Temp::with("long.jsonl", &text);
    let out = same_with_any_threads(&["--all", input.arg()]);
    let n = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert_eq!(
        out.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count(),
        n
    );
    same_with_any_threads(&[input.arg()]);
}
