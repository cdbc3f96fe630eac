//! Evaluating a condition against one command segment of an event.

use super::*;
use crate::event::{Event, Value};

impl Condition {
    /// Evaluates against command segment `segment` of `ev` (event-scoped fields ignore it); on success the indicators of the matching parts are appended.
    pub fn eval(&self, ev: &Event<'_>, segment: usize, indicators: &mut Vec<String>) -> bool {
        let mark = indicators.len();
        let ok = match self {
            Condition::True => true,
            Condition::False => false,
            Condition::And(items) => items.iter().all(|c| c.eval(ev, segment, indicators)),
            Condition::Or(items) => items.iter().any(|c| c.eval(ev, segment, indicators)),
            Condition::Not(c) => !c.eval(ev, segment, &mut Vec::new()),
            Condition::Exists(f) => !matches!(f.read(ev, segment), Value::Missing),
            Condition::Truthy(f) => {
                let ok = match f.read(ev, segment) {
                    Value::Missing => false,
                    Value::Bool(b) => b,
                    Value::Int(i) => i != 0,
                    Value::Str(s) => !s.is_empty(),
                    Value::List(l) => !l.is_empty(),
                };
                if ok {
                    indicators.extend(ev.evidence(f, segment).map(String::from));
                }
                ok
            }
            Condition::Test {
                field,
                op,
                values,
                patterns,
            } => {
                let ok = test(field.read(ev, segment), *op, values, patterns, indicators);
                if ok && !op.is_pattern() && *op != Op::Ne {
                    indicators.extend(ev.evidence(field, segment).map(String::from));
                }
                ok
            }
        };
        if !ok {
            indicators.truncate(mark);
        }
        ok
    }
}

pub fn test(
    value: Value<'_>,
    op: Op,
    values: &[Literal],
    patterns: &[Pattern],
    indicators: &mut Vec<String>,
) -> bool {
    match value {
        Value::Missing => op == Op::Ne,
        Value::Bool(b) => {
            let hit = values.contains(&Literal::Bool(b));
            if op == Op::Ne {
                !hit
            } else {
                hit
            }
        }
        Value::Int(i) => {
            let nums = values.iter().filter_map(|v| match v {
                Literal::Int(n) => Some(*n),
                Literal::Str(s) => s.parse().ok(),
                Literal::Bool(_) => None,
            });
            let mut nums = nums;
            match op {
                Op::Eq | Op::In => nums.any(|n| n == i),
                Op::Ne => !nums.any(|n| n == i),
                Op::Gt => nums.any(|n| i > n),
                Op::Ge => nums.any(|n| i >= n),
                Op::Lt => nums.any(|n| i < n),
                Op::Le => nums.any(|n| i <= n),
                _ => {
                    let text = alloc::format!("{i}");
                    text_any(&text, op, values, patterns, indicators)
                }
            }
        }
        Value::Str(s) => {
            if op == Op::Ne {
                return !text_any(s, Op::Eq, values, patterns, &mut Vec::new());
            }
            text_any(s, op, values, patterns, indicators)
        }
        Value::List(items) => {
            if op == Op::Ne {
                return !items
                    .iter()
                    .any(|s| text_any(s, Op::Eq, values, patterns, &mut Vec::new()));
            }
            items
                .iter()
                .any(|s| text_any(s, op, values, patterns, indicators))
        }
    }
}

/// Does text `s` satisfy `op` with any of the values? Pushes the indicator of the first hit.
pub fn text_any(
    s: &str,
    op: Op,
    values: &[Literal],
    patterns: &[Pattern],
    indicators: &mut Vec<String>,
) -> bool {
    let folded;
    let subject: &str = if matches!(
        op,
        Op::IEq | Op::IContains | Op::IStartsWith | Op::IEndsWith | Op::Glob | Op::ILike
    ) && (!s.is_ascii() || s.bytes().any(|b| b.is_ascii_uppercase()))
    {
        folded = s.to_lowercase();
        &folded
    } else {
        s
    };
    for (v, p) in values.iter().zip(patterns) {
        let hit: Option<String> = match (op, p) {
            (Op::Eq | Op::In | Op::IEq, Pattern::Text(t)) => (subject == t).then(String::new),
            (Op::Contains | Op::IContains, Pattern::Text(t)) => {
                subject.contains(t.as_str()).then(|| v.text())
            }
            (Op::StartsWith | Op::IStartsWith, Pattern::Text(t)) => {
                subject.starts_with(t.as_str()).then(|| v.text())
            }
            (Op::EndsWith | Op::IEndsWith, Pattern::Text(t)) => {
                subject.ends_with(t.as_str()).then(|| v.text())
            }
            (_, Pattern::Wildcard(w)) => w.matches_folded(subject).then(|| w.indicator()),
            #[cfg(feature = "std")]
            (_, Pattern::Regex(re)) => re.captures(subject).map(|c| {
                c.get(1)
                    .or_else(|| c.get(0))
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default()
            }),
            #[cfg(feature = "std")]
            (_, Pattern::Alternation(a, _)) => a.find(subject).map(String::from),
            _ => None,
        };
        if let Some(ind) = hit {
            if op.is_pattern() && !ind.is_empty() {
                indicators.push(ind);
            }
            return true;
        }
    }
    false
}
