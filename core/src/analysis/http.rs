//! HTTP clients and kubeletctl against the kubelet, docker and Kubernetes APIs.

use super::*;

/// `scheme://host:port/path` or `host:port/path` → (host:port, path).
pub fn split_url(word: &str) -> Option<(&str, &str)> {
    let rest = match word.split_once("://") {
        Some((scheme, rest))
            if scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+') =>
        {
            rest
        }
        Some(_) => return None,
        None => {
            // bare host:port/path
            let (hp, _) = word.split_once('/')?;
            if !hp.contains(':') || hp.starts_with('-') {
                return None;
            }
            word
        }
    };
    let (host_port, path) = match rest.find(['/', '?']) {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let host_port = host_port.rsplit('@').next().unwrap_or(host_port);
    Some((host_port, path))
}

/// The kubeletctl flags that take a value.
pub const KUBELETCTL_VALUE: &[&str] = &[
    "-s",
    "--server",
    "--port",
    "-p",
    "--pod",
    "-c",
    "--container",
    "-n",
    "--namespace",
    "--cacert",
    "--cert",
    "--key",
    "-i",
    "--http-proxy",
    "--cidr",
];

pub fn kubeletctl<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    let takes = |flag: &str| KUBELETCTL_VALUE.contains(&flag);
    let mut action = None;
    let mut positionals = Vec::new();
    loop {
        f.options(&takes, |o| {
            if matches!(o.flag.as_str(), "-p" | "--pod") {
                a.target = o.value.clone();
            }
        });
        match f.positional() {
            None => break,
            Some(w) if action.is_none() => action = Some(w.to_ascii_lowercase()),
            Some(w) => positionals.push(w.clone()),
        }
    }
    let action = action.unwrap_or_default();
    a.kubelet_api = true;
    a.note(
        "cmd.kubelet_api",
        alloc::format!("kubeletctl {action}").trim_end().to_string(),
    );
    if action == "exec" || action == "run" {
        a.inner_args = positionals;
    }
    a.action = Some(Cow::Owned(action));
}

pub fn http_client<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    a.action = Some(Cow::Borrowed("request"));
    let mut prev_unix_socket = false;
    for w in args {
        if prev_unix_socket {
            if w.ends_with("docker.sock") {
                a.docker_api = true;
                a.note("cmd.docker_api", alloc::format!("--unix-socket {w}"));
            }
            prev_unix_socket = false;
            continue;
        }
        if w.starts_with("--unix-socket") {
            match w.split_once('=') {
                Some((_, sock)) if sock.ends_with("docker.sock") => {
                    a.docker_api = true;
                    a.note("cmd.docker_api", w.to_string());
                }
                Some(_) => {}
                None => prev_unix_socket = true,
            }
            continue;
        }
        if !w.starts_with('-') {
            a.url(w);
        }
    }
}
