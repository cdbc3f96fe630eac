//! Host paths whose mount into a container or pod exposes the host.

use crate::text::clean_path;

/// Host paths whose mount into a container gives the container the host (exact match).
pub const SENSITIVE_EXACT: &[&str] = &[
    "/",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/var/run/crio/crio.sock",
];

/// Host directories whose mount (or a path below them) is sensitive.
pub const SENSITIVE_TREES: &[&str] = &[
    "/etc",
    "/root",
    "/proc",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/boot",
    "/dev",
    "/var/run/secrets",
    "/run/secrets",
];

/// True when mounting host path `p` into a container exposes the host.
pub fn is_sensitive_host_path(p: &str) -> bool {
    let p = clean_path(p);
    SENSITIVE_EXACT.contains(&p.as_str())
        || SENSITIVE_TREES
            .iter()
            .any(|t| p == *t || (p.starts_with(t) && p.as_bytes().get(t.len()) == Some(&b'/')))
}

/// Host paths whose mount gives a pod the node (beyond the argument analysis' list):
/// the log directory (symlink attacks on the kubelet's log reader) and the runtime directories.
pub const EXTRA_SENSITIVE: &[&str] = &[
    "/var", "/var/run", "/run", "/var/log", "/home", "/sys", "/usr", "/lib", "/opt/cni", "/etc/cni",
];

/// True when mounting host path `p` (cleaned) into a pod exposes the node.
pub fn sensitive_host_path(p: &str) -> bool {
    crate::analysis::is_sensitive_host_path(p)
        || EXTRA_SENSITIVE.contains(&p)
        || p.starts_with("/var/log/")
        || p.ends_with(".sock")
}
