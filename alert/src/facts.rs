//! What an alert says about the record besides the verdict: who, from where, when, which
//! process, which pod. The [`Verdict`](cadet_core::Verdict) carries none of it, so this module
//! reads the record again through the core's own normalisers (only for records that are
//! alerted on) and asks the normalised event for the fields rule conditions use
//! (`user.name`, `source.ip`, `k8s.namespace`, … — the names `cadet fields` lists).
//!
//! This is the one place that uses core items beyond `Engine`/`Verdict`
//! (`cadet_core::parts::text::Json`, `cadet_core::source::{normalise, normalise_text}`,
//! `Event::field`); a core hook that hands these facts out with the verdict would replace it.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::parts::event::{Event, Value};
use cadet_core::parts::text::Json as Raw;
use serde_json::{Map, Value as Json};

/// A process start as far as the record tells it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Process {
    /// Full path of the program.
    pub executable: Option<String>,
    /// File name of the program.
    pub name: Option<String>,
    /// argv, argv\[0\] first.
    pub args: Vec<String>,
    /// The command line.
    pub command_line: Option<String>,
    /// Process id.
    pub pid: Option<i64>,
    /// Parent program file name.
    pub parent_name: Option<String>,
    /// Parent program path.
    pub parent_executable: Option<String>,
    /// Parent command line.
    pub parent_command_line: Option<String>,
}

/// The facts of one record an alert is built from.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// `process`, `k8s_audit`, `docker` or `kubelet` (`event.kind`); empty when no normaliser knew the record.
    pub kind: String,
    /// The normaliser (`ecs`, `sysmon`, `k8s_gke`, …).
    pub source: Option<String>,
    /// The user the activity is attributed to.
    pub user: Option<String>,
    /// The user's groups (Kubernetes).
    pub groups: Vec<String>,
    /// The user impersonated (Kubernetes `impersonatedUser`).
    pub impersonated_user: Option<String>,
    /// Client addresses.
    pub source_ips: Vec<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// Host name.
    pub host: Option<String>,
    /// The process start, for process records.
    pub process: Option<Process>,
    /// The container a process runs in, or the docker container acted on (its id).
    pub container_id: Option<String>,
    /// The docker container acted on, when the record names it rather than giving its id.
    pub container_name: Option<String>,
    /// Image run (`docker run IMAGE`) or the pod spec's first image.
    pub image: Option<String>,
    /// Container, pod or node a command targets (`docker exec web`, `kubectl exec pod`).
    pub target: Option<String>,
    /// What runs inside the container.
    pub payload: Option<String>,
    /// Kubernetes API verb.
    pub verb: Option<String>,
    /// Kubernetes resource (`pods`, `secrets`, …).
    pub resource: Option<String>,
    /// Kubernetes subresource (`exec`, `attach`, …).
    pub subresource: Option<String>,
    /// Kubernetes namespace of the object.
    pub namespace: Option<String>,
    /// Name of the object.
    pub name: Option<String>,
    /// API group of the object.
    pub api_group: Option<String>,
    /// Request URI (API server, kubelet, docker API).
    pub request_uri: Option<String>,
    /// HTTP status code of the response.
    pub status_code: Option<i64>,
    /// The request was refused.
    pub denied: bool,
    /// GKE methodName / Azure operationName.
    pub method: Option<String>,
    /// docker events Action or dockerd API call.
    pub docker_action: Option<String>,
    /// Labels of the object written (`key=value`).
    pub labels: Vec<String>,
    /// Kubernetes `auditID`, ECS `event.id` or another id the record gives itself.
    pub record_id: Option<String>,
    /// The record's own time, milliseconds since the epoch.
    pub time_ms: Option<i64>,
    /// The record's time as written.
    pub original_time: Option<String>,
    /// The record's ECS field sets (`process`, `host`, `event`, …) when the record is ECS
    /// already (read by the ECS normaliser, or a Beat document with `ecs` / `winlog`).
    pub ecs_fields: Option<Map<String, Json>>,
}

fn text(ev: &Event<'_>, name: &str) -> Option<String> {
    match ev.field(name, 0) {
        Value::Str(s) if !s.is_empty() => Some(s.to_owned()),
        _ => None,
    }
}

fn list(ev: &Event<'_>, name: &str) -> Vec<String> {
    match ev.field(name, 0) {
        Value::List(items) => items.iter().map(|s| String::from(s.as_ref())).collect(),
        Value::Str(s) => alloc::vec![s.to_owned()],
        _ => Vec::new(),
    }
}

fn int(ev: &Event<'_>, name: &str) -> Option<i64> {
    match ev.field(name, 0) {
        Value::Int(i) => Some(i),
        _ => None,
    }
}

impl Facts {
    /// Reads `record` (a JSON object or a raw text line, as given to `Engine::score`).
    pub fn read(record: &[u8]) -> Facts {
        let record = cadet_core::parts::text::trim(record);
        let mut facts = Facts::default();
        if record.first() == Some(&b'{') {
            if let Ok(doc) = Raw::parse(record) {
                if let Some(ev) = cadet_core::parts::source::normalise(&doc) {
                    facts.fill(&ev);
                }
                if let Some((ms, original)) = crate::time::of_record(&doc) {
                    facts.time_ms = Some(ms);
                    facts.original_time = Some(original);
                }
                facts.record_id = ["auditID", "insertId", "correlationId", "execID"]
                    .iter()
                    .find_map(|k| doc.get(k).as_str())
                    .or_else(|| doc.path(&["event", "id"]).as_str())
                    .map(String::from);
                if facts.kind == "docker" && facts.container_id.is_none() {
                    // docker events: the full id beside the container's name
                    facts.container_id = [doc.path(&["Actor", "ID"]), doc.get("id")]
                        .iter()
                        .find_map(|v| v.as_str())
                        .filter(|id| is_container_id(id))
                        .map(String::from);
                }
                let is_ecs = facts.source.as_deref() == Some("ecs")
                    || doc.get("ecs").is_object()
                    || doc.get("winlog").is_object();
                if is_ecs {
                    facts.ecs_fields = Some(
                        crate::ecs::KEPT
                            .iter()
                            .filter(|k| !doc.get(k).is_null())
                            .map(|k| (String::from(*k), to_value(doc.get(k))))
                            .collect(),
                    );
                }
            }
        } else {
            let line = String::from_utf8_lossy(record);
            if let Some(ev) = cadet_core::parts::source::normalise_text(&line) {
                facts.fill(&ev);
            }
            if let Some((ms, original)) = crate::time::of_line(&line) {
                facts.time_ms = Some(ms);
                facts.original_time = Some(original);
            }
        }
        facts
    }

    fn fill(&mut self, ev: &Event<'_>) {
        self.kind = String::from(ev.kind.as_str());
        self.source = Some(String::from(ev.source));
        self.user = text(ev, "user.name");
        self.groups = list(ev, "user.groups");
        self.impersonated_user = text(ev, "k8s.impersonated_user");
        self.source_ips = list(ev, "source.ip")
            .into_iter()
            .map(|ip| strip_port(&ip))
            .collect();
        self.user_agent = text(ev, "user_agent");
        self.host = text(ev, "host.name");
        if ev.process.is_some() {
            self.process = Some(Process {
                executable: text(ev, "process.executable"),
                name: text(ev, "process.name"),
                args: list(ev, "process.args"),
                command_line: text(ev, "process.command_line"),
                pid: int(ev, "process.pid"),
                parent_name: text(ev, "process.parent.name"),
                parent_executable: text(ev, "process.parent.executable"),
                parent_command_line: text(ev, "process.parent.command_line"),
            });
        }
        self.container_id = text(ev, "container.id");
        if let Some(c) = text(ev, "docker.container") {
            if is_container_id(&c) {
                self.container_id.get_or_insert(c);
            } else {
                self.container_name = Some(c);
            }
        }
        self.image =
            text(ev, "cmd.image").or_else(|| list(ev, "k8s.pod.images").into_iter().next());
        self.target = text(ev, "cmd.target");
        self.payload = text(ev, "payload.command_line");
        self.verb = text(ev, "k8s.verb");
        self.resource = text(ev, "k8s.resource");
        self.subresource = text(ev, "k8s.subresource");
        self.namespace = text(ev, "k8s.namespace");
        self.name = text(ev, "k8s.name");
        self.api_group = text(ev, "k8s.api_group");
        self.request_uri = text(ev, "k8s.request_uri");
        self.status_code = int(ev, "k8s.status_code");
        self.denied = matches!(ev.field("k8s.denied", 0), Value::Bool(true));
        self.method = text(ev, "k8s.method");
        self.docker_action = text(ev, "docker.action");
        self.labels = list(ev, "k8s.object.labels");
        if let Some(secs) = int(ev, "event.time") {
            self.time_ms = Some(secs.saturating_mul(1000));
        }
    }

    /// True for control-plane and daemon records (Kubernetes audit, docker daemon, kubelet).
    pub fn is_api(&self) -> bool {
        matches!(self.kind.as_str(), "k8s_audit" | "docker" | "kubelet")
    }

    /// The pod a Kubernetes record is about (`pods/NAME`, or a kubelet `/exec/NS/POD/…` path).
    pub fn pod(&self) -> Option<&str> {
        if self.resource.as_deref() == Some("pods") {
            return self.name.as_deref();
        }
        None
    }
}

/// The core's parsed JSON as a `serde_json` value (keys in record order become sorted).
fn to_value(j: &Raw<'_>) -> Json {
    match j {
        Raw::Null => Json::Null,
        Raw::Bool(b) => Json::Bool(*b),
        Raw::Int(i) => Json::from(*i),
        Raw::Float(f) => Json::from(*f),
        Raw::Str(s) => Json::String(String::from(s.as_ref())),
        Raw::Array(items) => Json::Array(items.iter().map(to_value).collect()),
        Raw::Object(members) => Json::Object(
            members
                .iter()
                .map(|(k, v)| (String::from(k.as_ref()), to_value(v)))
                .collect(),
        ),
    }
}

/// A docker container id (12 to 64 lower-case hex digits), as opposed to a container name.
pub fn is_container_id(s: &str) -> bool {
    (12..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `10.0.9.9:51290` → `10.0.9.9` (kubelet `srcIP`); IPv6 in brackets loses them and the port.
fn strip_port(ip: &str) -> String {
    if let Some(rest) = ip.strip_prefix('[') {
        return String::from(rest.split(']').next().unwrap_or(rest));
    }
    match ip.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            String::from(host)
        }
        _ => String::from(ip),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_events_give_the_container_id_and_name() {
        let rec = br#"{"status":"exec_start: sh -c id","id":"4f2a9c0e7b1d3e5f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f","from":"nginx:1.27","Type":"container","Action":"exec_start: sh -c id","Actor":{"ID":"4f2a9c0e7b1d3e5f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f","Attributes":{"image":"nginx:1.27","name":"web"}},"scope":"local","time":1749722537}"#;
        let f = Facts::read(rec);
        assert_eq!(f.kind, "docker");
        assert!(f
            .container_id
            .as_deref()
            .is_some_and(|id| id.starts_with("4f2a9c0e7b1d")));
        assert!(!is_container_id("web") && is_container_id("4f2a9c0e7b1d"));
    }

    #[test]
    fn ports_come_off_addresses() {
        assert_eq!(strip_port("10.0.9.9:51290"), "10.0.9.9");
        assert_eq!(strip_port("10.0.9.9"), "10.0.9.9");
        assert_eq!(strip_port("2001:db8::1"), "2001:db8::1");
        assert_eq!(strip_port("[2001:db8::1]:443"), "2001:db8::1");
    }

    #[test]
    fn a_k8s_exec_gives_user_ip_pod_and_time() {
        let rec = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/payments/pods/api-0/exec?command=sh","verb":"create","user":{"username":"alice","groups":["dev"]},"sourceIPs":["10.20.4.11"],"userAgent":"kubectl/v1.30.2","objectRef":{"resource":"pods","namespace":"payments","name":"api-0","subresource":"exec","apiVersion":"v1"},"responseStatus":{"code":101},"stageTimestamp":"2025-06-12T10:00:01.007919Z"}"#;
        let f = Facts::read(rec);
        assert_eq!(f.kind, "k8s_audit");
        assert_eq!(f.user.as_deref(), Some("alice"));
        assert_eq!(f.groups, ["dev"]);
        assert_eq!(f.source_ips, ["10.20.4.11"]);
        assert_eq!(f.pod(), Some("api-0"));
        assert_eq!(f.namespace.as_deref(), Some("payments"));
        assert_eq!(f.subresource.as_deref(), Some("exec"));
        assert_eq!(f.status_code, Some(101));
        assert_eq!(f.record_id.as_deref(), Some("a-1"));
        assert_eq!(
            f.time_ms,
            crate::time::rfc3339_ms("2025-06-12T10:00:01.007Z")
        );
    }
}
