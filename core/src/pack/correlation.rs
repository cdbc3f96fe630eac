//! Correlations (`[[correlation]]`): a condition over how many records matched some base rules
//! (`event_count`), or over how many distinct values of a field they carried (`value_count`),
//! per group of records (`group_by` fields), within a sliding window of the records' own time
//! (`timespan`). Sigma's `event_count` and `value_count` correlations, as data.
//!
//! ```toml
//! [[correlation]]
//! id = "cadet.k8s.exec_burst"
//! title = "Many pod execs by one user"
//! kind = "event_count"             # event_count | value_count
//! rules = ["cadet.k8s.pod_exec"]    # the base rules whose matches are counted
//! group_by = ["user.name"]          # fields of the field table (not list-valued)
//! timespan = "5m"                   # seconds, or Ns / Nm / Nh / Nd
//! condition = { gte = 5 }           # gt gte lt lte eq neq; several keys: all must hold
//! score = 70
//! techniques = ["T1609"]
//! # value_field = "k8s.resource"    # value_count: the field whose distinct values are counted
//! ```

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Deserialize;

use crate::fields::FieldKind;
use crate::pack::Rule;

/// Most correlations in one pack.
pub const MAX_CORRELATIONS: usize = 256;
/// Most `group_by` fields of one correlation.
pub const MAX_GROUP_BY: usize = 8;
/// Largest number a correlation condition may compare with. A group's state keeps at most
/// this many + 1 timestamps (or distinct values), which decides the condition exactly.
pub const MAX_THRESHOLD: u64 = 1000;
/// Longest `timespan` (seconds): 366 days.
pub const MAX_TIMESPAN_SECS: i64 = 366 * 24 * 3600;

/// What a correlation counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorrelationKind {
    /// Records that matched one of the base rules.
    EventCount,
    /// Distinct values of `value_field` among those records.
    ValueCount,
}

impl CorrelationKind {
    /// The name written in packs (`event_count`, `value_count`).
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationKind::EventCount => "event_count",
            CorrelationKind::ValueCount => "value_count",
        }
    }
}

/// A comparison of a correlation condition (Sigma's condition operators).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// count > n
    Gt,
    /// count >= n
    Gte,
    /// count < n
    Lt,
    /// count <= n
    Lte,
    /// count == n
    Eq,
    /// count != n
    Neq,
}

impl Compare {
    /// The name written in packs (`gte`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Compare::Gt => "gt",
            Compare::Gte => "gte",
            Compare::Lt => "lt",
            Compare::Lte => "lte",
            Compare::Eq => "eq",
            Compare::Neq => "neq",
        }
    }

    /// Whether `count` satisfies `self` `n`.
    pub fn holds(self, count: u64, n: u64) -> bool {
        match self {
            Compare::Gt => count > n,
            Compare::Gte => count >= n,
            Compare::Lt => count < n,
            Compare::Lte => count <= n,
            Compare::Eq => count == n,
            Compare::Neq => count != n,
        }
    }
}

/// One correlation of a pack.
#[derive(Clone, Debug)]
pub struct Correlation {
    /// Stable id; shown as a matched rule of the verdict. Distinct from every rule id.
    pub id: String,
    /// One line for analysts.
    pub title: String,
    /// Longer explanation.
    pub description: String,
    /// The profile it belongs to (that of its base rules).
    pub profile: String,
    /// What it counts.
    pub kind: CorrelationKind,
    /// The base rules (ids) whose matches are counted.
    pub rules: Vec<String>,
    /// Fields whose values form the group (all records in one group when empty).
    pub group_by: Vec<String>,
    /// Sliding window length in seconds: a record at time `t` counts the group's records
    /// with times in `[t - timespan, t]`.
    pub timespan: i64,
    /// `value_count`: the field whose distinct values are counted.
    pub value_field: Option<String>,
    /// Comparisons that must all hold for the count.
    pub condition: Vec<(Compare, u64)>,
    /// Score the correlation contributes to the verdict of the record that makes it hold.
    pub score: u32,
    /// ATT&CK technique ids.
    pub techniques: Vec<String>,
}

impl Correlation {
    /// Whether `count` satisfies every comparison of the condition.
    pub fn holds(&self, count: u64) -> bool {
        self.condition.iter().all(|&(c, n)| c.holds(count, n))
    }

    /// How many timestamps (or distinct values) a group must keep to decide the condition
    /// exactly: one more than its largest number (a count at or above it is on the same side
    /// of every comparison).
    pub fn keep(&self) -> usize {
        let top = self.condition.iter().map(|&(_, n)| n).max().unwrap_or(0);
        (top as usize).saturating_add(1)
    }
}

/// A `timespan` as written: seconds or a Sigma duration text.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawTimespan {
    Secs(i64),
    Text(String),
}

/// A condition as written: `{ gte = 5 }` (several keys: all must hold).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCondition {
    gt: Option<i64>,
    gte: Option<i64>,
    lt: Option<i64>,
    lte: Option<i64>,
    eq: Option<i64>,
    neq: Option<i64>,
}

/// A `[[correlation]]` entry as written in a pack.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCorrelation {
    id: String,
    title: String,
    #[serde(default)]
    description: String,
    kind: String,
    rules: Vec<String>,
    #[serde(default)]
    group_by: Vec<String>,
    timespan: RawTimespan,
    value_field: Option<String>,
    condition: RawCondition,
    score: u32,
    #[serde(default)]
    techniques: Vec<String>,
}

/// Seconds of a Sigma-style duration: `30s`, `5m`, `1h`, `2d` (or a plain number of seconds).
pub fn parse_timespan(text: &str) -> Option<i64> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    if digits.is_empty() || digits.len() > 12 {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return None,
    };
    n.checked_mul(scale)
}

impl RawCorrelation {
    /// The id, for errors about an entry that does not compile.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Checks the entry against the pack's rules and the field table.
    pub(crate) fn compile(
        self,
        rules: &[Rule],
        known: &[Correlation],
        is_technique: fn(&str) -> bool,
    ) -> Result<Correlation, String> {
        let fail = |m: String| Err(alloc::format!("[[correlation]]: {m}"));
        if known.iter().any(|c| c.id == self.id) {
            return fail(String::from("correlation id used twice"));
        }
        if rules.iter().any(|r| r.id == self.id) {
            return fail(String::from("the id is also a rule's id"));
        }
        let kind = match self.kind.as_str() {
            "event_count" => CorrelationKind::EventCount,
            "value_count" => CorrelationKind::ValueCount,
            other => {
                return fail(alloc::format!(
                    "unknown kind `{other}` (kinds: event_count, value_count)"
                ))
            }
        };
        if self.rules.is_empty() {
            return fail(String::from("`rules` names no base rule"));
        }
        let mut profile: Option<&str> = None;
        for id in &self.rules {
            let Some(rule) = rules.iter().find(|r| &r.id == id) else {
                return fail(alloc::format!("unknown rule `{id}` in `rules`"));
            };
            match profile {
                Some(p) if p != rule.profile => {
                    return fail(alloc::format!(
                        "rule `{id}` is of profile `{}`, the others of `{p}`",
                        rule.profile
                    ))
                }
                _ => profile = Some(&rule.profile),
            }
        }
        if self.group_by.len() > MAX_GROUP_BY {
            return fail(alloc::format!("more than {MAX_GROUP_BY} `group_by` fields"));
        }
        let check_field = |what: &str, name: &str| -> Result<(), String> {
            match crate::fields::kind_of(name) {
                None => Err(alloc::format!(
                    "[[correlation]]: unknown field `{name}` in `{what}` (see `cadet fields`)"
                )),
                Some(FieldKind::List) => Err(alloc::format!(
                    "[[correlation]]: field `{name}` in `{what}` holds a list; a group or counted value must be one value"
                )),
                Some(_) => Ok(()),
            }
        };
        for f in &self.group_by {
            check_field("group_by", f)?;
        }
        match (kind, &self.value_field) {
            (CorrelationKind::ValueCount, Some(f)) => check_field("value_field", f)?,
            (CorrelationKind::ValueCount, None) => {
                return fail(String::from("a value_count needs `value_field`"))
            }
            (CorrelationKind::EventCount, Some(_)) => {
                return fail(String::from("`value_field` is for value_count only"))
            }
            (CorrelationKind::EventCount, None) => {}
        }
        let timespan = match &self.timespan {
            RawTimespan::Secs(n) => Some(*n),
            RawTimespan::Text(t) => parse_timespan(t),
        };
        let timespan = match timespan {
            Some(n) if (1..=MAX_TIMESPAN_SECS).contains(&n) => n,
            _ => {
                return fail(alloc::format!(
                    "bad timespan (seconds 1 to {MAX_TIMESPAN_SECS}, or Ns, Nm, Nh, Nd)"
                ))
            }
        };
        let c = &self.condition;
        let mut condition = Vec::new();
        for (op, n) in [
            (Compare::Gt, c.gt),
            (Compare::Gte, c.gte),
            (Compare::Lt, c.lt),
            (Compare::Lte, c.lte),
            (Compare::Eq, c.eq),
            (Compare::Neq, c.neq),
        ] {
            if let Some(n) = n {
                if !(0..=MAX_THRESHOLD as i64).contains(&n) {
                    return fail(alloc::format!(
                        "condition `{}` must be 0 to {MAX_THRESHOLD}",
                        op.as_str()
                    ));
                }
                condition.push((op, n as u64));
            }
        }
        if condition.is_empty() {
            return fail(String::from(
                "the condition needs one of gt, gte, lt, lte, eq, neq",
            ));
        }
        if let Some(bad) = self.techniques.iter().find(|t| !is_technique(t)) {
            return fail(alloc::format!(
                "`{bad}` is not an ATT&CK technique id (T1234 or T1234.567)"
            ));
        }
        Ok(Correlation {
            profile: profile.unwrap_or("cadet").to_string(),
            id: self.id,
            title: self.title,
            description: self.description,
            kind,
            rules: self.rules,
            group_by: self.group_by,
            timespan,
            value_field: self.value_field,
            condition,
            score: self.score,
            techniques: self.techniques,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_timespan;

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("300"), Some(300));
        assert_eq!(parse_timespan("30s"), Some(30));
        assert_eq!(parse_timespan("5m"), Some(300));
        assert_eq!(parse_timespan("1h"), Some(3600));
        assert_eq!(parse_timespan("2d"), Some(172_800));
        assert_eq!(parse_timespan("5 m"), None);
        assert_eq!(parse_timespan("m"), None);
        assert_eq!(parse_timespan("1M"), None);
        assert_eq!(parse_timespan("-5m"), None);
    }
}
