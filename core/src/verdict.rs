//! The verdict cadet attaches to every record under the key `cadet`.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// How urgent a verdict is. Serialised in lower case (`"none"` … `"critical"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Nothing matched.
    #[default]
    None,
    /// Worth a look in bulk review.
    Low,
    /// Investigate within the day.
    Medium,
    /// Investigate now.
    High,
    /// Likely compromise or escape to the host.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::None,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lower-case name used in JSON and rule files.
    ///
    /// ```
    /// assert_eq!(cadet_core::Severity::High.as_str(), "high");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lower-case severity name.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// One step lower (used for suppressed records); `None` stays `None`.
    pub fn lowered(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::None => Severity::None,
        }
    }
}

/// The five yes/no flags every verdict carries: the four columns of the
/// QRadar T1059.013 query plus `escape` (breaking out to the host).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    /// `--privileged`, added capabilities, host namespaces, `privileged: true`.
    pub privileged_container: bool,
    /// A sensitive host path (`/`, `/etc`, the docker socket, ...) mounted into a container.
    pub host_mount: bool,
    /// A command executed inside a running container (`docker exec`, `pods/exec`, kubelet `/exec`).
    pub container_exec: bool,
    /// Secrets or configmaps read or listed.
    pub secrets_access: bool,
    /// An escape to the host: `nsenter -t 1`, `chroot /host`, host PID namespace with a shell, ...
    pub escape: bool,
}

impl Flags {
    /// The flag names as they appear in JSON and in rule files.
    pub const NAMES: [&'static str; 5] = [
        "privileged_container",
        "host_mount",
        "container_exec",
        "secrets_access",
        "escape",
    ];

    /// Sets the flag called `name`; returns false for an unknown name.
    pub fn set(&mut self, name: &str) -> bool {
        match name {
            "privileged_container" => self.privileged_container = true,
            "host_mount" => self.host_mount = true,
            "container_exec" => self.container_exec = true,
            "secrets_access" => self.secrets_access = true,
            "escape" => self.escape = true,
            _ => return false,
        }
        true
    }

    /// True when no flag is set.
    pub fn is_empty(&self) -> bool {
        *self == Flags::default()
    }
}

/// One rule that contributed to a verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleHit {
    /// The rule's id, e.g. `cadet.proc.privileged_run`.
    pub id: String,
    /// The rule's one-line title.
    pub title: String,
    /// What the rule contributed to the score.
    pub score: u32,
}

/// What the optional first-seen detector state knew about the record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// First time this user was seen running a container-administration command.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub first_seen_user_exec: bool,
    /// First time this user was seen from this source IP.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub first_seen_user_ip: bool,
    /// The user's exec/attach count in the current window went over the spike limit.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub exec_spike: bool,
    /// The user's exec/attach count in the current window (0 when unknown).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub exec_rate: u32,
    /// The user read many different kinds of resources within the window (enumeration).
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub discovery_burst: bool,
    /// Distinct resources the user read in the current window (0 when not tracked).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub discovery_resources: u32,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// The controller a pod belongs to, for a pod made by a Deployment, DaemonSet, Job, ...
/// (`metadata.ownerReferences`), and who created it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// The owner's kind (`ReplicaSet`, `DaemonSet`, `Job`, `StatefulSet`, `Node` for a mirror pod).
    pub kind: String,
    /// The owner's name.
    pub name: String,
    /// The identity that made the request (`system:serviceaccount:kube-system:daemon-set-controller`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// Analyst guidance derived from the triage card (seed 004).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    /// Escalation criteria of the triage card that cadet can see are met.
    pub escalate: Vec<String>,
    /// Response step ids the matched rules name.
    pub steps: Vec<String>,
}

/// The result of scoring one record.
///
/// Serialised (by [`Verdict::to_json`]) with the fields in declaration order;
/// optional fields are left out when empty, so the bytes are the same in every
/// build of cadet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The profile that produced this verdict.
    pub profile: String,
    /// Whether the record reached the profile's threshold.
    pub matched: bool,
    /// 0–100 (the `suspicion_score` for `qradar-t1059-013`); 0 when not matched.
    pub score: u32,
    /// Derived from the score by the profile's severity bands.
    pub severity: Severity,
    /// ATT&CK technique ids of the matched rules, sorted, without duplicates.
    pub techniques: Vec<String>,
    /// The matched rules in pack order.
    pub rules: Vec<RuleHit>,
    /// The five flags.
    pub flags: Flags,
    /// The argument or field values that made rules match, in match order.
    pub indicators: Vec<String>,
    /// The normaliser that read the record (`ecs`, `sysmon`, `auditd`, `k8s_audit`, ...); matched records only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The audit stage of the record scored (`ResponseStarted`, ...), for records that have one:
    /// lets a downstream system deduplicate by `auditID` when cadet's own set is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// This record repeats a request (same `auditID`) already scored at the named stage: it is
    /// not matched again, and says so rather than being dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of_stage: Option<String>,
    /// The request was refused (authorization `forbid`, 401/403): what matched is an attempt.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub denied: bool,
    /// The controller of a pod made by one, and who created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// First-seen and rate context from the detector state, when it had something to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// The suppression entry that lowered this verdict's severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed_by: Option<String>,
    /// Triage guidance for the analyst (matched records only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage: Option<Triage>,
    /// What went wrong reading the record; the record itself is passed on unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Verdict {
    /// The verdict for a record that matched nothing in `profile`.
    pub fn not_matched(profile: &str) -> Verdict {
        Verdict {
            profile: String::from(profile),
            ..Verdict::default()
        }
    }

    /// Compact JSON, byte-identical across all builds.
    pub fn to_json(&self) -> String {
        // Serialising plain structs of strings, integers and bools cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
