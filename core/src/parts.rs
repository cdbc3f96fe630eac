//! The building blocks below [`crate::Engine`], for the programs that mirror or probe them:
//! the VRL generator (`vrl-export`, which compiles the same tables into VRL), benchmarks, fuzz
//! targets and the core's own integration tests. Hosts do not need them.
//!
//! This is not a stable API: it follows the core's layout (see ARCHITECTURE.md) and changes
//! with it. Every table the VRL twin reads lives here, so a change to a core table reaches
//! VRL with no hand edit.

/// Text helpers: words, JSON, time, wildcards.
pub mod text {
    pub use crate::engine::trim;
    pub use crate::text::json::{nesting_depth, Json, JsonError, MAX_DEPTH};
    pub use crate::text::shell_words::{
        is_windows_command, split, split_commands, split_windows,
        MAX_COMMANDS as MAX_SHELL_COMMANDS, MAX_DEPTH as MAX_SHELL_DEPTH,
    };
    pub use crate::text::time::rfc3339_seconds;
    pub use crate::text::wildcard::Wildcard;
    pub use crate::text::{basename, clean_path, percent_decode, query_values};
}

/// The byte-level prefilter.
pub mod prefilter {
    pub use crate::prefilter::bigram_searcher::BigramSearcher;
    pub use crate::prefilter::{Prefilter, Strategy};
}

/// Argument-aware analysis of command lines and what runs inside a container.
pub mod analysis {
    pub use crate::analysis::host_paths::{
        is_sensitive_host_path, sensitive_host_path, EXTRA_SENSITIVE, SENSITIVE_EXACT,
        SENSITIVE_TREES,
    };
    pub use crate::analysis::payload::{Payload, PATTERNS, SHELL_NAMES};
    pub use crate::analysis::{
        analyse, analyse_all, analyse_line, program_name, CommandAnalysis, LXC_VALUE, PASS_THROUGH,
        PASS_THROUGH_VALUE, RESERVED, SHELLS, SUDO_VALUE, TOOLS, TOOL_ALIASES,
    };
    /// The flag tables of each tool family: which flags take a value, the command groups.
    pub use crate::analysis::{
        CHROOT_VALUE, CRICTL_ACTION_VALUE, CRICTL_GLOBAL_VALUE, CTR_GLOBAL_VALUE, CTR_GROUPS,
        CTR_RUN_BOOL, DOCKER_GLOBAL_VALUE, DOCKER_GROUPS, DOCKER_RUN_BOOL, DOCKER_RUN_SHORT_VALUE,
        KUBECTL_RESOURCE_NAMES, KUBECTL_VALUE, KUBELETCTL_VALUE, MOUNT_VALUE, NSENTER_VALUE,
        RUNC_ACTION_VALUE, RUNC_GLOBAL_VALUE,
    };
}

/// The normalised event.
pub mod event {
    pub use crate::event::{
        ControlPlane, Event, EventKind, PodFacts, ProcessStart, Segment, Value,
    };
}

/// The normalisers.
pub mod source {
    pub use crate::source::control_plane::pod_spec::WORKLOAD_KINDS;
    pub use crate::source::control_plane::MARKERS;
    pub use crate::source::process::auditd::read_line as read_auditd_line;
    pub use crate::source::process::process_fields::{
        ProcessFieldNames, ECS, SPLUNK_CIM, SYSMON, WINDOWS_4688,
    };
    pub use crate::source::{normalise, normalise_text};
}

/// The condition language and what can be read from a condition without evaluating it.
pub mod condition {
    pub use crate::condition::analysis::{
        applicable_kinds, required_presence, required_values, Presence,
    };
    pub use crate::condition::{
        Condition, ConditionError, Lists, Literal, LiteralAlternation, Macros, Op, Pattern,
    };
    pub use crate::condition::{
        MAX_CONDITION_LEN, MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES, MAX_LIST_LEN, MAX_MACRO_CHAIN,
        MAX_NESTING,
    };
}

/// Suppressions and the first-seen state.
pub mod pack {
    pub use crate::engine::state::{DetectorState, RATE_WINDOW_SECS};
    pub use crate::pack::correlation::{
        parse_timespan, MAX_CORRELATIONS, MAX_GROUP_BY, MAX_THRESHOLD, MAX_TIMESPAN_SECS,
    };
    pub use crate::pack::suppress::{RawSuppression, Suppression};
}
