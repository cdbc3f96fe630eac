//! Facts a command's flags establish: mounts, capabilities, namespaces, URLs.

use super::*;

impl<'a> CommandAnalysis<'a> {
    pub(crate) fn mount_source(&mut self, src: &str, written: &str) {
        if !src.starts_with('/') {
            return; // named volume
        }
        let clean = clean_path(src);
        if is_sensitive_host_path(&clean) {
            self.host_mounts.push(Cow::Owned(clean.clone()));
            self.note("cmd.host_mounts", written);
        }
        self.mount_sources.push(Cow::Owned(clean));
    }

    /// `-v SRC:DST[:opts]`
    pub(crate) fn volume(&mut self, spec: &str, written: &str) {
        let src = spec.split(':').next().unwrap_or("");
        self.mount_source(src, written);
    }

    /// `--mount type=bind,source=/,target=/host`
    pub(crate) fn mount(&mut self, spec: &str, written: &str) {
        let mut kind = "";
        let mut src = "";
        for kv in spec.split(',') {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            match k.trim() {
                "type" => kind = v,
                "source" | "src" => src = v,
                _ => {}
            }
        }
        if kind == "bind" || kind.is_empty() || src.starts_with('/') {
            self.mount_source(src, written);
        }
    }

    pub(crate) fn cap(&mut self, value: &str, written: &str) {
        for cap in value.split(',') {
            let cap = cap.trim().to_ascii_uppercase();
            let cap = cap.strip_prefix("CAP_").unwrap_or(&cap).to_string();
            if !cap.is_empty() {
                self.cap_add.push(Cow::Owned(cap));
            }
        }
        self.note("cmd.cap_add", written);
    }

    pub(crate) fn host_ns(&mut self, ns: &str, written: &str) {
        let ns = match ns {
            "network" => "net",
            n => n,
        };
        self.host_namespaces.push(Cow::Owned(ns.to_string()));
        self.note("cmd.host_namespaces", written);
    }

    pub(crate) fn security_opt(&mut self, value: &str, written: &str) {
        let v = value.to_ascii_lowercase().replace(':', "=");
        if matches!(
            v.as_str(),
            "seccomp=unconfined"
                | "apparmor=unconfined"
                | "label=disable"
                | "label=disabled"
                | "systempaths=unconfined"
        ) {
            self.security_unconfined = true;
            self.note("cmd.security_unconfined", written);
        }
    }

    pub(crate) fn set_privileged(&mut self, written: &str) {
        self.privileged = true;
        self.note("cmd.privileged", written);
    }

    pub(crate) fn url(&mut self, word: &str) {
        let lower = word.to_ascii_lowercase();
        let Some((host_port, path)) = split_url(&lower) else {
            return;
        };
        self.urls.push(Cow::Owned(word.to_string()));
        let port = host_port.rsplit_once(':').map(|(_, p)| p).unwrap_or("");
        let kubelet_path = [
            "/exec/",
            "/run/",
            "/pods",
            "/runningpods",
            "/attach/",
            "/portforward/",
            "/cri/",
            "/containerlogs/",
            "/debug/",
        ]
        .iter()
        .any(|p| path.starts_with(p));
        if (port == "10250" || port == "10255") && kubelet_path {
            self.kubelet_api = true;
            self.note("cmd.kubelet_api", word);
        }
        if port == "2375" || port == "2376" {
            self.docker_api = true;
            self.note("cmd.docker_api", word);
        }
        if (path.starts_with("/api/v1/") || path.starts_with("/apis/"))
            && port != "10250"
            && port != "10255"
        {
            self.k8s_api = true;
            self.note("cmd.k8s_api", word);
        }
    }
}
