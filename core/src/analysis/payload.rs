//! What runs inside a container: the command after `docker exec CONTAINER`,
//! `kubectl exec POD --`, an image's command, or the `?command=` of a
//! Kubernetes exec request. The same analysis serves every source.

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::analysis::program_name;

/// Facts about the command run inside a container.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Payload<'a> {
    /// The words of the command.
    pub args: Vec<Cow<'a, str>>,
    /// The words joined with spaces.
    pub command_line: String,
    /// The command is an interactive shell or a shell running a script.
    pub shell: bool,
    /// A reverse shell (`/dev/tcp/`, `nc -e`, `socat exec:`, ...).
    pub reverse_shell: bool,
    /// A download tool (`curl`, `wget`).
    pub download: bool,
    /// Reads the pod's service-account token.
    pub sa_token: bool,
    /// Talks to a cloud instance-metadata endpoint.
    pub cloud_metadata: bool,
    /// Reads credentials or other sensitive files.
    pub sensitive_file: bool,
    /// Known cryptominer names and pools (TeamTNT, Kinsing).
    pub miner: bool,
    /// Breaks out to the host from inside (`nsenter -t 1`, `chroot /host`, `release_agent`).
    pub host_escape: bool,
    /// (field, pattern) pairs that set the facts above.
    pub evidence: Vec<(&'static str, String)>,
}

/// Program names that are shells: a payload that is one of them is `payload.shell`.
pub const SHELL_NAMES: &[&str] = &[
    "sh",
    "bash",
    "ash",
    "dash",
    "zsh",
    "ksh",
    "busybox",
    "powershell",
    "pwsh",
    "cmd",
];

/// (fact, substring) pairs the payload's command line is searched for, ASCII
/// case-insensitively: the reverse-shell, download, token, metadata, sensitive-file, miner
/// and host-escape facts.
pub const PATTERNS: &[(&str, &str)] = &[
    ("payload.reverse_shell", "/dev/tcp/"),
    ("payload.reverse_shell", "/dev/udp/"),
    ("payload.reverse_shell", "nc -e"),
    ("payload.reverse_shell", "ncat -e"),
    ("payload.reverse_shell", "nc.traditional -e"),
    ("payload.reverse_shell", "socat exec:"),
    ("payload.reverse_shell", "socat tcp"),
    ("payload.reverse_shell", "mkfifo"),
    ("payload.reverse_shell", "pty.spawn"),
    ("payload.reverse_shell", "socket.socket"),
    ("payload.reverse_shell", "use socket"),
    ("payload.reverse_shell", "fsockopen"),
    (
        "payload.sa_token",
        "/var/run/secrets/kubernetes.io/serviceaccount",
    ),
    (
        "payload.sa_token",
        "/run/secrets/kubernetes.io/serviceaccount",
    ),
    ("payload.sa_token", "/var/run/secrets/eks.amazonaws.com"),
    // Projected tokens of cloud workload identities (Azure Workload Identity's
    // azure-identity-token) and the Kubernetes docs' projected-volume path.
    ("payload.sa_token", "/var/run/secrets/azure/tokens/"),
    ("payload.sa_token", "/var/run/secrets/tokens/"),
    ("payload.cloud_metadata", "169.254.169.254"),
    ("payload.cloud_metadata", "metadata.google.internal"),
    ("payload.cloud_metadata", "169.254.170.2"),
    ("payload.cloud_metadata", "100.100.100.200"),
    ("payload.cloud_metadata", "fd00:ec2::254"),
    ("payload.sensitive_file", "/etc/shadow"),
    ("payload.sensitive_file", "/etc/sudoers"),
    ("payload.sensitive_file", "/.ssh/"),
    ("payload.sensitive_file", "/etc/kubernetes/"),
    ("payload.sensitive_file", ".kube/config"),
    ("payload.sensitive_file", "/var/lib/kubelet/"),
    ("payload.sensitive_file", "kubelet.conf"),
    ("payload.sensitive_file", "/proc/1/environ"),
    ("payload.sensitive_file", ".aws/credentials"),
    ("payload.sensitive_file", ".docker/config.json"),
    ("payload.sensitive_file", "/etc/rancher/"),
    ("payload.miner", "xmrig"),
    ("payload.miner", "stratum+tcp"),
    ("payload.miner", "minerd"),
    ("payload.miner", "kdevtmpfsi"),
    ("payload.miner", "kinsing"),
    ("payload.host_escape", "chroot /host"),
    ("payload.host_escape", "/proc/1/root"),
    ("payload.host_escape", "/proc/1/ns/"),
    ("payload.host_escape", "release_agent"),
    ("payload.host_escape", "notify_on_release"),
    ("payload.host_escape", "core_pattern"),
];

impl<'a> Payload<'a> {
    /// Analyses the words of a command run inside a container.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// let words: Vec<Cow<str>> = ["sh", "-c", "cat /var/run/secrets/kubernetes.io/serviceaccount/token"]
    ///     .into_iter().map(Cow::Borrowed).collect();
    /// let p = cadet_core::parts::analysis::Payload::analyse(&words);
    /// assert!(p.shell && p.sa_token);
    /// ```
    pub fn analyse(args: &[Cow<'a, str>]) -> Payload<'a> {
        let mut p = Payload {
            args: args.to_vec(),
            ..Payload::default()
        };
        if args.is_empty() {
            return p;
        }
        p.command_line = crate::text::join(args);
        let lower = p.command_line.to_ascii_lowercase();
        if SHELL_NAMES.contains(&program_name(&args[0]).as_str()) {
            p.shell = true;
            p.evidence.push(("payload.shell", args[0].to_string()));
        }
        // Download tools anywhere in the command (also inside `sh -c "..."`).
        let words = crate::text::shell_words::split(&lower);
        for w in &words {
            let name = program_name(w);
            if name == "curl" || name == "wget" {
                p.download = true;
                p.evidence.push(("payload.download", name));
                break;
            }
        }
        // nsenter into PID 1 from inside a container.
        for seg in words.split(|w| crate::text::shell_words::is_operator(w)) {
            if seg.first().map(|w| program_name(w)) == Some(String::from("nsenter")) {
                let seg: Vec<Cow<'_, str>> =
                    seg.iter().map(|s| Cow::Borrowed(s.as_str())).collect();
                let a = crate::analysis::analyse(&seg);
                if a.nsenter_target.as_deref() == Some("1") {
                    p.host_escape = true;
                    p.evidence
                        .push(("payload.host_escape", String::from("nsenter -t 1")));
                }
            }
        }
        for (field, pat) in PATTERNS {
            if lower.contains(pat) {
                let flag = match *field {
                    "payload.reverse_shell" => &mut p.reverse_shell,
                    "payload.sa_token" => &mut p.sa_token,
                    "payload.cloud_metadata" => &mut p.cloud_metadata,
                    "payload.sensitive_file" => &mut p.sensitive_file,
                    "payload.miner" => &mut p.miner,
                    _ => &mut p.host_escape,
                };
                *flag = true;
                p.evidence.push((field, pat.to_string()));
            }
        }
        p
    }
}
