//! Helpers shared by the integration tests (not every test uses every helper).
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// The non-empty lines of a fixture file.
pub fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect()
}

/// `../shared/data` beside the repository (public rules and logs).
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
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
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        &mut out,
    );
    out
}

/// `record` without its top-level `"_expect"` key (and the comma that joined it), every
/// other byte as it was; `record` itself when it is not a JSON object with that key.
/// Fixtures are scored through this, so an expectation can never feed the prefilter or a rule.
pub fn strip_expect(record: &str) -> String {
    match expect_span(record.as_bytes()) {
        Some((start, end)) => format!("{}{}", &record[..start], &record[end..]),
        None => record.to_string(),
    }
}

/// The byte range to cut for the top-level `"_expect": value` member: the member and the
/// comma before it (or after it, when it is the first member).
fn expect_span(b: &[u8]) -> Option<(usize, usize)> {
    let skip_ws = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    // End of the string starting at b[i] == '"' (index after the closing quote).
    let string_end = |mut i: usize| {
        i += 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
        None
    };
    // End of the JSON value starting at b[i].
    let value_end = |i: usize| -> Option<usize> {
        let (mut depth, mut j) = (0usize, i);
        while j < b.len() {
            match b[j] {
                b'"' => {
                    j = string_end(j)?;
                    if depth == 0 {
                        return Some(j);
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        return Some(j);
                    }
                    depth -= 1;
                    if depth == 0 {
                        return Some(j + 1);
                    }
                }
                b',' if depth == 0 => return Some(j),
                _ => {}
            }
            j += 1;
        }
        None
    };
    let mut i = skip_ws(0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut prev_comma: Option<usize> = None;
    loop {
        let key_start = skip_ws(i);
        if b.get(key_start) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(key_start)?;
        let colon = skip_ws(key_end);
        if b.get(colon) != Some(&b':') {
            return None;
        }
        let val_start = skip_ws(colon + 1);
        let mut val_end = value_end(val_start)?;
        // trailing spaces of a scalar stay with the member
        while val_end > val_start && b[val_end - 1].is_ascii_whitespace() {
            val_end -= 1;
        }
        let after = skip_ws(val_end);
        if &b[key_start..key_end] == b"\"_expect\"" {
            return match (prev_comma, b.get(after)) {
                (Some(c), _) => Some((c, val_end)),
                (None, Some(b',')) => Some((key_start, skip_ws(after + 1))),
                (None, _) => Some((key_start, val_end)),
            };
        }
        match b.get(after) {
            Some(b',') => {
                prev_comma = Some(after);
                i = after + 1;
            }
            _ => return None,
        }
    }
}
