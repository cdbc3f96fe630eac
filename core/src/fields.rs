//! The field names rule conditions can use, and how an [`Event`] answers them.
//! Unknown names are rejected when a rule pack is loaded.

use alloc::borrow::Cow;

use crate::event::{Event, Value};

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

/// Fields every source can fill: (name, kind, description).
pub const CORE_FIELDS: &[(&str, FieldKind, &str)] = &[
    ("event.kind", Str, "process | k8s_audit | docker | kubelet"),
    ("event.source", Str, "the normaliser: ecs, sysmon, win4688, splunk, auditd, esf, text, k8s_audit, ..."),
    ("user.name", Str, "the user the activity is attributed to"),
    ("process.executable", Str, "full path of the started program"),
    ("process.name", Str, "file name of the started program"),
    ("process.args", List, "argv, argv[0] first"),
    ("process.command_line", Str, "the command line (argv joined with spaces when the source has no string)"),
    ("process.pid", Int, "process id"),
    ("process.parent.name", Str, "parent program file name"),
    ("process.parent.executable", Str, "parent program path"),
    ("process.parent.command_line", Str, "parent command line"),
    ("host.name", Str, "host name"),
    ("container.id", Str, "the container a process runs in (ECS container.id)"),
    ("cmd.script_tools", Int, "number of container-tool commands in the record (a shell script may run several)"),
    ("cmd.tool", Str, "container tool after unwrapping sudo/env/sh -c: docker podman nerdctl kubectl crictl ctr runc nsenter chroot kubeletctl curl wget mount"),
    ("cmd.wrappers", List, "wrappers looked through: sudo, env, sh -c, ..."),
    ("cmd.action", Str, "normalised subcommand: exec run create get apply debug cp ..."),
    ("cmd.subaction", Str, "second-level subcommand (auth can-i -> can-i; ctr task exec -> task)"),
    ("cmd.resources", List, "kubectl resources, normalised plural: secrets configmaps pods ..."),
    ("cmd.all_namespaces", Bool, "kubectl -A / --all-namespaces"),
    ("cmd.privileged", Bool, "--privileged (or --profile=sysadmin, overrides privileged: true)"),
    ("cmd.cap_add", List, "added capabilities, upper case without CAP_"),
    ("cmd.security_unconfined", Bool, "seccomp/apparmor unconfined, label=disable"),
    ("cmd.host_namespaces", List, "host namespaces joined: pid net ipc uts userns cgroupns"),
    ("cmd.devices", List, "host devices passed in"),
    ("cmd.host_mounts", List, "sensitive host paths mounted: / /etc /root /proc docker.sock containerd.sock /var/lib/kubelet ..."),
    ("cmd.mount_sources", List, "every host path bind-mounted"),
    ("cmd.interactive", Bool, "-i / -t / --stdin / --tty"),
    ("cmd.image", Str, "image run"),
    ("cmd.target", Str, "container, pod or node targeted"),
    ("cmd.inner_args", List, "command run inside the container"),
    ("cmd.entrypoint", Str, "--entrypoint override"),
    ("cmd.remote", Str, "remote daemon / API server (-H, --server)"),
    ("cmd.nsenter_target", Str, "nsenter --target PID"),
    ("cmd.nsenter_namespaces", List, "namespaces nsenter enters"),
    ("cmd.chroot_dir", Str, "directory chroot changes into"),
    ("cmd.urls", List, "URLs in the arguments"),
    ("cmd.kubelet_api", Bool, "request to the kubelet API (:10250/:10255 /exec/ /run/ /pods ...) or kubeletctl"),
    ("cmd.docker_api", Bool, "request to the docker API (docker.sock, :2375/:2376)"),
    ("cmd.k8s_api", Bool, "request straight to the Kubernetes API (/api/v1, /apis)"),
    ("cmd.manifest_url", Str, "kubectl apply|create|replace -f http(s)://..."),
    ("cmd.exec_user", Str, "user an exec/run runs as (-u)"),
    ("cmd.node_debug", Bool, "kubectl debug node/..."),
    ("payload.args", List, "the command run inside the container"),
    ("payload.command_line", Str, "payload.args joined"),
    ("payload.shell", Bool, "the payload is a shell"),
    ("payload.reverse_shell", Bool, "reverse-shell patterns (/dev/tcp, nc -e, socat exec:, ...)"),
    ("payload.download", Bool, "curl / wget inside the container"),
    ("payload.sa_token", Bool, "reads the service-account token"),
    ("payload.cloud_metadata", Bool, "cloud instance-metadata endpoint"),
    ("payload.sensitive_file", Bool, "credential or sensitive file paths"),
    ("payload.miner", Bool, "cryptominer names and pool URLs"),
    ("payload.host_escape", Bool, "nsenter -t 1, chroot /host, release_agent, core_pattern"),
];

/// The kind of field `name`, or `None` for an unknown field.
pub fn kind_of(name: &str) -> Option<FieldKind> {
    CORE_FIELDS
        .iter()
        .chain(crate::source::api::FIELDS.iter())
        .find(|(n, _, _)| *n == name)
        .map(|(_, k, _)| *k)
}

/// Every known field: (name, kind, description).
pub fn all() -> impl Iterator<Item = &'static (&'static str, FieldKind, &'static str)> {
    CORE_FIELDS.iter().chain(crate::source::api::FIELDS.iter())
}

/// An optional string as a field value.
pub(crate) fn opt<'v>(s: &'v Option<Cow<'_, str>>) -> Value<'v> {
    match s {
        Some(s) => Value::Str(s),
        None => Value::Missing,
    }
}

/// A list as a field value; an empty list reads as a missing field.
pub(crate) fn list<'v>(items: &'v [Cow<'v, str>]) -> Value<'v> {
    if items.is_empty() {
        Value::Missing
    } else {
        Value::List(items)
    }
}

/// Reads one field of an event.
pub type Getter = for<'e, 'a> fn(&'e Event<'a>) -> Value<'e>;

/// How [`Event::field`] answers each field of [`CORE_FIELDS`] (the API fields are answered by
/// `source::api::GETTERS`).
const GETTERS: &[(&str, Getter)] = &[
    ("event.kind", |e| Value::Str(e.kind.as_str())),
    ("event.source", |e| Value::Str(e.source)),
    ("user.name", |e| {
        e.user().map(Value::Str).unwrap_or(Value::Missing)
    }),
    ("process.executable", |e| proc_field(e, |p| &p.executable)),
    ("process.name", |e| proc_field(e, |p| &p.name)),
    ("process.command_line", |e| {
        proc_field(e, |p| &p.command_line)
    }),
    ("process.parent.name", |e| proc_field(e, |p| &p.parent_name)),
    ("process.parent.executable", |e| {
        proc_field(e, |p| &p.parent_executable)
    }),
    ("process.parent.command_line", |e| {
        proc_field(e, |p| &p.parent_command_line)
    }),
    ("host.name", |e| proc_field(e, |p| &p.host)),
    ("process.args", |e| {
        e.process
            .as_ref()
            .map(|p| list(&p.argv))
            .unwrap_or(Value::Missing)
    }),
    ("process.pid", |e| {
        e.process
            .as_ref()
            .and_then(|p| p.pid)
            .map(Value::Int)
            .unwrap_or(Value::Missing)
    }),
    ("container.id", |e| proc_field(e, |p| &p.container_id)),
    ("cmd.script_tools", |e| {
        Value::Int(
            e.segments
                .iter()
                .filter(|s| s.command.tool.is_some())
                .count() as i64,
        )
    }),
    ("cmd.tool", |e| {
        e.cmd().tool.map(Value::Str).unwrap_or(Value::Missing)
    }),
    ("cmd.wrappers", |e| list(&e.cmd().wrappers)),
    ("cmd.action", |e| opt(&e.cmd().action)),
    ("cmd.subaction", |e| opt(&e.cmd().subaction)),
    ("cmd.resources", |e| list(&e.cmd().resources)),
    ("cmd.all_namespaces", |e| {
        Value::Bool(e.cmd().all_namespaces)
    }),
    ("cmd.privileged", |e| Value::Bool(e.cmd().privileged)),
    ("cmd.cap_add", |e| list(&e.cmd().cap_add)),
    ("cmd.security_unconfined", |e| {
        Value::Bool(e.cmd().security_unconfined)
    }),
    ("cmd.host_namespaces", |e| list(&e.cmd().host_namespaces)),
    ("cmd.devices", |e| list(&e.cmd().devices)),
    ("cmd.host_mounts", |e| list(&e.cmd().host_mounts)),
    ("cmd.mount_sources", |e| list(&e.cmd().mount_sources)),
    ("cmd.interactive", |e| Value::Bool(e.cmd().interactive)),
    ("cmd.image", |e| opt(&e.cmd().image)),
    ("cmd.target", |e| opt(&e.cmd().target)),
    ("cmd.inner_args", |e| list(&e.cmd().inner_args)),
    ("cmd.entrypoint", |e| opt(&e.cmd().entrypoint)),
    ("cmd.remote", |e| opt(&e.cmd().remote)),
    ("cmd.nsenter_target", |e| opt(&e.cmd().nsenter_target)),
    ("cmd.nsenter_namespaces", |e| {
        list(&e.cmd().nsenter_namespaces)
    }),
    ("cmd.chroot_dir", |e| opt(&e.cmd().chroot_dir)),
    ("cmd.urls", |e| list(&e.cmd().urls)),
    ("cmd.kubelet_api", |e| Value::Bool(e.cmd().kubelet_api)),
    ("cmd.docker_api", |e| Value::Bool(e.cmd().docker_api)),
    ("cmd.k8s_api", |e| Value::Bool(e.cmd().k8s_api)),
    ("cmd.manifest_url", |e| opt(&e.cmd().manifest_url)),
    ("cmd.exec_user", |e| opt(&e.cmd().exec_user)),
    ("cmd.node_debug", |e| {
        Value::Bool(e.cmd().evidence_for("cmd.node_debug").next().is_some())
    }),
    ("payload.args", |e| list(&e.payload().args)),
    ("payload.command_line", |e| {
        if e.payload().command_line.is_empty() {
            Value::Missing
        } else {
            Value::Str(&e.payload().command_line)
        }
    }),
    ("payload.shell", |e| Value::Bool(e.payload().shell)),
    ("payload.reverse_shell", |e| {
        Value::Bool(e.payload().reverse_shell)
    }),
    ("payload.download", |e| Value::Bool(e.payload().download)),
    ("payload.sa_token", |e| Value::Bool(e.payload().sa_token)),
    ("payload.cloud_metadata", |e| {
        Value::Bool(e.payload().cloud_metadata)
    }),
    ("payload.sensitive_file", |e| {
        Value::Bool(e.payload().sensitive_file)
    }),
    ("payload.miner", |e| Value::Bool(e.payload().miner)),
    ("payload.host_escape", |e| {
        Value::Bool(e.payload().host_escape)
    }),
];

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
    name: alloc::string::String,
    get: Resolved,
}

#[derive(Clone, Copy)]
enum Resolved {
    Core(Getter),
    Api(crate::source::api::Getter),
    Unknown,
}

impl Resolved {
    /// The reader of field `name`.
    fn of(name: &str) -> Resolved {
        if let Some((_, g)) = GETTERS.iter().find(|(n, _)| *n == name) {
            Resolved::Core(*g)
        } else if let Some((_, g)) = crate::source::api::GETTERS.iter().find(|(n, _)| *n == name) {
            Resolved::Api(*g)
        } else {
            Resolved::Unknown
        }
    }

    fn read<'e>(self, ev: &'e Event<'_>) -> Value<'e> {
        match self {
            Resolved::Core(g) => g(ev),
            Resolved::Api(g) => g(&ev.api),
            Resolved::Unknown => Value::Missing,
        }
    }
}

impl FieldRef {
    /// Resolves `name` (an unknown name reads as missing for every event).
    pub fn new(name: &str) -> FieldRef {
        FieldRef {
            name: name.into(),
            get: Resolved::of(name),
        }
    }

    /// The field name as written.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The field's value for `ev`.
    pub fn read<'e>(&self, ev: &'e Event<'_>) -> Value<'e> {
        self.get.read(ev)
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
    /// The value of field `name` for this event (rules resolve names once, see [`FieldRef`]).
    pub fn field(&self, name: &str) -> Value<'_> {
        Resolved::of(name).read(self)
    }

    /// The tokens that established field `name` (for a verdict's indicators).
    pub fn evidence<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.cmd()
            .evidence
            .iter()
            .chain(self.payload().evidence.iter())
            .chain(self.api.evidence.iter())
            .filter(move |(f, _)| *f == name)
            .map(|(_, t)| t.as_str())
    }
}

/// Records `token` as evidence for `field` (once): the values a verdict's indicators show.
pub(crate) fn note(
    evidence: &mut alloc::vec::Vec<(&'static str, alloc::string::String)>,
    field: &'static str,
    token: impl Into<alloc::string::String>,
) {
    let token = token.into();
    if !evidence.iter().any(|(f, t)| *f == field && *t == token) {
        evidence.push((field, token));
    }
}
