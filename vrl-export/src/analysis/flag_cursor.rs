//! Every flag spelling (core `analysis::flag_cursor`): `--flag=value`, `--flag value`, short
//! clusters, and the cursor over a tool's words.

use alloc::format;
use alloc::string::String;

use crate::program::Out;
use crate::text::strings;

/// `truthy(value)` for the option value variable `ov`.
pub(crate) const TRUTHY: &str =
    "(ov == null || !includes([\"false\", \"0\", \"no\"], downcase!(ov)))";

/// Reads the option word `w` (at `pos`, already known to be an option) the way core
/// `Flags::options` does: `--flag=value`, `--flag value`, short clusters; runs `handler`
/// once per option with `of` (flag), `ov` (value or null) and `ow` (as written).
/// `takes` is a VRL condition over `tf` (the flag) saying whether it takes a value.
///
/// Mirrors core `analysis::flag_cursor::options`.
/// Mirrors core `analysis::flag_cursor::truthy`.
pub(crate) fn options(o: &mut Out, takes: &str, handler: impl FnOnce(&mut Out)) {
    o.push(&format!(
        r#"pos = pos + 1
os = []
if starts_with(w, "--") {{
    if contains(w, "=") {{
        kv = split(w, "=", limit: 2)
        os = [{{"f": kv[0], "v": kv[1], "w": w}}]
    }} else {{
        tf = w
        if {takes} {{
            ov = get(args, [pos]) ?? null
            pos = pos + 1
            if ov == null {{ os = [{{"f": tf, "v": null, "w": tf}}] }} else {{ os = [{{"f": tf, "v": ov, "w": tf + " " + string!(ov)}}] }}
        }} else {{
            os = [{{"f": tf, "v": null, "w": w}}]
        }}
    }}
}} else {{
    cs = split(w, "")
    cs = slice!(cs, 2, length(cs) - 1)
    cstop = false
    for_each(cs) -> |ck, ch| {{
        if !cstop {{
            tf = "-" + ch
            if {takes} {{
                cat = join(slice!(cs, ck + 1))
                if starts_with(cat, "=") {{ cat = slice!(cat, 1) }}
                if cat != "" {{
                    os = push(os, {{"f": tf, "v": cat, "w": tf + cat}})
                }} else {{
                    ov = get(args, [pos]) ?? null
                    pos = pos + 1
                    if ov == null {{ os = push(os, {{"f": tf, "v": null, "w": tf}}) }} else {{ os = push(os, {{"f": tf, "v": ov, "w": tf + " " + string!(ov)}}) }}
                }}
                cstop = true
            }} else {{
                os = push(os, {{"f": tf, "v": null, "w": w}})
            }}
        }}
    }}
}}
for_each(os) -> |_oi, opt| {{
    of = string!(opt.f)
    ov = opt.v
    ow = string!(opt.w)"#
    ));
    handler(o);
    o.push("}");
}

pub(crate) fn takes_list(list: &[&str]) -> String {
    format!("includes({}, tf)", strings(list))
}

/// The cursor loop: `body` sees `w` (the word at `pos`) and `used`.
///
/// Mirrors core `analysis::flag_cursor::Flags`.
pub(crate) fn cursor(o: &mut Out, body: impl FnOnce(&mut Out)) {
    o.push("pos = 0\nn = length(args)\nfor_each(range!(0, n + 1)) -> |_k, _x| {\nif pos < n {\n    w = string!(get!(args, [pos]))\n    used = false");
    body(o);
    o.push("}\n}");
}

/// Option handling inside a cursor: `if` the word is an option, read it and run `handler`.
pub(crate) fn is_option() -> &'static str {
    "w != \"--\" && starts_with(w, \"-\") && strlen(w) > 1"
}

/// Opens phase `phase` of a cursor at an option word: `if ph == "<phase>" { if <an option> {
/// used = true` (`!used && ` first unless `first`); the caller reads the options and closes it.
pub(crate) fn phase_options(o: &mut Out, phase: &str, first: bool) {
    let guard = if first { "" } else { "!used && " };
    o.push(&format!(
        "if {guard}ph == \"{phase}\" {{\n    if {} {{\n    used = true",
        is_option()
    ));
}
