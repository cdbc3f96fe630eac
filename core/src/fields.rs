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

impl<'a> Event<'a> {
    /// The value of field `name` for this event.
    pub fn field(&self, name: &str) -> Value<'_> {
        let c = self.cmd();
        let p = self.payload();
        let proc_field =
            |f: for<'p> fn(&'p crate::event::ProcessStart<'a>) -> &'p Option<Cow<'a, str>>| {
                match &self.process {
                    Some(ps) => opt(f(ps)),
                    None => Value::Missing,
                }
            };
        match name {
            "event.kind" => Value::Str(self.kind.as_str()),
            "event.source" => Value::Str(self.source),
            "user.name" => self.user().map(Value::Str).unwrap_or(Value::Missing),
            "process.executable" => proc_field(|p| &p.executable),
            "process.name" => proc_field(|p| &p.name),
            "process.command_line" => proc_field(|p| &p.command_line),
            "process.parent.name" => proc_field(|p| &p.parent_name),
            "process.parent.executable" => proc_field(|p| &p.parent_executable),
            "process.parent.command_line" => proc_field(|p| &p.parent_command_line),
            "host.name" => proc_field(|p| &p.host),
            "process.args" => self
                .process
                .as_ref()
                .map(|p| list(&p.argv))
                .unwrap_or(Value::Missing),
            "process.pid" => self
                .process
                .as_ref()
                .and_then(|p| p.pid)
                .map(Value::Int)
                .unwrap_or(Value::Missing),
            "container.id" => proc_field(|p| &p.container_id),
            "cmd.script_tools" => Value::Int(
                self.segments
                    .iter()
                    .filter(|s| s.command.tool.is_some())
                    .count() as i64,
            ),
            "cmd.tool" => c.tool.map(Value::Str).unwrap_or(Value::Missing),
            "cmd.wrappers" => list(&c.wrappers),
            "cmd.action" => opt(&c.action),
            "cmd.subaction" => opt(&c.subaction),
            "cmd.resources" => list(&c.resources),
            "cmd.all_namespaces" => Value::Bool(c.all_namespaces),
            "cmd.privileged" => Value::Bool(c.privileged),
            "cmd.cap_add" => list(&c.cap_add),
            "cmd.security_unconfined" => Value::Bool(c.security_unconfined),
            "cmd.host_namespaces" => list(&c.host_namespaces),
            "cmd.devices" => list(&c.devices),
            "cmd.host_mounts" => list(&c.host_mounts),
            "cmd.mount_sources" => list(&c.mount_sources),
            "cmd.interactive" => Value::Bool(c.interactive),
            "cmd.image" => opt(&c.image),
            "cmd.target" => opt(&c.target),
            "cmd.inner_args" => list(&c.inner_args),
            "cmd.entrypoint" => opt(&c.entrypoint),
            "cmd.remote" => opt(&c.remote),
            "cmd.nsenter_target" => opt(&c.nsenter_target),
            "cmd.nsenter_namespaces" => list(&c.nsenter_namespaces),
            "cmd.chroot_dir" => opt(&c.chroot_dir),
            "cmd.urls" => list(&c.urls),
            "cmd.kubelet_api" => Value::Bool(c.kubelet_api),
            "cmd.docker_api" => Value::Bool(c.docker_api),
            "cmd.k8s_api" => Value::Bool(c.k8s_api),
            "cmd.manifest_url" => opt(&c.manifest_url),
            "cmd.exec_user" => opt(&c.exec_user),
            "cmd.node_debug" => Value::Bool(c.evidence_for("cmd.node_debug").next().is_some()),
            "payload.args" => list(&p.args),
            "payload.command_line" => {
                if p.command_line.is_empty() {
                    Value::Missing
                } else {
                    Value::Str(&p.command_line)
                }
            }
            "payload.shell" => Value::Bool(p.shell),
            "payload.reverse_shell" => Value::Bool(p.reverse_shell),
            "payload.download" => Value::Bool(p.download),
            "payload.sa_token" => Value::Bool(p.sa_token),
            "payload.cloud_metadata" => Value::Bool(p.cloud_metadata),
            "payload.sensitive_file" => Value::Bool(p.sensitive_file),
            "payload.miner" => Value::Bool(p.miner),
            "payload.host_escape" => Value::Bool(p.host_escape),
            other => self.api.field(other),
        }
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
