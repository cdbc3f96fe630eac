//! Rule conditions compiled to VRL (core `condition::eval`): one condition tree of the pack
//! becomes VRL that sets `ok` and the indicators, per command segment where the field says so.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::fields::{self, FieldKind};
use cadet_core::parts::condition::{Condition, Literal, Op};

use crate::program::Out;
use crate::text::wildcard::{wildcard_body, wildcard_regex};
use crate::text::{regex, string, strings};

/// True for fields that differ per command of a record (evaluated per segment): the core's
/// field table says so ([`cadet_core::fields::Scope::Segment`]).
pub fn is_segment_field(f: &str) -> bool {
    fields::get(f).is_some_and(|f| f.scope() == fields::Scope::Segment)
}

/// True when a condition reads a per-segment field.
pub fn uses_segments(c: &Condition) -> bool {
    c.fields().iter().any(|f| is_segment_field(f))
}

/// Where the evidence of a field lives (None: the field has none). Per-command fields keep it
/// in the segment; the control-plane and daemon readers note theirs (their own fields and
/// `user.name`) under the event's `_e`.
fn evidence_source(field: &str, seg: &str) -> Option<String> {
    if is_segment_field(field) {
        Some(format!("{seg}.e"))
    } else if field != "user.name" && fields::get(field).is_some_and(|f| !f.is_control_plane()) {
        None
    } else {
        Some(String::from("evf._e"))
    }
}

fn read(field: &str, seg: &str) -> String {
    if is_segment_field(field) {
        format!("{seg}.{}", string(field))
    } else {
        format!("evf.{}", string(field))
    }
}

fn push_evidence(o: &mut Out, field: &str, seg: &str, ind: &str) {
    if let Some(src) = evidence_source(field, seg) {
        o.push(&format!(
            "for_each(array({src}) ?? []) -> |_i, ep| {{ if ep[0] == {f} {{ {ind} = push({ind}, ep[1]) }} }}",
            f = string(field)
        ));
    }
}

fn lit_text(l: &Literal) -> String {
    match l {
        Literal::Str(s) => s.clone(),
        Literal::Int(i) => format!("{i}"),
        Literal::Bool(b) => String::from(if *b { "true" } else { "false" }),
    }
}

/// Names the first capturing group of `re` `cadet1` (unless it has a name); returns the
/// rewritten regex and the name of the first group, if any.
fn name_first_group(re: &str) -> (String, Option<String>) {
    let chars: Vec<char> = re.chars().collect();
    let mut i = 0;
    let mut depth = 0usize;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            i += 2;
            continue;
        }
        if depth > 0 {
            if c == '[' {
                depth += 1;
            } else if c == ']' {
                depth -= 1;
            }
            i += 1;
            continue;
        }
        if c == '[' {
            depth = 1;
            i += 1;
            if chars.get(i) == Some(&'^') {
                i += 1;
            }
            if chars.get(i) == Some(&']') {
                i += 1;
            }
            continue;
        }
        if c == '(' {
            let rest: String = chars[i + 1..].iter().collect();
            if !rest.starts_with('?') {
                let before: String = chars[..=i].iter().collect();
                return (
                    format!("{before}?P<cadet1>{rest}"),
                    Some(String::from("cadet1")),
                );
            }
            for pre in ["?P<", "?<"] {
                if let Some(r) = rest.strip_prefix(pre) {
                    if let Some(end) = r.find('>') {
                        return (String::from(re), Some(String::from(&r[..end])));
                    }
                }
            }
        }
        i += 1;
    }
    (String::from(re), None)
}

/// Emits code that sets `hit` (and pushes the indicator onto `ind`) when the string
/// variable `sv` satisfies `op` with any of `values` (core `condition::text_any`).
/// Without `ind` (the indicators are not wanted: under `not`) only whether any value matches is
/// computed, in one expression; with it, the first matching value's indicator is kept.
///
/// Mirrors core `condition::eval::text_any`.
fn text_any(o: &mut Out, sv: &str, op: Op, values: &[Literal], hit: &str, ind: Option<&str>) {
    let texts: Vec<String> = values.iter().map(lit_text).collect();
    let folded = matches!(
        op,
        Op::IEq | Op::IContains | Op::IStartsWith | Op::IEndsWith | Op::Glob | Op::ILike
    );
    let subject = if folded {
        let l = o.var("low");
        o.push(&format!("{l} = downcase({sv})"));
        l
    } else {
        String::from(sv)
    };
    match op {
        Op::Eq | Op::In | Op::Ne => {
            o.push(&format!("{hit} = includes({}, {subject})", strings(&texts)))
        }
        Op::IEq => {
            let lower: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
            o.push(&format!("{hit} = includes({}, {subject})", strings(&lower)));
        }
        Op::Contains
        | Op::IContains
        | Op::StartsWith
        | Op::IStartsWith
        | Op::EndsWith
        | Op::IEndsWith => {
            let func = match op {
                Op::Contains | Op::IContains => "contains",
                Op::StartsWith | Op::IStartsWith => "starts_with",
                _ => "ends_with",
            };
            let Some(ind) = ind else {
                let tests: Vec<String> = texts
                    .iter()
                    .map(|t| {
                        format!(
                            "{func}({subject}, {})",
                            string(&if folded { t.to_lowercase() } else { t.clone() })
                        )
                    })
                    .collect();
                o.push(&format!(
                    "{hit} = {}",
                    if tests.is_empty() {
                        String::from("false")
                    } else {
                        tests.join(" || ")
                    }
                ));
                return;
            };
            let mut first = true;
            for t in &texts {
                let pat = if folded { t.to_lowercase() } else { t.clone() };
                let push = if t.is_empty() {
                    String::new()
                } else {
                    format!("; {ind} = push({ind}, {})", string(t))
                };
                let kw = if first { "if" } else { "} else if" };
                o.push(&format!(
                    "{kw} {func}({subject}, {}) {{ {hit} = true{push}",
                    string(&pat)
                ));
                first = false;
            }
            if !first {
                o.push("}");
            }
        }
        Op::Glob | Op::ILike => {
            let (any, one) = if op == Op::Glob {
                ('*', '?')
            } else {
                ('%', '_')
            };
            // All the patterns as one regular expression: the whole test without indicators, or
            // a first check before looking for the first pattern that matches.
            let bodies: Vec<String> = texts.iter().map(|t| wildcard_body(t, any, one)).collect();
            let all = regex(&format!("(?s)^(?:{})$", bodies.join("|")));
            let Some(ind) = ind else {
                o.push(&format!("{hit} = match({subject}, {all})"));
                return;
            };
            let pre = texts.len() > 2;
            if pre {
                o.push(&format!("if match({subject}, {all}) {{"));
            }
            let mut first = true;
            for t in &texts {
                let indicator = t.trim_matches(any);
                let push = if indicator.is_empty() {
                    String::new()
                } else {
                    format!("; {ind} = push({ind}, {})", string(indicator))
                };
                let kw = if first { "if" } else { "} else if" };
                o.push(&format!(
                    "{kw} match({subject}, {}) {{ {hit} = true{push}",
                    regex(&wildcard_regex(t, any, one))
                ));
                first = false;
            }
            if !first {
                o.push("}");
            }
            if pre {
                o.push("}");
            }
        }
        Op::Matches | Op::IMatches => {
            let Some(ind) = ind else {
                let tests: Vec<String> = texts
                    .iter()
                    .map(|t| {
                        format!(
                            "match({subject}, {})",
                            regex(&if op == Op::IMatches {
                                format!("(?i)^(?:{t})$")
                            } else {
                                t.clone()
                            })
                        )
                    })
                    .collect();
                o.push(&format!(
                    "{hit} = {}",
                    if tests.is_empty() {
                        String::from("false")
                    } else {
                        tests.join(" || ")
                    }
                ));
                return;
            };
            let m = o.var("rm");
            let mut first = true;
            for t in &texts {
                let (named, group) = name_first_group(t);
                let re = if op == Op::IMatches {
                    format!("(?i)^(?P<cadet0>{named})$")
                } else {
                    format!("(?P<cadet0>{named})")
                };
                let pick = match group {
                    Some(g) => format!(
                        "if {m}.{g} != null {{ {m}.{g} }} else {{ {m}.cadet0 }}",
                        g = string(&g)
                    ),
                    None => format!("{m}.cadet0"),
                };
                let guard = if first {
                    String::new()
                } else {
                    format!("if !{hit} ")
                };
                o.push(&format!(
                    "{guard}{{\n{m} = parse_regex({subject}, {}) ?? null\nif {m} != null {{\n    {hit} = true\n    rmi = {pick}\n    if rmi != \"\" && rmi != null {{ {ind} = push({ind}, rmi) }}\n}}\n}}",
                    regex(&re)
                ));
                first = false;
            }
        }
        Op::Gt | Op::Ge | Op::Lt | Op::Le => o.push(&format!("{hit} = false")),
    }
}

/// True when the condition can add indicators: evidence of the fields it tests, or the
/// patterns it matched (core `Condition::eval`).
fn indicates(c: &Condition) -> bool {
    match c {
        Condition::And(items) | Condition::Or(items) => items.iter().any(indicates),
        Condition::Truthy(f) => evidence_source(f, "s").is_some(),
        Condition::Test { field, op, .. } => {
            op.is_pattern() || (*op != Op::Ne && evidence_source(field, "s").is_some())
        }
        _ => false,
    }
}

/// Emits a condition; returns the names of its result variables: `ok`, and the indicators it
/// adds when it holds (`None` for a condition that never adds any). The indicators are read
/// only when the condition holds.
///
/// Mirrors core `condition::eval::eval`.
pub fn cond(o: &mut Out, c: &Condition, seg: &str) -> (String, Option<String>) {
    cond_for(o, c, seg, true)
}

/// [`cond`]; `want` false when the indicators will not be read (under `not`).
fn cond_for(o: &mut Out, c: &Condition, seg: &str, want: bool) -> (String, Option<String>) {
    let ok = o.var("ok");
    let ind = (want && indicates(c)).then(|| o.var("ind"));
    if let Some(i) = &ind {
        o.push(&format!("{i} = []"));
    }
    match c {
        Condition::True => o.push(&format!("{ok} = true")),
        Condition::False => o.push(&format!("{ok} = false")),
        Condition::And(items) => {
            o.push(&format!("{ok} = true"));
            for item in items {
                o.push(&format!("if {ok} {{"));
                let (iok, iind) = cond_for(o, item, seg, want);
                match (&ind, iind) {
                    (Some(i), Some(ii)) => o.push(&format!(
                        "if {iok} {{ {i} = append({i}, {ii}) }} else {{ {ok} = false }}\n}}"
                    )),
                    _ => o.push(&format!("{ok} = {iok}\n}}")),
                }
            }
        }
        Condition::Or(items) => {
            o.push(&format!("{ok} = false"));
            for item in items {
                o.push(&format!("if !{ok} {{"));
                let (iok, iind) = cond_for(o, item, seg, want);
                match (&ind, iind) {
                    (Some(i), Some(ii)) => {
                        o.push(&format!("if {iok} {{ {ok} = true; {i} = {ii} }}\n}}"))
                    }
                    _ => o.push(&format!("{ok} = {iok}\n}}")),
                }
            }
        }
        Condition::Not(inner) => {
            let (iok, _) = cond_for(o, inner, seg, false);
            o.push(&format!("{ok} = !{iok}"));
        }
        // A bool field is never missing (a control-plane fact reads false on a process record).
        Condition::Exists(f) if fields::kind_of(f) == Some(FieldKind::Bool) => {
            o.push(&format!("{ok} = true"))
        }
        Condition::Exists(f) => o.push(&format!("{ok} = {} != null", read(f, seg))),
        Condition::Truthy(f) => {
            let v = o.var("v");
            o.push(&format!("{v} = {}", read(f, seg)));
            let test = match fields::kind_of(f) {
                Some(FieldKind::Bool) => format!("{v} == true"),
                Some(FieldKind::Int) => format!("{v} != null && {v} != 0"),
                Some(FieldKind::Str) => format!("{v} != null && {v} != \"\""),
                _ => format!("{v} != null"),
            };
            o.push(&format!("{ok} = {test}"));
            if let Some(i) = &ind {
                o.push(&format!("if {ok} {{"));
                push_evidence(o, f, seg, i);
                o.push("}");
            }
        }
        Condition::Test {
            field, op, values, ..
        } => {
            test(o, field, *op, values, seg, &ok, ind.as_deref());
            if let (Some(i), false) = (&ind, op.is_pattern()) {
                o.push(&format!("if {ok} {{"));
                push_evidence(o, field, seg, i);
                o.push("}");
            }
        }
    }
    (ok, ind)
}

/// Mirrors core `condition::eval::test`.
fn test(
    o: &mut Out,
    field: &str,
    op: Op,
    values: &[Literal],
    seg: &str,
    ok: &str,
    ind: Option<&str>,
) {
    let v = o.var("v");
    o.push(&format!("{v} = {}", read(field, seg)));
    let ne = op == Op::Ne;
    match fields::kind_of(field) {
        Some(FieldKind::Bool) => {
            let has_t = values.contains(&Literal::Bool(true));
            let has_f = values.contains(&Literal::Bool(false));
            let hit = match (has_t, has_f) {
                (true, true) => String::from("true"),
                (true, false) => format!("{v} == true"),
                (false, true) => format!("{v} != true"),
                (false, false) => String::from("false"),
            };
            // A bool field is never missing: absent (a control-plane fact on a process record) is false.
            if ne {
                o.push(&format!("{ok} = !({hit})"));
            } else {
                o.push(&format!("{ok} = {hit}"));
            }
        }
        Some(FieldKind::Int) => {
            let nums: Vec<i64> = values
                .iter()
                .filter_map(|l| match l {
                    Literal::Int(n) => Some(*n),
                    Literal::Str(s) => s.parse().ok(),
                    Literal::Bool(_) => None,
                })
                .collect();
            let iv = o.var("iv");
            o.push(&format!(
                "{ok} = false\nif {v} == null {{ {ok} = {ne} }} else {{\n{iv} = int!({v})"
            ));
            let any = |cmp: &str| -> String {
                if nums.is_empty() {
                    String::from("false")
                } else {
                    let parts: Vec<String> =
                        nums.iter().map(|n| format!("{iv} {cmp} {n}")).collect();
                    format!("({})", parts.join(" || "))
                }
            };
            match op {
                Op::Eq | Op::In => o.push(&format!("{ok} = {}", any("=="))),
                Op::Ne => o.push(&format!("{ok} = !{}", any("=="))),
                Op::Gt => o.push(&format!("{ok} = {}", any(">"))),
                Op::Ge => o.push(&format!("{ok} = {}", any(">="))),
                Op::Lt => o.push(&format!("{ok} = {}", any("<"))),
                Op::Le => o.push(&format!("{ok} = {}", any("<="))),
                other => {
                    let sv = o.var("sv");
                    o.push(&format!("{sv} = to_string({iv})"));
                    text_any(o, &sv, other, values, ok, ind);
                }
            }
            o.push("}");
        }
        // Equality with a list of strings: `includes` (a missing field is in no list).
        Some(FieldKind::Str) if matches!(op, Op::Eq | Op::In | Op::Ne) => {
            let texts: Vec<String> = values.iter().map(lit_text).collect();
            o.push(&format!(
                "{ok} = {}includes({}, {v})",
                if ne { "!" } else { "" },
                strings(&texts)
            ));
        }
        Some(FieldKind::Str) => {
            let sv = o.var("sv");
            o.push(&format!(
                "{ok} = false\nif {v} == null {{ {ok} = {ne} }} else {{\n{sv} = string!({v})"
            ));
            if ne {
                let h = o.var("h");
                o.push(&format!("{h} = false"));
                text_any(o, &sv, Op::Eq, values, &h, ind);
                o.push(&format!("{ok} = !{h}"));
            } else {
                text_any(o, &sv, op, values, ok, ind);
            }
            o.push("}");
        }
        _ => {
            let sv = o.var("sv");
            o.push(&format!(
                "{ok} = false\nif {v} == null {{ {ok} = {ne} }} else {{"
            ));
            if ne {
                let h = o.var("h");
                o.push(&format!("{h} = false\nfor_each(array!({v})) -> |_i, x| {{\nif !{h} {{\n{sv} = string!(x)"));
                text_any(o, &sv, Op::Eq, values, &h, None);
                o.push(&format!("}}\n}}\n{ok} = !{h}"));
            } else {
                o.push(&format!(
                    "for_each(array!({v})) -> |_i, x| {{\nif !{ok} {{\n{sv} = string!(x)"
                ));
                text_any(o, &sv, op, values, ok, ind);
                o.push("}\n}");
            }
            o.push("}");
        }
    }
}
