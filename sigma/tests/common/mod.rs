//! Shared by the tests: the record corpus, the Sigma taxonomy views of a record for the oracle
//! (rsigma-eval), and both engines.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn sigma_dir() -> PathBuf {
    root().join("../shared/data/sigma")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            walk(&e, out);
        } else if e
            .extension()
            .is_some_and(|x| x == "jsonl" || x == "log" || x == "json" || x == "txt")
        {
            out.push(e);
        }
    }
}

/// One record: where it comes from and its line.
pub struct Record {
    pub origin: String,
    pub line: String,
}

/// Every line of core/fixtures and of the shared logs (negatives, formats).
pub fn records() -> Vec<Record> {
    let mut files = Vec::new();
    walk(&root().join("core/fixtures"), &mut files);
    walk(&root().join("../shared/data/negatives"), &mut files);
    walk(&root().join("../shared/data/formats"), &mut files);
    walk(&root().join("sigma/tests/data"), &mut files);
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let name = f.strip_prefix(root()).unwrap_or(&f).display().to_string();
        for (i, l) in text.lines().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            out.push(Record {
                origin: format!("{name}:{}", i + 1),
                line: l.to_string(),
            });
        }
    }
    out
}

fn embedded(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) if s.trim_start().starts_with('{') => serde_json::from_str(s).ok(),
        Value::Object(_) => Some(v.clone()),
        _ => None,
    }
}

/// An audit event: `apiVersion: audit.k8s.io/…`, or (older and reduced captures, such as
/// Falco's v1beta1-era traces and other detectors' test events) `kind: Event` with a `verb` and
/// an `objectRef` or `requestURI`.
fn is_audit(v: &Value) -> bool {
    let versioned = v
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|a| a.starts_with("audit.k8s.io"));
    let reduced = v.get("kind").and_then(Value::as_str) == Some("Event")
        && v.get("verb").is_some_and(Value::is_string)
        && (v.get("objectRef").is_some_and(Value::is_object)
            || v.get("requestURI").is_some_and(Value::is_string));
    versioned || reduced
}

/// The audit event a record holds: itself, or unwrapped from EKS/AKS/Fluent Bit envelopes.
fn audit_event(v: &Value) -> Option<Value> {
    if is_audit(v) {
        return Some(v.clone());
    }
    if let Some(Value::Array(rs)) = v.get("records") {
        if let [one] = rs.as_slice() {
            return audit_event(one);
        }
    }
    if let Some(Value::Array(es)) = v.get("logEvents") {
        if let [one] = es.as_slice() {
            return one.get("message").and_then(embedded).filter(is_audit);
        }
    }
    let candidates = [
        v.get("message"),
        v.get("@message"),
        v.get("log"),
        v.pointer("/properties/log"),
    ];
    candidates
        .into_iter()
        .flatten()
        .filter_map(embedded)
        .find(is_audit)
}

/// Pod specs of a request object: a pod, a workload template, a cronjob's job template.
fn pod_specs(obj: &Value) -> Vec<&Value> {
    [
        "/spec",
        "/spec/template/spec",
        "/spec/jobTemplate/spec/template/spec",
    ]
    .iter()
    .filter_map(|p| obj.pointer(p))
    .filter(|s| s.get("containers").is_some() || s.get("volumes").is_some())
    .collect()
}

/// Sigma's Kubernetes pseudo-fields, computed from the raw request object (independently of
/// cadet): `hostPath` (hostPath volume paths), `capabilities` (added capabilities), `privileged`.
fn pseudo_fields(ev: &mut Value) {
    let Some(obj) = ev.get("requestObject").cloned() else {
        return;
    };
    let mut host_paths = Vec::new();
    let mut caps = Vec::new();
    let mut privileged = false;
    for spec in pod_specs(&obj) {
        for v in spec
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(p) = v.pointer("/hostPath/path").and_then(Value::as_str) {
                host_paths.push(json!(p));
            }
        }
        for key in ["containers", "initContainers", "ephemeralContainers"] {
            for c in spec
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for cap in c
                    .pointer("/securityContext/capabilities/add")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    caps.push(cap.clone());
                }
                if c.pointer("/securityContext/privileged") == Some(&json!(true)) {
                    privileged = true;
                }
            }
        }
    }
    let m = ev.as_object_mut().expect("audit event is an object");
    if !host_paths.is_empty() {
        m.insert("hostPath".into(), Value::Array(host_paths));
    }
    if !caps.is_empty() {
        m.insert("capabilities".into(), Value::Array(caps));
    }
    if privileged {
        m.insert("privileged".into(), json!(true));
    }
}

/// The record as Sigma's taxonomies name it: the views rsigma-eval is given. Each view is built
/// from the raw JSON alone (no cadet code): the record itself; the audit event it wraps, with the
/// pseudo-fields; Winlogbeat's `winlog.event_data`; ECS process fields under Sysmon names; GCP
/// audit entries under the ECS names SigmaHQ's GCP rules use.
pub fn views(line: &str) -> Vec<Value> {
    let Ok(mut v) = serde_json::from_str::<Value>(line) else {
        return Vec::new();
    };
    let Some(obj) = v.as_object_mut() else {
        return Vec::new();
    };
    obj.remove("_expect");
    let mut out = vec![v.clone()];
    if let Some(mut a) = audit_event(&v) {
        pseudo_fields(&mut a);
        out.push(a);
    }
    if let Some(ed) = v.pointer("/winlog/event_data") {
        out.push(ed.clone());
        // Security 4688 under Sigma's process_creation names (as Sigma's Windows audit
        // pipelines map them).
        if let Some(new) = ed.get("NewProcessName") {
            let mut m = Map::new();
            m.insert("Image".into(), new.clone());
            for (from, to) in [
                ("ParentProcessName", "ParentImage"),
                ("CommandLine", "CommandLine"),
            ] {
                if let Some(x) = ed.get(from) {
                    m.insert(to.into(), x.clone());
                }
            }
            out.push(Value::Object(m));
        }
    }
    if let Some(p) = v.get("process").filter(|p| p.is_object()) {
        let mut m = Map::new();
        let mut put = |k: &str, val: Option<&Value>| {
            if let Some(val) = val.filter(|v| v.is_string() || v.is_number()) {
                m.insert(k.into(), val.clone());
            }
        };
        put("Image", p.get("executable"));
        put("CommandLine", p.get("command_line"));
        put("ParentImage", p.pointer("/parent/executable"));
        put("ParentCommandLine", p.pointer("/parent/command_line"));
        put("User", v.pointer("/user/name"));
        put("ProcessId", p.get("pid"));
        if !m.is_empty() {
            out.push(Value::Object(m));
        }
    }
    // Splunk CIM Endpoint.Processes under Sigma names (the mapping of Splunk's CIM pipeline).
    if v.get("process_path").is_some() || v.get("process").is_some_and(Value::is_string) {
        let mut m = Map::new();
        for (from, to) in [
            ("process_path", "Image"),
            ("process", "CommandLine"),
            ("parent_process_path", "ParentImage"),
            ("parent_process", "ParentCommandLine"),
            ("user", "User"),
        ] {
            if let Some(x) = v.get(from).filter(|x| x.is_string()) {
                m.insert(to.into(), x.clone());
            }
        }
        out.push(Value::Object(m));
    }
    // laurel (auditd as JSON): the executable and the argv joined, as Sysmon for Linux writes
    // Image and CommandLine.
    if let (Some(exe), Some(argv)) = (
        v.pointer("/SYSCALL/exe").and_then(Value::as_str),
        v.pointer("/EXECVE/ARGV").and_then(Value::as_array),
    ) {
        let args: Vec<&str> = argv.iter().filter_map(Value::as_str).collect();
        out.push(json!({"Image": exe, "CommandLine": args.join(" ")}));
    }
    if let Some(pp) = v.get("protoPayload") {
        let mut m = Map::new();
        if let Some(method) = pp.get("methodName") {
            m.insert("gcp.audit.method_name".into(), method.clone());
        }
        m.insert("data".into(), json!({ "protoPayload": pp }));
        out.push(Value::Object(m));
    }
    out
}

/// The audit event a record holds (unwrapped from EKS/AKS envelopes), with Sigma's
/// pseudo-fields: the one view the correlation oracle is given, so a record counts once.
pub fn audit_view(line: &str) -> Option<Value> {
    let mut v: Value = serde_json::from_str(line).ok()?;
    v.as_object_mut()?.remove("_expect");
    let mut a = audit_event(&v)?;
    pseudo_fields(&mut a);
    Some(a)
}

/// The independent oracle: rsigma-eval with the Sigma rules as written.
pub struct Oracle {
    engine: rsigma_eval::Engine,
}

impl Oracle {
    pub fn new(yaml_docs: &[String]) -> Oracle {
        let mut engine = rsigma_eval::Engine::new();
        for y in yaml_docs {
            let c = rsigma_parser::parse_sigma_yaml(y).expect("rsigma parses the rule");
            engine.add_collection(&c).expect("rsigma compiles the rule");
        }
        Oracle { engine }
    }

    /// Sigma ids of the rules matching any view of the record.
    pub fn matches(&self, line: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for v in views(line) {
            for r in self
                .engine
                .evaluate(&rsigma_eval::event::JsonEvent::borrow(&v))
            {
                out.insert(r.header.rule_id.clone().unwrap_or(r.header.rule_title));
            }
        }
        out
    }
}

/// cadet with the converted pack.
pub struct Cadet {
    engine: cadet_core::Engine,
}

impl Cadet {
    pub fn new(pack: &str) -> Cadet {
        let config = cadet_core::Config {
            rules: Some(pack.to_string()),
            rules_name: "sigma-pack.toml".into(),
            ..cadet_core::Config::default()
        };
        let engine = cadet_core::Engine::new(&config)
            .unwrap_or_else(|e| panic!("converted pack does not load: {e}\n{pack}"));
        Cadet { engine }
    }

    /// cadet rule ids matching the record.
    pub fn matches(&mut self, line: &str) -> BTreeSet<String> {
        self.engine
            .score(line.as_bytes())
            .rules
            .into_iter()
            .map(|r| r.id)
            .collect()
    }
}

/// Reads the Sigma files of a directory (sorted, recursive) as texts with their names.
pub fn sigma_inputs(dir: &Path) -> Vec<cadet_sigma::Input> {
    cadet_sigma::read_paths(&[dir.to_path_buf()]).expect("read the Sigma rules")
}
