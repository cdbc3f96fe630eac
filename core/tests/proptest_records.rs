//! Property tests (issue 15) over generated records and over mutations of every fixture
//! record (truncation, byte flips, key duplication, deep wrapping, huge strings, NUL and
//! invalid UTF-8, BOM and CRLF): for every profile of the embedded pack, scoring never
//! panics, is deterministic, `enrich` gives exactly one line that meets the enrich contract
//! (`fuzz/src/contract.rs`, the checker every host's hostile test uses) and carries the very
//! verdict `score` returned.

mod common;
#[path = "../../fuzz/src/contract.rs"]
mod contract;

use std::sync::{Mutex, OnceLock};

use cadet_core::{Config, Engine};
use proptest::prelude::*;

/// One engine per profile of the embedded pack (no state: results must not depend on history).
fn engines() -> &'static Mutex<Vec<Engine>> {
    static E: OnceLock<Mutex<Vec<Engine>>> = OnceLock::new();
    E.get_or_init(|| {
        let names: Vec<String> = Engine::new(&Config::default())
            .unwrap()
            .pack()
            .profiles
            .iter()
            .map(|p| p.name.clone())
            .collect();
        Mutex::new(
            names
                .into_iter()
                .map(|profile| {
                    Engine::new(&Config {
                        profile,
                        // Each record is scored twice to check determinism: without the set of
                        // scored requests (its own test: audit_stages.rs), which would make
                        // the second scoring of a matched audit record a duplicate.
                        scored_requests: 0,
                        ..Config::default()
                    })
                    .unwrap()
                })
                .collect(),
        )
    })
}

/// Every non-blank line of every fixture file.
fn fixture_lines() -> &'static Vec<Vec<u8>> {
    static L: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    L.get_or_init(|| {
        common::fixture_files()
            .iter()
            .flat_map(|p| {
                std::fs::read(p)
                    .unwrap()
                    .split(|&b| b == b'\n')
                    .map(<[u8]>::to_vec)
                    .collect::<Vec<_>>()
            })
            .filter(|l| !contract::trim(l).is_empty())
            .collect()
    })
}

/// Checks one record under every profile against the whole contract.
fn check_all_profiles(record: &[u8]) -> Result<(), TestCaseError> {
    let mut engines = engines().lock().unwrap_or_else(|e| e.into_inner());
    for engine in engines.iter_mut() {
        let verdict = engine.score(record);
        let again = engine.score(record);
        prop_assert_eq!(
            verdict.to_json(),
            again.to_json(),
            "{}: score is not deterministic",
            engine.profile()
        );
        let mut out = Vec::new();
        let matched = engine.enrich(record, &mut out).matched;
        prop_assert_eq!(matched, verdict.matched);
        if let Err(e) = contract::check(record, &out, true) {
            return Err(TestCaseError::fail(format!(
                "{}: {e}\n  record: {}\n  output: {}",
                engine.profile(),
                String::from_utf8_lossy(&record[..record.len().min(300)]),
                String::from_utf8_lossy(&out[..out.len().min(300)])
            )));
        }
        // The verdict in the line is the one `score` gave.
        let members = contract::object_members(&out).unwrap();
        let (_, cadet) = members.iter().rev().find(|(k, _)| k == "cadet").unwrap();
        let json = verdict.to_json();
        prop_assert_eq!(
            &out[cadet.clone()],
            json.as_bytes(),
            "{}: enrich carries another verdict",
            engine.profile()
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- generated records

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "docker", "podman", "nerdctl", "kubectl", "crictl", "ctr", "runc", "nsenter", "chroot", "sudo", "env", "sh", "bash", "-c",
            "run", "exec", "create", "cp", "debug", "attach", "-it", "-i", "-t", "-d", "--rm", "--privileged", "--privileged=true",
            "--cap-add", "SYS_ADMIN", "--cap-add=ALL", "--pid=host", "--net=host", "-v", "/:/host", "/var/run/docker.sock:/s",
            "--mount", "type=bind,source=/,target=/h", "--security-opt", "seccomp=unconfined", "apparmor=unconfined",
            "-H", "tcp://10.0.0.1:2375", "--target", "1", "--target=1", "-m", "-u", "-n", "-p", "--", "alpine", "web", "pod/web",
            "-n", "kube-system", "get", "secrets", "-A", "-o", "yaml", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token",
            "curl", "http://169.254.169.254/latest/meta-data/", "wget", "nc", "-e", "/bin/sh", "xmrig", ";", "&&", "||", "|",
            "--overrides", "{\"spec\":{\"hostPID\":true}}", "C:\\Windows\\System32\\cmd.exe", "/c", "kubectl.exe", "'", "\"", "\\",
        ]).prop_map(String::from),
        1 => "\\PC{0,12}",
        1 => "[ -~]{0,16}",
    ]
}

fn argv() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(word(), 1..24)
}

/// Records of every shape cadet reads, built with serde_json (so always valid JSON).
fn record() -> impl Strategy<Value = Vec<u8>> {
    let user = "[a-z]{1,8}(@corp\\.example)?";
    prop_oneof![
        (argv(), user).prop_map(|(a, u)| serde_json::json!({
            "event": {"kind": "event", "category": ["process"], "type": ["start"]},
            "user": {"name": u}, "process": {"name": a[0], "args": a, "command_line": a.join(" ")}
        }).to_string().into_bytes()),
        (argv(), user).prop_map(|(a, u)| serde_json::json!({
            "eventid": 4688, "Process Name": format!("C:\\bin\\{}.exe", a[0]), "Command": a.join(" "), "username": u
        }).to_string().into_bytes()),
        (argv(), user, any::<u16>()).prop_map(|(a, u, code)| {
            let q: String = a.iter().map(|w| format!("command={}&", w.bytes().map(|b| format!("%{b:02X}")).collect::<String>())).collect();
            serde_json::json!({
                "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "x", "stage": "ResponseComplete", "verb": "create",
                "requestURI": format!("/api/v1/namespaces/default/pods/web/exec?{q}container=web"),
                "user": {"username": u}, "sourceIPs": ["203.0.113.5"],
                "objectRef": {"resource": "pods", "namespace": "default", "name": "web", "subresource": "exec"},
                "responseStatus": {"code": code}
            }).to_string().into_bytes()
        }),
        (argv(), any::<bool>(), any::<bool>()).prop_map(|(a, privileged, host_pid)| serde_json::json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "y", "stage": "ResponseComplete", "verb": "patch",
            "requestURI": "/apis/apps/v1/namespaces/default/deployments/web", "user": {"username": "dev"},
            "objectRef": {"resource": "deployments", "namespace": "default", "name": "web"},
            "requestObject": [{"op": "add", "path": "/spec/template/spec/containers/-", "value": {
                "name": "x", "image": "alpine", "command": a, "securityContext": {"privileged": privileged}}},
                {"op": "replace", "path": "/spec/template/spec/hostPID", "value": host_pid}]
        }).to_string().into_bytes()),
        argv().prop_map(|a| {
            let line: String = a.iter().enumerate().map(|(i, w)| format!("a{i}=\"{}\" ", w.replace('"', ""))).collect();
            format!("type=EXECVE msg=audit(1700000000.123:42): argc={} {line}", a.len()).into_bytes()
        }),
        argv().prop_map(|a| a.join(" ").into_bytes()),
        argv().prop_map(|a| format!("Nov 23 10:00:00 node sudo: dev : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/usr/bin/{}", a.join(" ")).into_bytes()),
    ]
}

// ---------------------------------------------------------------- fixture mutations

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(prop::sample::Index),
    FlipBits(Vec<(prop::sample::Index, u8)>),
    Insert(prop::sample::Index, Vec<u8>),
    DuplicateFirstMember,
    Wrap(usize),
    HugeString(usize, char),
    Frame(&'static str, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        prop::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..6)
            .prop_map(Mutation::FlipBits),
        (
            any::<prop::sample::Index>(),
            prop::sample::select(vec![
                b"\x00".to_vec(),
                b"\xff".to_vec(),
                b"\xc0\xaf".to_vec(),
                b"\xed\xa0\x80".to_vec(),
                b"\"".to_vec(),
                b"\\".to_vec(),
                b"}".to_vec(),
                b"{".to_vec(),
                b",".to_vec(),
                b"\r".to_vec()
            ])
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        Just(Mutation::DuplicateFirstMember),
        (1usize..300).prop_map(Mutation::Wrap),
        (
            (1usize << 10)..(512 << 10),
            prop::sample::select(vec!['x', 'é', '"', '\\', '🐳'])
        )
            .prop_map(|(n, c)| Mutation::HugeString(n, c)),
        prop::sample::select(vec![
            ("\u{feff}", ""),
            ("", "\r"),
            ("  ", "  "),
            ("\t", "\x0c"),
            ("", "\x00")
        ])
        .prop_map(|(a, b)| Mutation::Frame(a, b)),
    ]
}

fn apply(line: &[u8], m: &Mutation) -> Vec<u8> {
    let mut v = line.to_vec();
    match m {
        Mutation::Truncate(i) => v.truncate(i.index(v.len().max(1))),
        Mutation::FlipBits(flips) => {
            for (i, bit) in flips {
                let at = i.index(v.len());
                v[at] ^= 1 << bit;
                if v[at] == b'\n' {
                    v[at] = b' ';
                }
            }
        }
        Mutation::Insert(i, bytes) => {
            let at = i.index(v.len() + 1);
            v.splice(at..at, bytes.iter().copied());
        }
        Mutation::DuplicateFirstMember => {
            if let (Some(b'{'), Some(comma)) = (v.first(), v.iter().position(|&b| b == b',')) {
                let member = v[1..comma].to_vec();
                v.splice(1..1, member.into_iter().chain([b',']));
            }
        }
        Mutation::Wrap(depth) => {
            let mut w = b"{\"log\":".repeat(*depth);
            w.extend_from_slice(&v);
            w.extend(std::iter::repeat_n(b'}', *depth));
            v = w;
        }
        Mutation::HugeString(n, c) => {
            let s: String = std::iter::repeat_n(*c, n / c.len_utf8()).collect();
            let escaped = serde_json::to_string(&s).unwrap();
            if v.last() == Some(&b'}') && v.first() == Some(&b'{') {
                v.pop();
                v.extend_from_slice(format!(",\"huge\":{escaped}}}").as_bytes());
            } else {
                v.extend_from_slice(b" ");
                v.extend_from_slice(s.as_bytes());
            }
        }
        Mutation::Frame(head, tail) => {
            let mut w = head.as_bytes().to_vec();
            w.extend_from_slice(&v);
            w.extend_from_slice(tail.as_bytes());
            v = w;
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Generated records of every shape: valid JSON objects and UTF-8 text.
    #[test]
    fn generated_records_meet_the_whole_contract(record in record()) {
        check_all_profiles(&record)?;
    }

    /// Mutated fixture records (malformed, truncated, not UTF-8): the whole contract too.
    #[test]
    fn mutated_fixture_records_meet_the_whole_contract(pick in any::<prop::sample::Index>(), m in mutation()) {
        let lines = fixture_lines();
        let line = &lines[pick.index(lines.len())];
        check_all_profiles(&apply(line, &m))?;
    }
}

#[test]
fn the_fixtures_are_there() {
    assert!(
        fixture_lines().len() > 300,
        "{} fixture lines",
        fixture_lines().len()
    );
}
