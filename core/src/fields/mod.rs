//! The fields rule conditions can use: one table, one row per field, each with its type, its
//! scope (the whole event, or one command segment of it), the event kinds that can fill it,
//! its documentation and its reader. A field without a reader cannot be declared; an unknown
//! name is rejected when a rule pack is loaded.

use alloc::borrow::Cow;
use alloc::string::String;

use crate::event::{ControlPlane, Event, EventKind, Segment, Value};

/// The type of a field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// One string.
    Str,
    /// A list of strings (a condition holds if it holds for any element).
    List,
    /// true / false.
    Bool,
    /// A whole number.
    Int,
}

use FieldKind::{Bool, Int, List, Str};

/// What a field's value depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole record (`user.name`, `k8s.verb`).
    Event,
    /// One container-tool command of the record (`cmd.*`, `payload.*`): a shell script holds
    /// several, and a rule holds when it holds for any of them.
    Segment,
}

/// Reads a field of the whole event.
pub type EventReader = for<'e, 'a> fn(&'e Event<'a>) -> Value<'e>;
/// Reads a field of one command segment.
pub type SegmentReader = for<'e, 'a> fn(&'e Segment<'a>) -> Value<'e>;
/// Reads a field of the control-plane facts (what `source::control_plane` fills).
pub type ControlPlaneReader = for<'e, 'a> fn(&'e ControlPlane<'a>) -> Value<'e>;

#[derive(Clone, Copy)]
enum Reader {
    Event(EventReader),
    Segment(SegmentReader),
    ControlPlane(ControlPlaneReader),
}

/// One row of the field table.
#[derive(Clone, Copy)]
pub struct Field {
    /// The name rules use (`cmd.tool`).
    pub name: &'static str,
    /// The type of its value.
    pub kind: FieldKind,
    /// The event kinds whose normalisers can fill it.
    pub kinds: &'static [EventKind],
    /// One line for `cadet fields`.
    pub doc: &'static str,
    reader: Reader,
}

/// Every event kind.
const ANY: &[EventKind] = &EventKind::ALL;
/// Only process events fill it.
const PROCESS: &[EventKind] = &[EventKind::Process];

impl Field {
    const fn event(
        name: &'static str,
        kind: FieldKind,
        kinds: &'static [EventKind],
        doc: &'static str,
        read: EventReader,
    ) -> Field {
        Field {
            name,
            kind,
            kinds,
            doc,
            reader: Reader::Event(read),
        }
    }

    const fn segment(
        name: &'static str,
        kind: FieldKind,
        kinds: &'static [EventKind],
        doc: &'static str,
        read: SegmentReader,
    ) -> Field {
        Field {
            name,
            kind,
            kinds,
            doc,
            reader: Reader::Segment(read),
        }
    }

    const fn control_plane(
        name: &'static str,
        kind: FieldKind,
        kinds: &'static [EventKind],
        doc: &'static str,
        read: ControlPlaneReader,
    ) -> Field {
        Field {
            name,
            kind,
            kinds,
            doc,
            reader: Reader::ControlPlane(read),
        }
    }

    /// Whether the value depends on the command segment.
    pub fn scope(&self) -> Scope {
        match self.reader {
            Reader::Event(_) | Reader::ControlPlane(_) => Scope::Event,
            Reader::Segment(_) => Scope::Segment,
        }
    }

    /// True when the field is one of the control-plane and daemon facts
    /// ([`crate::parts::event::ControlPlane`]), which process records leave empty.
    pub fn is_control_plane(&self) -> bool {
        matches!(self.reader, Reader::ControlPlane(_))
    }

    /// True when only process events can fill the field.
    pub fn process_only(&self) -> bool {
        self.kinds == PROCESS
    }

    /// The field's value for segment `segment` of `ev` (event-scoped fields ignore it).
    pub fn read<'e>(&self, ev: &'e Event<'_>, segment: usize) -> Value<'e> {
        match self.reader {
            Reader::Event(read) => read(ev),
            Reader::Segment(read) => read(ev.segment(segment)),
            Reader::ControlPlane(read) => read(&ev.control_plane),
        }
    }
}

impl core::fmt::Debug for Field {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Field")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("scope", &self.scope())
            .finish()
    }
}

/// The field table: every field a rule condition can name.
pub static FIELDS: &[Field] = &[
    Field::event("event.kind", Str, ANY, "process | k8s_audit | docker | kubelet", |e| Value::Str(e.kind.as_str())),
    Field::event("event.source", Str, ANY, "the normaliser: ecs, sysmon, win4688, splunk, auditd, esf, text, k8s_audit, ...", |e| Value::Str(e.source)),
    Field::event("user.name", Str, ANY, "the user the activity is attributed to", |e| { e.user().map(Value::Str).unwrap_or(Value::Missing) }),
    Field::event("process.executable", Str, PROCESS, "full path of the started program", |e| proc_field(e, |p| &p.executable)),
    Field::event("process.name", Str, PROCESS, "file name of the started program", |e| proc_field(e, |p| &p.name)),
    Field::event("process.args", List, PROCESS, "argv, argv[0] first", |e| { e.process .as_ref() .map(|p| list(&p.argv)) .unwrap_or(Value::Missing) }),
    Field::event("process.command_line", Str, PROCESS, "the command line (argv joined with spaces when the source has no string)", |e| { proc_field(e, |p| &p.command_line) }),
    Field::event("process.pid", Int, PROCESS, "process id", |e| { e.process .as_ref() .and_then(|p| p.pid) .map(Value::Int) .unwrap_or(Value::Missing) }),
    Field::event("process.parent.name", Str, PROCESS, "parent program file name", |e| proc_field(e, |p| &p.parent_name)),
    Field::event("process.parent.executable", Str, PROCESS, "parent program path", |e| { proc_field(e, |p| &p.parent_executable) }),
    Field::event("process.parent.command_line", Str, PROCESS, "parent command line", |e| { proc_field(e, |p| &p.parent_command_line) }),
    Field::event("host.name", Str, ANY, "host name", |e| proc_field(e, |p| &p.host)),
    Field::event("container.id", Str, PROCESS, "the container a process runs in (ECS container.id)", |e| proc_field(e, |p| &p.container_id)),
    Field::event("cmd.script_tools", Int, PROCESS, "number of container-tool commands in the record (a shell script may run several)", |e| { Value::Int( e.segments .iter() .filter(|s| s.command.tool.is_some()) .count() as i64, ) }),
    Field::segment("cmd.tool", Str, PROCESS, "container tool after unwrapping sudo/env/sh -c: docker podman nerdctl kubectl crictl ctr runc nsenter chroot kubeletctl curl wget mount", |s| { s.command.tool.map(Value::Str).unwrap_or(Value::Missing) }),
    Field::segment("cmd.wrappers", List, PROCESS, "wrappers looked through: sudo, env, sh -c, ...", |s| list(&s.command.wrappers)),
    Field::segment("cmd.action", Str, PROCESS, "normalised subcommand: exec run create get apply debug cp ...", |s| opt(&s.command.action)),
    Field::segment("cmd.subaction", Str, PROCESS, "second-level subcommand (auth can-i -> can-i; ctr task exec -> task)", |s| opt(&s.command.subaction)),
    Field::segment("cmd.resources", List, PROCESS, "kubectl resources, normalised plural: secrets configmaps pods ...", |s| list(&s.command.resources)),
    Field::segment("cmd.all_namespaces", Bool, PROCESS, "kubectl -A / --all-namespaces", |s| { Value::Bool(s.command.all_namespaces) }),
    Field::segment("cmd.privileged", Bool, PROCESS, "--privileged (or --profile=sysadmin, overrides privileged: true)", |s| Value::Bool(s.command.privileged)),
    Field::segment("cmd.cap_add", List, PROCESS, "added capabilities, upper case without CAP_", |s| list(&s.command.cap_add)),
    Field::segment("cmd.security_unconfined", Bool, PROCESS, "seccomp/apparmor unconfined, label=disable", |s| { Value::Bool(s.command.security_unconfined) }),
    Field::segment("cmd.host_namespaces", List, PROCESS, "host namespaces joined: pid net ipc uts userns cgroupns", |s| list(&s.command.host_namespaces)),
    Field::segment("cmd.devices", List, PROCESS, "host devices passed in", |s| list(&s.command.devices)),
    Field::segment("cmd.host_mounts", List, PROCESS, "sensitive host paths mounted: / /etc /root /proc docker.sock containerd.sock /var/lib/kubelet ...", |s| list(&s.command.host_mounts)),
    Field::segment("cmd.mount_sources", List, PROCESS, "every host path bind-mounted", |s| list(&s.command.mount_sources)),
    Field::segment("cmd.interactive", Bool, PROCESS, "-i / -t / --stdin / --tty", |s| Value::Bool(s.command.interactive)),
    Field::segment("cmd.image", Str, PROCESS, "image run", |s| opt(&s.command.image)),
    Field::segment("cmd.target", Str, PROCESS, "container, pod or node targeted", |s| opt(&s.command.target)),
    Field::segment("cmd.inner_args", List, PROCESS, "command run inside the container", |s| list(&s.command.inner_args)),
    Field::segment("cmd.entrypoint", Str, PROCESS, "--entrypoint override", |s| opt(&s.command.entrypoint)),
    Field::segment("cmd.remote", Str, PROCESS, "remote daemon / API server (-H, --server)", |s| opt(&s.command.remote)),
    Field::segment("cmd.nsenter_target", Str, PROCESS, "nsenter --target PID", |s| opt(&s.command.nsenter_target)),
    Field::segment("cmd.nsenter_namespaces", List, PROCESS, "namespaces nsenter enters", |s| { list(&s.command.nsenter_namespaces) }),
    Field::segment("cmd.chroot_dir", Str, PROCESS, "directory chroot changes into", |s| opt(&s.command.chroot_dir)),
    Field::segment("cmd.urls", List, PROCESS, "URLs in the arguments", |s| list(&s.command.urls)),
    Field::segment("cmd.kubelet_api", Bool, PROCESS, "request to the kubelet API (:10250/:10255 /exec/ /run/ /pods ...) or kubeletctl", |s| Value::Bool(s.command.kubelet_api)),
    Field::segment("cmd.docker_api", Bool, PROCESS, "request to the docker API (docker.sock, :2375/:2376)", |s| Value::Bool(s.command.docker_api)),
    Field::segment("cmd.k8s_api", Bool, PROCESS, "request straight to the Kubernetes API (/api/v1, /apis)", |s| Value::Bool(s.command.k8s_api)),
    Field::segment("cmd.manifest_url", Str, PROCESS, "kubectl apply|create|replace -f http(s)://...", |s| opt(&s.command.manifest_url)),
    Field::segment("cmd.exec_user", Str, PROCESS, "user an exec/run runs as (-u)", |s| opt(&s.command.exec_user)),
    Field::segment("cmd.node_debug", Bool, PROCESS, "kubectl debug node/...", |s| { Value::Bool(s.command.evidence_for("cmd.node_debug").next().is_some()) }),
    Field::segment("payload.args", List, ANY, "the command run inside the container", |s| list(&s.payload.args)),
    Field::segment("payload.command_line", Str, ANY, "payload.args joined", |s| { if s.payload.command_line.is_empty() { Value::Missing } else { Value::Str(&s.payload.command_line) } }),
    Field::segment("payload.shell", Bool, ANY, "the payload is a shell", |s| Value::Bool(s.payload.shell)),
    Field::segment("payload.reverse_shell", Bool, ANY, "reverse-shell patterns (/dev/tcp, nc -e, socat exec:, ...)", |s| { Value::Bool(s.payload.reverse_shell) }),
    Field::segment("payload.download", Bool, ANY, "curl / wget inside the container", |s| Value::Bool(s.payload.download)),
    Field::segment("payload.sa_token", Bool, ANY, "reads the service-account token", |s| Value::Bool(s.payload.sa_token)),
    Field::segment("payload.cloud_metadata", Bool, ANY, "cloud instance-metadata endpoint", |s| { Value::Bool(s.payload.cloud_metadata) }),
    Field::segment("payload.sensitive_file", Bool, ANY, "credential or sensitive file paths", |s| { Value::Bool(s.payload.sensitive_file) }),
    Field::segment("payload.miner", Bool, ANY, "cryptominer names and pool URLs", |s| Value::Bool(s.payload.miner)),
    Field::segment("payload.host_escape", Bool, ANY, "nsenter -t 1, chroot /host, release_agent, core_pattern", |s| { Value::Bool(s.payload.host_escape) }),
    Field::control_plane("source.ip", List, ANY, "client IP addresses (k8s sourceIPs, GKE callerIp, Azure callerIpAddress, kubelet srcIP)", |c| list(&c.source_ips)),
    Field::control_plane("user.groups", List, ANY, "the user's groups (k8s user.groups)", |c| list(&c.groups)),
    Field::control_plane("user_agent", Str, ANY, "the client's user agent", |c| opt(&c.user_agent)),
    Field::control_plane("event.time", Int, ANY, "epoch seconds from the record's own timestamp", |c| { c.time.map(Value::Int).unwrap_or(Value::Missing) }),
    Field::control_plane("k8s.impersonated_user", Str, ANY, "impersonatedUser.username", |c| opt(&c.impersonated_user)),
    Field::control_plane("k8s.pod_token", Bool, ANY, "the request used a pod's service-account token (user.extra names the pod)", |c| Value::Bool(c.pod_token)),
    Field::control_plane("k8s.audit_id", Str, ANY, "the request's id across its stages: auditID (EKS, AKS: of the event inside); GKE: operation.id", |c| opt(&c.audit_id)),
    Field::control_plane("k8s.stage", Str, ANY, "audit stage: RequestReceived ResponseStarted ResponseComplete Panic", |c| opt(&c.stage)),
    Field::control_plane("k8s.verb", Str, ANY, "API verb, lower case: create get list watch update patch delete deletecollection (Azure: write delete action)", |c| opt(&c.verb)),
    Field::control_plane("k8s.resource", Str, ANY, "objectRef.resource, lower case: pods secrets configmaps nodes deployments ...", |c| opt(&c.resource)),
    Field::control_plane("k8s.subresource", Str, ANY, "objectRef.subresource: exec attach portforward ephemeralcontainers proxy log ...", |c| opt(&c.subresource)),
    Field::control_plane("k8s.namespace", Str, ANY, "objectRef.namespace", |c| opt(&c.namespace)),
    Field::control_plane("k8s.name", Str, ANY, "objectRef.name", |c| opt(&c.name)),
    Field::control_plane("k8s.api_group", Str, ANY, "objectRef.apiGroup (missing for the core group)", |c| opt(&c.api_group)),
    Field::control_plane("k8s.request_uri", Str, ANY, "requestURI (kubelet and docker: the API path with its query)", |c| opt(&c.request_uri)),
    Field::control_plane("k8s.status_code", Int, ANY, "responseStatus.code (GKE: 403 when authorization was denied)", |c| { c.status_code.map(Value::Int).unwrap_or(Value::Missing) }),
    Field::control_plane("k8s.decision", Str, ANY, "authorization decision annotation: allow | forbid", |c| opt(&c.decision)),
    Field::control_plane("k8s.denied", Bool, ANY, "the request was refused: decision forbid, responseStatus reason Forbidden/Unauthorized or code 401/403, GKE granted:false", |c| Value::Bool(c.denied)),
    Field::control_plane("k8s.method", Str, ANY, "GKE methodName (io.k8s.core.v1.pods.exec.create) or Azure operationName", |c| opt(&c.method)),
    Field::control_plane("k8s.nodes_proxy", Bool, ANY, "request to nodes/proxy: the kubelet API through the API server", |c| Value::Bool(c.nodes_proxy())),
    Field::control_plane("k8s.pod.present", Bool, ANY, "the record carries a pod spec (pod or workload template)", |c| Value::Bool(c.pod.present)),
    Field::control_plane("k8s.pod.privileged", Bool, ANY, "a container has securityContext.privileged: true", |c| Value::Bool(c.pod.privileged)),
    Field::control_plane("k8s.pod.host_pid", Bool, ANY, "hostPID: true", |c| Value::Bool(c.pod.host_pid)),
    Field::control_plane("k8s.pod.host_network", Bool, ANY, "hostNetwork: true", |c| Value::Bool(c.pod.host_network)),
    Field::control_plane("k8s.pod.host_ipc", Bool, ANY, "hostIPC: true", |c| Value::Bool(c.pod.host_ipc)),
    Field::control_plane("k8s.pod.host_paths", List, ANY, "every hostPath volume path, cleaned", |c| list(&c.pod.host_paths)),
    Field::control_plane("k8s.pod.sensitive_host_paths", List, ANY, "sensitive hostPath paths: / /etc /proc /root /var/run/docker.sock containerd.sock /var/lib/kubelet /var/log ...", |c| { list(&c.pod.sensitive_host_paths) }),
    Field::control_plane("k8s.pod.capabilities", List, ANY, "added capabilities, upper case without CAP_", |c| list(&c.pod.capabilities)),
    Field::control_plane("k8s.pod.allow_privilege_escalation", Bool, ANY, "allowPrivilegeEscalation: true set explicitly", |c| { Value::Bool(c.pod.allow_privilege_escalation) }),
    Field::control_plane("k8s.pod.run_as_root", Bool, ANY, "runAsUser: 0 or runAsNonRoot: false set explicitly", |c| Value::Bool(c.pod.run_as_root)),
    Field::control_plane("k8s.pod.images", List, ANY, "container images of the pod spec", |c| list(&c.pod.images)),
    Field::control_plane("k8s.pod.interactive", Bool, ANY, "a container has stdin and tty (kubectl run -it, kubectl debug -it)", |c| Value::Bool(c.pod.interactive)),
    Field::control_plane("k8s.pod.owned", Bool, ANY, "the pod has ownerReferences (made by a controller) or is a static pod's mirror", |c| Value::Bool(c.pod.owned)),
    Field::control_plane("k8s.pod.mirror", Bool, ANY, "the pod is a static pod's mirror (annotation kubernetes.io/config.mirror), written by the kubelet", |c| Value::Bool(c.pod.mirror)),
    Field::control_plane("k8s.owner.kind", Str, ANY, "kind of the pod's owner: the ownerReferences entry with controller: true, else the first (Node for a mirror pod without one)", |c| opt(&c.pod.owner_kind)),
    Field::control_plane("k8s.owner.name", Str, ANY, "name of the pod's owner (a mirror pod without ownerReferences: spec.nodeName)", |c| opt(&c.pod.owner_name)),
    Field::control_plane("k8s.owner.workload", Str, ANY, "the workload a pod spec belongs to, Kind/name: the pod's owner, or the Deployment/DaemonSet/Job/... object itself", |c| opt(&c.pod.workload)),
    Field::control_plane("k8s.object.labels", List, ANY, "labels of the object written, key=value", |c| list(&c.labels)),
    Field::control_plane("k8s.object.annotations", List, ANY, "annotations of the object written (and cloud audit labels), key=value", |c| list(&c.annotations)),
    Field::control_plane("k8s.role_ref", Str, ANY, "roleRef.name of a (cluster)rolebinding written (cluster-admin, admin, edit, ...)", |c| opt(&c.role_ref)),
    Field::control_plane("k8s.adds_container", Bool, ANY, "a patch/update that adds a container (sidecar injection)", |c| Value::Bool(c.adds_container)),
    Field::control_plane("docker.action", Str, ANY, "docker events Action without its arguments (exec_start, create, start) or API call (exec, containers/create, exec/start)", |c| opt(&c.docker_action)),
    Field::control_plane("docker.entrypoint", Str, ANY, "Entrypoint of a dockerd container-create body (joined)", |c| opt(&c.entrypoint)),
    Field::control_plane("docker.container", Str, ANY, "docker container name or id", |c| opt(&c.container)),
];

/// The table row of field `name`.
pub fn get(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// The kind of field `name`, or `None` for an unknown field.
pub fn kind_of(name: &str) -> Option<FieldKind> {
    get(name).map(|f| f.kind)
}

/// Every known field, in table order.
pub fn all() -> impl Iterator<Item = &'static Field> {
    FIELDS.iter()
}

/// An optional string as a field value.
fn opt<'v>(s: &'v Option<Cow<'_, str>>) -> Value<'v> {
    match s {
        Some(s) => Value::Str(s),
        None => Value::Missing,
    }
}

/// A list as a field value; an empty list reads as a missing field.
fn list<'v>(items: &'v [Cow<'v, str>]) -> Value<'v> {
    if items.is_empty() {
        Value::Missing
    } else {
        Value::List(items)
    }
}

fn proc_field<'e, 'a>(
    e: &'e Event<'a>,
    f: for<'p> fn(&'p crate::event::ProcessStart<'a>) -> &'p Option<Cow<'a, str>>,
) -> Value<'e> {
    match &e.process {
        Some(ps) => opt(f(ps)),
        None => Value::Missing,
    }
}

/// A field name of a rule condition, resolved when the rule pack is loaded: evaluating it
/// calls the field's reader directly instead of looking the name up for every record.
#[derive(Clone)]
pub struct FieldRef {
    name: String,
    field: Option<&'static Field>,
}

impl FieldRef {
    /// Resolves `name` (an unknown name reads as missing for every event).
    pub fn new(name: &str) -> FieldRef {
        FieldRef {
            name: name.into(),
            field: get(name),
        }
    }

    /// The field name as written.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The table row, when the name is known.
    pub fn field(&self) -> Option<&'static Field> {
        self.field
    }

    /// The field's value for segment `segment` of `ev`.
    pub fn read<'e>(&self, ev: &'e Event<'_>, segment: usize) -> Value<'e> {
        match self.field {
            Some(f) => f.read(ev, segment),
            None => Value::Missing,
        }
    }
}

impl core::ops::Deref for FieldRef {
    type Target = str;
    fn deref(&self) -> &str {
        &self.name
    }
}

impl core::fmt::Debug for FieldRef {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.name, f)
    }
}

impl core::fmt::Display for FieldRef {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.name)
    }
}

impl PartialEq for FieldRef {
    fn eq(&self, other: &FieldRef) -> bool {
        self.name == other.name
    }
}

impl PartialEq<str> for FieldRef {
    fn eq(&self, other: &str) -> bool {
        self.name == other
    }
}

impl PartialEq<&str> for FieldRef {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

impl<'a> Event<'a> {
    /// The value of field `name` for command segment `segment` (rules resolve names once, see
    /// [`FieldRef`]; event-scoped fields ignore the segment).
    pub fn field(&self, name: &str, segment: usize) -> Value<'_> {
        match get(name) {
            Some(f) => f.read(self, segment),
            None => Value::Missing,
        }
    }

    /// The tokens that established field `name` in segment `segment` (a verdict's indicators).
    pub fn evidence<'s>(
        &'s self,
        name: &'s str,
        segment: usize,
    ) -> impl Iterator<Item = &'s str> + 's {
        let s = self.segment(segment);
        s.command
            .evidence
            .iter()
            .chain(s.payload.evidence.iter())
            .chain(self.control_plane.evidence.iter())
            .filter(move |(f, _)| *f == name)
            .map(|(_, t)| t.as_str())
    }
}
