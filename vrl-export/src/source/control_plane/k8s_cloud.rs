//! The managed clouds' wrappers of audit events (core `source::control_plane::k8s_cloud`): GKE
//! Cloud Audit Logs, Azure Activity Log (EKS and AKS carry the audit event itself).

use alloc::format;

use crate::program::Out;
use crate::source::control_plane::k8s_audit::is_audit_event;
use crate::text::json::{as_i64, is_bool, nonempty, text};
use crate::text::lower_in_place;

/// core `k8s_cloud::gke`.
///
/// Mirrors core `source::control_plane::k8s_cloud::gke`.
/// Mirrors core `source::control_plane::k8s_cloud::gke_long_running`.
pub(crate) fn gke(o: &mut Out) {
    o.push(&format!(
        r#"# k8s_gke (core k8s_cloud::gke): a Cloud Audit Logs entry; of a first/last pair the first plays
# ResponseStarted (read without facts unless the call is long-running: core gke_long_running) and the
# last ResponseComplete.
pp = a_doc.protoPayload
# the two entries of a long-running call share operation.id
a_aid = {aid}
g_first = {first} && !{last}
if g_first {{ a_stage = "ResponseStarted" }} else if {last} && !{first} {{ a_stage = "ResponseComplete" }}
if g_first {{
  gl_parts = split(string(pp.methodName) ?? "", ".")
  gl_verb = if length(gl_parts) >= 3 {{ gl_parts[-1] }} else {{ null }}
  gl_sub = null
  gl_vi = -1
  for_each(gl_parts) -> |i, p| {{ if gl_vi < 0 && match(p, r'^v[0-9]') {{ gl_vi = i }} }}
  if gl_vi >= 0 {{
    gl_rest = slice(gl_parts, gl_vi + 1, length(gl_parts) - 1) ?? []
    if length(gl_rest) > 1 {{ gl_sub = gl_rest[1] }}
  }}
  if gl_sub == null && is_string(pp.resourceName) {{
    gl_segs = split(string!(pp.resourceName), "/")
    if length(gl_segs) >= 3 && match(string!(gl_segs[1]), r'^v[0-9]') {{
      gl_rr = slice!(gl_segs, 2)
      if gl_rr[0] == "namespaces" && length(gl_rr) >= 3 {{ gl_rr = slice!(gl_rr, 2) }}
      if length(gl_rr) > 2 {{ gl_sub = gl_rr[2] }}
    }}
  }}
  gl_long = (gl_sub != null && match(string!(gl_sub), r'(?i-u)^(?:exec|attach|portforward|proxy)$')) || (gl_verb != null && match(string!(gl_verb), r'(?i-u)^watch$'))
  if !gl_long {{ a_skip = true }}
}}
if !a_skip {{
  g_t = map_values({{
    "user": pp.authenticationInfo.principalEmail, "ip": pp.requestMetadata.callerIp,
    "ua": pp.requestMetadata.callerSuppliedUserAgent, "method": pp.methodName,
    "decision": a_doc.labels."authorization.k8s.io/decision"
  }}) -> |x| {{ {ne} }}
  a_user = g_t.user
  if g_t.ip != null {{ a_ips = [g_t.ip] }}
  a_ua = g_t.ua
  a_tc = [a_doc.timestamp]
  a_method = g_t.method
  # methodName io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>
  g_parts = split(string(g_t.method) ?? "", ".")
  if length(g_parts) >= 3 {{ a_verb = g_parts[-1] }}
  g_vi = -1
  for_each(g_parts) -> |i, p| {{ if g_vi < 0 && match(p, r'^v[0-9]') {{ g_vi = i }} }}
  if g_vi >= 0 {{
    # (core slices parts[vi+1 .. len-1]; a version as the last part would make that range empty here)
    g_rest = slice(g_parts, g_vi + 1, length(g_parts) - 1) ?? []
    if length(g_rest) > 0 {{ a_res = g_rest[0] }}
    if length(g_rest) > 1 {{ a_sub = g_rest[1] }}
  }}"#,
        aid = nonempty("a_doc.operation.id"),
        first = is_bool("a_doc.operation.first", true),
        last = is_bool("a_doc.operation.last", true),
        ne = nonempty("x"),
    ));
    lower_in_place(o, "a_verb");
    lower_in_place(o, "a_res");
    lower_in_place(o, "a_sub");
    o.push(
        r#"  # resourceName <group>/<version>/namespaces/<ns>/<resource>/<name>[/<subresource>]
  if is_string(pp.resourceName) {
    g_rn = string!(pp.resourceName)
    g_segs = split(g_rn, "/")
    if length(g_segs) >= 3 && match(string!(g_segs[1]), r'^v[0-9]') {
      if g_segs[0] != "core" { a_group = g_segs[0] }
      g_rr = slice!(g_segs, 2)
      if g_rr[0] == "namespaces" && length(g_rr) >= 3 {
        a_ns = g_rr[1]
        g_rr = slice!(g_rr, 2)
      }
      if a_res == null && length(g_rr) > 0 {
        a_res = g_rr[0]"#,
    );
    lower_in_place(o, "a_res");
    o.push("      }\n      if length(g_rr) > 1 { a_name = g_rr[1] }\n      if a_sub == null && length(g_rr) > 2 {\n        a_sub = g_rr[2]");
    lower_in_place(o, "a_sub");
    o.push(&format!(
        r#"      }}
    }}
    a_uri = "/" + g_rn
  }}
  # denials are read from authorizationInfo (granted: false); other gRPC codes map to HTTP statuses
  g_denied = false
  for_each(array(pp.authorizationInfo) ?? []) -> |_i, ai| {{ if {granted_false} {{ g_denied = true }} }}
  a_decision = g_t.decision"#,
        granted_false = is_bool("ai.granted", false)
    ));
    lower_in_place(o, "a_decision");
    o.push("  if a_decision == null && g_denied { a_decision = \"forbid\" }\n  a_denied = g_denied || a_decision == \"forbid\"");
    as_i64(o, "g_code", "pp.status.code");
    o.push(&format!(
        r#"  if g_denied {{ a_status = 403 }} else if g_code == 0 {{ a_status = 200 }} else if g_code == 3 {{ a_status = 400 }} else if g_code == 5 {{ a_status = 404 }} else if g_code == 6 {{ a_status = 409 }}
  for_each(object(a_doc.labels) ?? {{}}) -> |k, x| {{
    if !starts_with(k, "authorization.k8s.io/") {{
      t = {tx}
      if t != null {{ a_annots = push(a_annots, k + "=" + string!(t)) }}
    }}
  }}
  a_body = pp.request
}}"#,
        tx = text("x")
    ));
}

/// core `k8s_cloud::azure_activity`.
///
/// Mirrors core `source::control_plane::k8s_cloud::azure_activity`.
/// Mirrors core `source::control_plane::k8s_cloud::azure_long_running`.
pub(crate) fn azure_activity(o: &mut Out) {
    o.push(&format!(
        r#"# k8s_azure_activity (core k8s_cloud::azure_activity): operationName
# MICROSOFT.KUBERNETES/CONNECTEDCLUSTERS/[<group>/]<resource>[/<sub>]/<WRITE|DELETE|READ|ACTION>;
# Start/Accept (and failed) entries are not scored, except those of a stream (exec, attach, portforward,
# proxy: core azure_long_running), read as ResponseStarted / ResponseComplete and keyed on operationId.
az_op = a_doc.operationName
if !is_string(az_op) {{ az_op = a_doc.operationName.value }}
az_op = string!(az_op)
a_method = az_op
az_res = a_doc.resultType
if !is_string(az_res) {{ az_res = a_doc.status.value }}
az_open = is_string(az_res) && match(string!(az_res), r'(?i-u)^(?:start|started|accept|accepted)$')
az_fail = is_string(az_res) && match(string!(az_res), r'(?i-u)^(?:failure|failed)$')
az_lb = slice(split(az_op, "/"), 2) ?? []
az_lv = ""
if length(az_lb) >= 2 && match(string!(az_lb[-1]), r'(?i-u)^action$') {{ az_lv = az_lb[-2] }} else if length(az_lb) >= 1 {{ az_lv = az_lb[-1] }}
if match(string!(az_lv), r'(?i-u)^(?:exec|attach|portforward|proxy)$') {{
  a_aid = {opid}
  if a_aid == null {{ a_aid = {corr} }}
  a_stage = if az_open {{ "ResponseStarted" }} else {{ "ResponseComplete" }}
}} else if az_open || az_fail {{
  a_stage = "ResponseStarted"
  a_skip = true
}}
if !a_skip {{
  a_user = {caller}
  if a_user == null {{ a_user = {claim} }}
  az_ip = {ip}
  if az_ip != null {{ a_ips = [az_ip] }}
  a_tc = [a_doc.eventTimestamp, a_doc.time]
  az_segs = map_values(split(az_op, "/")) -> |s| {{ if match(s, r'^[\x00-\x7F]*$') {{ downcase(s) }} else {{ replace_with(s, r'[A-Z]+') -> |m| {{ downcase(m.string) }} }} }}
  az_body = slice(az_segs, 2) ?? []
  if length(az_body) > 0 {{
    az_last = az_body[-1]
    az_head = slice!(az_body, 0, length(az_body) - 1)
    az_verb = az_last
    if az_last == "action" {{
      if length(az_head) > 0 {{
        az_verb = az_head[-1]
        az_head = slice!(az_head, 0, length(az_head) - 1)
      }}
    }}
    az_stream = includes(["exec", "attach", "portforward", "proxy"], az_verb)
    if az_stream {{
      a_sub = az_verb
      a_verb = "create"
    }} else {{
      a_verb = az_verb
      if length(az_head) >= 2 && includes(["status", "scale", "ephemeralcontainers"], az_head[-1]) {{
        a_sub = az_head[-1]
        az_head = slice!(az_head, 0, length(az_head) - 1)
      }}
    }}
    if length(az_head) == 0 {{ a_res = if length(az_segs) > 1 {{ az_segs[1] }} else {{ "" }} }} else if length(az_head) == 1 {{ a_res = az_head[0] }} else {{
      a_group = az_head[0]
      a_res = az_head[1]
    }}
  }}
}}"#,
        caller = nonempty("a_doc.caller"),
        opid = nonempty("a_doc.operationId"),
        corr = nonempty("a_doc.correlationId"),
        claim = nonempty("a_doc.identity.claims.name"),
        ip = nonempty("a_doc.callerIpAddress"),
    ));
}

/// Recognises an audit event a managed cloud wrapped (core `source::control_plane::k8s_cloud::read`).
///
/// Mirrors core `source::control_plane::k8s_cloud::read`.
/// Mirrors core `source::control_plane::k8s_cloud::embedded`.
pub(crate) fn read(o: &mut Out) {
    o.push(
        r#"# k8s_cloud (core k8s_cloud::read): GKE Cloud Audit Logs (protoPayload, serviceName k8s.io); AKS
# diagnostics (category kube-audit, the event in properties.log) and Azure Activity Log
# (operationName MICROSOFT.KUBERNETES/...), single or in a one-record `records` batch; EKS
# CloudWatch (message, @message or log holding the event, as an object or a JSON string).
if a_k == "" {
  if rec.protoPayload.serviceName == "k8s.io" { a_k = "gke"; a_doc = rec; src = "k8s_gke" } else {
    kc = rec
    if is_array(rec.records) && length!(rec.records) == 1 { kc = rec.records[0] }
    kc_emb = []
    kc_src = "k8s_audit"
    kc_op = kc.operationName
    if !is_string(kc_op) { kc_op = kc.operationName.value }
    if is_string(kc.category) && match(string!(kc.category), r'(?i-u)^kube-audit(?:-admin)?$') {
      kc_emb = [kc.properties.log]
      kc_src = "k8s_aks"
    } else if is_string(kc_op) && match(string!(kc_op), r'(?i-u)^(?:microsoft\.kubernetes/|microsoft\.containerservice/managedclusters/)') && !match(string!(kc_op), r'(?i-u)/diagnosticlogs/') {
      a_k = "azure"
      a_doc = kc
      src = "k8s_azure_activity"
    } else if kc.messageType == "DATA_MESSAGE" {
      if is_array(kc.logEvents) && length!(kc.logEvents) == 1 {
        kc_emb = [kc.logEvents[0].message]
        kc_src = "k8s_eks"
      }
    } else {
      kc_stream = kc.logStreamName
      if !is_string(kc_stream) { kc_stream = kc.logStream }
      if !is_string(kc_stream) { kc_stream = kc."@logStream" }
      if is_string(kc_stream) && starts_with(string!(kc_stream), "kube-apiserver-audit") { kc_src = "k8s_eks" }
      kc_emb = [kc.message, kc."@message", kc.log]
    }
    # embedded (core k8s_cloud::embedded): the first that holds an audit event.
    for_each(kc_emb) -> |_i, x| {
      if a_k == "" {
        xa = x
        if is_string(xa) {
          xs = string!(xa)
          xa = null
          if match(xs, r'^\s*\{') && (contains(xs, "audit.k8s.io") || contains(xs, "\"objectRef\"")) { xa = parse_json(strip_whitespace(xs)) ?? null }
        }"#,
    );
    o.push(&format!(
        "        if is_object(xa) && {} {{ a_k = \"audit\"; a_doc = xa; src = kc_src }}",
        is_audit_event("xa")
    ));
    o.push(
        r#"      }
    }
  }
}"#,
    );
}
