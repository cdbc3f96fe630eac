//! Argument-aware analysis of container-administration commands.
//!
//! [`analyse`] reads an argv the way the tool itself would: it looks through
//! wrappers (`sudo`, `env`, `nohup`, `sh -c "..."`, full paths, `.exe`), skips
//! global flags to find the subcommand (`docker -H tcp://x container exec`,
//! `kubectl -n ns --context c exec`), and reads flags in every spelling
//! (`--flag=value`, `--flag value`, `-itd`, `--privileged=true`). The result is
//! a set of facts (`privileged`, `host_mounts`, `inner_args`, ...) with the
//! tokens that established them kept as evidence for the verdict's indicators.

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::event::basename;

/// Tools cadet reads the arguments of, by canonical name.
pub const TOOLS: &[&str] = &[
    "docker",
    "podman",
    "nerdctl",
    "kubectl",
    "crictl",
    "ctr",
    "runc",
    "nsenter",
    "chroot",
    "kubeletctl",
    "curl",
    "wget",
    "mount",
];

/// Host paths whose mount into a container gives the container the host (exact match).
const SENSITIVE_EXACT: &[&str] = &[
    "/",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/var/run/crio/crio.sock",
];

/// Host directories whose mount (or a path below them) is sensitive.
const SENSITIVE_TREES: &[&str] = &[
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

/// What the arguments of one command say. Empty (`tool: None`) when the command is
/// not one of [`TOOLS`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommandAnalysis<'a> {
    /// Canonical tool name (`docker`, `kubectl`, ...).
    pub tool: Option<&'static str>,
    /// Wrappers looked through, outermost first (`sudo`, `env`, `sh -c`).
    pub wrappers: Vec<Cow<'a, str>>,
    /// The subcommand, normalised (`exec`, `run`, `create`, `get`, `ps`, ...).
    pub action: Option<Cow<'a, str>>,
    /// The second-level subcommand where one exists (`auth can-i` → `can-i`).
    pub subaction: Option<Cow<'a, str>>,
    /// kubectl resources named (`secrets`, `configmaps`, `pods`, ...), normalised to plural.
    pub resources: Vec<Cow<'a, str>>,
    /// kubectl `-A` / `--all-namespaces`.
    pub all_namespaces: bool,
    /// `--privileged` (or equivalent: `--profile=sysadmin`, overrides with `privileged: true`).
    pub privileged: bool,
    /// Capabilities added, upper case without `CAP_` (`SYS_ADMIN`, `ALL`).
    pub cap_add: Vec<Cow<'a, str>>,
    /// seccomp/apparmor/SELinux confinement turned off.
    pub security_unconfined: bool,
    /// Host namespaces joined (`pid`, `net`, `ipc`, `uts`, `userns`, `cgroupns`).
    pub host_namespaces: Vec<Cow<'a, str>>,
    /// Host devices passed in.
    pub devices: Vec<Cow<'a, str>>,
    /// Sensitive host paths mounted (`/`, `/etc`, `/var/run/docker.sock`, ...).
    pub host_mounts: Vec<Cow<'a, str>>,
    /// Every host path bind-mounted.
    pub mount_sources: Vec<Cow<'a, str>>,
    /// `-i`/`-t`/`--stdin`/`--tty`.
    pub interactive: bool,
    /// The image run.
    pub image: Option<Cow<'a, str>>,
    /// The container, pod or node an action targets.
    pub target: Option<Cow<'a, str>>,
    /// The command run inside the container (after the image, the target or `--`).
    pub inner_args: Vec<Cow<'a, str>>,
    /// `--entrypoint` given.
    pub entrypoint: Option<Cow<'a, str>>,
    /// A remote daemon or API server (`-H tcp://...`, `--server`).
    pub remote: Option<Cow<'a, str>>,
    /// `nsenter --target` PID.
    pub nsenter_target: Option<Cow<'a, str>>,
    /// Namespaces nsenter enters (`mount`, `pid`, `all`, ...).
    pub nsenter_namespaces: Vec<Cow<'a, str>>,
    /// The directory `chroot` changes into.
    pub chroot_dir: Option<Cow<'a, str>>,
    /// URLs in the arguments.
    pub urls: Vec<Cow<'a, str>>,
    /// A request to the kubelet API (`:10250`/`:10255` with `/exec/`, `/run/`, `/pods`, ...) or kubeletctl.
    pub kubelet_api: bool,
    /// A request to the docker API (socket or `:2375`/`:2376`).
    pub docker_api: bool,
    /// A request straight to the Kubernetes API server (`/api/v1/...`, `/apis/...`).
    pub k8s_api: bool,
    /// `kubectl apply|create|replace -f http(s)://...`.
    pub manifest_url: Option<Cow<'a, str>>,
    /// The user an exec runs as (`-u 0`, `--user root`).
    pub exec_user: Option<Cow<'a, str>>,
    /// (field, token) pairs: the arguments that established each fact.
    pub evidence: Vec<(&'static str, String)>,
}

impl<'a> CommandAnalysis<'a> {
    fn note(&mut self, field: &'static str, token: impl Into<String>) {
        crate::fields::note(&mut self.evidence, field, token)
    }

    /// The tokens recorded as evidence for `field`.
    pub fn evidence_for<'s>(&'s self, field: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.evidence
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, t)| t.as_str())
    }
}

/// The canonical name of a program word: basename, lower case, without `.exe`.
pub fn program_name(word: &str) -> String {
    let base = basename(word);
    let base = base
        .strip_suffix(".exe")
        .or_else(|| base.strip_suffix(".EXE"))
        .unwrap_or(base);
    base.to_ascii_lowercase()
}

fn canonical_tool(name: &str) -> Option<&'static str> {
    let name = match name {
        "microk8s.kubectl" | "kubectl1" => "kubectl",
        "docker.io" => "docker",
        n => n,
    };
    TOOLS.iter().copied().find(|t| *t == name)
}

const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];

/// Analyses one argv (argv\[0\] is the program).
///
/// ```
/// use std::borrow::Cow;
/// let argv: Vec<Cow<str>> = ["sudo", "docker", "-H", "tcp://10.0.0.5:2375", "container", "exec", "-it", "web", "sh"]
///     .into_iter().map(Cow::Borrowed).collect();
/// let a = cadet_core::command::analyse(&argv);
/// assert_eq!(a.tool, Some("docker"));
/// assert_eq!(a.action.as_deref(), Some("exec"));
/// assert!(a.interactive);
/// assert_eq!(a.inner_args, ["sh"]);
/// ```
pub fn analyse<'a>(argv: &[Cow<'a, str>]) -> CommandAnalysis<'a> {
    analyse_all(argv).into_iter().next().unwrap_or_default()
}

/// Analyses every container-tool command of an argv: one for a plain command,
/// one per tool invocation for a shell script (`sh -c "docker ps; docker inspect x"`).
/// Returns one analysis with `tool: None` when there is none.
pub fn analyse_all<'a>(argv: &[Cow<'a, str>]) -> Vec<CommandAnalysis<'a>> {
    let mut all = analyse_depth(argv, 0);
    if all.is_empty() {
        all.push(CommandAnalysis::default());
    }
    all
}

fn owned<'a>(words: Vec<String>) -> Vec<Cow<'a, str>> {
    words.into_iter().map(Cow::Owned).collect()
}

fn analyse_depth<'a>(argv: &[Cow<'a, str>], depth: usize) -> Vec<CommandAnalysis<'a>> {
    let mut wrappers: Vec<Cow<'a, str>> = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        let name = program_name(&argv[i]);
        match name.as_str() {
            "sudo" | "doas" => {
                wrappers.push(Cow::Owned(name));
                i += 1;
                while i < argv.len() && argv[i].starts_with('-') {
                    let opt = &*argv[i];
                    i += 1;
                    if opt == "--" {
                        break;
                    }
                    if matches!(
                        opt,
                        "-u" | "-g"
                            | "-C"
                            | "-D"
                            | "-h"
                            | "-p"
                            | "-r"
                            | "-t"
                            | "-U"
                            | "--user"
                            | "--group"
                    ) {
                        i += 1;
                    }
                }
            }
            "env" => {
                wrappers.push(Cow::Owned(name));
                i += 1;
                while i < argv.len() {
                    let w = &*argv[i];
                    if w == "-u" || w == "--unset" {
                        i += 2;
                    } else if w.starts_with('-') || (w.contains('=') && !w.starts_with('=')) {
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            "nohup" | "exec" | "command" | "time" | "setsid" | "chronic" | "stdbuf" | "nice"
            | "ionice" | "timeout" => {
                wrappers.push(Cow::Owned(name.clone()));
                i += 1;
                while i < argv.len() && argv[i].starts_with('-') {
                    let opt = &*argv[i];
                    i += 1;
                    if matches!(opt, "-n" | "-c" | "-s" | "-k" | "-o" | "-e") && !opt.contains('=')
                    {
                        i += 1;
                    }
                }
                if name == "timeout" && i < argv.len() {
                    i += 1; // the duration
                }
            }
            shell if SHELLS.contains(&shell) => {
                let mut j = i + 1;
                if shell == "busybox" {
                    // `busybox sh -c ...`, `busybox nsenter ...`
                    if j < argv.len() && !SHELLS.contains(&program_name(&argv[j]).as_str()) {
                        i = j;
                        continue;
                    }
                    j += 1;
                }
                let mut script = None;
                while j < argv.len() && argv[j].starts_with('-') {
                    let opt = &*argv[j];
                    j += 1;
                    if !opt.starts_with("--") && opt.contains('c') {
                        script = argv.get(j);
                        break;
                    }
                }
                let Some(script) = script else { break };
                if depth >= 4 {
                    break;
                }
                let words = crate::shell::split(script);
                let mut found = Vec::new();
                for segment in
                    words.split(|w| crate::shell::is_operator(w) || w == "then" || w == "do")
                {
                    let seg = owned(segment.to_vec());
                    for mut inner in analyse_depth(&seg, depth + 1) {
                        let mut all = wrappers.clone();
                        all.push(Cow::Owned(alloc::format!("{shell} -c")));
                        all.append(&mut inner.wrappers);
                        inner.wrappers = all;
                        found.push(inner);
                    }
                }
                return found;
            }
            _ => break,
        }
    }
    let mut a = CommandAnalysis {
        wrappers,
        ..CommandAnalysis::default()
    };
    let Some(program) = argv.get(i) else {
        return Vec::new();
    };
    let Some(tool) = canonical_tool(&program_name(program)) else {
        return Vec::new();
    };
    a.tool = Some(tool);
    let args = &argv[i + 1..];
    match tool {
        "docker" | "podman" | "nerdctl" => docker_like(&mut a, args),
        "kubectl" => kubectl(&mut a, args),
        "crictl" => crictl(&mut a, args),
        "ctr" => ctr(&mut a, args),
        "runc" => runc(&mut a, args),
        "nsenter" => nsenter(&mut a, args),
        "chroot" => chroot(&mut a, args),
        "kubeletctl" => kubeletctl(&mut a, args),
        "mount" => mount(&mut a, args),
        _ => http_client(&mut a, args),
    }
    alloc::vec![a]
}

/// Splits `--flag=value` into its parts.
fn split_eq(word: &str) -> (&str, Option<&str>) {
    match word.split_once('=') {
        Some((f, v)) if f.starts_with("--") => (f, Some(v)),
        _ => (word, None),
    }
}

/// A cursor over arguments that knows which flags take values.
struct Flags<'s, 'a> {
    args: &'s [Cow<'a, str>],
    pos: usize,
}

/// One parsed option.
struct Opt<'a> {
    /// Canonical flag (`--volume`, `-v`).
    flag: String,
    /// Its value, if it takes one.
    value: Option<Cow<'a, str>>,
    /// The option as written (`-v /:/host`, `--privileged`).
    written: String,
}

impl<'s, 'a> Flags<'s, 'a> {
    fn new(args: &'s [Cow<'a, str>]) -> Self {
        Flags { args, pos: 0 }
    }

    fn peek(&self) -> Option<&'s Cow<'a, str>> {
        self.args.get(self.pos)
    }

    fn rest(&self) -> &'s [Cow<'a, str>] {
        &self.args[self.pos.min(self.args.len())..]
    }

    /// Reads options until the first positional or `--` (left in place).
    /// `takes_value(flag)` says whether a flag consumes the next word; short
    /// clusters (`-itd`, `-v/:/host`) are expanded letter by letter.
    fn options(&mut self, takes_value: &dyn Fn(&str) -> bool, mut each: impl FnMut(Opt<'a>)) {
        while let Some(word) = self.args.get(self.pos) {
            if word == "--" || !word.starts_with('-') || word.len() == 1 {
                return;
            }
            self.pos += 1;
            if word.starts_with("--") {
                let (flag, inline) = split_eq(word);
                if let Some(v) = inline {
                    each(Opt {
                        flag: flag.to_string(),
                        value: Some(sub_cow(word, flag.len() + 1, v)),
                        written: word.to_string(),
                    });
                } else if takes_value(flag) {
                    let value = self.args.get(self.pos).cloned();
                    self.pos += 1;
                    let written = match &value {
                        Some(v) => alloc::format!("{flag} {v}"),
                        None => flag.to_string(),
                    };
                    each(Opt {
                        flag: flag.to_string(),
                        value,
                        written,
                    });
                } else {
                    each(Opt {
                        flag: flag.to_string(),
                        value: None,
                        written: word.to_string(),
                    });
                }
                continue;
            }
            // Short cluster.
            let letters: Vec<(usize, char)> = word.char_indices().skip(1).collect();
            for (k, &(at, c)) in letters.iter().enumerate() {
                let flag = alloc::format!("-{c}");
                if takes_value(&flag) {
                    let attached = &word[at + c.len_utf8()..];
                    let attached = attached.strip_prefix('=').unwrap_or(attached);
                    let value = if !attached.is_empty() {
                        Some(Cow::Owned(attached.to_string()))
                    } else {
                        let v = self.args.get(self.pos).cloned();
                        self.pos += 1;
                        v
                    };
                    let written = match (&value, attached.is_empty()) {
                        (Some(v), true) => alloc::format!("{flag} {v}"),
                        _ => alloc::format!("{flag}{attached}"),
                    };
                    each(Opt {
                        flag,
                        value,
                        written,
                    });
                    break;
                }
                let _ = k;
                each(Opt {
                    flag,
                    value: None,
                    written: word.to_string(),
                });
            }
        }
    }

    /// The next positional word (skipping nothing).
    fn positional(&mut self) -> Option<&'s Cow<'a, str>> {
        let w = self.args.get(self.pos)?;
        self.pos += 1;
        Some(w)
    }
}

fn sub_cow<'a>(whole: &Cow<'a, str>, start: usize, fallback: &str) -> Cow<'a, str> {
    match whole {
        Cow::Borrowed(s) => Cow::Borrowed(&s[start..]),
        Cow::Owned(_) => Cow::Owned(fallback.to_string()),
    }
}

fn truthy(value: &Option<Cow<'_, str>>) -> bool {
    match value.as_deref() {
        None => true,
        Some(v) => !matches!(v.to_ascii_lowercase().as_str(), "false" | "0" | "no"),
    }
}

/// Normalises a host path: collapses `//`, drops a trailing `/` and `/.`.
fn clean_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for part in p.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// True when mounting host path `p` into a container exposes the host.
pub fn is_sensitive_host_path(p: &str) -> bool {
    let p = clean_path(p);
    SENSITIVE_EXACT.contains(&p.as_str())
        || SENSITIVE_TREES
            .iter()
            .any(|t| p == *t || (p.starts_with(t) && p.as_bytes().get(t.len()) == Some(&b'/')))
}

impl<'a> CommandAnalysis<'a> {
    fn mount_source(&mut self, src: &str, written: &str) {
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
    fn volume(&mut self, spec: &str, written: &str) {
        let src = spec.split(':').next().unwrap_or("");
        self.mount_source(src, written);
    }

    /// `--mount type=bind,source=/,target=/host`
    fn mount(&mut self, spec: &str, written: &str) {
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

    fn cap(&mut self, value: &str, written: &str) {
        for cap in value.split(',') {
            let cap = cap.trim().to_ascii_uppercase();
            let cap = cap.strip_prefix("CAP_").unwrap_or(&cap).to_string();
            if !cap.is_empty() {
                self.cap_add.push(Cow::Owned(cap));
            }
        }
        self.note("cmd.cap_add", written);
    }

    fn host_ns(&mut self, ns: &str, written: &str) {
        let ns = match ns {
            "network" => "net",
            n => n,
        };
        self.host_namespaces.push(Cow::Owned(ns.to_string()));
        self.note("cmd.host_namespaces", written);
    }

    fn security_opt(&mut self, value: &str, written: &str) {
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

    fn set_privileged(&mut self, written: &str) {
        self.privileged = true;
        self.note("cmd.privileged", written);
    }

    fn url(&mut self, word: &str) {
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
        if path.starts_with("/api/v1/") || path.starts_with("/apis/") {
            if port != "10250" && port != "10255" {
                self.k8s_api = true;
                self.note("cmd.k8s_api", word);
            }
        }
    }
}

/// `scheme://host:port/path` or `host:port/path` → (host:port, path).
fn split_url(word: &str) -> Option<(&str, &str)> {
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

const DOCKER_GLOBAL_VALUE: &[&str] = &[
    "-H",
    "--host",
    "-c",
    "--context",
    "--config",
    "-l",
    "--log-level",
    "--tlscacert",
    "--tlscert",
    "--tlskey",
    "--url",
    "--connection",
    "--root",
    "--runroot",
    "--cgroup-manager",
    "--storage-driver",
    "--namespace",
    "-n",
    "--address",
    "-a",
    "--snapshotter",
    "--cni-path",
    "--data-root",
    "--identity",
    "--module",
];

const DOCKER_RUN_BOOL: &[&str] = &[
    "--privileged",
    "--rm",
    "--detach",
    "--interactive",
    "--tty",
    "--init",
    "--read-only",
    "--no-healthcheck",
    "--publish-all",
    "--oom-kill-disable",
    "--disable-content-trust",
    "--sig-proxy",
    "--help",
    "--quiet",
    "--privileged=true",
    "--replace",
    "--http-proxy",
    "--rootfs",
    "--no-hosts",
    "--tls-verify",
    "--env-host",
    "--systemd",
    "--use-api-version",
];

fn docker_run_takes_value(flag: &str) -> bool {
    if flag.starts_with("--") {
        return !DOCKER_RUN_BOOL.contains(&flag);
    }
    matches!(
        flag,
        "-a" | "-c" | "-e" | "-h" | "-l" | "-m" | "-p" | "-u" | "-v" | "-w"
    )
}

fn docker_like<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    f.options(&|flag| DOCKER_GLOBAL_VALUE.contains(&flag), |o| {
        if matches!(o.flag.as_str(), "-H" | "--host" | "--url" | "--connection") {
            if let Some(v) = o.value {
                a.note("cmd.remote", o.written.clone());
                a.url(&v);
                a.remote = Some(v);
            }
        }
    });
    if f.peek().map(|w| w == "--").unwrap_or(false) {
        f.pos += 1;
    }
    let Some(first) = f.positional() else { return };
    let first = first.to_ascii_lowercase();
    let action: String = match first.as_str() {
        "container" | "containers" => match f.positional().map(|w| w.to_ascii_lowercase()) {
            Some(sub) => match sub.as_str() {
                "ls" | "list" => "ps".into(),
                _ => sub,
            },
            None => first,
        },
        "image" | "images" if first == "image" => {
            match f.positional().map(|w| w.to_ascii_lowercase()) {
                Some(sub) => match sub.as_str() {
                    "ls" | "list" => "images".into(),
                    "rm" => "rmi".into(),
                    _ => sub,
                },
                None => first,
            }
        }
        "system" => match f.positional().map(|w| w.to_ascii_lowercase()) {
            Some(sub) => sub,
            None => first,
        },
        "network" | "volume" | "compose" | "plugin" | "secret" | "service" | "stack" | "node"
        | "swarm" | "buildx" | "builder" | "context" | "pod" | "machine" => {
            a.subaction = f.positional().map(|w| Cow::Owned(w.to_ascii_lowercase()));
            first
        }
        _ => first,
    };
    a.action = Some(Cow::Owned(action.clone()));
    match action.as_str() {
        "run" | "create" | "exec" => {}
        _ => {
            a.target = f.positional().cloned();
            if action == "pull" {
                a.image = a.target.clone();
            }
            return;
        }
    }
    let mut entrypoint = None;
    f.options(&docker_run_takes_value, |o| {
        let v = o.value.as_deref().unwrap_or("");
        match o.flag.as_str() {
            "--privileged" if truthy(&o.value) => a.set_privileged(&o.written),
            "--cap-add" => a.cap(v, &o.written),
            "--security-opt" => a.security_opt(v, &o.written),
            "--pid" | "--net" | "--network" | "--ipc" | "--uts" | "--userns" | "--cgroupns"
                if v.eq_ignore_ascii_case("host") =>
            {
                a.host_ns(&o.flag[2..], &o.written)
            }
            "--device" => {
                a.devices.push(Cow::Owned(v.to_string()));
                a.note("cmd.devices", o.written.clone());
            }
            "-v" | "--volume" => a.volume(v, &o.written),
            "--mount" => a.mount(v, &o.written),
            "-i" | "-t" | "--interactive" | "--tty" => {
                if truthy(&o.value) {
                    a.interactive = true;
                }
            }
            "-u" | "--user" => a.exec_user = o.value.clone(),
            "--entrypoint" => entrypoint = o.value.clone(),
            _ => {}
        }
    });
    if f.peek().map(|w| w == "--").unwrap_or(false) {
        f.pos += 1;
    }
    let first_positional = f.positional().cloned();
    if action == "exec" {
        a.target = first_positional;
    } else {
        a.image = first_positional;
    }
    if let Some(ep) = entrypoint {
        a.note("cmd.entrypoint", alloc::format!("--entrypoint {ep}"));
        a.inner_args.push(ep.clone());
        a.entrypoint = Some(ep);
    }
    a.inner_args.extend(f.rest().iter().cloned());
}

const KUBECTL_VALUE: &[&str] = &[
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

fn kubectl_resource(word: &str) -> String {
    let w = word.to_ascii_lowercase();
    let w = w.split('/').next().unwrap_or("");
    let w = w.split('.').next().unwrap_or(w); // secrets.v1. -> secrets
    match w {
        "secret" | "secrets" => "secrets",
        "cm" | "configmap" | "configmaps" => "configmaps",
        "po" | "pod" | "pods" => "pods",
        "deploy" | "deployment" | "deployments" => "deployments",
        "ds" | "daemonset" | "daemonsets" => "daemonsets",
        "sa" | "serviceaccount" | "serviceaccounts" => "serviceaccounts",
        "no" | "node" | "nodes" => "nodes",
        "ns" | "namespace" | "namespaces" => "namespaces",
        "rolebinding" | "rolebindings" => "rolebindings",
        "clusterrolebinding" | "clusterrolebindings" => "clusterrolebindings",
        other => return other.to_string(),
    }
    .to_string()
}

fn kubectl<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
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
fn pod_overrides(a: &mut CommandAnalysis<'_>, text: &str) {
    let Ok(doc) = crate::json::Json::parse(text.as_bytes()) else {
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

fn crictl<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    f.options(
        &|flag| {
            matches!(
                flag,
                "-r" | "--runtime-endpoint"
                    | "-i"
                    | "--image-endpoint"
                    | "-t"
                    | "--timeout"
                    | "-c"
                    | "--config"
            )
        },
        |_| {},
    );
    let Some(action) = f.positional() else { return };
    let action = action.to_ascii_lowercase();
    a.action = Some(Cow::Owned(action.clone()));
    f.options(
        &|flag| matches!(flag, "--timeout" | "-e" | "--env" | "-w" | "--workdir"),
        |o| {
            if matches!(o.flag.as_str(), "-i" | "-t" | "--interactive" | "--tty") {
                a.interactive = true;
            }
        },
    );
    if f.peek().map(|w| w == "--").unwrap_or(false) {
        f.pos += 1;
    }
    a.target = f.positional().cloned();
    if action == "exec" {
        let rest = f.rest();
        let rest = if rest.first().map(|w| w == "--").unwrap_or(false) {
            &rest[1..]
        } else {
            rest
        };
        a.inner_args.extend(rest.iter().cloned());
    }
}

const CTR_RUN_BOOL: &[&str] = &[
    "--privileged",
    "--rm",
    "-t",
    "--tty",
    "-d",
    "--detach",
    "--net-host",
    "--privileged-without-host-devices",
    "--read-only",
    "--null-io",
    "--rootfs",
    "--no-pivot",
    "--allow-new-privs",
    "--help",
    "--cni",
    "--sync-fs",
];

fn ctr<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    f.options(
        &|flag| {
            matches!(
                flag,
                "-a" | "--address" | "-n" | "--namespace" | "--timeout" | "--connect-timeout"
            )
        },
        |_| {},
    );
    let Some(first) = f.positional() else { return };
    let first = first.to_ascii_lowercase();
    let action: String = match first.as_str() {
        "run" => "run".into(),
        "c" | "container" | "containers" | "t" | "task" | "tasks" | "i" | "image" | "images" => {
            match f.positional() {
                Some(sub) => {
                    a.subaction = Some(Cow::Owned(first.clone()));
                    sub.to_ascii_lowercase()
                }
                None => first,
            }
        }
        _ => first,
    };
    a.action = Some(Cow::Owned(action.clone()));
    if !matches!(action.as_str(), "run" | "create" | "exec") {
        a.target = f.positional().cloned();
        return;
    }
    f.options(&|flag| !CTR_RUN_BOOL.contains(&flag), |o| {
        let v = o.value.as_deref().unwrap_or("");
        match o.flag.as_str() {
            "--privileged" if truthy(&o.value) => a.set_privileged(&o.written),
            "--net-host" => a.host_ns("net", &o.written),
            "--with-ns" => {
                // pid:/proc/1/ns/pid joins the host's namespace
                if let Some((ns, path)) = v.split_once(':') {
                    if path.starts_with("/proc/1/") {
                        a.host_ns(ns, &o.written);
                    }
                }
            }
            "--cap-add" => a.cap(v, &o.written),
            "--mount" => a.mount(v, &o.written),
            "--device" => {
                a.devices.push(Cow::Owned(v.to_string()));
                a.note("cmd.devices", o.written.clone());
            }
            "-t" | "--tty" => a.interactive = true,
            "--user" | "-u" => a.exec_user = o.value.clone(),
            _ => {}
        }
    });
    if action == "exec" {
        a.target = f.positional().cloned();
    } else {
        a.image = f.positional().cloned();
        a.target = f.positional().cloned();
    }
    a.inner_args.extend(f.rest().iter().cloned());
}

fn runc<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    f.options(
        &|flag| {
            matches!(
                flag,
                "--root" | "--log" | "--log-format" | "--criu" | "--rootless"
            )
        },
        |_| {},
    );
    let Some(action) = f.positional() else { return };
    let action = action.to_ascii_lowercase();
    a.action = Some(Cow::Owned(action.clone()));
    let takes = |flag: &str| {
        matches!(
            flag,
            "--cwd"
                | "--env"
                | "-e"
                | "--user"
                | "-u"
                | "--cap"
                | "-c"
                | "--process"
                | "-p"
                | "--pid-file"
                | "--console-socket"
                | "--preserve-fds"
                | "--additional-gids"
                | "-g"
                | "--apparmor"
                | "--process-label"
                | "--bundle"
                | "-b"
        )
    };
    f.options(&takes, |o| match o.flag.as_str() {
        "-t" | "--tty" => a.interactive = true,
        "--cap" | "-c" => a.cap(o.value.as_deref().unwrap_or(""), &o.written),
        "--user" | "-u" => a.exec_user = o.value.clone(),
        _ => {}
    });
    a.target = f.positional().cloned();
    if action == "exec" {
        a.inner_args.extend(f.rest().iter().cloned());
    }
}

fn nsenter<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    a.action = Some(Cow::Borrowed("enter"));
    let takes = |flag: &str| {
        matches!(
            flag,
            "-t" | "--target" | "-S" | "--setuid" | "-G" | "--setgid" | "-r" | "-w" | "-Z"
        )
    };
    let mut target_written = String::new();
    f.options(&takes, |o| {
        let ns = match o.flag.as_str() {
            "-t" | "--target" => {
                target_written = o.written.clone();
                a.nsenter_target = o.value.clone();
                None
            }
            "-m" | "--mount" => Some("mount"),
            "-u" | "--uts" => Some("uts"),
            "-i" | "--ipc" => Some("ipc"),
            "-n" | "--net" => Some("net"),
            "-p" | "--pid" => Some("pid"),
            "-U" | "--user" => Some("user"),
            "-C" | "--cgroup" => Some("cgroup"),
            "-T" | "--time" => Some("time"),
            "-a" | "--all" => Some("all"),
            _ => None,
        };
        if let Some(ns) = ns {
            a.nsenter_namespaces.push(Cow::Borrowed(ns));
        }
    });
    if f.peek().map(|w| w == "--").unwrap_or(false) {
        f.pos += 1;
    }
    if a.nsenter_target.as_deref() == Some("1") {
        let mut written = String::from("nsenter ");
        written.push_str(&target_written);
        a.note("cmd.nsenter_target", written);
    }
    a.inner_args.extend(f.rest().iter().cloned());
}

fn chroot<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    a.action = Some(Cow::Borrowed("chroot"));
    f.options(&|flag| matches!(flag, "--userspec" | "--groups"), |_| {});
    if f.peek().map(|w| w == "--").unwrap_or(false) {
        f.pos += 1;
    }
    if let Some(dir) = f.positional() {
        a.note("cmd.chroot_dir", alloc::format!("chroot {dir}"));
        a.chroot_dir = Some(Cow::Owned(clean_path(dir)));
    }
    a.inner_args.extend(f.rest().iter().cloned());
}

fn kubeletctl<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    let takes = |flag: &str| {
        matches!(
            flag,
            "-s" | "--server"
                | "--port"
                | "-p"
                | "--pod"
                | "-c"
                | "--container"
                | "-n"
                | "--namespace"
                | "--cacert"
                | "--cert"
                | "--key"
                | "-i"
                | "--http-proxy"
                | "--cidr"
        )
    };
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

fn http_client<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
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

/// `mount [-t type] [-o opts] DEVICE DIR`: host block devices mounted (an escape from a privileged container).
fn mount<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    a.action = Some(Cow::Borrowed("mount"));
    f.options(
        &|flag| {
            matches!(
                flag,
                "-t" | "--types" | "-o" | "--options" | "-L" | "-U" | "--source" | "--target"
            )
        },
        |_| {},
    );
    if let Some(device) = f.positional() {
        if device.starts_with("/dev/") {
            a.devices.push(device.clone());
            a.note("cmd.devices", alloc::format!("mount {device}"));
        }
        a.target = f.positional().cloned();
    }
}
