//! The facts a tool's flags establish (core `analysis::facts`): mounts, capabilities, host
//! namespaces, security options, privileged, URLs.

use alloc::format;
use alloc::string::String;

use crate::analysis::evidence::note;
use crate::analysis::host_paths::sensitive;
use crate::program::Out;
use crate::text::{ascii_lower, ascii_upper, clean_path};

/// `CommandAnalysis::mount_source(src, written)`; `src` and `written` are string variables.
///
/// Mirrors core `analysis::facts::mount_source`.
pub(crate) fn mount_source(o: &mut Out, src: &str, written: &str) {
    let c = o.var("ms");
    o.push(&format!(
        "if starts_with({src}, \"/\") {{\n    {c} = {cp}\n    if {sens} {{\n        c_hm = push(c_hm, {c})\n        {note}\n    }}\n    c_ms = push(c_ms, {c})\n}}",
        cp = clean_path(src),
        sens = sensitive(&c),
        note = note("cmd.host_mounts", written)
    ));
}

/// Mirrors core `analysis::facts::volume`.
pub(crate) fn volume(o: &mut Out, spec: &str, written: &str) {
    let s = o.var("vol");
    o.push(&format!("{s} = string!(split({spec}, \":\")[0])"));
    mount_source(o, &s, written);
}

/// Mirrors core `analysis::facts::mount`.
pub(crate) fn mount_spec(o: &mut Out, spec: &str, written: &str) {
    let (k, s) = (o.var("mk"), o.var("msrc"));
    o.push(&format!(
        "{k} = \"\"\n{s} = \"\"\nfor_each(split({spec}, \",\")) -> |_i, kv| {{\n    kvp = split(kv, \"=\", limit: 2)\n    kvk = strip_whitespace(string!(kvp[0]))\n    kvv = \"\"\n    if length(kvp) > 1 {{ kvv = string!(kvp[1]) }}\n    if kvk == \"type\" {{ {k} = kvv }} else if kvk == \"source\" || kvk == \"src\" {{ {s} = kvv }}\n}}\nif {k} == \"bind\" || {k} == \"\" || starts_with({s}, \"/\") {{"
    ));
    mount_source(o, &s, written);
    o.push("}");
}

/// Mirrors core `analysis::facts::cap`.
pub(crate) fn cap(o: &mut Out, value: &str, written: &str) {
    let (t, u) = (o.var("cap"), o.var("capu"));
    o.push(&format!(
        "for_each(split({value}, \",\")) -> |_i, cp| {{\n    {t} = strip_whitespace(cp)"
    ));
    ascii_upper(o, &u, &t);
    o.push(&format!(
        "    if starts_with({u}, \"CAP_\") {{ {u} = slice!({u}, 4) }}\n    if {u} != \"\" {{ c_caps = push(c_caps, {u}) }}\n}}\n{}",
        note("cmd.cap_add", written)
    ));
}

/// Mirrors core `analysis::facts::host_ns`.
pub(crate) fn host_ns(o: &mut Out, ns: &str, written: &str) {
    let t = o.var("hns");
    o.push(&format!(
        "{t} = {ns}\nif {t} == \"network\" {{ {t} = \"net\" }}\nc_hns = push(c_hns, {t})\n{}",
        note("cmd.host_namespaces", written)
    ));
}

/// Mirrors core `analysis::facts::security_opt`.
pub(crate) fn security_opt(o: &mut Out, value: &str, written: &str) {
    let (t, l) = (o.var("so"), o.var("sol"));
    o.push(&format!("{t} = {value}"));
    ascii_lower(o, &l, &t);
    o.push(&format!(
        "{l} = replace({l}, \":\", \"=\")\nif includes([\"seccomp=unconfined\", \"apparmor=unconfined\", \"label=disable\", \"label=disabled\", \"systempaths=unconfined\"], {l}) {{\n    c_unconf = true\n    {}\n}}",
        note("cmd.security_unconfined", written)
    ));
}

/// Mirrors core `analysis::facts::set_privileged`.
pub(crate) fn set_privileged(written: &str) -> String {
    format!("c_priv = true\n{}", note("cmd.privileged", written))
}

/// `CommandAnalysis::url(word)`; `word` is a string variable.
///
/// Mirrors core `analysis::facts::url`.
pub(crate) fn url(o: &mut Out, word: &str) {
    let (l, ok, rest, p, hp, path, port) = (
        o.var("ul"),
        o.var("uok"),
        o.var("urest"),
        o.var("up"),
        o.var("uhp"),
        o.var("upath"),
        o.var("uport"),
    );
    ascii_lower(o, &l, word);
    o.push(&format!(
        r#"{ok} = false
{rest} = ""
if contains({l}, "://") {{
    {p} = split({l}, "://", limit: 2)
    if match(string!({p}[0]), r'^[a-z0-9+]*$') {{ {ok} = true; {rest} = string!({p}[1]) }}
}} else if contains({l}, "/") {{
    {p} = string!(split({l}, "/", limit: 2)[0])
    if contains({p}, ":") && !starts_with({p}, "-") {{ {ok} = true; {rest} = {l} }}
}}
if {ok} {{
    {p} = parse_regex!({rest}, r'(?s)^(?P<hp>[^/?]*)(?P<path>.*)$')
    {hp} = string!(split({p}.hp, "@")[-1])
    {path} = {p}.path
    if {path} == "" {{ {path} = "/" }}
    c_urls = push(c_urls, {word})
    {port} = ""
    if contains({hp}, ":") {{ {port} = string!(split({hp}, ":")[-1]) }}
    if ({port} == "10250" || {port} == "10255") && match({path}, r'^(?:/exec/|/run/|/pods|/runningpods|/attach/|/portforward/|/cri/|/containerlogs/|/debug/)') {{
        c_kapi = true
        {nk}
    }}
    if {port} == "2375" || {port} == "2376" {{
        c_dapi = true
        {nd}
    }}
    if (starts_with({path}, "/api/v1/") || starts_with({path}, "/apis/")) && {port} != "10250" && {port} != "10255" {{
        c_k8s = true
        {n8}
    }}
}}"#,
        nk = note("cmd.kubelet_api", word),
        nd = note("cmd.docker_api", word),
        n8 = note("cmd.k8s_api", word),
    ));
}
