//! What a pod spec says: filled by `source::control_plane::pod_spec`, read by the `k8s.pod.*` fields.

use alloc::borrow::Cow;
use alloc::vec::Vec;

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
