//! Which rules of a profile can hold for an event, found without evaluating them.
//!
//! A rule whose condition requires `k8s.verb in ("create", "update")` cannot hold for a `get`;
//! a rule that requires `cmd.tool == "kubectl"` cannot hold for a `docker` command. When a pack
//! loads, each rule's condition is read for such requirements on a few key fields; per event,
//! each key field is read once and the rules it excludes are skipped. Skipping is sound: a
//! skipped rule would have evaluated to false.
//!
//! ```
//! use cadet_core::condition::Condition;
//! use cadet_core::rule_index::required_values;
//! let c = Condition::parse(r#"k8s.verb in ("create", "patch") and k8s.resource == "pods""#, &Default::default()).unwrap();
//! assert_eq!(required_values(&c, "k8s.verb"), Some(vec!["create", "patch"]));
//! assert_eq!(required_values(&c, "k8s.name"), None);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::condition::{Condition, Op, Pattern};
use crate::event::{Event, EventKind, Value};
use crate::fields::FieldRef;

/// Key fields with one value per event (the API sources).
const EVENT_KEYS: &[&str] = &[
    "k8s.verb",
    "k8s.resource",
    "k8s.subresource",
    "docker.action",
];
/// Key fields with one value per command of the record (a script may run several).
const SEGMENT_KEYS: &[&str] = &["cmd.tool", "cmd.action"];

/// The string values `field` must equal (case-sensitively) for `c` to hold, when `c` says so:
/// `field == "x"` / `field in (...)`, intersected over `and`, united over `or` (when every
/// branch requires it). `None`: no such requirement.
pub fn required_values<'c>(c: &'c Condition, field: &str) -> Option<Vec<&'c str>> {
    match c {
        Condition::Test {
            field: f,
            op: Op::Eq | Op::In,
            patterns,
            ..
        } if *f == field => patterns
            .iter()
            .map(|p| match p {
                Pattern::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect(),
        Condition::And(items) => items
            .iter()
            .filter_map(|i| required_values(i, field))
            .reduce(|a, b| a.into_iter().filter(|v| b.contains(v)).collect()),
        Condition::Or(items) => {
            let mut all: Vec<&str> = Vec::new();
            for item in items {
                for v in required_values(item, field)? {
                    if !all.contains(&v) {
                        all.push(v);
                    }
                }
            }
            Some(all)
        }
        Condition::False => Some(Vec::new()),
        _ => None,
    }
}

/// What a condition needs of a field to hold at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Presence {
    /// The field must not be missing (`exists`, or any test but `!=`).
    NotMissing,
    /// The field must be true / non-empty (a bare field test); `false` fails it too.
    Truthy,
}

/// What `c` needs of `field` to hold, when it needs anything: the strongest need of any
/// conjunct of an `and`, the weakest of the branches of an `or` (if every branch needs it).
///
/// ```
/// use cadet_core::condition::Condition;
/// use cadet_core::rule_index::{required_presence, Presence};
/// let c = Condition::parse(r#"k8s.pod.present and not k8s.pod.owned and k8s.verb == "create""#, &Default::default()).unwrap();
/// assert_eq!(required_presence(&c, "k8s.pod.present"), Some(Presence::Truthy));
/// assert_eq!(required_presence(&c, "k8s.verb"), Some(Presence::NotMissing));
/// assert_eq!(required_presence(&c, "k8s.pod.owned"), None);
/// ```
pub fn required_presence(c: &Condition, field: &str) -> Option<Presence> {
    match c {
        Condition::Truthy(f) if *f == field => Some(Presence::Truthy),
        Condition::Exists(f) if *f == field => Some(Presence::NotMissing),
        Condition::Test { field: f, op, .. } if *f == field && *op != Op::Ne => {
            Some(Presence::NotMissing)
        }
        Condition::And(items) => items
            .iter()
            .filter_map(|i| required_presence(i, field))
            .max(),
        Condition::Or(items) => items
            .iter()
            .map(|i| required_presence(i, field))
            .try_fold(Presence::Truthy, |weakest, p| Some(weakest.min(p?))),
        _ => None,
    }
}

/// A set of rules (bit `i`: rule `i`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct RuleSet(Vec<u64>);

impl RuleSet {
    fn empty(rules: usize) -> RuleSet {
        RuleSet(alloc::vec![0; rules.div_ceil(64)])
    }
    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
}

/// One key field: the rules that do not constrain it, and per value the rules that allow it.
#[derive(Clone, Debug)]
struct Key {
    field: FieldRef,
    unconstrained: RuleSet,
    /// Sorted by value.
    by_value: Vec<(String, RuleSet)>,
}

impl Key {
    fn new(name: &str, whens: &[&Condition]) -> Key {
        let n = whens.len();
        let mut unconstrained = RuleSet::empty(n);
        let mut by_value: Vec<(String, RuleSet)> = Vec::new();
        for (i, c) in whens.iter().enumerate() {
            match required_values(c, name) {
                None => unconstrained.insert(i),
                Some(values) => {
                    for v in values {
                        let at = match by_value.binary_search_by(|(k, _)| k.as_str().cmp(v)) {
                            Ok(at) => at,
                            Err(at) => {
                                by_value.insert(at, (String::from(v), RuleSet::empty(n)));
                                at
                            }
                        };
                        by_value[at].1.insert(i);
                    }
                }
            }
        }
        Key {
            field: FieldRef::new(name),
            unconstrained,
            by_value,
        }
    }

    /// Narrows `set` to the rules that allow this key's value in `ev`.
    fn narrow(&self, ev: &Event<'_>, set: &mut RuleSet) {
        let allowed = match self.field.read(ev) {
            Value::Str(s) => self
                .by_value
                .binary_search_by(|(k, _)| k.as_str().cmp(s))
                .ok()
                .map(|at| &self.by_value[at].1),
            Value::Missing => None,
            // Any other shape: no narrowing.
            _ => return,
        };
        for (w, word) in set.0.iter_mut().enumerate() {
            *word &= self.unconstrained.0[w] | allowed.map_or(0, |a| a.0[w]);
        }
    }
}

/// A field some rules need present: which rules need it not missing, which need it true.
#[derive(Clone, Debug)]
struct PresenceKey {
    field: FieldRef,
    /// Rules that fail when the field is missing (both needs).
    not_missing: RuleSet,
    /// Rules that also fail when it is `false`.
    truthy: RuleSet,
}

impl PresenceKey {
    fn new(name: &str, whens: &[&Condition]) -> Option<PresenceKey> {
        let n = whens.len();
        let (mut not_missing, mut truthy) = (RuleSet::empty(n), RuleSet::empty(n));
        let mut any = false;
        for (i, c) in whens.iter().enumerate() {
            match required_presence(c, name) {
                None => continue,
                Some(Presence::NotMissing) => not_missing.insert(i),
                Some(Presence::Truthy) => {
                    not_missing.insert(i);
                    truthy.insert(i);
                }
            }
            any = true;
        }
        any.then(|| PresenceKey {
            field: FieldRef::new(name),
            not_missing,
            truthy,
        })
    }

    /// Removes from `set` the rules this field's value fails.
    fn narrow(&self, ev: &Event<'_>, set: &mut RuleSet) {
        let failed = match self.field.read(ev) {
            Value::Missing => &self.not_missing,
            Value::Bool(false) => &self.truthy,
            _ => return,
        };
        for (word, f) in set.0.iter_mut().zip(&failed.0) {
            *word &= !f;
        }
    }
}

/// The rules of a profile indexed by event kind and key-field values.
#[derive(Clone, Debug)]
pub struct RuleIndex {
    /// Per [`EventKind`] (in `KINDS` order): the rules that can hold for it.
    by_kind: Vec<RuleSet>,
    event_keys: Vec<Key>,
    segment_keys: Vec<Key>,
    event_presence: Vec<PresenceKey>,
    segment_presence: Vec<PresenceKey>,
    rules: usize,
}

const KINDS: [EventKind; 4] = [
    EventKind::Process,
    EventKind::K8sAudit,
    EventKind::Docker,
    EventKind::Kubelet,
];

impl RuleIndex {
    /// Indexes rules by their conditions, in evaluation order.
    pub fn new(whens: &[&Condition]) -> RuleIndex {
        let by_kind = KINDS
            .iter()
            .map(|k| {
                let mut set = RuleSet::empty(whens.len());
                for (i, c) in whens.iter().enumerate() {
                    let ok = crate::engine::applicable_kinds(c)
                        .is_none_or(|kinds| kinds.contains(&k.as_str()));
                    if ok {
                        set.insert(i);
                    }
                }
                set
            })
            .collect();
        let keys = |names: &[&str]| -> Vec<Key> {
            names
                .iter()
                .map(|n| Key::new(n, whens))
                // A key no rule constrains narrows nothing.
                .filter(|k| !k.by_value.is_empty())
                .collect()
        };
        // Every field a rule names, split by whether its value depends on the command of
        // the record being looked at (a script holds several).
        let mut names: Vec<&str> = Vec::new();
        for c in whens {
            for f in c.fields() {
                if !names.contains(&f) {
                    names.push(f);
                }
            }
        }
        let per_segment = |n: &str| n.starts_with("cmd.") || n.starts_with("payload.");
        let presence = |segment: bool| -> Vec<PresenceKey> {
            names
                .iter()
                .filter(|n| per_segment(n) == segment)
                .filter_map(|n| PresenceKey::new(n, whens))
                .collect()
        };
        RuleIndex {
            by_kind,
            event_keys: keys(EVENT_KEYS),
            segment_keys: keys(SEGMENT_KEYS),
            event_presence: presence(false),
            segment_presence: presence(true),
            rules: whens.len(),
        }
    }

    /// The indexes of the rules that can hold for `ev`, in evaluation order.
    pub fn candidates(&self, ev: &Event<'_>, out: &mut Vec<usize>) {
        out.clear();
        let kind = KINDS.iter().position(|k| *k == ev.kind).unwrap_or(0);
        let mut set = self.by_kind[kind].clone();
        for key in &self.event_keys {
            key.narrow(ev, &mut set);
        }
        for key in &self.event_presence {
            key.narrow(ev, &mut set);
        }
        if !self.segment_keys.is_empty() || !self.segment_presence.is_empty() {
            // A rule may hold for any command of the record: unite over segments.
            let mut any = RuleSet::empty(self.rules);
            let before = ev.current.get();
            for i in 0..ev.segments.len().max(1) {
                ev.current.set(i);
                let mut s = set.clone();
                for key in &self.segment_keys {
                    key.narrow(ev, &mut s);
                }
                for key in &self.segment_presence {
                    key.narrow(ev, &mut s);
                }
                for (a, w) in any.0.iter_mut().zip(&s.0) {
                    *a |= w;
                }
            }
            ev.current.set(before);
            set = any;
        }
        out.extend((0..self.rules).filter(|&i| set.contains(i)));
    }
}
