//! The fixed part of the generated program: source detection, the process normalisers,
//! shell-word splitting, the argument analysis of every container tool and the payload
//! analysis. Each piece mirrors a function of cadet-core (named in the comments); VRL has
//! no user functions, so pieces used in several places are emitted once per use.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::text::{dotted_candidates, string};

/// Emits VRL with unique temporary names.
pub struct Out {
    pub code: String,
    n: usize,
}

impl Out {
    pub fn new() -> Out {
        Out {
            code: String::new(),
            n: 0,
        }
    }

    /// A fresh variable name.
    pub fn var(&mut self, stem: &str) -> String {
        self.n += 1;
        format!("{stem}_{}", self.n)
    }

    /// Restarts temporary names: code emitted after this does not read earlier temporaries.
    /// (Fewer distinct variables keep the VRL compiler's type state small.)
    pub fn reset(&mut self) {
        self.n = 0;
    }

    /// Appends lines (already indented by the caller's text).
    pub fn push(&mut self, text: &str) {
        self.code.push_str(text);
        if !text.ends_with('\n') {
            self.code.push('\n');
        }
    }
}

/// Emits `v = <base.key read as core get_dotted does>` and returns the variable.
pub fn dot(o: &mut Out, base: &str, key: &str) -> String {
    let v = o.var("d");
    let c = dotted_candidates(base, key);
    o.push(&format!("{v} = {}", c[0]));
    for x in &c[1..] {
        o.push(&format!("if is_null({v}) {{ {v} = {x} }}"));
    }
    v
}

/// `out = <ASCII lower case of the string variable v>` (core: `to_ascii_lowercase`).
pub fn ascii_lower(o: &mut Out, out: &str, v: &str) {
    o.push(&format!(
        "{out} = if match({v}, r'^[\\x00-\\x7F]*$') {{ downcase({v}) }} else {{ replace_with({v}, r'[A-Z]+') -> |m| {{ downcase(m.string) }} }}"
    ));
}

/// `out = program_name(v)` (core `command::program_name`: basename, `.exe` dropped, ASCII lower case).
pub fn program_name(o: &mut Out, out: &str, v: &str) {
    let t = o.var("pn");
    o.push(&format!(
        "{t} = replace(replace({v}, r'(?s)^.*[/\\\\]', \"\"), r'(?:\\.exe|\\.EXE)$', \"\")"
    ));
    ascii_lower(o, out, &t);
}

/// `out = shell::split(v)`: POSIX quoting, backslashes, operators as words.
pub fn shell_split(o: &mut Out, out: &str, v: &str) {
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
pub fn windows_split(o: &mut Out, out: &str, v: &str) {
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

/// `out = first_text(base, names)` (core `process_fields::first_text`).
pub fn first_text(o: &mut Out, out: &str, base: &str, names: &[&str]) {
    o.push(&format!("{out} = null"));
    for n in names {
        let tt = o.var("ftt");
        o.push(&format!("if {out} == null {{"));
        let t = dot(o, base, n);
        o.push(&format!(
            "    if is_string({t}) || is_integer({t}) || is_boolean({t}) {{\n        {t} = to_string!({t})\n        {tt} = strip_whitespace({t})\n        if {tt} != \"\" && {tt} != \"-\" {{ {out} = {t} }}\n    }}\n}}"
        ));
    }
}

/// `out = value.as_i64()` for the expression `e` (core `Json::as_i64`).
pub fn as_i64(o: &mut Out, out: &str, e: &str) {
    let t = o.var("ai");
    o.push(&format!(
        "{t} = {e}\n{out} = null\nif is_integer({t}) {{ {out} = {t} }} else if is_float({t}) {{ if floor!({t}) == {t} {{ {out} = to_int!({t}) }} }} else if is_string({t}) {{ {out} = parse_int(strip_whitespace!({t}), base: 10) ?? null }}"
    ));
}

/// `out = the first of names whose value is an integer` (core: `names.iter().find_map(as_i64)`).
pub fn first_i64(o: &mut Out, out: &str, base: &str, names: &[&str]) {
    o.push(&format!("{out} = null"));
    for n in names {
        let t = o.var("fi");
        o.push(&format!("if {out} == null {{"));
        let d = dot(o, base, n);
        as_i64(o, &t, &d);
        o.push(&format!("{out} = {t}\n}}"));
    }
}

/// `has_any(base, names)` (core `process_fields::has_any`: any non-null value), as a
/// condition over variables it emits.
pub fn has_any(o: &mut Out, base: &str, names: &[&str]) -> String {
    let parts: Vec<String> = names
        .iter()
        .map(|n| format!("!is_null({})", dot(o, base, n)))
        .collect();
    parts.join(" || ")
}

/// The vendors' process field names: the core's own table, so the VRL reads the same fields.
pub use cadet_core::parts::source::{
    ProcessFieldNames as Names, ECS, SPLUNK_CIM, SYSMON, WINDOWS_4688,
};

/// Fills the process variables from `base` with `names` (core `process_fields::read`).
pub fn read_process(o: &mut Out, base: &str, names: &Names) {
    o.push("p_argv = []");
    for n in names.args {
        o.push("if length(p_argv) == 0 {");
        let items = dot(o, base, n);
        o.push(&format!(
            "if is_array({items}) {{\n    for_each(array!({items})) -> |_i, x| {{\n        if is_string(x) || is_integer(x) || is_boolean(x) {{ p_argv = push(p_argv, to_string!(x)) }}\n    }}\n}}\n}}"
        ));
    }
    first_text(o, "p_exe", base, names.executable);
    first_text(o, "p_name", base, names.name);
    first_text(o, "p_cl", base, names.command_line);
    first_text(o, "p_user", base, names.user);
    first_text(o, "p_pname", base, names.parent_name);
    first_text(o, "p_pexe", base, names.parent_executable);
    first_text(o, "p_pcl", base, names.parent_command_line);
    first_text(o, "p_host", base, names.host);
    first_i64(o, "p_pid", base, names.pid);
    first_text(o, "p_cid", base, names.container_id);
    o.push(&format!("src = {}", string(names.vendor)));
}

fn clear_process(o: &mut Out) {
    o.push("p_exe = null\np_name = null\np_argv = []\np_cl = null\np_user = null\np_pname = null\np_pexe = null\np_pcl = null\np_host = null\np_pid = null\np_cid = null");
}

/// The variables source detection leaves: for the rules the source, the kind, the event fields
/// and the parent process; then, in a block that ends after the argument analysis, the process
/// start and the payload candidates of a control-plane record.
pub fn declare(o: &mut Out, api: bool) {
    o.push("# ------------------------------------------------------------------ 2. normalise");
    o.push("# core: source::normalise — the first normaliser that knows the record reads it.");
    o.push("src = \"\"\nkind = \"process\"\nevf = {}\nparents = []\n{\ntext_pending = false");
    if api {
        o.push("pl_cands = []");
    }
    clear_process(o);
}

/// Source detection and the process normalisers (core `source::normalise`).
/// Leaves `src` ("" when no normaliser read the record) and the `p_*` variables.
pub fn normalise(o: &mut Out) {
    o.push("line = null");
    crate::api::init(o);
    crate::api::detect_json(o);

    // ESF
    o.push("\n# esf (core source/esf.rs): macOS Endpoint Security exec events (eslogger).");
    o.push("esf = rec.event.exec\nif src == \"\" && is_object(esf) {");
    o.push(
        r#"    for_each(array(esf.args) ?? []) -> |_i, x| { if is_string(x) { p_argv = push(p_argv, x) } }
    if is_string(esf.target.executable.path) { p_exe = esf.target.executable.path }
    if is_string(rec.process.executable.path) { p_pexe = rec.process.executable.path }"#,
    );
    as_i64(o, "euid", "esf.target.audit_token.euid");
    o.push("    if euid != null { if euid == 0 { p_user = \"root\" } else { p_user = to_string!(euid) } }");
    as_i64(o, "p_pid", "esf.target.audit_token.pid");
    o.push("    src = \"esf\"\n}");

    // ECS
    o.push("\n# ecs (core source/ecs.rs): Elastic Common Schema process events; event.type other than start is not read.");
    o.push("if src == \"\" {");
    let (a, n, e, c) = (
        dot(o, "rec", "process.args"),
        dot(o, "rec", "process.name"),
        dot(o, "rec", "process.executable"),
        dot(o, "rec", "process.command_line"),
    );
    o.push(&format!("if is_string({n}) || is_string({e}) || is_string({c}) || (is_array({a}) && length!({a}) > 0) {{"));
    let et = dot(o, "rec", "event.type");
    o.push(&format!(
        "    ecs_type = {et}\n    ecs_types = []\n    if is_string(ecs_type) {{ ecs_types = [ecs_type] }} else if is_array(ecs_type) {{ ecs_types = filter(array!(ecs_type)) -> |_i, x| {{ is_string(x) }} }}\n    if length(ecs_types) == 0 || includes(ecs_types, \"start\") {{"
    ));
    read_process(o, "rec", &ECS);
    o.push("    }\n}\n}");

    // Sysmon
    o.push("\n# sysmon (core source/sysmon.rs): Sysmon EventID 1, flat or Winlogbeat.");
    o.push("if src == \"\" {");
    first_i64(
        o,
        "sm_id",
        "rec",
        &[
            "EventID",
            "event_id",
            "EventId",
            "winlog.event_id",
            "Event.System.EventID",
        ],
    );
    let named: Vec<String> = [
        "Channel",
        "channel",
        "winlog.channel",
        "SourceName",
        "winlog.provider_name",
        "Provider",
    ]
    .iter()
    .map(|k| {
        let d = dot(o, "rec", k);
        format!("(is_string({d}) && contains!({d}, \"Sysmon\"))")
    })
    .collect();
    let img = has_any(o, "rec", &["Image", "winlog.event_data.Image"]);
    let w = dot(o, "rec", "winlog.event_data");
    o.push(&format!(
        "if sm_id == 1 && ({} || {img}) {{\n    sm_data = rec\n    if is_object({w}) {{ sm_data = object!({w}) }}",
        named.join(" || "),
    ));
    read_process(o, "sm_data", &SYSMON);
    let w = dot(o, "rec", "winlog.computer_name");
    o.push(&format!(
        "    if p_host == null && is_string({w}) {{ p_host = {w} }}\n}}\n}}"
    ));

    // Windows 4688
    o.push(
        "\n# win4688 (core source/windows_4688.rs): Windows 4688 and QRadar-style flat exports.",
    );
    o.push("if src == \"\" {");
    first_i64(
        o,
        "w_id",
        "rec",
        &[
            "eventid",
            "EventID",
            "EventId",
            "event_id",
            "winlog.event_id",
        ],
    );
    let w = dot(o, "rec", "winlog.event_data");
    o.push(&format!(
        "w_data = rec\nif w_id == 4688 && is_object({w}) {{ w_data = object!({w}) }}"
    ));
    let flat = has_any(
        o,
        "w_data",
        &[
            "CommandLine",
            "Command",
            "Process Name",
            "payload",
            "UTF8(payload)",
            "NewProcessName",
        ],
    );
    o.push(&format!("if ({flat}) && (w_id == null || w_id == 4688) {{"));
    read_process(o, "w_data", &WINDOWS_4688);
    o.push("    if p_cl == null && p_exe == null && p_name == null {");
    clear_process(o);
    o.push("        src = \"\"\n    }\n}\n}");

    // Splunk
    o.push("\n# splunk (core source/splunk.rs): Splunk CIM Endpoint.Processes.");
    o.push("if src == \"\" {");
    let a = has_any(o, "rec", &["process_name", "process_path"]);
    let b = has_any(
        o,
        "rec",
        &["parent_process_name", "parent_process", "process_id"],
    );
    o.push(&format!("if ({a}) || (is_string(rec.process) && ({b})) {{"));
    read_process(o, "rec", &SPLUNK_CIM);
    o.push("}\n}");

    // laurel
    o.push("\n# auditd JSON (core source/auditd.rs read_json): laurel's EXECVE.ARGV.");
    o.push("if src == \"\" && is_array(rec.EXECVE.ARGV) && length!(rec.EXECVE.ARGV) > 0 {");
    o.push(
        r#"    for_each(array!(rec.EXECVE.ARGV)) -> |_i, x| { if is_string(x) || is_integer(x) || is_boolean(x) { p_argv = push(p_argv, to_string!(x)) } }
    if is_string(rec.SYSCALL.exe) { p_exe = rec.SYSCALL.exe }
    if is_string(rec.SYSCALL.UID) { p_user = rec.SYSCALL.UID } else if is_string(rec.SYSCALL.AUID) { p_user = rec.SYSCALL.AUID }
    if is_string(rec.PPID.comm) { p_pname = rec.PPID.comm }
    if is_string(rec.PPID.exe) { p_pexe = rec.PPID.exe }
    if is_string(rec.NODE) { p_host = rec.NODE }"#,
    );
    as_i64(o, "p_pid", "rec.SYSCALL.pid");
    o.push("    src = \"auditd\"\n}");

    // Text lines
    o.push("\n# Text lines (core source::normalise_text), also a JSON record's message/log/MESSAGE/msg.");
    o.push(
        r#"if src == "" {
    if is_string(rec.message) { line = rec.message } else if is_string(rec.log) { line = rec.log } else if is_string(rec.MESSAGE) { line = rec.MESSAGE } else if is_string(rec.msg) { line = rec.msg }
}
if line != null {
    line = string!(line)"#,
    );
    // auditd raw
    o.push(
        r#"    # auditd (core source/auditd.rs read_line): type=EXECVE, hex arguments decoded, aN[k] fragments joined.
    if contains(line, "type=EXECVE ") {
        ad_body = slice!(line, int!(find(line, "type=EXECVE ")))
        ad_at = find(ad_body, "): ")
        if ad_at != null {
            ad_frags = {}
            ad_seq = 0
            for_each(parse_regex_all!(slice!(ad_body, int!(ad_at) + 3), r'(?P<ws>\s+)|(?P<key>[^= ]*)=(?:"(?P<q>[^"]*)"?|(?P<v>[^ ]*))|(?P<skip>[^ ]+)')) -> |_i, m| {
                if m.key != null && starts_with!(m.key, "a") {
                    ad_key = string!(slice!(m.key, 1))
                    ad_idx = ad_key
                    ad_frag = "0"
                    if contains(ad_key, "[") {
                        ad_kp = split(ad_key, "[", limit: 2)
                        ad_idx = ad_kp[0]
                        ad_frag = replace(string!(ad_kp[1]), r'\]+$', "")
                    }
                    ad_i = parse_int(string!(ad_idx), base: 10) ?? -1
                    ad_f = parse_int(ad_frag, base: 10) ?? -1
                    if ad_i >= 0 && ad_i < 4096 && ad_f >= 0 && !starts_with(ad_frag, "-") && !starts_with(string!(ad_idx), "-") {
                        ad_val = m.q
                        if ad_val == null {
                            ad_val = string!(m.v)
                            if !ends_with!(m.key, "_len") && ad_val != "" && mod(strlen(ad_val), 2) == 0 && match(ad_val, r'^[0-9A-Fa-f]+$') {
                                ad_val = replace(decode_base16!(ad_val), "\u{0}", " ")
                            }
                        }
                        ad_k = slice!("0000" + to_string(ad_i), -4) + "." + slice!("00000000000000000000" + to_string(ad_f), -20) + "." + slice!("000000" + to_string(ad_seq), -6)
                        ad_frags = set!(ad_frags, [ad_k], {"i": ad_i, "v": ad_val})
                        ad_seq = ad_seq + 1
                    }
                }
            }
            if length(ad_frags) > 0 {
                ad_last = -1
                for_each(keys(ad_frags)) -> |_i, k| {
                    ad_e = get!(ad_frags, [k])
                    if ad_e.i == ad_last {
                        ad_n = length(p_argv)
                        p_argv = push(slice!(p_argv, 0, ad_n - 1), string!(p_argv[-1]) + string!(ad_e.v))
                    } else {
                        p_argv = push(p_argv, string!(ad_e.v))
                        ad_last = ad_e.i
                    }
                }
                src = "auditd"
            }
        }
    }"#,
    );
    // Sysmon XML
    o.push(
        r#"    # sysmon XML line (core source/sysmon.rs read_xml_line).
    if src == "" && contains(line, "<EventID>1</EventID>") && contains(line, "<Data Name=\"Image\">") {
        sx = {}
        for_each(["Image", "CommandLine", "User", "ParentImage", "ParentCommandLine", "ProcessId"]) -> |_i, name| {
            sx_open = "<Data Name=\"" + name + "\">"
            sx_at = find(line, sx_open)
            if sx_at != null {
                sx_rest = slice!(line, int!(sx_at) + length(sx_open))
                sx_end = find(sx_rest, "</Data>")
                if sx_end != null {
                    sx_raw = slice!(sx_rest, 0, int!(sx_end))
                    if sx_raw != "-" && sx_raw != "" {
                        if contains(sx_raw, "&") {
                            sx_raw = replace(replace(replace(replace(replace(sx_raw, "&quot;", "\""), "&apos;", "'"), "&lt;", "<"), "&gt;", ">"), "&amp;", "&")
                        }
                        sx = set!(sx, [name], sx_raw)
                    }
                }
            }
        }
        p_exe = sx.Image
        p_cl = sx.CommandLine
        p_user = sx.User
        p_pexe = sx.ParentImage
        p_pcl = sx.ParentCommandLine
        if sx.ProcessId != null { p_pid = parse_int(string!(sx.ProcessId), base: 10) ?? null }
        sx_c = find(line, "<Computer>")
        if sx_c != null {
            sx_cr = slice!(line, int!(sx_c) + 10)
            sx_ce = find(sx_cr, "</Computer>")
            if sx_ce != null { p_host = slice!(sx_cr, 0, int!(sx_ce)) }
        }
        src = "sysmon"
    }"#,
    );
    crate::api::detect_line(o);
    // shell line (needs the analysis: done after complete via `text_pending`)
    o.push(
        r#"    # text (core source/shell_line.rs): a command line, or sudo's log (COMMAND=...); read only when
    # the analysis below finds a container tool in it.
    text_pending = false
    if src == "" {
        tl_at = find(line, "COMMAND=")
        tl_cmd = strip_whitespace(line)
        if tl_at != null { tl_cmd = slice!(line, int!(tl_at) + 8) }"#,
    );
    shell_split(o, "p_argv", "tl_cmd");
    o.push(
        r#"        p_cl = tl_cmd
        tl_su = find(line, "sudo:")
        if tl_su != null {
            tl_rest = replace(slice!(line, int!(tl_su) + 5), r'^\s+', "")
            p_user = split(tl_rest, r'[ :]')[0]
        }
        src = "text"
        text_pending = true
    }
}"#,
    );
}
