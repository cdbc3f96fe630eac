//! Suppressions: the false-positive paths the seeds list (CI/CD agents,
//! monitoring agents, the control plane's own accounts), as data. A suppressed
//! record keeps its verdict, gains `suppressed_by` and drops one severity step,
//! so nothing is silently hidden.

use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use serde::Deserialize;

use crate::event::{Event, Value};
use crate::text::wildcard::Wildcard;

/// A suppression entry as written in a pack (`[[suppress]]`). Every key given
/// must match (AND); within a key, any listed value may match (OR). Values are
/// case-insensitive globs (`*`, `?`) except `source_ip`, which takes addresses
/// and CIDR ranges.
///
/// `image` holds for a record with a pod spec (or a container-create body) when **every**
/// container image's repository matches one of its globs — the image without tag and digest,
/// Docker Hub's `docker.io/` and `library/` left out (`PodFacts::image_repository`): a pod that
/// adds one foreign container to an allow-listed one is not suppressed. `owner` matches the
/// workload the pod spec belongs to as `Kind/name` (`k8s.owner.workload`: the pod's controller,
/// or the workload object itself, e.g. `DaemonSet/calico-node`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSuppression {
    /// Name shown in `suppressed_by`.
    pub name: String,
    /// Why it exists.
    #[serde(default)]
    pub reason: String,
    /// User names.
    #[serde(default)]
    pub user: Vec<String>,
    /// Groups (Kubernetes `user.groups`).
    #[serde(default)]
    pub group: Vec<String>,
    /// Namespaces.
    #[serde(default)]
    pub namespace: Vec<String>,
    /// Source addresses or CIDR ranges.
    #[serde(default)]
    pub source_ip: Vec<String>,
    /// User agents.
    #[serde(default)]
    pub user_agent: Vec<String>,
    /// Parent process names or command lines (CI runners, monitoring agents).
    #[serde(default)]
    pub parent_process: Vec<String>,
    /// Image repositories (`calico/node`, `quay.io/cilium/cilium`, `*.ecr.*.amazonaws.com/amazon-k8s-cni`):
    /// every image of the pod spec must match one.
    #[serde(default)]
    pub image: Vec<String>,
    /// Workloads as `Kind/name` (`DaemonSet/calico-node`, `DaemonSet/ebs-csi-node*`).
    #[serde(default)]
    pub owner: Vec<String>,
    /// Only for verdicts whose matched rules are all among these rule ids (globs); all
    /// verdicts when empty.
    #[serde(default)]
    pub rules: Vec<String>,
}

/// A compiled suppression.
#[derive(Clone, Debug)]
pub struct Suppression {
    /// Name shown in `suppressed_by`.
    pub name: String,
    /// Why it exists.
    pub reason: String,
    /// The entry as written (for export to other engines).
    pub raw: RawSuppression,
    user: Vec<Wildcard>,
    group: Vec<Wildcard>,
    namespace: Vec<Wildcard>,
    source_ip: Vec<(IpAddr, u8)>,
    user_agent: Vec<Wildcard>,
    parent_process: Vec<Wildcard>,
    image: Vec<Wildcard>,
    owner: Vec<Wildcard>,
    rules: Vec<Wildcard>,
}

fn globs(v: &[String]) -> Vec<Wildcard> {
    v.iter().map(|s| Wildcard::glob(s)).collect()
}

/// Parses `10.0.0.0/8`, `::1` or `192.168.1.5`.
fn cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
        None => (s, None),
    };
    let ip: IpAddr = addr.trim().parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((ip, bits))
}

fn in_cidr(ip: &IpAddr, (net, bits): &(IpAddr, u8)) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if *bits == 0 {
                0
            } else {
                u32::MAX << (32 - *bits as u32)
            };
            u32::from(*a) & mask == u32::from(*n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if *bits == 0 {
                0
            } else {
                u128::MAX << (128 - *bits as u32)
            };
            u128::from(*a) & mask == u128::from(*n) & mask
        }
        _ => false,
    }
}

fn values<'v>(v: Value<'v>) -> Vec<&'v str> {
    match v {
        Value::Str(s) => alloc::vec![s],
        Value::List(l) => l.iter().map(|s| &**s).collect(),
        _ => Vec::new(),
    }
}

impl Suppression {
    /// Checks and compiles an entry; the error is (entry name, problem).
    pub fn compile(raw: RawSuppression) -> Result<Suppression, (String, String)> {
        if raw.name.is_empty() {
            return Err((
                String::from("<unnamed suppression>"),
                String::from("a suppression needs a `name`"),
            ));
        }
        let mut source_ip = Vec::new();
        for s in &raw.source_ip {
            source_ip.push(cidr(s).ok_or_else(|| {
                (
                    raw.name.clone(),
                    alloc::format!("`{s}` is not an IP address or CIDR range"),
                )
            })?);
        }
        let empty = raw.user.is_empty()
            && raw.group.is_empty()
            && raw.namespace.is_empty()
            && raw.source_ip.is_empty()
            && raw.user_agent.is_empty()
            && raw.parent_process.is_empty()
            && raw.image.is_empty()
            && raw.owner.is_empty();
        if empty {
            return Err((raw.name.clone(), String::from("a suppression needs at least one of user, group, namespace, source_ip, user_agent, parent_process, image, owner")));
        }
        Ok(Suppression {
            name: raw.name.clone(),
            reason: raw.reason.clone(),
            user: globs(&raw.user),
            group: globs(&raw.group),
            namespace: globs(&raw.namespace),
            source_ip,
            user_agent: globs(&raw.user_agent),
            parent_process: globs(&raw.parent_process),
            // Patterns are read as repositories too: `docker.io/calico/node` is `calico/node`.
            image: raw
                .image
                .iter()
                .map(|p| Wildcard::glob(&crate::event::PodFacts::image_repository(p)))
                .collect(),
            owner: globs(&raw.owner),
            rules: globs(&raw.rules),
            raw,
        })
    }

    /// True when the entry applies to this event and these matched rule ids.
    pub fn matches(&self, ev: &Event<'_>, segment: usize, rule_ids: &[&str]) -> bool {
        let any = |pats: &[Wildcard], vals: Vec<&str>| {
            pats.is_empty() || vals.iter().any(|v| pats.iter().any(|p| p.matches(v)))
        };
        // Scoped to rules: every matched rule must be among them, so an entry for one rule (the
        // impersonation a login proxy does by design) leaves alone a verdict that also matched
        // another (the exec the person did through that proxy).
        if !self.rules.is_empty()
            && !rule_ids
                .iter()
                .all(|id| self.rules.iter().any(|p| p.matches(id)))
        {
            return false;
        }
        let user = ev.user().map(|u| alloc::vec![u]).unwrap_or_default();
        let parent = match &ev.process {
            Some(p) => [&p.parent_name, &p.parent_executable, &p.parent_command_line]
                .into_iter()
                .filter_map(|v| v.as_deref())
                .collect(),
            None => Vec::new(),
        };
        let ips_ok = self.source_ip.is_empty()
            || values(ev.field("source.ip", segment))
                .iter()
                .filter_map(|s| s.parse::<IpAddr>().ok())
                .any(|ip| self.source_ip.iter().any(|n| in_cidr(&ip, n)));
        let images = values(ev.field("k8s.pod.images", segment));
        let images_ok = self.image.is_empty()
            || (!images.is_empty()
                && images.iter().all(|i| {
                    let repo = crate::event::PodFacts::image_repository(i);
                    self.image.iter().any(|p| p.matches(&repo))
                }));
        any(&self.user, user)
            && images_ok
            && any(&self.owner, values(ev.field("k8s.owner.workload", segment)))
            && any(&self.group, values(ev.field("user.groups", segment)))
            && any(&self.namespace, values(ev.field("k8s.namespace", segment)))
            && ips_ok
            && any(&self.user_agent, values(ev.field("user_agent", segment)))
            && any(&self.parent_process, parent)
    }
}
