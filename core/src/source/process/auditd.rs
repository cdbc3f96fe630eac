//! Linux audit EXECVE records: the raw text line (`type=EXECVE msg=audit(...):
//! argc=3 a0="docker" a1=...`, hex-encoded arguments decoded, `aN_len`/`aN[k]`
//! fragments reassembled) and JSON from laurel (`EXECVE.ARGV`).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::event::{Event, ProcessStart};
use crate::text::json::Json;

/// Reads one raw audit line; only EXECVE records carry the arguments.
///
/// ```
/// let line = r#"type=EXECVE msg=audit(1615114232.375:15558): argc=3 a0="docker" a1="exec" a2=2D6974"#;
/// let ev = cadet_core::parts::source::read_auditd_line(line).unwrap();
/// assert_eq!(ev.process.unwrap().argv, ["docker", "exec", "-it"]);
/// ```
pub fn read_line(line: &str) -> Option<Event<'_>> {
    let at = line.find("type=EXECVE ")?;
    let body = &line[at..];
    let args_at = body.find("): ").map(|i| i + 3)?;
    let mut argv: Vec<(usize, usize, Cow<'_, str>)> = Vec::new(); // (index, fragment, text)
    for (key, value) in kv_pairs(&body[args_at..]) {
        let Some(rest) = key.strip_prefix('a') else {
            continue;
        };
        let (index, fragment) = match rest.split_once('[') {
            Some((i, f)) => (i, f.trim_end_matches(']').parse::<usize>().ok()),
            None => (rest, Some(0)),
        };
        let (Ok(index), Some(fragment)) = (index.parse::<usize>(), fragment) else {
            continue;
        };
        if index >= 4096 {
            continue;
        }
        argv.push((index, fragment, value));
    }
    if argv.is_empty() {
        return None;
    }
    argv.sort_by_key(|(i, f, _)| (*i, *f));
    let mut words: Vec<Cow<'_, str>> = Vec::new();
    let mut last = usize::MAX;
    for (i, _, text) in argv {
        if i == last {
            if let Some(w) = words.last_mut() {
                w.to_mut().push_str(&text);
            }
        } else {
            words.push(text);
            last = i;
        }
    }
    let process = ProcessStart {
        argv: words,
        ..ProcessStart::default()
    };
    Some(Event::from_process("auditd", process))
}

/// Iterates `key=value` pairs; quoted values are taken literally, bare values
/// that are even-length hex are decoded (auditd hex-encodes arguments with
/// spaces, quotes or non-ASCII bytes).
fn kv_pairs(s: &str) -> impl Iterator<Item = (&str, Cow<'_, str>)> {
    let mut rest = s;
    core::iter::from_fn(move || loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return None;
        }
        let eq = rest.find('=')?;
        let key = &rest[..eq];
        let after = &rest[eq + 1..];
        if key.contains(' ') {
            // not a key: skip a word
            let sp = rest.find(' ').unwrap_or(rest.len());
            rest = &rest[sp..];
            continue;
        }
        if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            let value = &q[..end];
            rest = q.get(end + 1..).unwrap_or("");
            return Some((key, Cow::Borrowed(value)));
        }
        let end = after.find(' ').unwrap_or(after.len());
        let raw = &after[..end];
        rest = &after[end..];
        if key.ends_with("_len") || key == "argc" {
            continue;
        }
        return Some((
            key,
            decode_hex(raw)
                .map(Cow::Owned)
                .unwrap_or(Cow::Borrowed(raw)),
        ));
    })
}

fn decode_hex(s: &str) -> Option<String> {
    if s.is_empty() || s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect();
    // NUL separates words in proctitle-style values.
    let text = String::from_utf8_lossy(&bytes).replace('\0', " ");
    Some(text)
}

/// Reads laurel's JSON (`{"SYSCALL":{...},"EXECVE":{"argc":3,"ARGV":[...]}, "PPID":{...}}`).
pub fn read_json<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    let execve = doc.get("EXECVE");
    let args = execve.get("ARGV").as_array();
    if args.is_empty() {
        return None;
    }
    let argv = args
        .iter()
        .filter_map(|v| match v {
            Json::Str(Cow::Borrowed(s)) => Some(Cow::Borrowed(*s)),
            other => other.as_text().map(|t| Cow::Owned(t.into_owned())),
        })
        .collect();
    let syscall = doc.get("SYSCALL");
    let text = |v: &'a Json<'a>| v.as_str().map(Cow::Borrowed);
    let process = ProcessStart {
        argv,
        executable: text(syscall.get("exe")),
        user: text(syscall.get("UID")).or_else(|| text(syscall.get("AUID"))),
        parent_name: text(doc.get("PPID").get("comm")),
        parent_executable: text(doc.get("PPID").get("exe")),
        pid: syscall.get("pid").as_i64(),
        host: text(doc.get("NODE")),
        ..ProcessStart::default()
    };
    Some(Event::from_process("auditd", process))
}
