//! What a pod spec says: filled by `source::control_plane::pod_spec`, read by the `k8s.pod.*`
//! and `k8s.owner.*` fields, by the `image` and `owner` keys of `[[suppress]]` entries and by the
//! verdict's `owner`.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::Event;
use crate::verdict::Owner;

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
    /// The pod is a static pod's mirror (annotation `kubernetes.io/config.mirror`), written by
    /// the kubelet from a manifest on the node.
    pub mirror: bool,
    /// The kind of the pod's owner: the `ownerReferences` entry with `controller: true`, else the
    /// first; `Node` for a mirror pod without one.
    pub owner_kind: Option<Cow<'a, str>>,
    /// The owner's name (a mirror pod without `ownerReferences`: `spec.nodeName`).
    pub owner_name: Option<Cow<'a, str>>,
    /// The workload the pod spec belongs to, `Kind/name`: the owner of a pod, or the workload
    /// object itself (`DaemonSet/calico-node`) for a Deployment, DaemonSet, Job, ... written with
    /// its template. What the `owner` key of a `[[suppress]]` entry matches.
    pub workload: Option<Cow<'a, str>>,
}

impl PodFacts<'_> {
    /// The repository of a container image: the reference without its digest (`@sha256:...`) and
    /// tag (the last `:` with no `/` after it, so a registry port stays), with Docker Hub's implied
    /// parts removed (`docker.io/`, `index.docker.io/`, `library/`), lower case.
    /// `docker.io/calico/node:v3.27.0@sha256:ab..` and `calico/node` are both `calico/node`;
    /// `registry:5000/team/app:1` is `registry:5000/team/app`.
    ///
    /// ```
    /// use cadet_core::parts::event::PodFacts;
    /// assert_eq!(PodFacts::image_repository("docker.io/calico/node:v3.27.0@sha256:0f"), "calico/node");
    /// assert_eq!(PodFacts::image_repository("registry:5000/team/app:1"), "registry:5000/team/app");
    /// assert_eq!(PodFacts::image_repository("docker.io/library/busybox"), "busybox");
    /// ```
    pub fn image_repository(image: &str) -> String {
        let mut r = image.trim();
        if let Some(i) = r.find('@') {
            r = &r[..i];
        }
        if let Some(i) = r.rfind(':') {
            if !r[i..].contains('/') {
                r = &r[..i];
            }
        }
        let mut r = r.to_ascii_lowercase();
        for prefix in ["docker.io/", "index.docker.io/"] {
            if let Some(rest) = r.strip_prefix(prefix) {
                r = String::from(rest);
            }
        }
        if let Some(rest) = r.strip_prefix("library/") {
            r = String::from(rest);
        }
        r
    }
}

impl Event<'_> {
    /// The verdict's `owner`: the controller of the pod in the record (none for a pod without
    /// one, or a record without a pod spec), and the identity that made the request.
    pub fn owner(&self) -> Option<Owner> {
        let pod = &self.control_plane.pod;
        let (kind, name) = (pod.owner_kind.as_deref()?, pod.owner_name.as_deref()?);
        Some(Owner {
            kind: String::from(kind),
            name: String::from(name),
            created_by: self.control_plane.user.as_deref().map(String::from),
        })
    }
}
