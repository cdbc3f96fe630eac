//! The facts of a control-plane or daemon record (Kubernetes audit and its cloud wrappers,
//! docker daemon, kubelet): what the readers in `source::control_plane` fill.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::PodFacts;

/// What a control-plane or daemon record says.
#[derive(Clone, Debug, Default)]
pub struct ControlPlane<'a> {
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
    /// The request's identity across the records of its stages (`auditID`; GKE: the
    /// `operation.id` its two entries share), for the engine's set of requests already scored.
    pub audit_id: Option<Cow<'a, str>>,
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
    /// response status or a 401/403 code, or (GKE) an authorization check with `granted: false`.
    /// A refused exec or secrets read still matches its own rule (an attempt), and the verdict
    /// says `denied`.
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

impl<'a> ControlPlane<'a> {
    /// A request to `nodes/proxy` (the kubelet API reached through the API server).
    pub fn nodes_proxy(&self) -> bool {
        self.resource.as_deref() == Some("nodes") && self.subresource.as_deref() == Some("proxy")
    }

    /// Records `token` as the evidence of `field`.
    pub fn note(&mut self, field: &'static str, token: impl Into<String>) {
        crate::analysis::note(&mut self.evidence, field, token)
    }
}
