//! Pod specs wherever a request carries one: a pod, the template of a workload (deployment,
//! daemonset, statefulset, replicaset, job, cronjob's job template) or a JSON patch that adds
//! containers. Shared by the audit reader, the cloud wrappers and the HTTP request source.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::analysis::payload::Payload;
use crate::event::{ControlPlane, PodFacts};
use crate::text::json::Json;
use crate::text::json::{nonempty, text};

/// Reads an object written by the request: metadata, and the pod spec wherever the
/// resource keeps it (pod, workload template, cronjob job template, JSON patch).
pub(crate) fn read_object<'a>(a: &mut ControlPlane<'a>, body: &Json<'a>) -> Option<Payload<'a>> {
    if let Json::Array(ops) = body {
        return read_json_patch(a, ops);
    }
    let meta = body.get("metadata");
    for (k, v) in meta.get("labels").members() {
        if let Some(v) = text(v) {
            a.labels.push(Cow::Owned(alloc::format!("{k}={v}")));
        }
    }
    for (k, v) in meta.get("annotations").members() {
        // kubectl's last-applied copy repeats the object; it says nothing new.
        if k == "kubectl.kubernetes.io/last-applied-configuration" {
            continue;
        }
        if let Some(v) = text(v) {
            a.annotations.push(Cow::Owned(alloc::format!("{k}={v}")));
        }
    }
    // A pod made by a controller (or a static pod's mirror): the workload a person wrote is
    // what gets scored. An ephemeral container added to such a pod is a person's act.
    let owned = a.subresource.is_none()
        && (!meta.get("ownerReferences").as_array().is_empty()
            || !meta
                .path(&["annotations", "kubernetes.io/config.mirror"])
                .is_null());
    let spec = body.get("spec");
    let pod_spec = [
        spec.path(&["template", "spec"]),
        spec.path(&["jobTemplate", "spec", "template", "spec"]),
        spec,
    ]
    .into_iter()
    .find(|s| is_pod_spec(s));
    let pod_spec = pod_spec?;
    a.pod.owned = owned;
    if owned {
        a.note("k8s.pod.owned", "ownerReferences");
    }
    read_owner(a, body, meta);
    if a.verb.as_deref() != Some("create") && a.resource.as_deref() != Some("pods") {
        // A patch or update of a workload that names full container definitions.
        let adds = ["containers", "initContainers"].iter().any(|k| {
            pod_spec.get(k).as_array().iter().any(|c| {
                [
                    "command",
                    "args",
                    "securityContext",
                    "volumeMounts",
                    "ports",
                    "env",
                ]
                .iter()
                .any(|f| !c.get(f).is_null())
            })
        });
        if adds && a.verb.as_deref() == Some("patch") {
            a.adds_container = true;
            a.note("k8s.adds_container", "patch adds a container definition");
        }
    }
    read_pod_spec(&mut a.pod, &mut a.evidence, pod_spec)
}

/// The workload kinds whose objects carry a pod template, by the `kind` of the object written
/// (its resource is the lowercase plural: `Deployment` -> `deployments`).
pub const WORKLOAD_KINDS: [&str; 7] = [
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// The owner of a pod spec: the `ownerReferences` entry with `controller: true` (else the first
/// one), or for a static pod's mirror without one the node (`Node`, `spec.nodeName`); and the
/// workload it belongs to, `Kind/name` — that owner, or the workload object itself when the record
/// writes a Deployment, DaemonSet, Job, ... (its kind from the object's `kind`, else from
/// `objectRef.resource`; its name from `metadata.name`, else `objectRef.name`).
fn read_owner<'a>(a: &mut ControlPlane<'a>, body: &Json<'a>, meta: &Json<'a>) {
    let refs = meta.get("ownerReferences");
    let refs = refs.as_array();
    let controller = refs
        .iter()
        .find(|r| r.get("controller").as_bool() == Some(true))
        .or_else(|| refs.first());
    let mirror = !meta
        .path(&["annotations", "kubernetes.io/config.mirror"])
        .is_null();
    a.pod.mirror = mirror;
    if mirror {
        a.note("k8s.pod.mirror", "kubernetes.io/config.mirror");
    }
    let owner = match controller {
        Some(r) => nonempty(r.get("kind")).zip(nonempty(r.get("name"))),
        None if mirror => nonempty(body.path(&["spec", "nodeName"]))
            .or_else(|| {
                a.user
                    .as_deref()
                    .and_then(|u| u.strip_prefix("system:node:"))
                    .map(|n| Cow::Owned(String::from(n)))
            })
            .map(|n| (Cow::Borrowed("Node"), n)),
        None => None,
    };
    if let Some((kind, name)) = owner {
        a.note("k8s.owner.kind", alloc::format!("owner={kind}/{name}"));
        a.pod.workload = Some(Cow::Owned(alloc::format!("{kind}/{name}")));
        a.pod.owner_kind = Some(kind);
        a.pod.owner_name = Some(name);
        return;
    }
    let kind = nonempty(body.get("kind"))
        .filter(|k| WORKLOAD_KINDS.contains(&&**k))
        .or_else(|| {
            let res = a.resource.as_deref()?;
            WORKLOAD_KINDS
                .iter()
                .find(|k| {
                    let plural = alloc::format!("{}s", k.to_ascii_lowercase());
                    plural == res
                })
                .map(|k| Cow::Borrowed(*k))
        });
    let name = nonempty(meta.get("name")).or_else(|| a.name.clone());
    if let (Some(kind), Some(name)) = (kind, name) {
        a.pod.workload = Some(Cow::Owned(alloc::format!("{kind}/{name}")));
    }
}

fn is_pod_spec(s: &Json<'_>) -> bool {
    [
        "containers",
        "initContainers",
        "ephemeralContainers",
        "volumes",
        "hostPID",
        "hostNetwork",
        "hostIPC",
    ]
    .iter()
    .any(|k| !s.get(k).is_null())
}

/// Reads a JSON patch (`[{"op":"add","path":"/spec/template/spec/containers/-","value":{...}}]`).
fn read_json_patch<'a>(a: &mut ControlPlane<'a>, ops: &[Json<'a>]) -> Option<Payload<'a>> {
    let mut payload = None;
    for op in ops {
        let (Some(kind), Some(path)) = (op.get("op").as_str(), op.get("path").as_str()) else {
            continue;
        };
        if !matches!(kind, "add" | "replace") {
            continue;
        }
        let value = op.get("value");
        let last = path.rsplit('/').next().unwrap_or("");
        let parent = path.rsplit('/').nth(1).unwrap_or("");
        let container_list =
            |seg: &str| matches!(seg, "containers" | "initContainers" | "ephemeralContainers");
        // `.../containers/-` or `.../containers/2` (one container) or `.../containers` (the list).
        let one =
            container_list(parent) && (last == "-" || last.bytes().all(|b| b.is_ascii_digit()));
        let whole = container_list(last);
        let mut spec: Vec<(&'static str, Json<'a>)> = Vec::new();
        if one || whole {
            if kind == "add" && parent != "ephemeralContainers" && last != "ephemeralContainers" {
                a.adds_container = true;
                a.note("k8s.adds_container", alloc::format!("{kind} {path}"));
            }
            let list = if one {
                Json::Array(alloc::vec![value.clone()])
            } else {
                value.clone()
            };
            spec.push((
                if parent == "initContainers" || last == "initContainers" {
                    "initContainers"
                } else {
                    "containers"
                },
                list,
            ));
        } else if let Some(key) = ["hostPID", "hostNetwork", "hostIPC"]
            .into_iter()
            .find(|k| *k == last)
        {
            spec.push((key, value.clone()));
        } else if last == "volumes" || parent == "volumes" {
            let list = if parent == "volumes" {
                Json::Array(alloc::vec![value.clone()])
            } else {
                value.clone()
            };
            spec.push(("volumes", list));
        } else if last == "privileged" && value.as_bool() == Some(true) {
            a.pod.present = true;
            a.pod.privileged = true;
            a.note("k8s.pod.privileged", "privileged=true");
        }
        if !spec.is_empty() {
            let members = spec
                .into_iter()
                .map(|(k, v)| (Cow::Borrowed(k), v))
                .collect();
            let obj = Json::Object(members);
            let p = read_pod_spec(&mut a.pod, &mut a.evidence, &obj);
            payload = payload.or(p);
        }
    }
    payload
}

/// Reads a pod spec into `pod` and returns the most telling container command as a payload.
pub fn read_pod_spec<'a>(
    pod: &mut PodFacts<'a>,
    evidence: &mut Vec<(&'static str, String)>,
    spec: &Json<'a>,
) -> Option<Payload<'a>> {
    let mut note = |f: &'static str, t: String| {
        if !evidence.iter().any(|(g, u)| *g == f && *u == t) {
            evidence.push((f, t));
        }
    };
    pod.present = true;
    for (key, field, flag) in [
        ("hostPID", "k8s.pod.host_pid", &mut pod.host_pid),
        ("hostNetwork", "k8s.pod.host_network", &mut pod.host_network),
        ("hostIPC", "k8s.pod.host_ipc", &mut pod.host_ipc),
    ] {
        if spec.get(key).as_bool() == Some(true) {
            *flag = true;
            note(field, alloc::format!("{key}=true"));
        }
    }
    for v in spec.get("volumes").as_array() {
        if let Some(p) = v.path(&["hostPath", "path"]).as_str() {
            let clean = crate::text::clean_path(p);
            note("k8s.pod.host_paths", alloc::format!("hostPath={p}"));
            if crate::analysis::sensitive_host_path(&clean) {
                note(
                    "k8s.pod.sensitive_host_paths",
                    alloc::format!("hostPath={p}"),
                );
                pod.sensitive_host_paths.push(Cow::Owned(clean.clone()));
            }
            pod.host_paths.push(Cow::Owned(clean));
        }
    }
    let psc = spec.get("securityContext");
    if psc.get("runAsUser").as_i64() == Some(0) || psc.get("runAsNonRoot").as_bool() == Some(false)
    {
        pod.run_as_root = true;
        note("k8s.pod.run_as_root", String::from("runAsUser=0"));
    }
    let mut best: Option<(u8, Payload<'a>)> = None;
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        for c in spec.get(list).as_array() {
            if let Some(img) = nonempty(c.get("image")) {
                note("k8s.pod.images", alloc::format!("image={img}"));
                pod.images.push(img);
            }
            let sc = c.get("securityContext");
            if sc.get("privileged").as_bool() == Some(true) {
                pod.privileged = true;
                note("k8s.pod.privileged", String::from("privileged=true"));
            }
            if sc.get("allowPrivilegeEscalation").as_bool() == Some(true) {
                pod.allow_privilege_escalation = true;
                note(
                    "k8s.pod.allow_privilege_escalation",
                    String::from("allowPrivilegeEscalation=true"),
                );
            }
            if sc.get("runAsUser").as_i64() == Some(0)
                || sc.get("runAsNonRoot").as_bool() == Some(false)
            {
                pod.run_as_root = true;
                note("k8s.pod.run_as_root", String::from("runAsUser=0"));
            }
            for cap in sc
                .path(&["capabilities", "add"])
                .as_array()
                .iter()
                .filter_map(|c| c.as_str())
            {
                let up = cap.trim().to_ascii_uppercase();
                let up = up.strip_prefix("CAP_").map(String::from).unwrap_or(up);
                note(
                    "k8s.pod.capabilities",
                    alloc::format!("capabilities.add={cap}"),
                );
                if !pod.capabilities.iter().any(|c| *c == up) {
                    pod.capabilities.push(Cow::Owned(up));
                }
            }
            if c.get("stdin").as_bool() == Some(true) && c.get("tty").as_bool() == Some(true) {
                pod.interactive = true;
                note("k8s.pod.interactive", String::from("stdin+tty"));
            }
            let words: Vec<Cow<'a, str>> = c
                .get("command")
                .as_array()
                .iter()
                .chain(c.get("args").as_array())
                .filter_map(text)
                .collect();
            if !words.is_empty() {
                let p = Payload::analyse(&words);
                let rank = if p.reverse_shell || p.miner || p.host_escape {
                    3
                } else if p.download || p.sa_token || p.cloud_metadata || p.sensitive_file {
                    2
                } else {
                    p.shell as u8
                };
                if best.as_ref().map(|(r, _)| rank > *r).unwrap_or(true) {
                    best = Some((rank, p));
                }
            }
        }
    }
    best.map(|(_, p)| p)
}
