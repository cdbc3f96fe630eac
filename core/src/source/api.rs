//! Control-plane and daemon sources (Kubernetes audit, its managed-cloud
//! wrappers, docker daemon, kubelet): the facts rules read under `k8s.*`,
//! `docker.*` and `kubelet.*`, plus the shared `source.ip`, `user.groups`,
//! `user_agent` and `event.time`.
//!
//! | source name     | reader                      | record                                                      |
//! |-----------------|-----------------------------|-------------------------------------------------------------|
//! | `k8s_audit`     | [`super::k8s_audit`]        | `audit.k8s.io/v1` `Event` (kube-apiserver audit log)         |
//! | `k8s_eks`       | [`super::k8s_cloud`]        | CloudWatch Logs event with the audit event as `message`      |
//! | `k8s_gke`       | [`super::k8s_cloud`]        | Cloud Audit Logs `protoPayload` (`serviceName: k8s.io`)      |
//! | `k8s_aks`       | [`super::k8s_cloud`]        | AKS diagnostic log (`category: kube-audit*`, `properties.log`) and Azure Activity Log (`operationName: MICROSOFT.KUBERNETES/...`) |
//! | `docker_daemon` | [`super::docker_daemon`]    | `docker events --format '{{json .}}'`, dockerd `Calling POST ...` / `form data:` lines |
//! | `kubelet`       | [`super::kubelet`]          | kubelet `httplog` lines (`"HTTP" verb=... URI="/exec/..."`)  |
//!
//! Stage handling: an audit event is scored once. Records of the stages
//! `RequestReceived` and `ResponseStarted` are read but carry no facts (only
//! `k8s.stage`), so no rule can match them; `ResponseComplete`, `Panic` and
//! records without a stage are scored. `docker events` `exec_create` is
//! likewise read without facts: the `exec_start` of the same exec is scored.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::event::{Event, Value};
use crate::fields::FieldKind::{self, Bool, Int, List, Str};
use crate::json::Json;

/// What a control-plane or daemon record says.
#[derive(Clone, Debug, Default)]
pub struct ApiEvent<'a> {
    /// The authenticated user.
    pub user: Option<Cow<'a, str>>,
    /// The user's groups.
    pub groups: Vec<Cow<'a, str>>,
    /// The user the request impersonates (`impersonatedUser.username`).
    pub impersonated_user: Option<Cow<'a, str>>,
    /// The request was made with a pod's service-account token (`user.extra` names the pod).
    pub pod_token: bool,
    /// Client IP addresses.
    pub source_ips: Vec<Cow<'a, str>>,
    /// The client's user agent.
    pub user_agent: Option<Cow<'a, str>>,
    /// Epoch seconds from the record's own timestamp.
    pub time: Option<i64>,
    /// Audit stage (`ResponseComplete`, ...).
    pub stage: Option<Cow<'a, str>>,
    /// API verb, lower case (`create`, `get`, ...; Azure `write`/`delete`/`action`).
    pub verb: Option<Cow<'a, str>>,
    /// objectRef.resource (`pods`, `secrets`, ...), lower case.
    pub resource: Option<Cow<'a, str>>,
    /// objectRef.subresource (`exec`, `attach`, `portforward`, `ephemeralcontainers`, `proxy`).
    pub subresource: Option<Cow<'a, str>>,
    /// objectRef.namespace.
    pub namespace: Option<Cow<'a, str>>,
    /// objectRef.name.
    pub name: Option<Cow<'a, str>>,
    /// objectRef.apiGroup (empty for the core group is left out).
    pub api_group: Option<Cow<'a, str>>,
    /// The request URI (path and query; kubelet/docker: the API path).
    pub request_uri: Option<Cow<'a, str>>,
    /// HTTP status of the response.
    pub status_code: Option<i64>,
    /// Authorization decision (`allow`, `forbid`).
    pub decision: Option<Cow<'a, str>>,
    /// The request was refused: authorization decision `forbid`, a `Forbidden`/`Unauthorized`
    /// response status, or (GKE) an authorization check with `granted: false`.
    pub denied: bool,
    /// Cloud method / operation name (GKE `methodName`, Azure `operationName`).
    pub method: Option<Cow<'a, str>>,
    /// A non-final stage or a duplicate record: read, but not to be scored.
    pub skipped: bool,
    /// Facts about the workload (pod spec) created or patched.
    pub pod: PodFacts<'a>,
    /// Labels of the object created (`key=value`).
    pub labels: Vec<Cow<'a, str>>,
    /// Annotations of the object created (`key=value`).
    pub annotations: Vec<Cow<'a, str>>,
    /// A patch or update that adds a container (JSON-patch `add` to a containers list, or a
    /// merge patch with a full container definition).
    pub adds_container: bool,
    /// roleRef.name of a role binding written.
    pub role_ref: Option<Cow<'a, str>>,
    /// Docker: the event action or API call (`exec_start`, `create`, `exec`, `containers/create`).
    pub docker_action: Option<Cow<'a, str>>,
    /// Docker: the entrypoint of a container-create body.
    pub entrypoint: Option<Cow<'a, str>>,
    /// Docker: the container name or id the action targets.
    pub container: Option<Cow<'a, str>>,
    /// (field, token) pairs: the values that established each fact, for indicators.
    pub evidence: Vec<(&'static str, String)>,
}

/// Facts read from a pod spec (a pod, or the template of a deployment, daemonset, job, ...).
#[derive(Clone, Debug, Default)]
pub struct PodFacts<'a> {
    /// The record carries a pod spec.
    pub present: bool,
    /// A container runs `privileged: true`.
    pub privileged: bool,
    /// `hostPID: true`.
    pub host_pid: bool,
    /// `hostNetwork: true`.
    pub host_network: bool,
    /// `hostIPC: true`.
    pub host_ipc: bool,
    /// Every hostPath volume path (cleaned).
    pub host_paths: Vec<Cow<'a, str>>,
    /// The sensitive ones (`/`, `/etc`, `/proc`, `/root`, runtime sockets, `/var/lib/kubelet`, ...).
    pub sensitive_host_paths: Vec<Cow<'a, str>>,
    /// Added capabilities, upper case without `CAP_`.
    pub capabilities: Vec<Cow<'a, str>>,
    /// `allowPrivilegeEscalation: true` set explicitly.
    pub allow_privilege_escalation: bool,
    /// A container runs as UID 0 explicitly (`runAsUser: 0`) or `runAsNonRoot: false`.
    pub run_as_root: bool,
    /// Container images.
    pub images: Vec<Cow<'a, str>>,
    /// A container keeps stdin and a TTY open (`kubectl run -it`, `kubectl debug -it`).
    pub interactive: bool,
    /// The pod belongs to a controller (`metadata.ownerReferences`) or is a static pod's mirror.
    pub owned: bool,
}

/// Fields of this domain: (name, kind, description).
pub const FIELDS: &[(&str, FieldKind, &str)] = &[
    ("source.ip", List, "client IP addresses (k8s sourceIPs, GKE callerIp, Azure callerIpAddress, kubelet srcIP)"),
    ("user.groups", List, "the user's groups (k8s user.groups)"),
    ("user_agent", Str, "the client's user agent"),
    ("event.time", Int, "epoch seconds from the record's own timestamp"),
    ("k8s.impersonated_user", Str, "impersonatedUser.username"),
    ("k8s.pod_token", Bool, "the request used a pod's service-account token (user.extra names the pod)"),
    ("k8s.stage", Str, "audit stage: RequestReceived ResponseStarted ResponseComplete Panic"),
    ("k8s.verb", Str, "API verb, lower case: create get list watch update patch delete deletecollection (Azure: write delete action)"),
    ("k8s.resource", Str, "objectRef.resource, lower case: pods secrets configmaps nodes deployments ..."),
    ("k8s.subresource", Str, "objectRef.subresource: exec attach portforward ephemeralcontainers proxy log ..."),
    ("k8s.namespace", Str, "objectRef.namespace"),
    ("k8s.name", Str, "objectRef.name"),
    ("k8s.api_group", Str, "objectRef.apiGroup (missing for the core group)"),
    ("k8s.request_uri", Str, "requestURI (kubelet and docker: the API path with its query)"),
    ("k8s.status_code", Int, "responseStatus.code (GKE: 403 when authorization was denied)"),
    ("k8s.decision", Str, "authorization decision annotation: allow | forbid"),
    ("k8s.denied", Bool, "the request was refused: decision forbid, responseStatus reason Forbidden/Unauthorized, GKE granted:false"),
    ("k8s.method", Str, "GKE methodName (io.k8s.core.v1.pods.exec.create) or Azure operationName"),
    ("k8s.nodes_proxy", Bool, "request to nodes/proxy: the kubelet API through the API server"),
    ("k8s.pod.present", Bool, "the record carries a pod spec (pod or workload template)"),
    ("k8s.pod.privileged", Bool, "a container has securityContext.privileged: true"),
    ("k8s.pod.host_pid", Bool, "hostPID: true"),
    ("k8s.pod.host_network", Bool, "hostNetwork: true"),
    ("k8s.pod.host_ipc", Bool, "hostIPC: true"),
    ("k8s.pod.host_paths", List, "every hostPath volume path, cleaned"),
    ("k8s.pod.sensitive_host_paths", List, "sensitive hostPath paths: / /etc /proc /root /var/run/docker.sock containerd.sock /var/lib/kubelet /var/log ..."),
    ("k8s.pod.capabilities", List, "added capabilities, upper case without CAP_"),
    ("k8s.pod.allow_privilege_escalation", Bool, "allowPrivilegeEscalation: true set explicitly"),
    ("k8s.pod.run_as_root", Bool, "runAsUser: 0 or runAsNonRoot: false set explicitly"),
    ("k8s.pod.images", List, "container images of the pod spec"),
    ("k8s.pod.interactive", Bool, "a container has stdin and tty (kubectl run -it, kubectl debug -it)"),
    ("k8s.pod.owned", Bool, "the pod has ownerReferences (made by a controller) or is a static pod's mirror"),
    ("k8s.object.labels", List, "labels of the object written, key=value"),
    ("k8s.object.annotations", List, "annotations of the object written (and cloud audit labels), key=value"),
    ("k8s.role_ref", Str, "roleRef.name of a (cluster)rolebinding written (cluster-admin, admin, edit, ...)"),
    ("k8s.adds_container", Bool, "a patch/update that adds a container (sidecar injection)"),
    ("docker.action", Str, "docker events Action without its arguments (exec_start, create, start) or API call (exec, containers/create, exec/start)"),
    ("docker.entrypoint", Str, "Entrypoint of a dockerd container-create body (joined)"),
    ("docker.container", Str, "docker container name or id"),
];

impl<'a> ApiEvent<'a> {
    /// The value of field `name` of this domain.
    pub fn field(&self, name: &str) -> Value<'_> {
        GETTERS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, g)| g(self))
            .unwrap_or(Value::Missing)
    }

    /// A request to `nodes/proxy` (the kubelet API reached through the API server).
    pub fn nodes_proxy(&self) -> bool {
        self.resource.as_deref() == Some("nodes") && self.subresource.as_deref() == Some("proxy")
    }

    /// Records `token` as the evidence of `field`.
    pub fn note(&mut self, field: &'static str, token: impl Into<String>) {
        crate::fields::note(&mut self.evidence, field, token)
    }
}

use crate::fields::{list, opt};

/// Reads one API field of an event.
pub type Getter = for<'e, 'a> fn(&'e ApiEvent<'a>) -> Value<'e>;

/// How [`ApiEvent::field`] answers each field of [`FIELDS`].
pub(crate) const GETTERS: &[(&str, Getter)] = &[
    ("source.ip", |e| list(&e.source_ips)),
    ("user.groups", |e| list(&e.groups)),
    ("user_agent", |e| opt(&e.user_agent)),
    ("event.time", |e| {
        e.time.map(Value::Int).unwrap_or(Value::Missing)
    }),
    ("k8s.impersonated_user", |e| opt(&e.impersonated_user)),
    ("k8s.pod_token", |e| Value::Bool(e.pod_token)),
    ("k8s.stage", |e| opt(&e.stage)),
    ("k8s.verb", |e| opt(&e.verb)),
    ("k8s.resource", |e| opt(&e.resource)),
    ("k8s.subresource", |e| opt(&e.subresource)),
    ("k8s.namespace", |e| opt(&e.namespace)),
    ("k8s.name", |e| opt(&e.name)),
    ("k8s.api_group", |e| opt(&e.api_group)),
    ("k8s.request_uri", |e| opt(&e.request_uri)),
    ("k8s.status_code", |e| {
        e.status_code.map(Value::Int).unwrap_or(Value::Missing)
    }),
    ("k8s.decision", |e| opt(&e.decision)),
    ("k8s.method", |e| opt(&e.method)),
    ("k8s.denied", |e| Value::Bool(e.denied)),
    ("k8s.nodes_proxy", |e| Value::Bool(e.nodes_proxy())),
    ("k8s.pod.present", |e| Value::Bool(e.pod.present)),
    ("k8s.pod.privileged", |e| Value::Bool(e.pod.privileged)),
    ("k8s.pod.host_pid", |e| Value::Bool(e.pod.host_pid)),
    ("k8s.pod.host_network", |e| Value::Bool(e.pod.host_network)),
    ("k8s.pod.host_ipc", |e| Value::Bool(e.pod.host_ipc)),
    ("k8s.pod.host_paths", |e| list(&e.pod.host_paths)),
    ("k8s.pod.sensitive_host_paths", |e| {
        list(&e.pod.sensitive_host_paths)
    }),
    ("k8s.pod.capabilities", |e| list(&e.pod.capabilities)),
    ("k8s.pod.allow_privilege_escalation", |e| {
        Value::Bool(e.pod.allow_privilege_escalation)
    }),
    ("k8s.pod.run_as_root", |e| Value::Bool(e.pod.run_as_root)),
    ("k8s.pod.images", |e| list(&e.pod.images)),
    ("k8s.pod.interactive", |e| Value::Bool(e.pod.interactive)),
    ("k8s.pod.owned", |e| Value::Bool(e.pod.owned)),
    ("k8s.object.labels", |e| list(&e.labels)),
    ("k8s.object.annotations", |e| list(&e.annotations)),
    ("k8s.adds_container", |e| Value::Bool(e.adds_container)),
    ("k8s.role_ref", |e| opt(&e.role_ref)),
    ("docker.action", |e| opt(&e.docker_action)),
    ("docker.container", |e| opt(&e.container)),
    ("docker.entrypoint", |e| opt(&e.entrypoint)),
];

/// Literal text (ASCII case-insensitive) that every record an API reader accepts contains:
/// `k8s_audit`/EKS/AKS need `apiVersion: audit.k8s.io/...` or an `auditID`, GKE needs
/// `serviceName: k8s.io`, Azure activity a `Microsoft.Kubernetes` / `Microsoft.ContainerService`
/// operation, docker events an `Actor`, dockerd lines `Calling ` or `form data: `, kubelet
/// records `"HTTP"` (plain or escaped) or the httplog form `] GET /...`. The prefilter searches
/// a profile's `prefilter_api` keywords only in records that contain one of these.
pub const MARKERS: &[&str] = &[
    "k8s.io",
    "auditid",
    "microsoft.kubernetes",
    "microsoft.containerservice",
    "\"actor\"",
    "calling ",
    "form data: ",
    "\"http\"",
    "http\\\"",
    "] get ",
    "] post ",
    "] put ",
    "] delete ",
    "] head ",
    "] patch ",
];

/// Reads a control-plane or daemon JSON record.
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    super::k8s_audit::read(doc)
        .or_else(|| super::k8s_cloud::read(doc))
        .or_else(|| super::docker_daemon::read(doc))
        .or_else(|| super::kubelet::read_json(doc))
}

/// Reads a control-plane or daemon text line.
pub fn read_text(line: &str) -> Option<Event<'_>> {
    super::docker_daemon::read_line(line).or_else(|| super::kubelet::read_line(line))
}

// ----------------------------------------------------------------- helpers shared by the readers

/// A JSON string (or number/bool as text) with the record's lifetime: borrowed when the
/// record had no escapes, copied otherwise.
pub fn text<'a>(j: &Json<'a>) -> Option<Cow<'a, str>> {
    match j {
        Json::Str(Cow::Borrowed(s)) => Some(Cow::Borrowed(s)),
        Json::Str(Cow::Owned(s)) => Some(Cow::Owned(s.clone())),
        Json::Int(i) => Some(Cow::Owned(alloc::format!("{i}"))),
        Json::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// A non-empty string of the record.
pub fn nonempty<'a>(j: &Json<'a>) -> Option<Cow<'a, str>> {
    text(j).filter(|s| !s.is_empty())
}

/// Lower-cases a Cow without copying when it already is lower case.
pub fn lower<'a>(s: Cow<'a, str>) -> Cow<'a, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        s
    }
}

/// Epoch seconds of an RFC 3339 timestamp (`2025-03-04T06:22:18.819232Z`, `+02:00` offsets).
pub fn rfc3339_seconds(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
    {
        return None;
    }
    let num = |r: core::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse::<i64>().ok() };
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest.as_bytes().first() {
        None | Some(b'Z') | Some(b'z') => 0,
        Some(b'+') | Some(b'-') if rest.len() >= 6 => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest.get(1..3)?.parse::<i64>().ok()? * 3600
                + rest.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Decodes `%XX` escapes (and `+` as a space when `plus` is set). Invalid escapes stay as written.
pub fn percent_decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let hex = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded values of query parameter `key` of a URI, in order (`?command=sh&command=-c`).
pub fn query_values(uri: &str, key: &str) -> Vec<String> {
    let Some((_, query)) = uri.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true) == key).then(|| percent_decode(v, true))
        })
        .collect()
}

/// A host path with `//`, `/./` and a trailing `/` removed.
pub fn clean_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for part in p.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Host paths whose mount gives a pod the node (beyond the argument analysis' list):
/// the log directory (symlink attacks on the kubelet's log reader) and the runtime directories.
const EXTRA_SENSITIVE: &[&str] = &[
    "/var", "/var/run", "/run", "/var/log", "/home", "/sys", "/usr", "/lib", "/opt/cni", "/etc/cni",
];

/// True when mounting host path `p` (cleaned) into a pod exposes the node.
pub fn sensitive_host_path(p: &str) -> bool {
    crate::command::is_sensitive_host_path(p)
        || EXTRA_SENSITIVE.contains(&p)
        || p.starts_with("/var/log/")
        || p.ends_with(".sock")
}

/// The arguments of a command string split like a shell would (`cmd=` of the kubelet `/run`).
pub fn split_command(s: &str) -> Vec<Cow<'static, str>> {
    crate::shell::split(s).into_iter().map(Cow::Owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_seconds("2025-03-04T06:22:18.819232Z"),
            Some(1741069338)
        );
        assert_eq!(
            rfc3339_seconds("2025-03-04T08:22:18+02:00"),
            Some(1741069338)
        );
        assert_eq!(rfc3339_seconds("2024-02-29T00:00:00Z"), Some(1709164800));
        assert_eq!(rfc3339_seconds("yesterday"), None);
        assert_eq!(rfc3339_seconds("2025-13-04T06:22:18Z"), None);
    }

    #[test]
    fn query() {
        let uri = "/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=cat+%2Fetc%2Fshadow%3B+id&container=web&stdin=true";
        assert_eq!(
            query_values(uri, "command"),
            ["sh", "-c", "cat /etc/shadow; id"]
        );
        assert_eq!(query_values(uri, "container"), ["web"]);
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%2", false), "%zz%2");
        assert_eq!(clean_path("/var/run//docker.sock/"), "/var/run/docker.sock");
        assert_eq!(clean_path("//"), "/");
    }
}
