//! Rule packs: rules, named lists and profiles as data (TOML).
//!
//! ```toml
//! [lists]
//! runtimes = ["docker", "podman", "nerdctl"]
//!
//! [macros]                   # named conditions, written `$name` in a condition
//! container_run = '''cmd.tool in @runtimes and cmd.action in ("run", "create")'''
//!
//! [[profile]]
//! name = "cadet"
//! combine = "max"            # max | first | sum
//! threshold = 40
//! prefilter = ["docker", "kubectl"]   # records with none of these bytes cannot match
//!
//! [[rule]]
//! id = "cadet.proc.privileged_run"
//! title = "Privileged container started"
//! techniques = ["T1610", "T1611"]
//! score = 90
//! flags = ["privileged_container"]
//! when = '$container_run and cmd.privileged'
//! ```

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;
use toml::Spanned;

use crate::condition::{Condition, Lists};

pub(crate) mod correlation;
pub(crate) mod macros;
pub(crate) mod suppress;
use crate::verdict::{Flags, Severity};
pub use correlation::{Compare, Correlation, CorrelationKind};

/// The rule pack compiled into cadet: process and Kubernetes rules plus the four profiles.
pub static DEFAULT_PACK: &str = concat!(
    include_str!("../../rules/profiles.toml"),
    "\n",
    include_str!("../../rules/process.toml"),
    "\n",
    include_str!("../../rules/kubernetes.toml"),
);

/// Largest rule pack accepted (bytes).
pub const MAX_PACK_LEN: usize = 1 << 20;
/// Most rules in one pack.
pub const MAX_RULES: usize = 2000;
/// Most prefilter keywords in one profile.
pub const MAX_PREFILTER: usize = 512;

/// A rule pack that cannot be used, with where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackError {
    /// The pack's name (a file name, or `<embedded>`).
    pub file: String,
    /// The rule the problem is in, when known (a profile's problem names the profile in
    /// `message`).
    pub rule: Option<String>,
    /// 1-based line in the pack text, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, ": rule `{rule}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PackError {}

/// How a profile turns matching rules into a score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// The highest rule score (the `cadet` profile).
    Max,
    /// The first matching rule in pack order decides (SQL `CASE WHEN`).
    First,
    /// Scores add up (QRadar's additive `suspicion_score`).
    Sum,
}

/// Score thresholds of the severities (a score at or above a band's value gets it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// Lowest critical score.
    pub critical: u32,
    /// Lowest high score.
    pub high: u32,
    /// Lowest medium score.
    pub medium: u32,
    /// Lowest low score.
    pub low: u32,
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            critical: 90,
            high: 70,
            medium: 40,
            low: 1,
        }
    }
}

impl Bands {
    /// The severity of `score`.
    pub fn severity(&self, score: u32) -> Severity {
        if score >= self.critical {
            Severity::Critical
        } else if score >= self.high {
            Severity::High
        } else if score >= self.medium {
            Severity::Medium
        } else if score >= self.low && score > 0 {
            Severity::Low
        } else {
            Severity::None
        }
    }
}

/// A profile: which rules, how they combine, and when a record counts as matched.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Name (`cadet`, `qradar-t1609`, ...).
    pub name: String,
    /// What the profile reproduces.
    pub description: String,
    /// How rule scores combine.
    pub combine: Combine,
    /// A condition every record must meet before rules are evaluated (the query's WHERE).
    pub gate: Option<Condition>,
    /// The gate as written.
    pub gate_text: Option<String>,
    /// Lowest score that counts as a match.
    pub threshold: u32,
    /// Byte strings (ASCII case-insensitive) without which no rule of the profile can match
    /// (see [`crate::parts::prefilter`]).
    pub prefilter: Option<Vec<String>>,
    /// Keywords of rules that only read control-plane and daemon records: searched only in
    /// records that carry a marker of such a source ([`crate::source::control_plane::MARKERS`]).
    pub prefilter_control_plane: Vec<String>,
    /// Matches carry triage hints (escalation reasons and response steps).
    pub triage: bool,
    /// Severity bands.
    pub bands: Bands,
    /// A severity every match gets, whatever the score (Elastic rules have one).
    pub fixed_severity: Option<Severity>,
}

/// One detection rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Stable id, e.g. `cadet.proc.privileged_run`.
    pub id: String,
    /// One line for analysts.
    pub title: String,
    /// Longer explanation.
    pub description: String,
    /// Where the behaviour is documented (ATT&CK pages, advisories, other detectors' rules).
    pub references: Vec<String>,
    /// Legitimate activity the rule also matches, for the analyst.
    pub false_positives: Vec<String>,
    /// The profile the rule belongs to.
    pub profile: String,
    /// ATT&CK technique ids.
    pub techniques: Vec<String>,
    /// Score (or weight, for `sum` profiles).
    pub score: u32,
    /// Flags the rule sets (names of [`Flags`]).
    pub flags: Vec<String>,
    /// Response step ids from the triage card.
    pub steps: Vec<String>,
    /// The condition.
    pub when: Condition,
    /// The condition as written.
    pub when_text: String,
}

/// A loaded, checked rule pack.
#[derive(Clone, Debug, Default)]
pub struct Pack {
    /// Named lists.
    pub lists: Lists,
    /// Named conditions (`[macros]`) as written, by name; rules hold them expanded.
    pub macros: BTreeMap<String, String>,
    /// Profiles in pack order.
    pub profiles: Vec<Profile>,
    /// Rules in pack order.
    pub rules: Vec<Rule>,
    /// Suppression entries (see [`crate::parts::pack::Suppression`]).
    pub suppressions: Vec<crate::pack::suppress::Suppression>,
    /// Correlations in pack order (`[[correlation]]`, see [`Correlation`]).
    pub correlations: Vec<Correlation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    #[serde(default)]
    lists: Lists,
    #[serde(default)]
    macros: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    profile: Vec<Spanned<RawProfile>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
    #[serde(default)]
    suppress: Vec<Spanned<crate::pack::suppress::RawSuppression>>,
    #[serde(default)]
    correlation: Vec<Spanned<correlation::RawCorrelation>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    #[serde(default)]
    description: String,
    combine: Combine,
    #[serde(rename = "where")]
    gate: Option<Spanned<String>>,
    #[serde(default = "one")]
    threshold: u32,
    prefilter: Option<Vec<String>>,
    #[serde(default, alias = "prefilter_control_plane")]
    prefilter_control_plane: Vec<String>,
    #[serde(default)]
    triage: bool,
    #[serde(default)]
    severity: Option<Bands>,
    fixed_severity: Option<String>,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    false_positives: Vec<String>,
    #[serde(default = "cadet")]
    profile: String,
    #[serde(default)]
    techniques: Vec<String>,
    score: u32,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    steps: Vec<String>,
    when: Spanned<String>,
}

fn cadet() -> String {
    String::from("cadet")
}

/// 1-based line of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Line of a character offset inside a TOML string value whose span starts at `span_start`.
fn line_in_string(text: &str, span_start: usize, value: &str, offset: usize) -> usize {
    let raw = &text[span_start.min(text.len())..];
    // A multi-line string that starts with a newline: TOML drops that newline.
    let skipped = (raw.starts_with("'''\n") || raw.starts_with("\"\"\"\n")) as usize;
    line_of(text, span_start) + skipped + value[..offset.min(value.len())].matches('\n').count()
}

/// An error of pack `file`, at `rule` and `line` when known.
fn pack_error(file: &str, rule: Option<&str>, line: Option<usize>, message: String) -> PackError {
    PackError {
        file: file.to_string(),
        rule: rule.map(String::from),
        line,
        message,
    }
}

/// `text` read as TOML into the raw pack shape, refused past [`MAX_PACK_LEN`]; `what` names
/// the document in the size error (`rule pack`, `suppressions`).
fn read_raw(file: &str, text: &str, what: &str) -> Result<RawPack, PackError> {
    if text.len() > MAX_PACK_LEN {
        return Err(pack_error(
            file,
            None,
            None,
            alloc::format!("{what} larger than {MAX_PACK_LEN} bytes"),
        ));
    }
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        pack_error(file, None, line, String::from(e.message().trim()))
    })
}

impl Pack {
    /// Parses and checks a pack. `file` names it in errors.
    ///
    /// ```
    /// let text = "[[profile]]\nname='cadet'\ncombine='max'\n\n[[rule]]\nid='a'\ntitle='t'\nscore=1\nwhen='cmd.tool == '";
    /// let err = cadet_core::Pack::parse("x.toml", text).unwrap_err();
    /// assert_eq!(err.rule.as_deref(), Some("a"));
    /// assert_eq!(err.line, Some(9));
    /// assert!(err.to_string().starts_with("x.toml:9: rule `a`: expected a value"), "{err}");
    /// ```
    pub fn parse(file: &str, text: &str) -> Result<Pack, PackError> {
        let err = |rule: Option<&str>, line: Option<usize>, message: String| {
            pack_error(file, rule, line, message)
        };
        // An error in a profile names it as a profile, not as a rule.
        let profile_err = |name: &str, line: Option<usize>, message: String| {
            pack_error(
                file,
                None,
                line,
                alloc::format!("profile `{name}`: {message}"),
            )
        };
        let mut raw = read_raw(file, text, "rule pack")?;
        if raw.rule.len() > MAX_RULES {
            return Err(err(
                None,
                None,
                alloc::format!("more than {MAX_RULES} rules"),
            ));
        }
        let mut pack = Pack {
            lists: raw.lists,
            ..Pack::default()
        };
        let macros = macros::compile(&raw.macros, &pack.lists).map_err(|e| {
            let line = line_in_string(text, e.span_start, &e.value, e.offset);
            err(None, Some(line), e.message)
        })?;
        pack.macros = raw
            .macros
            .iter()
            .map(|(k, v)| (k.clone(), v.get_ref().clone()))
            .collect();
        for p in raw.profile {
            let line = line_of(text, p.span().start);
            let p = p.into_inner();
            let gate = match &p.gate {
                Some(g) => Some(
                    Condition::parse_with(g.get_ref(), &pack.lists, &macros).map_err(|e| {
                        let line = line_in_string(text, g.span().start, g.get_ref(), e.offset);
                        profile_err(
                            &p.name,
                            Some(line),
                            alloc::format!("`where`: {}", e.message),
                        )
                    })?,
                ),
                None => None,
            };
            let fixed_severity = match &p.fixed_severity {
                Some(s) => Some(Severity::parse(s).ok_or_else(|| {
                    profile_err(
                        &p.name,
                        Some(line),
                        alloc::format!("unknown severity `{s}`"),
                    )
                })?),
                None => None,
            };
            let bad = |k: &[String]| k.len() > MAX_PREFILTER || k.iter().any(|w| w.is_empty());
            if p.prefilter.as_deref().map(bad).unwrap_or(false) || bad(&p.prefilter_control_plane) {
                return Err(profile_err(
                    &p.name,
                    Some(line),
                    alloc::format!("prefilter needs 1 to {MAX_PREFILTER} non-empty keywords"),
                ));
            }
            if pack.profiles.iter().any(|q: &Profile| q.name == p.name) {
                return Err(profile_err(
                    &p.name,
                    Some(line),
                    String::from("defined twice"),
                ));
            }
            pack.profiles.push(Profile {
                gate_text: p.gate.as_ref().map(|g| g.get_ref().clone()),
                name: p.name,
                description: p.description,
                combine: p.combine,
                gate,
                threshold: p.threshold,
                prefilter: p.prefilter,
                prefilter_control_plane: p.prefilter_control_plane,
                triage: p.triage,
                bands: p.severity.unwrap_or_default(),
                fixed_severity,
            });
        }
        for r in raw.rule {
            let line = line_of(text, r.span().start);
            let r = r.into_inner();
            let rule_err = |line, message| err(Some(&r.id), Some(line), message);
            if pack.rules.iter().any(|q: &Rule| q.id == r.id) {
                return Err(rule_err(line, String::from("rule id used twice")));
            }
            if !pack.profiles.iter().any(|p| p.name == r.profile) {
                return Err(rule_err(
                    line,
                    alloc::format!("unknown profile `{}`", r.profile),
                ));
            }
            if let Some(bad) = r.flags.iter().find(|f| !Flags::NAMES.contains(&f.as_str())) {
                return Err(rule_err(
                    line,
                    alloc::format!("unknown flag `{bad}` (flags: {})", Flags::NAMES.join(", ")),
                ));
            }
            if let Some(bad) = r.techniques.iter().find(|t| !is_technique_id(t)) {
                return Err(rule_err(
                    line,
                    alloc::format!("`{bad}` is not an ATT&CK technique id (T1234 or T1234.567)"),
                ));
            }
            let when =
                Condition::parse_with(r.when.get_ref(), &pack.lists, &macros).map_err(|e| {
                    let line =
                        line_in_string(text, r.when.span().start, r.when.get_ref(), e.offset);
                    rule_err(line, e.message)
                })?;
            pack.rules.push(Rule {
                when_text: r.when.get_ref().clone(),
                id: r.id,
                title: r.title,
                description: r.description,
                references: r.references,
                false_positives: r.false_positives,
                profile: r.profile,
                techniques: r.techniques,
                score: r.score,
                flags: r.flags,
                steps: r.steps,
                when,
            });
        }
        pack.compile_suppressions(file, text, core::mem::take(&mut raw.suppress))?;
        if raw.correlation.len() > correlation::MAX_CORRELATIONS {
            return Err(err(
                None,
                None,
                alloc::format!("more than {} correlations", correlation::MAX_CORRELATIONS),
            ));
        }
        for c in raw.correlation {
            let line = line_of(text, c.span().start);
            let c = c.into_inner();
            let id = String::from(c.id());
            let compiled = c
                .compile(&pack.rules, &pack.correlations, is_technique_id)
                .map_err(|m| err(Some(&id), Some(line), m))?;
            pack.correlations.push(compiled);
        }
        Ok(pack)
    }

    /// Adds the `[[suppress]]` entries of `text` (a TOML document with only such entries) after
    /// the pack's own: how a host layers its site's allow-list over a pack.
    pub fn add_suppressions(&mut self, file: &str, text: &str) -> Result<(), PackError> {
        // Read as a pack (one TOML reader in the build), then refuse anything but suppressions.
        let raw = read_raw(file, text, "suppressions")?;
        if !raw.rule.is_empty()
            || !raw.profile.is_empty()
            || !raw.lists.is_empty()
            || !raw.macros.is_empty()
            || !raw.correlation.is_empty()
        {
            return Err(pack_error(
                file,
                None,
                None,
                String::from("a suppressions file holds only [[suppress]] entries"),
            ));
        }
        self.compile_suppressions(file, text, raw.suppress)
    }

    /// Compiles `[[suppress]]` entries read from `text` and adds them after the pack's own.
    fn compile_suppressions(
        &mut self,
        file: &str,
        text: &str,
        entries: Vec<Spanned<crate::pack::suppress::RawSuppression>>,
    ) -> Result<(), PackError> {
        for s in entries {
            let line = line_of(text, s.span().start);
            let s = crate::pack::suppress::Suppression::compile(s.into_inner())
                .map_err(|(name, m)| pack_error(file, Some(&name), Some(line), m))?;
            self.suppressions.push(s);
        }
        Ok(())
    }

    /// The profile called `name`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The correlations of profile `name`, in pack order.
    pub fn correlations_of<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Correlation> + 's {
        self.correlations.iter().filter(move |c| c.profile == name)
    }

    /// The rules of profile `name`, in pack order.
    pub fn rules_of<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Rule> + 's {
        self.rules.iter().filter(move |r| r.profile == name)
    }
}

fn is_technique_id(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    match t.split_once('.') {
        Some((main, sub)) => {
            b[0] == b'T'
                && main.len() == 5
                && digits(&main.as_bytes()[1..])
                && sub.len() == 3
                && digits(sub.as_bytes())
        }
        None => b.len() == 5 && b[0] == b'T' && digits(&b[1..]),
    }
}
