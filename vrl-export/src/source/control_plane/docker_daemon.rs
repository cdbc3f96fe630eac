//! docker events and dockerd log lines (core `source::control_plane::docker_daemon`).

use alloc::format;

use crate::program::Out;
use crate::source::control_plane::{fact, host_path_mount, note};
use crate::text::ascii_upper;
use crate::text::json::{as_i64, is_bool, nonempty};
use crate::text::shell_words::shell_split;

/// Recognises a dockerd log line held in `dl_in` (core `docker_daemon::read_line`): sets
/// `dl_call` (an API call) or `dl_form` (a request body), `a_k`, and the time candidate.
///
/// Mirrors core `source::control_plane::docker_daemon::read_line`.
pub(crate) fn read_line(o: &mut Out) {
    o.push(
        r#"  # dockerd line (core docker_daemon::read_line): `Calling POST /v1.45/containers/ID/exec` or
  # `form data: {...}` (logfmt-quoted in text logs).
  dl_c = find(dl_in, "Calling ")
  if dl_c != null {
    dl_m = parse_regex(slice!(dl_in, int!(dl_c) + 8), r'^\s*(?P<m>\S+)(?:\s+(?P<p>\S+))?') ?? null
    if dl_m != null && includes(["GET", "POST", "PUT", "DELETE", "HEAD"], dl_m.m) && dl_m.p != null {
      dl_path = replace(string!(dl_m.p), r'"+$', "")
      if starts_with(dl_path, "/") { dl_call = {"method": dl_m.m, "path": dl_path} }
    }
  } else {
    dl_f = find(dl_in, "form data: ")
    if dl_f != null {
      dl_body = replace(replace(slice!(dl_in, int!(dl_f) + 11), r'\s+$', ""), r'"$', "")
      if contains(dl_body, "\\\"") {
        dl_body = replace_with(dl_body, r'(?s)\\(.)?') -> |m| {
          dl_ch = m.captures[0]
          if dl_ch == null { "\\" } else if dl_ch == "n" { "\n" } else if dl_ch == "t" { "\t" } else { string!(dl_ch) }
        }
      }
      dl_doc = parse_json(dl_body) ?? null
      if dl_doc != null && (dl_doc.Image != null || is_object(dl_doc.HostConfig) || dl_doc.Cmd != null) { dl_form = dl_doc }
    }
  }
  if dl_call != null || dl_form != null {
    a_k = "docker_line"
    src = "docker_daemon"
    kind = "docker"
    dl_t = parse_regex(dl_in, r'time="(?P<t>[^"]*)') ?? null
    if dl_t != null { a_tc = push(a_tc, dl_t.t) }
  }"#,
    );
}

/// core `docker_daemon::event`.
///
/// Mirrors core `source::control_plane::docker_daemon::event`.
pub(crate) fn event(o: &mut Out) {
    o.push(&format!(
        r#"# docker events (core docker_daemon::event): the command of exec_start is the payload;
# exec_create is read without facts (one exec is scored once, at exec_start).
de_parts = split(string!(a_doc.Action), ": ", limit: 2)
de_name = strip_whitespace(string!(de_parts[0]))
a_dact = de_name
{n}
a_cont = {name}
if a_cont == null {{ a_cont = {id} }}
de_img = {img}"#,
        n = note("docker.action", "\"Action=\" + de_name"),
        name = nonempty("a_doc.Actor.Attributes.name"),
        id = nonempty("a_doc.Actor.ID"),
        img = nonempty("a_doc.Actor.Attributes.image"),
    ));
    o.push("if de_img != null { pf_images = push(pf_images, de_img) }");
    as_i64(o, "a_time", "a_doc.time");
    o.push("if a_time == null {");
    as_i64(o, "de_ns", "a_doc.timeNano");
    o.push(
        r#"  if de_ns != null { a_time = to_int(round((int!(de_ns) - mod(int!(de_ns), 1000000000)) / 1000000000)) }
}
if de_name == "exec_create" { a_skip = true } else if length(de_parts) > 1 && starts_with(de_name, "exec_") {
  a_pl = push(a_pl, {"g": 0, "s": de_parts[1]})
}"#,
    );
}

/// core `docker_daemon::read_line` after the line was recognised: an API call or a request body.
///
/// Mirrors core `source::control_plane::docker_daemon::read_line`.
/// Mirrors core `source::control_plane::docker_daemon::api_action`.
pub(crate) fn line_facts(o: &mut Out) {
    o.push(
        r#"# dockerd line (core docker_daemon::read_line): `Calling` names the API call; a container-create
# body fills the k8s.pod.* facts and its Entrypoint+Cmd is the payload, an exec body's Cmd is.
if dl_call != null {
  dl_method = string!(dl_call.method)
  dl_path = string!(dl_call.path)
  a_verb = downcase(dl_method)
  a_uri = dl_path"#,
    );
    o.push(&note("docker.action", "dl_method + \" \" + dl_path"));
    o.push(
        r#"  dl_segs = filter(split(string!(split(dl_path, "?", limit: 2)[0]), "/")) -> |_i, s| { s != "" }
  if length(dl_segs) > 0 && match(string!(dl_segs[0]), r'^v[0-9]') { dl_segs = slice!(dl_segs, 1) }
  if length(dl_segs) == 2 && dl_segs[0] == "containers" && dl_segs[1] == "create" { a_dact = "containers/create" }
  else if length(dl_segs) >= 3 && dl_segs[0] == "containers" {
    a_dact = dl_segs[2]
    a_cont = dl_segs[1]
  } else if length(dl_segs) >= 3 && dl_segs[0] == "exec" {
    a_dact = "exec/" + string!(dl_segs[2])
    a_cont = dl_segs[1]
  } else { a_dact = join!(dl_segs, "/") }
} else {
  dl_host = dl_form.HostConfig
  dl_cmd = []
  dl_epw = []
  for_each([dl_form.Entrypoint, dl_form.Cmd]) -> |i, j| {
    dl_w = []
    if is_array(j) {
      for_each(array!(j)) -> |_k, w| { if is_string(w) { dl_w = push(dl_w, w) } }
    } else if is_string(j) {
      dl_js = string!(j)"#,
    );
    shell_split(o, "dl_w", "dl_js");
    o.push(&format!(
        r#"    }}
    if i == 0 {{ dl_epw = dl_w }}
    dl_cmd = append(dl_cmd, dl_w)
  }}
  if length(dl_epw) > 0 {{
    a_ep = join(dl_epw, " ")
    {ep}
  }}
  if dl_form.Image != null || is_object(dl_host) {{
    a_dact = "containers/create"
    {ca}
    pf_present = true
    if is_string(dl_form.Image) {{
      pf_images = push(pf_images, dl_form.Image)
      {img}
    }}
    {priv}
    {pid}
    {net}
    {ipc}
    dl_mounts = []
    for_each(array(dl_host.Binds) ?? []) -> |_i, b| {{ if is_string(b) {{ dl_mounts = push(dl_mounts, [split(string!(b), ":")[0], b]) }} }}
    for_each(array(dl_host.Mounts) ?? []) -> |_i, m| {{ if m.Type == "bind" && is_string(m.Source) {{ dl_mounts = push(dl_mounts, [m.Source, m.Source]) }} }}
    for_each(dl_mounts) -> |_i, bm| {{
      dl_src = bm[0]
      if starts_with(dl_src, "/") {{
        {mount}
      }}
    }}
    for_each(array(dl_host.CapAdd) ?? []) -> |_i, c| {{
      if is_string(c) {{
        dl_cs = string!(c)"#,
        ep = note("docker.entrypoint", "\"Entrypoint=\" + a_ep"),
        ca = note("docker.action", "\"containers/create\""),
        img = note("k8s.pod.images", "\"Image=\" + string!(dl_form.Image)"),
        priv = fact(&is_bool("dl_host.Privileged", true), "pf_priv", "k8s.pod.privileged", "\"Privileged=true\""),
        pid = fact("dl_host.PidMode == \"host\"", "pf_hpid", "k8s.pod.host_pid", "\"PidMode=host\""),
        net = fact("dl_host.NetworkMode == \"host\"", "pf_hnet", "k8s.pod.host_network", "\"NetworkMode=host\""),
        ipc = fact("dl_host.IpcMode == \"host\"", "pf_hipc", "k8s.pod.host_ipc", "\"IpcMode=host\""),
        mount = host_path_mount("dl_src", "\"Binds=\" + bm[1]"),
    ));
    ascii_upper(o, "dl_cap", "dl_cs");
    o.push(&format!(
        r#"        if starts_with(dl_cap, "CAP_") {{ dl_cap = slice!(dl_cap, 4) }}
        {cap}
        pf_caps = push(pf_caps, dl_cap)
      }}
    }}
    {it}
  }} else {{
    a_dact = "exec"
    {ex}
    {epriv}
  }}
  if length(dl_cmd) > 0 {{ a_pl = push(a_pl, {{"g": 0, "w": dl_cmd}}) }}
}}"#,
        cap = note("k8s.pod.capabilities", "\"CapAdd=\" + dl_cs"),
        it = fact(
            &format!(
                "{} && {}",
                is_bool("dl_form.Tty", true),
                is_bool("dl_form.OpenStdin", true)
            ),
            "pf_inter",
            "k8s.pod.interactive",
            "\"Tty+OpenStdin\""
        ),
        ex = note("docker.action", "\"exec\""),
        epriv = fact(
            &is_bool("dl_form.Privileged", true),
            "pf_priv",
            "k8s.pod.privileged",
            "\"Privileged=true\""
        ),
    ));
}

/// Recognises `docker events` JSON or a dockerd JSON log record (core `source::control_plane::docker_daemon::read`).
///
/// Mirrors core `source::control_plane::docker_daemon::read`.
pub(crate) fn read(o: &mut Out) {
    o.push(
        r#"# docker_daemon (core docker_daemon::read): `docker events` JSON (Action and Actor), or a dockerd
# JSON log record whose `msg` is a `Calling ...` or `form data: ...` line.
if a_k == "" && is_string(rec.Action) && is_object(rec.Actor) {
  a_k = "docker_event"
  a_doc = rec
  src = "docker_daemon"
  kind = "docker"
}
if a_k == "" && is_string(rec.msg) {
  dl_in = string!(rec.msg)"#,
    );
    read_line(o);
    o.push(
        r#"  # the record's own `time` when the line has none
  if a_k != "" { a_tc = push(a_tc, rec.time) }
}"#,
    );
}

/// A dockerd text line on `line` (core `source::control_plane::docker_daemon::read_line`).
///
/// Mirrors core `source::control_plane::read_text`.
pub(crate) fn read_text(o: &mut Out) {
    o.push("    # docker_daemon and kubelet text lines (core source::control_plane::read_text).\n    if src == \"\" {\n  dl_in = line");
    read_line(o);
    o.push("    }");
}
