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
    /// The commands of a shell line (`split_commands(&str) -> Vec<Vec<String>>`), its bounds,
    /// and their argument analysis (`analyse_line(&str)`, the path of `sh -c` scripts).
    pub use cadet_core::parts::analysis::analyse_line;
    /// A normalised event, for `Engine::evaluate`.
    pub use cadet_core::parts::event::Event;
    /// The auditd EXECVE line reader (`read_line(&str) -> Option<Event>`).
    pub use cadet_core::parts::source::read_auditd_line as auditd_read_line;
    /// The POSIX shell-line splitter (`sh -c` scripts, `cmd=` of the kubelet `/run`).
    pub use cadet_core::parts::text::split as shell_split;
    /// The Windows command-line splitter.
    pub use cadet_core::parts::text::split_windows;
    /// The kube `requestURI` query decoder (`?command=sh&command=-c…`).
    pub use cadet_core::parts::text::{percent_decode, query_values};
    pub use cadet_core::parts::text::{split_commands, MAX_SHELL_COMMANDS, MAX_SHELL_DEPTH};
    /// Rule pack text → compiled pack (`Pack::parse(file_name, text)`).
    pub use cadet_core::Pack;
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

/// Runs `f` with one engine per profile of the embedded pack ([`engines`]), built once per
/// fuzzing process and kept across inputs (so state such as first-seen carries over, as in a
/// host).
pub fn with_engines(f: impl FnOnce(&mut [Engine])) {
    static ENGINES: std::sync::OnceLock<std::sync::Mutex<Vec<Engine>>> = std::sync::OnceLock::new();
    let mut engines = ENGINES
        .get_or_init(|| std::sync::Mutex::new(engines()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(&mut engines);
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
/// ([`contract::check`], the whole contract: a malformed object is carried whole as
/// `message`, invalid UTF-8 kept in `message_base64`). Panics on a breach: that is what the
/// fuzzer reports.
pub fn enrich_and_check(engine: &mut Engine, data: &[u8]) {
    let mut out = Vec::new();
    for line in contract::lines(data) {
        out.clear();
        // Not compared with enrich's answer: the first-seen state makes a second look differ.
        let verdict = engine.score(line);
        engine.enrich(line, &mut out);
        if let Err(e) = contract::check(line, &out, true) {
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

/// The input cut into the pieces of an HTTP request and written as the records the Envoy
/// filter writes (`plugin-envoy` `Stream::record`; read by the core's `http_request` source):
/// lines of `data` are taken in turn as method, path, and header values (`user-agent`,
/// `x-forwarded-client-cert`, `authorization`, `impersonate-user`, `impersonate-group`,
/// `x-forwarded-for`), the rest as the body. Three records: a `POST` to the path as given, the
/// same pieces under `/api/v1/namespaces/d/pods/p/exec?…` (the exec path with the input as its
/// query) and under the kubelet's `/run/ns/pod/c` (body as its `cmd=`).
pub fn http_request_records(data: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(9, '\n');
    let mut next = || lines.next().unwrap_or("").to_string();
    let method = next();
    let path = next();
    let headers = [
        ("user-agent", next()),
        ("x-forwarded-client-cert", next()),
        ("authorization", next()),
        ("impersonate-user", next()),
        ("impersonate-group", next()),
        ("x-forwarded-for", next()),
    ];
    let body = next();
    let record = |method: &str, path: &str| {
        let mut r = String::from(r#"{"auditID":"fuzz-request","method":""#);
        json_escape(method, &mut r);
        r.push_str(r#"","path":""#);
        json_escape(path, &mut r);
        r.push_str(r#"","headers":{"#);
        for (i, (name, value)) in headers.iter().enumerate() {
            if i > 0 {
                r.push(',');
            }
            r.push('"');
            r.push_str(name);
            r.push_str(r#"":""#);
            json_escape(value, &mut r);
            r.push('"');
        }
        // A repeated header is an array, as the filter writes it.
        r.push_str(r#","impersonate-extra-scopes":["a",""#);
        json_escape(&headers[4].1, &mut r);
        r.push_str(r#""]},"body":""#);
        json_escape(&body, &mut r);
        r.push_str(r#"","body_truncated":false,"source_address":"10.0.0.7:51234"}"#);
        r.into_bytes()
    };
    vec![
        record(&method, &path),
        record("POST", &format!("/api/v1/namespaces/d/pods/p/exec?{path}")),
        record("POST", &format!("/run/d/p/c?{method}")),
    ]
}
