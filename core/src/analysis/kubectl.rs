//! kubectl: global flags, resources, exec/run/debug/cp and `--overrides` pod specs.

use super::*;

/// The kubectl flags that take a value.
pub const KUBECTL_VALUE: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--cluster",
    "--kubeconfig",
    "--user",
    "-s",
    "--server",
    "--token",
    "--as",
    "--as-group",
    "--as-uid",
    "--certificate-authority",
    "--client-certificate",
    "--client-key",
    "--request-timeout",
    "-v",
    "--v",
    "--cache-dir",
    "--tls-server-name",
    "--username",
    "--password",
    "-c",
    "--container",
    "-f",
    "--filename",
    "-l",
    "--selector",
    "-o",
    "--output",
    "--field-selector",
    "--image",
    "--overrides",
    "--restart",
    "--port",
    "--address",
    "--target",
    "--profile",
    "--copy-to",
    "--env",
    "--labels",
    "--timeout",
    "--pod-running-timeout",
    "--sort-by",
    "--template",
    "-k",
    "--kustomize",
    "--type",
    "--from-literal",
    "--from-file",
    "--namespace-selector",
    "--subresource",
    "--image-pull-policy",
    "--attach",
    "--custom-columns",
    "--chunk-size",
    "--pod-running-timeout",
    "--env-from",
    "--annotations",
    "-p",
    "--patch",
    "--reason",
];

/// The resources whose short names and singulars `kubectl_resource` spells out: each
/// resource with the words that name it.
pub const KUBECTL_RESOURCE_NAMES: &[(&str, &[&str])] = &[
    ("secrets", &["secret", "secrets"]),
    ("configmaps", &["cm", "configmap", "configmaps"]),
    ("pods", &["po", "pod", "pods"]),
    ("deployments", &["deploy", "deployment", "deployments"]),
    ("daemonsets", &["ds", "daemonset", "daemonsets"]),
    (
        "serviceaccounts",
        &["sa", "serviceaccount", "serviceaccounts"],
    ),
    ("nodes", &["no", "node", "nodes"]),
    ("namespaces", &["ns", "namespace", "namespaces"]),
    ("rolebindings", &["rolebinding", "rolebindings"]),
    (
        "clusterrolebindings",
        &["clusterrolebinding", "clusterrolebindings"],
    ),
];

pub fn kubectl_resource(word: &str) -> String {
    let w = word.to_ascii_lowercase();
    let w = w.split('/').next().unwrap_or("");
    let w = w.split('.').next().unwrap_or(w); // secrets.v1. -> secrets
    KUBECTL_RESOURCE_NAMES
        .iter()
        .find(|(_, names)| names.contains(&w))
        .map_or(w, |(resource, _)| resource)
        .to_string()
}

pub fn kubectl<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    let mut action: Option<String> = None;
    let mut positionals: Vec<Cow<'a, str>> = Vec::new();
    let mut inner: Vec<Cow<'a, str>> = Vec::new();
    let mut image = None;
    let mut overrides = None;
    let mut filenames: Vec<Cow<'a, str>> = Vec::new();
    // kubectl accepts flags anywhere; read the whole line.
    loop {
        f.options(&|flag| KUBECTL_VALUE.contains(&flag), |o| {
            let v = o.value.as_deref().unwrap_or("");
            match o.flag.as_str() {
                "-A" | "--all-namespaces" if truthy(&o.value) => {
                    a.all_namespaces = true;
                    a.note("cmd.all_namespaces", o.written.clone());
                }
                "-i" | "-t" | "--stdin" | "--tty" if truthy(&o.value) => a.interactive = true,
                "--image" => image = o.value.clone(),
                "--overrides" => overrides = o.value.clone(),
                "-f" | "--filename" => filenames.extend(o.value.clone()),
                "--privileged" if truthy(&o.value) => a.set_privileged(&o.written),
                "--profile" if matches!(v, "sysadmin" | "netadmin") => a.set_privileged(&o.written),
                "-s" | "--server" => a.remote = o.value.clone(),
                _ => {}
            }
        });
        match f.positional() {
            None => break,
            Some(w) if w == "--" => {
                inner.extend(f.rest().iter().cloned());
                break;
            }
            Some(w) => {
                if action.is_none() {
                    action = Some(w.to_ascii_lowercase());
                } else {
                    positionals.push(w.clone());
                }
            }
        }
    }
    let Some(action) = action else { return };
    a.action = Some(Cow::Owned(action.clone()));
    if let Some(img) = image {
        a.image = Some(img);
    }
    for file in &filenames {
        let lower = file.to_ascii_lowercase();
        if matches!(action.as_str(), "apply" | "create" | "replace")
            && (lower.starts_with("http://") || lower.starts_with("https://"))
        {
            a.note("cmd.manifest_url", alloc::format!("-f {file}"));
            a.manifest_url = Some(file.clone());
        }
    }
    match action.as_str() {
        "get" | "describe" | "edit" | "delete" | "list" | "watch" => {
            for p in &positionals {
                for part in p.split(',') {
                    if !part.is_empty() {
                        a.resources.push(Cow::Owned(kubectl_resource(part)));
                    }
                }
            }
        }
        "exec" | "attach" | "debug" | "port-forward" | "cp" | "logs" | "run" => {
            let mut rest = positionals.into_iter();
            a.target = rest.next();
            if action == "exec" && inner.is_empty() {
                inner.extend(rest); // deprecated `kubectl exec POD CMD`
            }
            if action == "debug" {
                if let Some(t) = &a.target {
                    if t.starts_with("node/") || t.starts_with("nodes/") {
                        a.note("cmd.node_debug", alloc::format!("debug {t}"));
                    }
                }
            }
        }
        "auth" | "create" | "config" | "rollout" | "set" | "certificate" | "top" => {
            let mut rest = positionals.into_iter();
            a.subaction = rest.next().map(|w| Cow::Owned(w.to_ascii_lowercase()));
            if a.subaction.as_deref() == Some("can-i") {
                a.resources
                    .extend(rest.skip(1).map(|r| Cow::Owned(kubectl_resource(&r))));
            }
        }
        _ => {}
    }
    a.inner_args = inner;
    if let Some(o) = overrides {
        pod_overrides(a, &o);
    }
}

/// `kubectl run --overrides='{"spec":{...}}'`: reads the pod spec facts cadet scores.
pub fn pod_overrides(a: &mut CommandAnalysis<'_>, text: &str) {
    let Ok(doc) = crate::text::json::Json::parse(text.as_bytes()) else {
        return;
    };
    let spec = doc.get("spec");
    for (key, ns) in [
        ("hostPID", "pid"),
        ("hostNetwork", "net"),
        ("hostIPC", "ipc"),
    ] {
        if spec.get(key).as_bool() == Some(true) {
            a.host_ns(ns, &alloc::format!("--overrides {key}=true"));
        }
    }
    for c in spec.get("containers").as_array() {
        let sc = c.get("securityContext");
        if sc.get("privileged").as_bool() == Some(true) {
            a.set_privileged("--overrides privileged=true");
        }
        for cap in sc.get("capabilities").get("add").as_array() {
            if let Some(cap) = cap.as_str() {
                a.cap(cap, &alloc::format!("--overrides capabilities.add={cap}"));
            }
        }
        // The container's command, when `--` gave none.
        if a.inner_args.is_empty() {
            let words = c
                .get("command")
                .as_array()
                .iter()
                .chain(c.get("args").as_array());
            a.inner_args = words
                .filter_map(|w| w.as_str().map(|s| Cow::Owned(s.to_string())))
                .collect();
        }
    }
    for v in spec.get("volumes").as_array() {
        if let Some(p) = v.get("hostPath").get("path").as_str() {
            a.mount_source(p, &alloc::format!("--overrides hostPath={p}"));
        }
    }
}
