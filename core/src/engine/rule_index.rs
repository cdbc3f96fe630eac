//! Which rules of a profile can hold for an event, found without evaluating them.
//!
//! A rule whose condition requires `k8s.verb in ("create", "update")` cannot hold for a `get`;
//! a rule that requires `cmd.tool == "kubectl"` cannot hold for a `docker` command. When a pack
//! loads, each rule's condition is read for such requirements on a few key fields; per event,
//! each key field is read once and the rules it excludes are skipped. Skipping is sound: a
//! skipped rule would have evaluated to false.
//!
//! The requirements are read by [`crate::condition::analysis`].

use alloc::string::String;
use alloc::vec::Vec;

use crate::condition::analysis::{applicable_kinds, required_presence, required_values, Presence};
use crate::condition::Condition;
use crate::event::{Event, EventKind, Value};
use crate::fields::{FieldRef, Scope};

/// Key fields with one value per event (the API sources).
const EVENT_KEYS: &[&str] = &[
    "k8s.verb",
    "k8s.resource",
    "k8s.subresource",
    "docker.action",
];
/// Key fields with one value per command of the record (a script may run several).
const SEGMENT_KEYS: &[&str] = &["cmd.tool", "cmd.action"];

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
    fn narrow(&self, ev: &Event<'_>, segment: usize, set: &mut RuleSet) {
        let allowed = match self.field.read(ev, segment) {
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
    fn narrow(&self, ev: &Event<'_>, segment: usize, set: &mut RuleSet) {
        let failed = match self.field.read(ev, segment) {
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

impl RuleIndex {
    /// Indexes rules by their conditions, in evaluation order.
    pub fn new(whens: &[&Condition]) -> RuleIndex {
        let by_kind = EventKind::ALL
            .iter()
            .map(|k| {
                let mut set = RuleSet::empty(whens.len());
                for (i, c) in whens.iter().enumerate() {
                    let ok = applicable_kinds(c).is_none_or(|kinds| kinds.contains(&k.as_str()));
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
        let per_segment =
            |n: &str| crate::fields::get(n).is_some_and(|f| f.scope() == Scope::Segment);
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
        let kind = EventKind::ALL
            .iter()
            .position(|k| *k == ev.kind)
            .unwrap_or(0);
        let mut set = self.by_kind[kind].clone();
        for key in &self.event_keys {
            key.narrow(ev, 0, &mut set);
        }
        for key in &self.event_presence {
            key.narrow(ev, 0, &mut set);
        }
        if !self.segment_keys.is_empty() || !self.segment_presence.is_empty() {
            // A rule may hold for any command of the record: unite over segments.
            let mut any = RuleSet::empty(self.rules);
            for segment in 0..ev.segments.len() {
                let mut s = set.clone();
                for key in &self.segment_keys {
                    key.narrow(ev, segment, &mut s);
                }
                for key in &self.segment_presence {
                    key.narrow(ev, segment, &mut s);
                }
                for (a, w) in any.0.iter_mut().zip(&s.0) {
                    *a |= w;
                }
            }
            set = any;
        }
        out.extend((0..self.rules).filter(|&i| set.contains(i)));
    }
}
