//! Reading the decoded record as core `text::json` does: dotted keys, integers, text values.

use alloc::format;
use alloc::string::String;

use crate::program::Out;
use crate::text::dotted_candidates;

/// Emits `v = <base.key read as core get_dotted does>` and returns the variable.
///
/// Mirrors core `text::json::get_dotted`.
pub(crate) fn dot(o: &mut Out, base: &str, key: &str) -> String {
    let v = o.var("d");
    let c = dotted_candidates(base, key);
    o.push(&format!("{v} = {}", c[0]));
    for x in &c[1..] {
        o.push(&format!("if is_null({v}) {{ {v} = {x} }}"));
    }
    v
}

/// `out = value.as_i64()` for the expression `e` (core `Json::as_i64`).
///
/// Mirrors core `text::json::as_i64`.
pub(crate) fn as_i64(o: &mut Out, out: &str, e: &str) {
    let t = o.var("ai");
    o.push(&format!(
        "{t} = {e}\n{out} = null\nif is_integer({t}) {{ {out} = {t} }} else if is_float({t}) {{ if floor!({t}) == {t} {{ {out} = to_int!({t}) }} }} else if is_string({t}) {{ {out} = parse_int(strip_whitespace!({t}), base: 10) ?? null }}"
    ));
}

/// `text(x)` as an expression: a string, an integer or bool as text, else null.
///
/// Mirrors core `text::json::text`.
pub(crate) fn text(x: &str) -> String {
    format!("if is_string({x}) {{ {x} }} else if is_integer({x}) || is_boolean({x}) {{ to_string!({x}) }} else {{ null }}")
}

/// `nonempty(x)` as an expression: `text(x)` unless empty.
///
/// Mirrors core `text::json::nonempty`.
pub(crate) fn nonempty(x: &str) -> String {
    format!("if is_string({x}) {{ if {x} == \"\" {{ null }} else {{ {x} }} }} else if is_integer({x}) || is_boolean({x}) {{ to_string!({x}) }} else {{ null }}")
}

/// `x.as_bool() == Some(b)` (core `Json::as_bool`: a bool, or "true"/"false" in any ASCII case).
///
/// Mirrors core `text::json::as_bool`.
pub(crate) fn is_bool(x: &str, b: bool) -> String {
    format!("({x} == {b} || (is_string({x}) && downcase(string!({x})) == \"{b}\"))")
}
