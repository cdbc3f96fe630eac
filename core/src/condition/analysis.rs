//! What a condition requires, found without evaluating it: the event kinds it can hold for,
//! the values a key field must have, whether a field must be present. The engine's rule
//! index uses these to skip rules that cannot hold.

use alloc::vec::Vec;

use super::{Condition, Literal, Op, Pattern};
use crate::event::EventKind;
use crate::fields::{self, FieldKind};

/// The event kinds a condition can hold for (`None`: any), found without evaluating it:
/// `event.kind == ...` / `in (...)`, and positive tests of fields that only process
/// records fill (the field table's [`fields::Field::kinds`]). Conjunctions intersect, disjunctions
/// unite; anything else may hold for any kind.
pub fn applicable_kinds(c: &Condition) -> Option<Vec<&'static str>> {
    let process_only = |f: &str| fields::get(f).is_some_and(|f| f.process_only());
    let text_kind = |f: &str| matches!(fields::kind_of(f), Some(FieldKind::Str | FieldKind::List));
    match c {
        Condition::Test {
            field,
            op: Op::Eq | Op::In,
            values,
            ..
        } if field == "event.kind" => Some(
            EventKind::ALL
                .iter()
                .map(|k| k.as_str())
                .filter(|k| {
                    values
                        .iter()
                        .any(|v| matches!(v, Literal::Str(s) if s == k))
                })
                .collect(),
        ),
        Condition::Truthy(f) if process_only(f) => Some(alloc::vec![EventKind::Process.as_str()]),
        Condition::Exists(f) if process_only(f) && text_kind(f) => {
            Some(alloc::vec![EventKind::Process.as_str()])
        }
        Condition::Test { field, op, .. }
            if *op != Op::Ne && process_only(field) && text_kind(field) =>
        {
            Some(alloc::vec![EventKind::Process.as_str()])
        }
        Condition::And(items) => items
            .iter()
            .filter_map(applicable_kinds)
            .reduce(|a, b| a.into_iter().filter(|k| b.contains(k)).collect()),
        Condition::Or(items) => {
            let mut all: Vec<&'static str> = Vec::new();
            for item in items {
                for k in applicable_kinds(item)? {
                    if !all.contains(&k) {
                        all.push(k);
                    }
                }
            }
            Some(all)
        }
        _ => None,
    }
}

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
/// use cadet_core::parts::condition::Condition;
/// use cadet_core::parts::condition::{required_presence, Presence};
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
