//! cadet-fuzz: what the fuzz targets (`fuzz_targets/`) and the cost benchmark (`src/bin/cost.rs`)
//! share.
//!
//! - [`contract`]: the enrich-mode output contract of issue 15, checked without cadet-core's
//!   JSON reader (the hostile-corpus tests of every host include the same file).
//! - [`internal`]: **every** cadet-core item outside the hosts' public API that fuzzing uses,
//!   in one place. After the core restructure (issue 12) these paths move behind the one
//!   module the core exposes for fuzzing; only this module changes then.
//! - [`engines`], [`k8s_exec_record`], [`k8s_patch_record`]: the engines of every profile of
//!   the embedded pack, and the audit-event envelopes the request-URI and JSON-patch targets
//!   put their input in.

pub mod contract;

/// The internal cadet-core functions the fuzz targets call (see fuzz/README.md, "Internal
/// paths"). Everything else the targets use is the hosts' public API
/// (`Config`, `Engine`, `Engine::score`, `Engine::enrich`, `Engine::pack().profiles`).
pub mod internal {
    /// Argument analysis of every command of a split line (`analyse_all(&[Cow<str>])`).
    pub use cadet_core::parts::analysis::analyse_all;
    /// A normalised event, for `Engine::evaluate`.
    pub use cadet_core::parts::event::Event;
    /// Rule pack text → compiled pack (`Pack::parse(file_name, text)`).
    pub use cadet_core::Pack;
    /// The POSIX shell-line splitter (`sh -c` scripts, `cmd=` of the kubelet `/run`).
    pub use cadet_core::parts::text::split as shell_split;
    /// The commands of a shell line (`split_commands(&str) -> Vec<Vec<String>>`), its bounds,
    /// and their argument analysis (`analyse_line(&str)`, the path of `sh -c` scripts).
    pub use cadet_core::parts::analysis::analyse_line;
    pub use cadet_core::parts::text::{split_commands, MAX_SHELL_COMMANDS, MAX_SHELL_DEPTH};
    /// The Windows command-line splitter.
    pub use cadet_core::parts::text::split_windows;
    /// The kube `requestURI` query decoder (`?command=sh&command=-c…`).
    pub use cadet_core::parts::text::{percent_decode, query_values};
    /// The auditd EXECVE line reader (`read_line(&str) -> Option<Event>`).
    pub use cadet_core::parts::source::read_auditd_line as auditd_read_line;
}

use cadet_core::{Config, Engine};

/// The profile names of the embedded pack, in pack order (never hard-coded).
pub fn profiles() -> Vec<String> {
    let engine = Engine::new(&Config::default()).expect("embedded pack");
    engine
        .pack()
        .profiles
        .iter()
        .map(|p| p.name.clone())
        .collect()
}

/// One engine per profile of the embedded pack; the `cadet` one (the default profile) also
/// keeps a small first-seen state (capacity 16), so eviction runs too.
pub fn engines() -> Vec<Engine> {
    profiles()
        .into_iter()
        .map(|profile| {
            let state_capacity = if profile == Config::default().profile {
                16
            } else {
                0
            };
            Engine::new(&Config {
                profile,
                state_capacity,
                ..Config::default()
            })
            .expect("profile of the embedded pack")
        })
        .collect()
}

/// `s` as the body of a JSON string (quotes not included).
pub fn json_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

/// A Kubernetes audit event for `pods/exec` with `uri` as its requestURI.
pub fn k8s_exec_record(uri: &str) -> String {
    let mut r = String::from(
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"f","stage":"ResponseComplete","verb":"create","user":{"username":"fuzz"},"sourceIPs":["203.0.113.9"],"objectRef":{"resource":"pods","namespace":"default","name":"web","subresource":"exec"},"responseStatus":{"code":101},"requestURI":""#,
    );
    json_escape(uri, &mut r);
    r.push_str("\"}");
    r
}

/// A Kubernetes audit event for a `patch` of a deployment whose requestObject is `patch`
/// (the fuzz input, spliced as is: a JSON patch array, a merge patch, or anything).
pub fn k8s_patch_record(patch: &[u8], resource: &str, subresource: Option<&str>) -> Vec<u8> {
    let mut r = format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"p","stage":"ResponseComplete","verb":"patch","requestURI":"/apis/apps/v1/namespaces/default/{resource}/web","user":{{"username":"fuzz"}},"sourceIPs":["203.0.113.9"],"objectRef":{{"resource":"{resource}","namespace":"default","name":"web"{}}},"responseStatus":{{"code":200}},"requestObject":"#,
        subresource.map(|s| format!(r#","subresource":"{s}""#)).unwrap_or_default()
    )
    .into_bytes();
    r.extend_from_slice(patch);
    r.push(b'}');
    r
}

/// Enriches every line of `data` with `engine` and checks the output contract
/// ([`contract::check`], strict when the `strict-enrich` feature is on). Panics on a breach:
/// that is what the fuzzer reports.
pub fn enrich_and_check(engine: &mut Engine, data: &[u8]) {
    let strict = cfg!(feature = "strict-enrich");
    let mut out = Vec::new();
    for line in contract::lines(data) {
        out.clear();
        // Not compared with enrich's answer: the first-seen state makes a second look differ.
        let verdict = engine.score(line);
        engine.enrich(line, &mut out);
        if let Err(e) = contract::check(line, &out, strict) {
            panic!(
                "{} enrich output breaks the contract: {e}\n  output: {}",
                engine.profile(),
                String::from_utf8_lossy(&out[..out.len().min(400)])
            );
        }
        assert!(
            contract::is_object(verdict.to_json().as_bytes()),
            "verdict JSON is not an object"
        );
    }
}
