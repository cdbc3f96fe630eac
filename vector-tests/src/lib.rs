//! Runs VRL programs with the `vrl` crate (the engine Vector's `remap` transform runs)
//! and turns fixture lines into the events Vector would hand the transform.

use std::collections::BTreeMap;

use vrl::compiler::{state::RuntimeState, CompileConfig, Context, Program, TargetValue, TimeZone};
pub use vrl::value::{Secrets, Value};

/// A compiled VRL program.
pub struct Vrl {
    program: Program,
    timezone: TimeZone,
}

/// What running a program on one event gave.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// The program ran to the end; the event as the program left it.
    Event(serde_json::Value),
    /// The program aborted (`abort`): `remap` with `drop_on_abort: true` drops the event.
    Aborted(String),
}

impl Vrl {
    /// Compiles `source` the way Vector's `remap` does (event: an object of any fields).
    /// Returns the program and its warnings (rendered), or the rendered errors.
    pub fn compile(source: &str) -> Result<(Vrl, Vec<String>), String> {
        let fns = vrl::stdlib::all();
        let external = vrl::compiler::state::ExternalEnv::default();
        match vrl::compiler::compile_with_external(
            source,
            &fns,
            &external,
            CompileConfig::default(),
        ) {
            Ok(result) => {
                let warnings = result
                    .warnings
                    .iter()
                    .map(|d| vrl::diagnostic::Formatter::new(source, vec![d.clone()]).to_string())
                    .collect();
                Ok((
                    Vrl {
                        program: result.program,
                        timezone: TimeZone::default(),
                    },
                    warnings,
                ))
            }
            Err(diagnostics) => {
                Err(vrl::diagnostic::Formatter::new(source, diagnostics).to_string())
            }
        }
    }

    /// Runs the program on one event already in VRL form (as Vector hands it to `remap`);
    /// returns whether it ran to the end (false: aborted or failed).
    pub fn run_value(&self, value: Value) -> bool {
        let mut target = TargetValue {
            value,
            metadata: Value::Object(BTreeMap::new()),
            secrets: Secrets::default(),
        };
        let mut state = RuntimeState::default();
        let mut ctx = Context::new(&mut target, &mut state, &self.timezone);
        self.program.resolve(&mut ctx).is_ok()
    }

    /// What Vector does for one line of a log file around `remap`: decodes it as its `json`
    /// codec would ([`event_of`]), runs the program, and encodes the event as JSON again.
    /// `None` when the codec rejects the line, or the program aborts or fails.
    pub fn run_line(&self, line: &str) -> Option<String> {
        match self.run(event_of(line)?) {
            Ok(Outcome::Event(json)) => Some(json.to_string()),
            Ok(Outcome::Aborted(_)) | Err(_) => None,
        }
    }

    /// Runs the program on one event.
    pub fn run(&self, event: serde_json::Value) -> Result<Outcome, String> {
        let mut target = TargetValue {
            value: Value::from(event),
            metadata: Value::Object(BTreeMap::new()),
            secrets: Secrets::default(),
        };
        let mut state = RuntimeState::default();
        let mut ctx = Context::new(&mut target, &mut state, &self.timezone);
        match self.program.resolve(&mut ctx) {
            Ok(_) => {
                let json: serde_json::Value =
                    target.value.try_into().map_err(|e| format!("{e:?}"))?;
                Ok(Outcome::Event(json))
            }
            Err(vrl::compiler::ExpressionError::Abort { .. }) => {
                Ok(Outcome::Aborted(String::from("abort")))
            }
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The event Vector hands the transform for one line of a log file: a JSON object
/// as decoded by the `json` codec, anything else as `{"message": line}`.
/// `None` for a line the `json` codec rejects (a malformed JSON object): Vector never
/// runs the transform on it.
pub fn event_of(line: &str) -> Option<serde_json::Value> {
    let t = line.trim();
    match serde_json::from_str::<serde_json::Value>(t) {
        Ok(v @ serde_json::Value::Object(_)) => Some(v),
        _ if t.starts_with('{') => None,
        _ => Some(serde_json::json!({ "message": line })),
    }
}

/// True when core reads `line` as a control-plane or daemon record (not a process start).
pub fn is_api_record(line: &str) -> bool {
    let t = line.trim();
    let event_kind = |ev: Option<cadet_core::parts::event::Event<'_>>| {
        ev.map(|e| e.kind != cadet_core::parts::event::EventKind::Process)
            .unwrap_or(false)
    };
    if t.starts_with('{') {
        match cadet_core::parts::text::Json::parse(t.as_bytes()) {
            Ok(doc) => event_kind(cadet_core::parts::source::normalise(&doc)),
            Err(_) => false,
        }
    } else {
        event_kind(cadet_core::parts::source::normalise_text(t))
    }
}

/// The profiles of the embedded pack.
pub const PROFILES: &[&str] = &["cadet", "qradar-t1609", "elastic-t1609", "qradar-t1059-013"];

/// One record of the corpus: where it came from and the line itself.
pub struct Record {
    /// `file:line`.
    pub origin: String,
    /// The line (no newline).
    pub line: String,
}

/// Fixture folders of sources the VRL twin does not read: HTTP requests to the API server are
/// what the Envoy filter sees, never a log record Vector carries (see vector-config/README.md).
pub const NOT_IN_VRL: &[&str] = &["http_request"];

/// True when `path` lies in a fixture folder of [`NOT_IN_VRL`].
fn not_in_vrl(path: &std::path::Path) -> bool {
    path.components()
        .any(|c| NOT_IN_VRL.iter().any(|n| c.as_os_str() == *n))
}

/// The parity corpus: every record line of the fixture folders (core/fixtures/**, except the
/// sources of [`NOT_IN_VRL`], cli/samples), of the edge cases of the control-plane readers
/// (vector-tests/cases) and of the public data in /work/shared/data (when present).
pub fn corpus() -> Vec<Record> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in [
        root.join("core/fixtures"),
        root.join("cli/samples"),
        root.join("vector-tests/cases"),
        std::path::PathBuf::from("/work/shared/data"),
    ] {
        collect(&dir, &mut files);
    }
    files.retain(|f| !not_in_vrl(f));
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            out.push(Record {
                origin: format!("{}:{}", f.display(), i + 1),
                line: line.to_string(),
            });
        }
    }
    out
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("jsonl" | "log" | "txt")
        ) {
            out.push(p);
        }
    }
}

/// The native verdict for a line, as JSON.
pub fn native(engine: &mut cadet_core::Engine, line: &str) -> serde_json::Value {
    serde_json::to_value(engine.score(line.as_bytes())).expect("verdict serialises")
}

/// A JSON value as a VRL literal.
pub fn vrl_literal(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => cadet_vrl::text::string(s),
        serde_json::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(vrl_literal).collect::<Vec<_>>().join(", ")
        ),
        serde_json::Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", cadet_vrl::text::string(k), vrl_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// One Vector unit test built from a fixture record: the event, and the verdict cadet gives it.
pub struct UnitTest {
    /// Test name.
    pub name: String,
    /// The event (as Vector's json codec decodes the line, or `{"message": line}`).
    pub event: serde_json::Value,
    /// The raw line when the record is not JSON (tested with `value:`).
    pub raw: Option<String>,
    /// The native verdict.
    pub verdict: serde_json::Value,
}

/// Records the shipped unit tests take beyond the first of each fixture file: (file under
/// core/fixtures, a rule the record must hit). The first record of the Kubernetes attack
/// fixture is a pod exec and of the benign one a controller's lease update; these add a
/// privileged pod with the host's root mounted and a privileged ephemeral container.
const EXTRA_UNIT_TESTS: &[(&str, &str)] = &[
    (
        "k8s_audit/apiserver.attack.jsonl",
        "cadet.workload.privileged_host_root",
    ),
    (
        "k8s_audit/apiserver.attack.jsonl",
        "cadet.k8s.ephemeral_container",
    ),
];

/// The fixture records the shipped Vector unit tests use: the first record of every
/// fixture file of the core (attack and benign) and the extra cases of `EXTRA_UNIT_TESTS`,
/// with the native `cadet` verdict.
pub fn unit_tests() -> Vec<UnitTest> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/fixtures");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.retain(|f| !not_in_vrl(f));
    files.sort();
    // The VRL program is the core without its set of scored requests (VRL keeps no state).
    let mut engine = cadet_core::Engine::new(&cadet_core::Config {
        scored_requests: 0,
        ..cadet_core::Config::default()
    })
    .expect("engine");
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
        let mut picks: Vec<(usize, String)> = Vec::new();
        if let Some(i) = text.lines().position(|l| !l.trim().is_empty()) {
            picks.push((i, String::new()));
        }
        for (file, rule) in EXTRA_UNIT_TESTS.iter().filter(|(file, _)| *file == rel) {
            let hit = text.lines().position(|l| {
                native(&mut engine, l)["rules"]
                    .as_array()
                    .map(|r| r.iter().any(|h| h["id"] == *rule))
                    .unwrap_or(false)
            });
            let i = hit.unwrap_or_else(|| panic!("{file}: no record hits {rule}"));
            picks.push((i, format!(" ({rule})")));
        }
        picks.sort();
        for (i, why) in picks {
            let line = text.lines().nth(i).unwrap_or_default();
            let Some(event) = event_of(line) else {
                continue;
            };
            let raw = (!line.trim_start().starts_with('{')).then(|| line.to_string());
            let verdict = native(&mut engine, line);
            out.push(UnitTest {
                name: format!("cadet: {rel} line {}{why}", i + 1),
                event,
                raw,
                verdict,
            });
        }
    }
    out
}

/// The VRL condition of a unit test: the whole verdict must equal cadet's.
pub fn unit_test_condition(t: &UnitTest) -> String {
    format!("assert_eq!(.cadet, {})", vrl_literal(&t.verdict))
}

/// The shipped vector.yaml: the pipeline and the unit tests built from the fixtures.
pub fn vector_yaml() -> String {
    let mut y = String::from(include_str!("../../vector-config/pipeline.yaml"));
    y.push_str("\n# Unit tests (`vector test vector.yaml`), generated from cadet's fixtures with the verdicts\n");
    y.push_str("# the native engine gives: regenerate with `cargo run -p cadet-vector-tests --bin gen-vector-config`.\ntests:\n");
    for t in unit_tests() {
        y.push_str(&format!(
            "  - name: {}\n    inputs:\n      - insert_at: cadet\n",
            serde_json::to_string(&t.name).unwrap_or_default()
        ));
        match &t.raw {
            Some(line) => y.push_str(&format!(
                "        type: raw\n        value: {}\n",
                serde_json::to_string(line).unwrap_or_default()
            )),
            None => y.push_str(&format!(
                "        type: log\n        log_fields: {}\n",
                serde_json::to_string(&t.event).unwrap_or_default()
            )),
        }
        y.push_str("    outputs:\n      - extract_from: cadet\n        conditions:\n          - type: vrl\n");
        y.push_str(&format!(
            "            source: {}\n",
            serde_json::to_string(&unit_test_condition(&t)).unwrap_or_default()
        ));
        let route = match t.verdict["severity"].as_str() {
            Some("critical") => Some("critical"),
            Some("high") => Some("high"),
            _ => None,
        };
        if let Some(r) = route {
            y.push_str(&format!(
                "      - extract_from: cadet_by_severity.{r}\n        conditions:\n          - type: vrl\n            source: {}\n",
                serde_json::to_string(&format!("assert_eq!(.cadet.severity, \"{r}\")")).unwrap_or_default()
            ));
        }
    }
    y
}

/// A field value of cadet-core as JSON (a missing field is `null`).
fn value_json(v: cadet_core::parts::event::Value<'_>) -> serde_json::Value {
    use cadet_core::parts::event::Value;
    match v {
        Value::Missing => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(b),
        Value::Int(i) => serde_json::json!(i),
        Value::Str(s) => serde_json::json!(s),
        Value::List(l) => serde_json::json!(l.iter().map(|s| s.as_ref()).collect::<Vec<&str>>()),
    }
}

/// True for the fields that differ per command of a record (`cmd.*`, `payload.*`).
pub fn is_segment_field(name: &str) -> bool {
    (name.starts_with("cmd.") && name != "cmd.script_tools") || name.starts_with("payload.")
}

/// Keeps the first occurrence of each string (the verdict's indicators are unique the same way).
fn unique(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// What cadet-core reads from a line, field by field: `{"src", "kind", "segments": [{field:
/// value}], "evidence": [{field: [tokens]}]}` per command segment, every field of `cadet fields`;
/// `None` when no normaliser reads the line.
pub fn native_fields(line: &str) -> Option<serde_json::Value> {
    let t = line.trim();
    let describe = |ev: &cadet_core::parts::event::Event<'_>| {
        let mut segments = Vec::new();
        let mut evidence = Vec::new();
        for i in 0..ev.segments.len() {
            let mut fields = serde_json::Map::new();
            let mut ev_fields = serde_json::Map::new();
            for name in cadet_core::fields::all().map(|f| f.name) {
                fields.insert(name.to_string(), value_json(ev.field(name, i)));
                let e = unique(ev.evidence(name, i).map(String::from));
                if !e.is_empty() {
                    ev_fields.insert(name.to_string(), serde_json::json!(e));
                }
            }
            segments.push(serde_json::Value::Object(fields));
            evidence.push(serde_json::Value::Object(ev_fields));
        }
        serde_json::json!({"src": ev.source, "kind": ev.kind.as_str(), "segments": segments, "evidence": evidence})
    };
    if t.starts_with('{') {
        let doc = cadet_core::parts::text::Json::parse(t.as_bytes()).ok()?;
        if !doc.is_object() {
            return None;
        }
        cadet_core::parts::source::normalise(&doc).map(|ev| describe(&ev))
    } else {
        let text = String::from_utf8_lossy(t.as_bytes()).into_owned();
        cadet_core::parts::source::normalise_text(&text).map(|ev| describe(&ev))
    }
}

/// The same description from the `.cadet_probe` the probe program leaves (see
/// `cadet_vrl::export_probe`); `None` when the program read nothing.
pub fn vrl_fields(probe: &serde_json::Value) -> Option<serde_json::Value> {
    let src = probe["src"].as_str().filter(|s| !s.is_empty())?;
    let evf = &probe["evf"];
    let mut segments = Vec::new();
    let mut evidence = Vec::new();
    for seg in probe["segs"].as_array().cloned().unwrap_or_default() {
        let mut fields = serde_json::Map::new();
        let mut ev_fields = serde_json::Map::new();
        for (name, kind) in cadet_core::fields::all().map(|f| (f.name, f.kind)) {
            let mut v = if is_segment_field(name) {
                seg[name].clone()
            } else {
                evf[name].clone()
            };
            // A bool field is never missing in the core; the program leaves the control-plane
            // facts out of a process record's fields (its rules read them as false).
            if kind == cadet_core::fields::FieldKind::Bool && v.is_null() {
                v = serde_json::Value::Bool(false);
            }
            fields.insert(name.to_string(), v);
            let pairs = seg["e"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(evf["_e"].as_array().into_iter().flatten());
            let e = unique(
                pairs
                    .filter(|p| p[0] == *name)
                    .filter_map(|p| p[1].as_str().map(String::from)),
            );
            if !e.is_empty() {
                ev_fields.insert(name.to_string(), serde_json::json!(e));
            }
        }
        segments.push(serde_json::Value::Object(fields));
        evidence.push(serde_json::Value::Object(ev_fields));
    }
    Some(
        serde_json::json!({"src": src, "kind": probe["kind"], "segments": segments, "evidence": evidence}),
    )
}
