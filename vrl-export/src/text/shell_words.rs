//! The shell words of a command line (core `text::shell_words`), emitted as VRL.

use alloc::format;

use crate::program::Out;

/// `out = shell::split(v)`: POSIX quoting, backslashes, operators as words.
///
/// Mirrors core `text::shell_words::split`.
pub(crate) fn shell_split(o: &mut Out, out: &str, v: &str) {
    let (cur, has, m) = (o.var("sw_cur"), o.var("sw_has"), o.var("sw_m"));
    o.push(&format!(
        r##"{out} = []
{cur} = ""
{has} = false
for_each(parse_regex_all!({v}, r'(?P<sq>\x27(?P<sqb>[^\x27]*)\x27?)|(?P<dq>"(?P<dqb>(?:[^"\\]|\\["\\$`]|\\)*)"?)|(?P<bs>\\(?P<bsc>(?s:.))?)|(?P<op>\|\||&&|[;|&])|(?P<ws>\s+)|(?P<w>[^\x27"\\;|&\s]+)')) -> |_i, {m}| {{
    if {m}.ws != null {{
        if {has} {{ {out} = push({out}, {cur}); {cur} = ""; {has} = false }}
    }} else if {m}.op != null {{
        if {has} {{ {out} = push({out}, {cur}); {cur} = ""; {has} = false }}
        {out} = push({out}, {m}.op)
    }} else {{
        {has} = true
        if {m}.sq != null {{
            {cur} = {cur} + string!({m}.sqb)
        }} else if {m}.dq != null {{
            {cur} = {cur} + replace(string!({m}.dqb), r'\\(["\\$`])', "$$1")
        }} else if {m}.bs != null {{
            if {m}.bsc != null {{ {cur} = {cur} + string!({m}.bsc) }}
        }} else {{
            {cur} = {cur} + string!({m}.w)
        }}
    }}
}}
if {has} {{ {out} = push({out}, {cur}) }}"##
    ));
}

/// `out = shell::split_windows(v)`: double quotes group, `\"` is a quote.
///
/// Mirrors core `text::shell_words::split_windows`.
pub(crate) fn windows_split(o: &mut Out, out: &str, v: &str) {
    let (cur, has, q, m) = (
        o.var("ww_cur"),
        o.var("ww_has"),
        o.var("ww_q"),
        o.var("ww_m"),
    );
    o.push(&format!(
        r##"{out} = []
{cur} = ""
{has} = false
{q} = false
for_each(parse_regex_all!({v}, r'(?P<eq>\\")|(?P<q>")|(?P<ws>\s+)|(?P<w>[^\\"\s]+|\\)')) -> |_i, {m}| {{
    if {m}.eq != null {{
        {cur} = {cur} + "\""
        {has} = true
    }} else if {m}.q != null {{
        {q} = !{q}
        {has} = true
    }} else if {m}.ws != null {{
        if {q} {{
            {cur} = {cur} + string!({m}.ws)
            {has} = true
        }} else if {has} {{
            {out} = push({out}, {cur})
            {cur} = ""
            {has} = false
        }}
    }} else {{
        {cur} = {cur} + string!({m}.w)
        {has} = true
    }}
}}
if {has} {{ {out} = push({out}, {cur}) }}"##
    ));
}

/// `out = shell_words::split_commands(v)` (core text/shell_words.rs): the commands of a shell
/// line, those inside `$(…)` and backticks first, each as words. The same state machine over
/// tokens (`$(`, a backslash and the character after it, a quote or operator character, a run
/// of blanks, a run of plain characters), the current level in scalars and the levels around
/// it on a stack; `MAX_DEPTH + 1` null tokens at the end close what is still open.
///
/// Mirrors core `text::shell_words::split_commands`.
pub(crate) fn split_commands(o: &mut Out, out: &str, v: &str) {
    use cadet_core::parts::text::{MAX_SHELL_COMMANDS, MAX_SHELL_DEPTH};
    let nulls = alloc::vec!["null"; MAX_SHELL_DEPTH + 1].join(", ");
    o.push(&format!(
        r##"{out} = []
sx_stk = []
sx_k = "t"
sx_dq = false
sx_sq = false
sx_cm = false
sx_par = 0
sx_cur = ""
sx_has = false
sx_ws = []
sx_raw = ""
sx_stop = false
sx_toks = map_values(parse_regex_all!({v}, r'(?P<t>\$\(|\\(?s:.)?|[\x27"`()#;|&\n]|[^\S\n]+|[^\x27"`()#;|&\\$\s]+|\$)')) -> |sx_m| {{ sx_m.t }}
sx_toks = append(sx_toks, [{nulls}])
for_each(sx_toks) -> |_i, sx_tk| {{
    if !sx_stop {{
        # what the token does: text for the word, end of a word (1) or command (2), a level
        # opened or closed, the token kept in the level's text as written
        sx_lit = null
        sx_end = 0
        sx_open = ""
        sx_close = null
        sx_keep = true
        sx_fin = false
        sx_t = ""
        if sx_tk == null {{
            sx_keep = false
            if length(sx_stk) > 0 {{ sx_close = "" }} else {{ sx_end = 2; sx_fin = true }}
        }} else {{
            sx_t = string!(sx_tk)
            if sx_cm {{
                if sx_t == "\n" || sx_t == "\\\n" {{ sx_cm = false; sx_end = 2 }}
            }} else if sx_sq {{
                if sx_t == "'" {{ sx_sq = false }} else if sx_t == "\\'" {{ sx_lit = "\\"; sx_sq = false }} else {{ sx_lit = sx_t }}
            }} else if starts_with(sx_t, "\\") {{
                if sx_t != "\\" && sx_t != "\\\n" {{
                    sx_x = replace(sx_t, r'^\\', "")
                    if sx_dq && !includes(["\"", "\\", "$", "`"], sx_x) {{ sx_lit = sx_t }} else {{ sx_lit = sx_x }}
                }}
            }} else if sx_t == "$(" || sx_t == "`" {{
                if sx_t == "`" && sx_k == "b" {{
                    sx_close = "`"
                }} else if length(sx_stk) < {MAX_SHELL_DEPTH} {{
                    sx_keep = false
                    if sx_t == "$(" {{ sx_open = "d" }} else {{ sx_open = "b" }}
                }} else {{ sx_end = 2 }}
            }} else if sx_dq {{
                if sx_t == "\"" {{ sx_dq = false }} else {{ sx_lit = sx_t }}
            }} else if sx_t == ")" && sx_k == "d" && sx_par == 0 {{
                sx_close = ")"
            }} else if sx_t == "'" {{
                sx_sq = true
                sx_lit = ""
            }} else if sx_t == "\"" {{
                sx_dq = true
                sx_lit = ""
            }} else if sx_t == "#" && !sx_has {{
                sx_cm = true
            }} else if includes([";", "|", "&", "\n", "(", ")"], sx_t) {{
                if sx_k == "d" {{ if sx_t == "(" {{ sx_par = sx_par + 1 }} else if sx_t == ")" {{ sx_par = sx_par - 1 }} }}
                sx_end = 2
            }} else if match(sx_t, r'^\s') {{
                sx_end = 1
            }} else {{ sx_lit = sx_t }}
        }}
        if sx_keep && sx_close == null {{ sx_raw = sx_raw + sx_t }}
        if sx_lit != null {{ sx_cur = sx_cur + string!(sx_lit); sx_has = true }}
        if sx_end > 0 || sx_close != null {{
            if sx_has {{ sx_ws = push(sx_ws, sx_cur); sx_cur = ""; sx_has = false }}
        }}
        if sx_end > 1 || sx_close != null {{
            if length(sx_ws) > 0 {{
                {out} = push({out}, sx_ws)
                sx_ws = []
                if length({out}) >= {MAX_SHELL_COMMANDS} {{ sx_stop = true }}
            }}
        }}
        if sx_close != null && !sx_stop {{
            sx_txt = "$("
            if sx_k == "b" {{ sx_txt = "`" }}
            sx_txt = sx_txt + sx_raw + string!(sx_close)
            sx_p = object!(get!(sx_stk, [-1]))
            sx_stk = slice!(sx_stk, 0, length(sx_stk) - 1)
            sx_k = string!(sx_p.k)
            sx_dq = bool!(sx_p.dq)
            sx_sq = false
            sx_cm = false
            sx_par = int!(sx_p.par)
            sx_cur = string!(sx_p.cur) + sx_txt
            sx_has = true
            sx_ws = array!(sx_p.ws)
            sx_raw = string!(sx_p.raw) + sx_txt
        }}
        if sx_open != "" {{
            sx_stk = push(sx_stk, {{"k": sx_k, "dq": sx_dq, "par": sx_par, "cur": sx_cur, "ws": sx_ws, "raw": sx_raw}})
            sx_k = sx_open
            sx_dq = false
            sx_par = 0
            sx_cur = ""
            sx_has = false
            sx_ws = []
            sx_raw = ""
        }}
        if sx_fin {{ sx_stop = true }}
    }}
}}"##
    ));
}
