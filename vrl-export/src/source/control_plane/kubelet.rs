//! kubelet request logs (core `source::control_plane::kubelet`).

use alloc::format;

use crate::program::Out;
use crate::source::control_plane::note;
use crate::text::json::as_i64;
use crate::text::{ascii_lower, ascii_upper};

/// core `kubelet::build`.
///
/// Mirrors core `source::control_plane::kubelet::build`.
pub(crate) fn build(o: &mut Out) {
    o.push(
        r#"# kubelet (core kubelet::build): the path names the kubelet endpoint (k8s.subresource), with
# namespace, pod and container; the command/cmd query is the payload.
kl_v = string!(kl.verb)
kl_uri = string!(kl.uri)"#,
    );
    ascii_lower(o, "a_verb", "kl_v");
    ascii_upper(o, "kl_vu", "kl_v");
    o.push(
        r#"a_uri = kl_uri
if is_string(kl.ua) && kl.ua != "" { a_ua = kl.ua }
if is_string(kl.src) {
  kl_s = string!(kl.src)
  kl_ip = kl_s
  if starts_with(kl_s, "[") { kl_ip = split(slice!(kl_s, 1), "]")[0] } else {
    kl_hp = parse_regex(kl_s, r'(?s)^(?P<ip>.*):(?P<port>[^:]*)$') ?? null
    if kl_hp != null && !contains(string!(kl_hp.ip), ":") && match(string!(kl_hp.port), r'^[0-9]*$') { kl_ip = kl_hp.ip }
  }
  if kl_ip != "" { a_ips = [kl_ip] }
}
a_status = kl.status
a_time = kl.time
kl_path = string!(split(kl_uri, "?", limit: 2)[0])
kl_segs = filter(split(kl_path, "/")) -> |_i, s| { s != "" }
kl_ep = ""
kl_rest = []
if length(kl_segs) > 0 {
  kl_e0 = string!(kl_segs[0])"#,
    );
    ascii_lower(o, "kl_ep", "kl_e0");
    o.push("  kl_rest = slice!(kl_segs, 1)\n}\nif kl_ep == \"cri\" && length(kl_segs) >= 2 {\n  kl_e1 = string!(kl_segs[1])");
    ascii_lower(o, "kl_ep", "kl_e1");
    o.push(&format!(
        r#"  kl_rest = []
}}
a_res = "kubelet"
a_sub = kl_ep
if includes(["exec", "run", "attach", "portforward", "containerlogs"], kl_ep) {{
  if length(kl_rest) > 0 {{ a_ns = kl_rest[0] }}
  if length(kl_rest) > 1 {{ a_name = kl_rest[1] }}
}}
{sub}
if a_ua != null {{ {ua} }}
if a_status != null {{ {st} }}
q_uri = kl_uri"#,
        sub = note("k8s.subresource", "\"kubelet \" + kl_vu + \" \" + kl_path"),
        ua = note("user_agent", "\"userAgent=\" + string!(a_ua)"),
        st = note("k8s.status_code", "\"status=\" + to_string!(a_status)"),
    ));
}

/// Recognises a kubelet JSON httplog record (core `source::control_plane::kubelet::read_json`).
///
/// Mirrors core `source::control_plane::kubelet::read_json`.
pub(crate) fn read_json(o: &mut Out) {
    o.push(
        r#"# kubelet (core kubelet::read_json): httplog with --logging-format=json ({"msg":"HTTP","URI":...}).
if a_k == "" && rec.msg == "HTTP" && is_string(rec.URI) {
  a_k = "kubelet"
  src = "kubelet"
  kind = "kubelet"
  kl = {"verb": "", "uri": rec.URI, "ua": rec.userAgent, "src": rec.srcIP}
  if is_string(rec.verb) { kl.verb = rec.verb }"#,
    );
    as_i64(o, "kl_status", "rec.resp");
    as_i64(o, "kl_time", "rec.ts");
    o.push(
        r#"  if kl_time == null && is_float(rec.ts) { kl_time = to_int!(rec.ts) }
  kl.status = kl_status
  kl.time = kl_time
}"#,
    );
}

/// A kubelet text line on `line` (core `source::control_plane::kubelet::read_line`).
///
/// Mirrors core `source::control_plane::kubelet::read_line`.
pub(crate) fn read_line(o: &mut Out) {
    o.push(
        r#"    # kubelet (core kubelet::read_line): klog `"HTTP" verb="POST" URI="/exec/..."`, or the older
    # `] POST /exec/...: (1.3ms) 101 [agent ip:port]`.
    if src == "" {
      if contains(line, "\"HTTP\"") {
        kv_uri = parse_regex(line, r'(?:^| )URI=(?:"(?P<q>[^"]*)|(?P<v>[^ ]*))') ?? null
        if kv_uri != null {
          kl = {}
          kl.uri = if kv_uri.q != null { kv_uri.q } else { kv_uri.v }
          kv = parse_regex(line, r'(?:^| )verb=(?:"(?P<q>[^"]*)|(?P<v>[^ ]*))') ?? null
          kl.verb = if kv == null { "" } else if kv.q != null { kv.q } else { kv.v }
          kv = parse_regex(line, r'(?:^| )userAgent=(?:"(?P<q>[^"]*)|(?P<v>[^ ]*))') ?? null
          kl.ua = if kv == null { null } else if kv.q != null { kv.q } else { kv.v }
          kv = parse_regex(line, r'(?:^| )srcIP=(?:"(?P<q>[^"]*)|(?P<v>[^ ]*))') ?? null
          kl.src = if kv == null { null } else if kv.q != null { kv.q } else { kv.v }
          kv = parse_regex(line, r'(?:^| )resp=(?:"(?P<q>[^"]*)|(?P<v>[^ ]*))') ?? null
          kl.status = if kv == null { null } else if kv.q != null { parse_int(string!(kv.q), base: 10) ?? null } else { parse_int(string!(kv.v), base: 10) ?? null }
        }
      } else {
        ko = parse_regex(line, r'(?s)^.*?\] (?P<v>[^ ]*) (?P<u>.*?): \((?P<r>.*)$') ?? null
        if ko != null && includes(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"], ko.v) {
          kl = {"verb": ko.v, "uri": ko.u, "ua": null, "src": null}
          ko_after = ""
          ko_r = string!(ko.r)
          ko_p = find(ko_r, ") ")
          if ko_p != null { ko_after = slice!(ko_r, int!(ko_p) + 2) }
          kl.status = parse_int(string!(split(ko_after, " ")[0]), base: 10) ?? null
          ko_b = find(ko_after, " [")
          if ko_b != null {
            ko_tail = replace(slice!(ko_after, int!(ko_b) + 2), r'\]+$', "")
            ko_ua = parse_regex(ko_tail, r'(?s)^(?P<ua>.*) (?P<ip>[^ ]*)$') ?? null
            if ko_ua != null { kl.ua = ko_ua.ua; kl.src = ko_ua.ip } else { kl.ua = ko_tail }
          }
        }
      }
      if kl != null {
        a_k = "kubelet"
        src = "kubelet"
        kind = "kubelet"
      }
    }"#,
    );
}
