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

mod cri;
mod docker;
mod evidence;
mod facts;
mod flag_cursor;
pub(crate) mod host_paths;
mod host_tools;
mod http;
mod kubectl;
mod lxc;
pub(crate) mod payload;
mod wrappers;

use crate::text::{basename, clean_path};
use cri::*;
use docker::*;
pub(crate) use evidence::note;
use flag_cursor::*;
pub use host_paths::{is_sensitive_host_path, sensitive_host_path};
use host_tools::*;
use http::*;
use kubectl::*;
pub use lxc::LXC_VALUE;
use lxc::*;
pub(crate) use payload::Payload;
use wrappers::*;
pub use wrappers::{
    program_name, PASS_THROUGH, PASS_THROUGH_VALUE, RESERVED, SHELLS, SUDO_VALUE, TOOL_ALIASES,
};
// The flag tables of each tool family, for the VRL twin (cadet_core::parts::analysis).
pub use cri::{
    CRICTL_ACTION_VALUE, CRICTL_GLOBAL_VALUE, CTR_GLOBAL_VALUE, CTR_GROUPS, CTR_RUN_BOOL,
    RUNC_ACTION_VALUE, RUNC_GLOBAL_VALUE,
};
pub use docker::{DOCKER_GLOBAL_VALUE, DOCKER_GROUPS, DOCKER_RUN_BOOL, DOCKER_RUN_SHORT_VALUE};
pub use host_tools::{CHROOT_VALUE, MOUNT_VALUE, NSENTER_VALUE};
pub use http::KUBELETCTL_VALUE;
pub use kubectl::{KUBECTL_RESOURCE_NAMES, KUBECTL_VALUE};

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
    "lxc",
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
        crate::analysis::note(&mut self.evidence, field, token)
    }

    /// The tokens recorded as evidence for `field`.
    pub fn evidence_for<'s>(&'s self, field: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.evidence
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, t)| t.as_str())
    }
}

/// Analyses one argv (argv\[0\] is the program).
///
/// ```
/// use std::borrow::Cow;
/// let argv: Vec<Cow<str>> = ["sudo", "docker", "-H", "tcp://10.0.0.5:2375", "container", "exec", "-it", "web", "sh"]
///     .into_iter().map(Cow::Borrowed).collect();
/// let a = cadet_core::parts::analysis::analyse(&argv);
/// assert_eq!(a.tool, Some("docker"));
/// assert_eq!(a.action.as_deref(), Some("exec"));
/// assert!(a.interactive);
/// assert_eq!(a.inner_args, ["sh"]);
/// ```
pub fn analyse<'a>(argv: &[Cow<'a, str>]) -> CommandAnalysis<'a> {
    analyse_all(argv).into_iter().next().unwrap_or_default()
}

/// Analyses every container-tool command of a shell line (shell history, sudo's
/// `COMMAND=`, a command line logged without its argv): every command between `;`, `&&`,
/// `||`, `|`, `&`, newlines and parentheses, inside `$(…)` and backticks, after `VAR=value`
/// and reserved words, each read like an argv (the same path as an `sh -c` script). Returns
/// one analysis with `tool: None` when there is none.
///
/// ```
/// let all = cadet_core::parts::analysis::analyse_line("TOKEN=$(kubectl exec web -- cat /t); echo $TOKEN");
/// assert_eq!(all.len(), 1);
/// assert_eq!(all[0].action.as_deref(), Some("exec"));
/// assert_eq!(all[0].inner_args, ["cat", "/t"]);
/// ```
pub fn analyse_line<'a>(line: &str) -> Vec<CommandAnalysis<'a>> {
    let mut all = analyse_script(line, 0, &[]);
    if all.is_empty() {
        all.push(CommandAnalysis::default());
    }
    all
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
