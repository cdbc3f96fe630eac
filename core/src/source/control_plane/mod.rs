//! Control-plane and daemon sources (Kubernetes audit, its managed-cloud
//! wrappers, docker daemon, kubelet): the facts rules read under `k8s.*`,
//! `docker.*` and `kubelet.*`, plus the shared `source.ip`, `user.groups`,
//! `user_agent` and `event.time`.
//!
//! | source name     | reader                      | record                                                      |
//! |-----------------|-----------------------------|-------------------------------------------------------------|
//! | `k8s_audit`     | [`k8s_audit`]        | `audit.k8s.io/v1` `Event` (kube-apiserver audit log); `v1beta1`-era and trimmed events without `apiVersion`/`auditID`/`requestURI`; reduced events (`kind`, `verb`, `user`, `objectRef`, ...) |
//! | `k8s_eks`       | [`k8s_cloud`]        | CloudWatch Logs event with the audit event as `message`      |
//! | `k8s_gke`       | [`k8s_cloud`]        | Cloud Audit Logs `protoPayload` (`serviceName: k8s.io`)      |
//! | `k8s_aks`       | [`k8s_cloud`]        | AKS diagnostic log (`category: kube-audit*`, `properties.log`) and Azure Activity Log (`operationName: MICROSOFT.KUBERNETES/...`) |
//! | `docker_daemon` | [`docker_daemon`]    | `docker events --format '{{json .}}'`, dockerd `Calling POST ...` / `form data:` lines |
//! | `kubelet`       | [`kubelet`]          | kubelet `httplog` lines (`"HTTP" verb=... URI="/exec/..."`)  |
//! | `http_request`  | [`http_request`]     | an HTTP request to the API server or the kubelet (`{"method", "path", "headers", "body"}`, as the Envoy filter sees it) |
//!
//! Stage handling: an audit event is scored once. Records of the stages
//! `RequestReceived` and `ResponseStarted` are read but carry no facts (only
//! `k8s.stage`), so no rule can match them; `ResponseComplete`, `Panic` and
//! records without a stage are scored. `docker events` `exec_create` is
//! likewise read without facts: the `exec_start` of the same exec is scored.

use crate::event::Event;
use crate::text::json::Json;

pub(crate) mod docker_daemon;
pub(crate) mod http_request;
pub(crate) mod k8s_audit;
pub(crate) mod k8s_cloud;
pub(crate) mod kubelet;
pub(crate) mod pod_spec;

/// Literal text (ASCII case-insensitive) that every record an API reader accepts contains:
/// `k8s_audit`/EKS/AKS need `apiVersion: audit.k8s.io/...`, an `auditID`, an `objectRef` or a `requestURI`
/// (the reduced events of test suites and SIEM exports carry no other), GKE needs
/// `serviceName: k8s.io`, Azure activity a `Microsoft.Kubernetes` / `Microsoft.ContainerService`
/// operation, docker events an `Actor`, dockerd lines `Calling ` or `form data: `, kubelet
/// records `"HTTP"` (plain or escaped) or the httplog form `] GET /...`. The prefilter searches
/// a profile's `prefilter_control_plane` keywords only in records that contain one of these.
pub const MARKERS: &[&str] = &[
    "k8s.io",
    "auditid",
    "objectref",
    "requesturi",
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
    k8s_audit::read(doc)
        .or_else(|| k8s_cloud::read(doc))
        .or_else(|| docker_daemon::read(doc))
        .or_else(|| kubelet::read_json(doc))
}

/// Reads a control-plane or daemon text line.
pub fn read_text(line: &str) -> Option<Event<'_>> {
    docker_daemon::read_line(line).or_else(|| kubelet::read_line(line))
}
