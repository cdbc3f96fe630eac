//! The records parity replays: every fixture file in the repository and every JSON line
//! in `../shared/data`, grouped into named fixture sets.

use std::path::{Path, PathBuf};

/// A named group of records (one fixture folder, or one file given by hand).
#[derive(Clone, Debug)]
pub struct FixtureSet {
    /// `core/fixtures/ecs`, `shared/data`, or the file's path.
    pub name: String,
    /// Records: lines without their newline, blank lines left out.
    pub records: Vec<Vec<u8>>,
}

/// The repository root (the directory holding host-tests/).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// `../shared/data` beside the repository (absent on a machine without it).
pub fn shared_data() -> PathBuf {
    repo_root().join("../shared/data")
}

/// Splits a file into records: one per line, `\n` (and a `\r` before it) removed, lines
/// that are only whitespace left out.
pub fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
        .map(<[u8]>::to_vec)
        .collect()
}

/// Reads one JSONL (or raw log) file as a fixture set named after its path.
pub fn file_set(path: &Path) -> std::io::Result<FixtureSet> {
    Ok(FixtureSet {
        name: path.display().to_string(),
        records: lines(&std::fs::read(path)?),
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !matches!(name, "target" | "node_modules" | ".git" | "wasm-artifacts")
                && !name.starts_with('.')
            {
                walk(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

/// Every fixture file in the repository: `*.jsonl` anywhere (outside build output), and
/// the raw-text `*.log` fixtures under `core/fixtures`, grouped by folder.
pub fn repo_fixture_sets() -> Vec<FixtureSet> {
    let root = repo_root();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let fixtures = root.join("core/fixtures");
    let mut sets: Vec<FixtureSet> = Vec::new();
    for path in files {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !(ext == "jsonl" || (ext == "log" && path.starts_with(&fixtures))) {
            continue;
        }
        let folder = path
            .parent()
            .unwrap()
            .strip_prefix(&root)
            .unwrap_or(path.parent().unwrap());
        let name = folder.display().to_string();
        let records = lines(&std::fs::read(&path).unwrap_or_default());
        match sets.iter_mut().find(|s| s.name == name) {
            Some(set) => set.records.extend(records),
            None => sets.push(FixtureSet { name, records }),
        }
    }
    sets
}

/// Every JSON value in `../shared/data` written on one line (`.json`, `.jsonl`, `.log`,
/// `.ndjson` files), plus each whole `.json` document written compactly on one line, plus
/// the raw auditd lines of `formats/auditd`. `None` when the folder is absent.
pub fn shared_data_set() -> Option<FixtureSet> {
    let dir = shared_data();
    if !dir.is_dir() {
        return None;
    }
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let mut records = Vec::new();
    for path in files {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        match ext {
            "json" | "jsonl" | "ndjson" | "log" => {
                for line in lines(&bytes) {
                    let t = cadet_core::parts::text::trim(&line);
                    if matches!(t.first(), Some(b'{') | Some(b'['))
                        && serde_json::from_slice::<serde_json::Value>(t).is_ok()
                    {
                        records.push(line);
                    }
                }
                if ext == "json" {
                    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                        let docs = match doc {
                            serde_json::Value::Array(items) => items,
                            other => vec![other],
                        };
                        records.extend(docs.iter().map(|d| serde_json::to_vec(d).unwrap()));
                    }
                }
            }
            "txt" if path.parent().is_some_and(|p| p.ends_with("auditd")) => {
                records.extend(lines(&bytes))
            }
            _ => {}
        }
    }
    Some(FixtureSet {
        name: String::from("shared/data"),
        records,
    })
}

/// All fixture sets: the repository's, then shared/data's when present.
pub fn all_sets() -> Vec<FixtureSet> {
    let mut sets = repo_fixture_sets();
    sets.extend(shared_data_set());
    sets
}

/// Hostile records: 20 KB, 1 MB and 5 MB records, nesting 10 000 deep, invalid UTF-8
/// inside strings, not JSON, binary, unterminated, empty object, a lone brace.
pub fn hostile_records() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let cmd = r#"docker run --privileged -v /:/host alpine chroot /host sh"#;
    let args = |n: usize| -> String {
        (0..n)
            .map(|i| format!("\"a{i}\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push((
        String::from("20 KB process record"),
        format!(
            r#"{{"process":{{"name":"docker","command_line":"{cmd}","args":[{}]}}}}"#,
            args(2000)
        )
        .into_bytes(),
    ));
    out.push((
        String::from("1 MB message"),
        format!(r#"{{"message":"{}{cmd}"}}"#, "x".repeat(1 << 20)).into_bytes(),
    ));
    out.push((
        String::from("5 MB record (over the core's 4 MiB limit)"),
        format!(
            r#"{{"process":{{"command_line":"{cmd} {}"}}}}"#,
            "y".repeat(5 << 20)
        )
        .into_bytes(),
    ));
    out.push((String::from("objects nested 10 000 deep"), {
        let mut s = "{\"a\":".repeat(10_000);
        s.push('1');
        s.push_str(&"}".repeat(10_000));
        s.into_bytes()
    }));
    out.push((String::from("arrays nested 10 000 deep"), {
        let mut s = String::from("{\"process\":{\"args\":");
        s.push_str(&"[".repeat(10_000));
        s.push_str(&"]".repeat(10_000));
        s.push_str("}}");
        s.into_bytes()
    }));
    out.push((String::from("invalid UTF-8 inside a string"), {
        let mut s = br#"{"process":{"name":"docker","command_line":"docker exec -it "#.to_vec();
        s.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
        s.extend_from_slice(br#" sh"}}"#);
        s
    }));
    out.push((
        String::from("invalid UTF-8 raw line"),
        b"kubectl exec -it pod \xff\xfe -- sh".to_vec(),
    ));
    out.push((
        String::from("not JSON"),
        b"this is not json: kubectl exec -it web-0 -- /bin/sh".to_vec(),
    ));
    out.push((
        String::from("truncated JSON"),
        br#"{"process":{"name":"docker","args":["docker","run","--privileged""#.to_vec(),
    ));
    out.push((
        String::from("JSON with trailing garbage"),
        br#"{"a":1}}}"#.to_vec(),
    ));
    out.push((
        String::from("bad escapes"),
        br#"{"message":"\u12 \x \uD800 docker exec"}"#.to_vec(),
    ));
    out.push((String::from("empty object"), b"{}".to_vec()));
    out.push((String::from("lone brace"), b"{".to_vec()));
    out.push((
        String::from("NUL and control bytes"),
        b"{\"message\":\"docker\x00exec\x01\"}".to_vec(),
    ));
    out.push((
        String::from("top-level array"),
        br#"[{"process":{"name":"docker"}}]"#.to_vec(),
    ));
    out.push((
        String::from("huge number"),
        format!(r#"{{"n":{}}}"#, "9".repeat(100_000)).into_bytes(),
    ));
    out.push((String::from("100 000 keys"), {
        let body: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\":{i}")).collect();
        format!("{{{}}}", body.join(",")).into_bytes()
    }));
    out
}
