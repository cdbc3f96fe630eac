//! # cadet-alert
//!
//! cadet's verdicts in the formats SOCs ingest: an **ECS alert document** (Elastic Common
//! Schema, `event.kind: alert`) or an **OCSF Detection Finding** (class 2004, OCSF 1.5.0), built
//! from the original record and its [`Verdict`]. `no_std` + `alloc` like the core, so every host
//! (CLI, WASI component, Fluent Bit module, Envoy filter, playground) can link it.
//!
//! ```
//! use cadet_alert::{Alerter, Output};
//! use cadet_core::{Config, Engine};
//!
//! let mut engine = Engine::new(&Config::default()).unwrap();
//! let alerter = Alerter::new(&engine);
//! let line = br#"{"@timestamp":"2026-11-20T10:15:02.113Z","process":{"pid":7,"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}"#;
//! let verdict = engine.score(line);
//! let mut out = Vec::new();
//! assert!(alerter.write(Output::Ocsf, line, &verdict, 1_795_000_000_000, &mut out));
//! let finding: serde_json::Value = serde_json::from_slice(&out).unwrap();
//! assert_eq!(finding["class_uid"], 2004);
//! assert_eq!(finding["time"], 1_795_169_702_113_i64); // the record's own @timestamp
//! ```
//!
//! The core keeps no clock: each call takes `received_ms`, the host's time when the record
//! arrived, used where the record carries no timestamp of its own (and as ECS `event.created`
//! / OCSF `metadata.processed_time`).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod attack;
pub mod ecs;
pub mod facts;
pub mod ocsf;
pub mod time;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::{Engine, RuleHit, Severity, Verdict};

pub use facts::Facts;

/// The version of cadet written into alerts (`metadata.product.version`, `observer.version`).
pub const PRODUCT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a host writes for a scored record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Output {
    /// The record enriched with `"cadet": <verdict>` (every record, as today).
    #[default]
    Cadet,
    /// An ECS alert document (matched records only).
    Ecs,
    /// An OCSF Detection Finding (matched records only).
    Ocsf,
}

impl Output {
    /// Every output, in the order of [`Output::NAMES`].
    pub const ALL: [Output; 3] = [Output::Cadet, Output::Ecs, Output::Ocsf];
    /// The names hosts accept in their configuration.
    pub const NAMES: [&'static str; 3] = ["cadet", "ecs", "ocsf"];

    /// Parses `cadet`, `ecs` or `ocsf` (case-insensitive).
    pub fn parse(name: &str) -> Option<Output> {
        Output::NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name.trim()))
            .map(|i| Output::ALL[i])
    }

    /// The configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            Output::Cadet => "cadet",
            Output::Ecs => "ecs",
            Output::Ocsf => "ocsf",
        }
    }
}

/// What an alert says about one rule, beyond the verdict's id/title/score.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleInfo {
    /// The rule id (`cadet.proc.privileged_container`).
    pub id: String,
    /// Its one-line title.
    pub title: String,
    /// Its longer explanation (may be empty).
    pub description: String,
    /// Links to more about the rule (may be empty).
    pub references: Vec<String>,
    /// ATT&CK technique ids.
    pub techniques: Vec<String>,
}

/// Renders verdicts as alerts. Build one per engine (it copies the rules' metadata) and call
/// [`Alerter::write`] for every scored record.
#[derive(Clone, Debug, Default)]
pub struct Alerter {
    profile: String,
    rules: BTreeMap<String, RuleInfo>,
}

impl Alerter {
    /// An alerter for the engine's profile and rule pack.
    pub fn new(engine: &Engine) -> Alerter {
        Alerter::from_rules(
            engine.profile(),
            engine.rules().iter().map(|r| RuleInfo {
                id: r.id.clone(),
                title: r.title.clone(),
                description: r.description.clone(),
                references: r.references.clone(),
                techniques: r.techniques.clone(),
            }),
        )
    }

    /// An alerter from rule metadata (for hosts that keep the pack themselves).
    pub fn from_rules(profile: &str, rules: impl IntoIterator<Item = RuleInfo>) -> Alerter {
        Alerter {
            profile: String::from(profile),
            rules: rules.into_iter().map(|r| (r.id.clone(), r)).collect(),
        }
    }

    /// The profile alerts name as their ruleset.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// The metadata of rule `id`, if the pack has it.
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.get(id)
    }

    /// Appends `record` in the chosen output to `out` (one JSON line, no newline) and returns
    /// whether anything was written: [`Output::Cadet`] writes every record (enriched),
    /// [`Output::Ecs`] and [`Output::Ocsf`] only matched ones. Never panics.
    pub fn write(
        &self,
        output: Output,
        record: &[u8],
        verdict: &Verdict,
        received_ms: i64,
        out: &mut Vec<u8>,
    ) -> bool {
        let doc = match output {
            Output::Cadet => {
                cadet_core::write_enriched(record, &verdict.to_json(), out);
                return true;
            }
            Output::Ecs => {
                return verdict.matched
                    && ecs::write(
                        self,
                        &Facts::read(record),
                        record,
                        verdict,
                        received_ms,
                        out,
                    );
            }
            Output::Ocsf => self.ocsf(record, verdict, received_ms),
        };
        match doc {
            // Serialising a Value cannot fail.
            Some(doc) => match serde_json::to_vec(&doc) {
                Ok(bytes) => {
                    out.extend_from_slice(&bytes);
                    true
                }
                Err(_) => false,
            },
            None => false,
        }
    }

    /// The ECS alert document for a matched verdict (`None` when it did not match).
    pub fn ecs(
        &self,
        record: &[u8],
        verdict: &Verdict,
        received_ms: i64,
    ) -> Option<serde_json::Value> {
        verdict
            .matched
            .then(|| ecs::render(self, &Facts::read(record), record, verdict, received_ms))
    }

    /// The OCSF Detection Finding for a matched verdict (`None` when it did not match).
    pub fn ocsf(
        &self,
        record: &[u8],
        verdict: &Verdict,
        received_ms: i64,
    ) -> Option<serde_json::Value> {
        verdict
            .matched
            .then(|| ocsf::render(self, &Facts::read(record), record, verdict, received_ms))
    }
}

/// The verdict's strongest rule: the first of the highest score, in pack order.
pub fn primary(verdict: &Verdict) -> Option<&RuleHit> {
    verdict
        .rules
        .iter()
        .reduce(|a, b| if b.score > a.score { b } else { a })
}

/// The triage card's response steps (seed 004), by the ids rules name in `steps`.
pub const STEPS: &[(&str, &str)] = &[
    (
        "L1-auth",
        "Validate authentication events around the activity",
    ),
    (
        "L1-network",
        "Cross-reference source IPs with corporate ranges",
    ),
    (
        "L1-intel",
        "Check commands and IPs against threat intelligence",
    ),
    (
        "L1-context",
        "Gather the container's role and normal behaviour",
    ),
    (
        "T2-history",
        "Search historical logs for the extent of the activity",
    ),
    ("T2-rbac", "Review recent changes to roles and permissions"),
    (
        "T2-traffic",
        "Look for unusual transfers or command-and-control traffic",
    ),
    ("C-isolate", "Isolate the affected containers"),
    (
        "C-rotate",
        "Rotate credentials and keys of the accounts and nodes involved",
    ),
    (
        "C-assess",
        "Run a vulnerability assessment of the environment",
    ),
];

/// The triage card's escalation criteria, by the names the verdict's `triage.escalate` uses.
pub const ESCALATIONS: &[(&str, &str)] = &[
    (
        "unknown_account",
        "the executing account is unauthorized or unknown",
    ),
    (
        "malicious_command",
        "the commands are malicious or known indicators",
    ),
    ("lateral_movement", "there is evidence of lateral movement"),
    (
        "privilege_escalation",
        "there are attempts to escalate privileges",
    ),
];

/// The triage guidance of a verdict as text: the escalation criteria met, then the steps.
pub fn triage_text(verdict: &Verdict) -> Option<String> {
    let t = verdict.triage.as_ref()?;
    let mut s = String::new();
    if !t.escalate.is_empty() {
        s.push_str("Escalate: ");
        for (i, e) in t.escalate.iter().enumerate() {
            if i > 0 {
                s.push_str("; ");
            }
            let text = ESCALATIONS
                .iter()
                .find(|(k, _)| k == e)
                .map(|(_, v)| *v)
                .unwrap_or(e);
            s.push_str(text);
        }
        s.push_str(". ");
    }
    for (i, step) in t.steps.iter().enumerate() {
        let text = STEPS
            .iter()
            .find(|(k, _)| k == step)
            .map(|(_, v)| *v)
            .unwrap_or(step);
        s.push_str(&alloc::format!("{}. {text} ({step}). ", i + 1));
    }
    let s = String::from(s.trim_end());
    (!s.is_empty()).then_some(s)
}

/// OCSF `severity_id` (1 Informational … 5 Critical); ECS `event.severity` uses the same numbers.
pub fn severity_id(s: Severity) -> u8 {
    match s {
        Severity::None => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

/// FNV-1a, 64 bits: a stable id for a record (finding uid) without a clock or randomness.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The finding's id: the profile and a hash of the record's bytes, the same on every host
/// and every run (a record scored twice gives one finding).
pub fn finding_uid(profile: &str, record: &[u8]) -> String {
    alloc::format!(
        "cadet-{profile}-{:016x}",
        fnv1a64(cadet_core::parts::text::trim(record))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_parse() {
        for o in Output::ALL {
            assert_eq!(Output::parse(o.as_str()), Some(o));
        }
        assert_eq!(Output::parse("OCSF"), Some(Output::Ocsf));
        assert_eq!(Output::parse("cef"), None);
    }

    #[test]
    fn fnv_matches_the_published_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
