//! The control-plane and daemon sources, emitted as VRL: Kubernetes audit events (core
//! `source/k8s_audit.rs`) and the managed clouds' wrappers of them (`source/k8s_cloud.rs`:
//! EKS CloudWatch, GKE Cloud Audit Logs, AKS diagnostics, Azure Activity Log), docker daemon
//! events and log lines (`source/docker_daemon.rs`), kubelet request logs (`source/kubelet.rs`),
//! with the facts core `source/api.rs` defines: request fields, the decoded `?command=` of an
//! exec, the pod spec of a workload written (privileged, host namespaces, hostPath,
//! capabilities, images, interactive, owned, containers added), evidence for indicators.
//!
//! The program recognises such a record first (section 2a, before the process sources, as
//! core `source::normalise` does; dockerd and kubelet text lines in the text section) and
//! reads its facts after the process sources (section 2c). The command run in a container
//! (exec, container command of a pod spec) becomes a payload candidate; the argument
//! analysis section analyses the candidates and keeps the one the core keeps.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::fields::FieldKind;
use cadet_core::fields::FIELDS;
use cadet_core::parts::source::WORKLOAD_KINDS;

use crate::analysis::{ascii_upper, clean_path, sensitive};
use crate::runtime::{as_i64, ascii_lower, shell_split, Out};
use crate::text::{string, strings};

/// Host paths core `api::sensitive_host_path` adds to the argument analysis' list
/// (core `source/api.rs` `EXTRA_SENSITIVE`).
const EXTRA_SENSITIVE: &[&str] = &[
    "/var", "/var/run", "/run", "/var/log", "/home", "/sys", "/usr", "/lib", "/opt/cni", "/etc/cni",
];

/// `text(x)` (core `api::text`) as an expression: a string, an integer or bool as text, else null.
fn text(x: &str) -> String {
    format!("if is_string({x}) {{ {x} }} else if is_integer({x}) || is_boolean({x}) {{ to_string!({x}) }} else {{ null }}")
}

/// `nonempty(x)` (core `api::nonempty`) as an expression: `text(x)` unless empty.
fn nonempty(x: &str) -> String {
    format!("if is_string({x}) {{ if {x} == \"\" {{ null }} else {{ {x} }} }} else if is_integer({x}) || is_boolean({x}) {{ to_string!({x}) }} else {{ null }}")
}

/// `x.as_bool() == Some(b)` (core `Json::as_bool`: a bool, or "true"/"false" in any ASCII case).
fn is_bool(x: &str, b: bool) -> String {
    format!("({x} == {b} || (is_string({x}) && downcase(string!({x})) == \"{b}\"))")
}

/// `core api::sensitive_host_path(p)` for a cleaned path variable `p`.
fn sensitive_host_path(p: &str) -> String {
    format!(
        "({} || includes({}, {p}) || starts_with({p}, \"/var/log/\") || ends_with({p}, \".sock\"))",
        sensitive(p),
        strings(EXTRA_SENSITIVE)
    )
}

/// `if cond { var = true; <evidence> }`: a pod fact and the token that established it.
fn fact(cond: &str, var: &str, field: &str, token: &str) -> String {
    format!("if {cond} {{\n  {var} = true\n  {}\n}}", note(field, token))
}

/// `runAsUser: 0` (read into the variable `uid`) or `runAsNonRoot: false` of a security context.
fn run_as_root(uid: &str, context: &str) -> String {
    fact(
        &format!(
            "{uid} == 0 || {}",
            is_bool(&format!("{context}.runAsNonRoot"), false)
        ),
        "pf_root",
        "k8s.pod.run_as_root",
        "\"runAsUser=0\"",
    )
}

/// A host path mounted into a workload (core `read_pod_spec` hostPath volumes, dockerd `Binds`
/// and bind `Mounts`): cleaned into `k8s.pod.host_paths`, and into `sensitive_host_paths` when
/// it exposes the node; `written` is the evidence token.
fn host_path_mount(path: &str, written: &str) -> String {
    format!(
        "hp_clean = {clean}\n{hp}\nif {sens} {{\n  {shp}\n  pf_shp = push(pf_shp, hp_clean)\n}}\npf_hp = push(pf_hp, hp_clean)",
        clean = clean_path(path),
        hp = note("k8s.pod.host_paths", written),
        sens = sensitive_host_path("hp_clean"),
        shp = note("k8s.pod.sensitive_host_paths", written),
    )
}

/// Records evidence: `field` established by the string expression `token` (core `ApiEvent::note`;
/// the core keeps a (field, token) pair once, the verdict's indicators are unique either way).
fn note(field: &str, token: &str) -> String {
    format!("a_ev = push(a_ev, [{}, {token}])", string(field))
}

/// `is_audit_event(x)` (core `k8s_audit::is_audit_event`) as an expression: `kind: Event` with
/// an audit `apiVersion`, or with a `verb` and an `objectRef` or `requestURI`; or an `auditID`
/// with a `verb` and a `requestURI`.
fn is_audit(x: &str) -> String {
    format!(
        "(({x}.kind == \"Event\" && (starts_with(string({x}.apiVersion) ?? \"\", \"audit.k8s.io/\") || (is_string({x}.verb) && (is_object({x}.objectRef) || is_string({x}.requestURI))))) || (is_string({x}.auditID) && is_string({x}.verb) && is_string({x}.requestURI)))"
    )
}

/// `is_pod_spec(x)` (core `k8s_audit::is_pod_spec`) as an expression.
fn is_pod_spec(x: &str) -> String {
    let keys = [
        "containers",
        "initContainers",
        "ephemeralContainers",
        "volumes",
        "hostPID",
        "hostNetwork",
        "hostIPC",
    ];
    let tests: Vec<String> = keys.iter().map(|k| format!("{x}.{k} != null")).collect();
    format!("({})", tests.join(" || "))
}

/// Lower-cases (ASCII, core `api::lower`) the variable `v` when it is not null.
fn lower_in_place(o: &mut Out, v: &str) {
    let t = o.var("lc");
    o.push(&format!("if {v} != null {{\n{t} = string!({v})"));
    ascii_lower(o, v, &t);
    o.push("}");
}

/// The variables recognition (2a and the text lines) leaves for the facts (2c): the reader,
/// the record or line it read, the timestamp candidates.
pub fn init(o: &mut Out) {
    o.push("a_k = \"\"\na_doc = null\na_tc = []\ndl_call = null\ndl_form = null\nkl = null");
}

/// The facts (core `ApiEvent`, `PodFacts`) with their values for a record that says nothing.
fn init_facts(o: &mut Out) {
    o.push(
        r#"a_skip = false
a_user = null
a_groups = []
a_imp = null
a_podtok = false
a_ips = []
a_ua = null
a_time = null
a_aid = null
a_stage = null
a_verb = null
a_res = null
a_sub = null
a_ns = null
a_name = null
a_group = null
a_uri = null
a_status = null
a_decision = null
a_denied = false
a_method = null
a_labels = []
a_annots = []
a_adds = false
a_role = null
a_dact = null
a_ep = null
a_cont = null
a_ev = []
a_pl = []
pf_present = false
pf_priv = false
pf_hpid = false
pf_hnet = false
pf_hipc = false
pf_hp = []
pf_shp = []
pf_caps = []
pf_ape = false
pf_root = false
pf_images = []
pf_inter = false
pf_owned = false
pf_mirror = false
pf_okind = null
pf_oname = null
pf_wl = null
a_body = null
a_specs = []
q_uri = null"#,
    );
}

/// Section 2a: recognises a control-plane or daemon JSON record (core `api::read`).
pub fn detect_json(o: &mut Out) {
    o.push("\n# ------------------------------------------------------------------ 2a. control-plane and daemon records");
    o.push("# core: source::api::read — tried before the process sources. A record is recognised here;");
    o.push(
        "# its facts are read in 2c, after the process sources (which it keeps from reading it).",
    );
    o.push(
        "# k8s_audit (core k8s_audit::read): an audit.k8s.io Event as the API server writes it.",
    );
    o.push(&format!(
        "if {} {{ a_k = \"audit\"; a_doc = rec; src = \"k8s_audit\" }}",
        is_audit("rec")
    ));
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
        is_audit("xa")
    ));
    o.push(
        r#"      }
    }
  }
}
if a_doc != null { kind = "k8s_audit" }
# docker_daemon (core docker_daemon::read): `docker events` JSON (Action and Actor), or a dockerd
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
    docker_line(o);
    o.push(
        r#"  # the record's own `time` when the line has none
  if a_k != "" { a_tc = push(a_tc, rec.time) }
}
# kubelet (core kubelet::read_json): httplog with --logging-format=json ({"msg":"HTTP","URI":...}).
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

/// Recognises a dockerd log line held in `dl_in` (core `docker_daemon::read_line`): sets
/// `dl_call` (an API call) or `dl_form` (a request body), `a_k`, and the time candidate.
fn docker_line(o: &mut Out) {
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

/// The text-line readers of core `api::read_text` (dockerd, then kubelet), on `line`; between
/// the Sysmon XML reader and the shell-line reader, as in core `source::normalise_text`.
pub fn detect_line(o: &mut Out) {
    o.push("    # docker_daemon and kubelet text lines (core api::read_text).\n    if src == \"\" {\n  dl_in = line");
    docker_line(o);
    o.push("    }");
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

/// Section 2c: the facts of a recognised control-plane or daemon record.
pub fn facts(o: &mut Out) {
    o.push("\n# ------------------------------------------------------------------ 2c. control-plane and daemon facts");
    o.push("if a_k != \"\" {");
    init_facts(o);
    o.push("if a_k == \"audit\" {");
    from_audit(o);
    o.push("} else if a_k == \"gke\" {");
    gke(o);
    o.push("} else if a_k == \"azure\" {");
    azure(o);
    o.push("} else if a_k == \"docker_event\" {");
    docker_event(o);
    o.push("} else if a_k == \"docker_line\" {");
    docker_line_facts(o);
    o.push("} else if a_k == \"kubelet\" {");
    kubelet(o);
    o.push("}");
    request_facts(o);
    exec_query(o);
    pod_specs(o);
    time(o);
    o.push("\n# ------------------------------------------------------------------ 2d. event fields of a control-plane or daemon record");
    o.push("# core: fields.rs and ApiEvent::field — lists that are empty read as missing; evidence under `_e`.");
    o.push("if kind != \"process\" {");
    event_fields(o);
    o.push("pl_cands = get!(a_pl, [])\n}");
    o.push("}");
}

/// core `k8s_audit::from_audit`.
fn from_audit(o: &mut Out) {
    o.push(&format!(
        r#"# k8s_audit (core k8s_audit::from_audit): RequestReceived and ResponseStarted records are read
# without facts, except those of a long-running request (core k8s_audit::long_running: subresource
# exec/attach/portforward/proxy, verb watch, watch=true|1 in the query), read at every stage.
au = a_doc
au_t = map_values({{
  "aid": au.auditID, "stage": au.stage, "user": au.user.username, "imp": au.impersonatedUser.username, "ua": au.userAgent,
  "verb": au.verb, "res": au.objectRef.resource, "sub": au.objectRef.subresource, "ns": au.objectRef.namespace,
  "name": au.objectRef.name, "group": au.objectRef.apiGroup, "uri": au.requestURI,
  "decision": au.annotations."authorization.k8s.io/decision"
}}) -> |x| {{ {ne} }}
a_aid = au_t.aid
a_stage = au_t.stage
if includes(["RequestReceived", "ResponseStarted"], a_stage) {{
  au_long = (is_string(au.objectRef.subresource) && match(string!(au.objectRef.subresource), r'(?i-u)^(?:exec|attach|portforward|proxy)$')) || (is_string(au.verb) && match(string!(au.verb), r'(?i-u)^watch$'))
  if !au_long && is_string(au.requestURI) {{
    lr_parts = split(string!(au.requestURI), "?", limit: 2)
    if length(lr_parts) == 2 {{
      for_each(split(string!(lr_parts[1]), "&")) -> |_i, pair| {{
        lr_kv = split(pair, "=", limit: 2)
        if length(lr_kv) == 2 && decode_percent(replace(string!(lr_kv[0]), "+", " ")) == "watch" && includes(["1", "t", "T", "true", "TRUE", "True"], decode_percent(replace(string!(lr_kv[1]), "+", " "))) {{ au_long = true }}
      }}
    }}
  }}
  if !au_long {{ a_skip = true }}
}}
if !a_skip {{
  a_user = au_t.user
  for_each(array(au.user.groups) ?? []) -> |_i, x| {{
    t = {tx}
    if t != null {{ a_groups = push(a_groups, t) }}
  }}
  a_podtok = au.user.extra."authentication.kubernetes.io/pod-name" != null
  a_imp = au_t.imp
  for_each(array(au.sourceIPs) ?? []) -> |_i, x| {{
    t = {ne}
    if t != null {{ a_ips = push(a_ips, t) }}
  }}
  a_ua = au_t.ua
  a_tc = [au.stageTimestamp, au.requestReceivedTimestamp, au.timestamp]
  a_verb = au_t.verb
  a_res = au_t.res
  a_sub = au_t.sub
  a_ns = au_t.ns
  a_name = au_t.name
  a_group = au_t.group
  a_uri = au_t.uri
  a_decision = au_t.decision
  # no objectRef (a reduced event): the request path names the object (core object_ref_from_uri)
  if !is_object(au.objectRef) && a_uri != null {{
    ur = filter(split(string!(split(string!(a_uri), "?", limit: 2)[0]), "/")) -> |_i, s| {{ s != "" }}
    ur_g = null
    ur_n = 0
    if length(ur) >= 2 && ur[0] == "api" {{ ur_n = 2 }} else if length(ur) >= 3 && ur[0] == "apis" {{
      ur_n = 3
      ur_g = ur[1]
    }}
    if ur_n > 0 {{
      ur = slice!(ur, ur_n)
      if length(ur) > 0 && ur[0] == "watch" {{ ur = slice!(ur, 1) }}
      if length(ur) > 1 && ur[0] == "namespaces" {{
        a_ns = ur[1]
        if length(ur) > 2 && !includes(["status", "finalize"], ur[2]) {{ ur = slice!(ur, 2) }}
      }}
      if length(ur) > 0 {{
        a_group = ur_g
        a_res = ur[0]
        if length(ur) > 1 {{ a_name = ur[1] }}
        if length(ur) > 2 {{ a_sub = ur[2] }}
      }}
    }}
  }}"#,
        ne = nonempty("x"),
        tx = text("x")
    ));
    for v in ["a_verb", "a_res", "a_sub", "a_decision"] {
        lower_in_place(o, v);
    }
    as_i64(o, "a_status", "au.responseStatus.code");
    o.push(&format!(
        r#"  au_reason = au.responseStatus.reason
  a_denied = a_decision == "forbid" || (is_string(au_reason) && match(string!(au_reason), r'(?i-u)^(?:forbidden|unauthorized)$')) || a_status == 401 || a_status == 403
  for_each(object(au.annotations) ?? {{}}) -> |k, x| {{
    if !starts_with(k, "authorization.k8s.io/") {{
      t = {tx}
      if t != null {{ a_annots = push(a_annots, k + "=" + string!(t)) }}
    }}
  }}
  a_body = au.requestObject
  if a_body == null {{ a_body = au.responseObject }}
}}"#,
        tx = text("x")
    ));
}

/// core `k8s_cloud::gke`.
fn gke(o: &mut Out) {
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
fn azure(o: &mut Out) {
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

/// core `docker_daemon::event`.
fn docker_event(o: &mut Out) {
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
fn docker_line_facts(o: &mut Out) {
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

/// core `kubelet::build`.
fn kubelet(o: &mut Out) {
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

/// core `k8s_audit::facts`: evidence of the request, the exec command, the object written.
fn request_facts(o: &mut Out) {
    o.push("# core k8s_audit::facts (audit events and both cloud readers): evidence for the request, the\n# command of an exec or of a kubelet call through nodes/proxy, the object a write sends.");
    o.push("if includes([\"audit\", \"gke\", \"azure\"], a_k) && !a_skip {");
    let notes: [(&str, &str, &str); 9] = [
        (
            "a_res != null && a_sub != null",
            "k8s.subresource",
            "string!(a_res) + \"/\" + string!(a_sub)",
        ),
        (
            "a_res != null && a_sub != null",
            "k8s.nodes_proxy",
            "string!(a_res) + \"/\" + string!(a_sub)",
        ),
        ("a_res != null", "k8s.resource", "string!(a_res)"),
        ("a_verb != null", "k8s.verb", "\"verb=\" + string!(a_verb)"),
        ("a_user != null", "user.name", "\"user=\" + string!(a_user)"),
        (
            "a_imp != null",
            "k8s.impersonated_user",
            "\"impersonate=\" + string!(a_imp)",
        ),
        (
            "a_decision != null",
            "k8s.decision",
            "\"decision=\" + string!(a_decision)",
        ),
        (
            "a_status != null",
            "k8s.status_code",
            "\"status=\" + to_string!(a_status)",
        ),
        ("a_denied", "k8s.denied", "a_why"),
    ];
    o.push("  a_why = \"denied\"\n  if a_decision == \"forbid\" { a_why = \"decision=forbid\" } else if a_status != null { a_why = \"status=\" + to_string!(a_status) }");
    for (cond, field, token) in notes {
        o.push(&format!("  if {cond} {{ {} }}", note(field, token)));
    }
    o.push(&format!(
        "  if a_ua != null {{ {} }}",
        note("user_agent", "\"userAgent=\" + string!(a_ua)")
    ));
    o.push(&format!(
        "  if a_podtok {{ {} }}",
        note("k8s.pod_token", "\"pod service-account token\"")
    ));
    o.push(&format!(
        r#"  if (includes(["exec", "attach"], a_sub) || (a_res == "nodes" && a_sub == "proxy" && a_uri != null && match(string!(a_uri), r'/proxy/(?:run|exec)/'))) && a_uri != null {{ q_uri = a_uri }}
  if includes(["create", "update", "patch", "replace", "write"], a_verb) && a_body != null {{
    a_role = {role}
    if a_role != null {{ {nr} }}
    # the object written (core k8s_audit::read_object): metadata, and the pod spec wherever the
    # resource keeps it; a JSON patch (core read_json_patch) names containers, volumes, host namespaces.
    if is_array(a_body) {{
      for_each(array!(a_body)) -> |_i, op| {{
        if is_string(op.op) && is_string(op.path) && includes(["add", "replace"], op.op) {{
          jp_kind = string!(op.op)
          jp_path = string!(op.path)
          jp_parts = split(jp_path, "/")
          jp_last = string!(jp_parts[-1])
          jp_parent = if length(jp_parts) >= 2 {{ string!(jp_parts[-2]) }} else {{ "" }}
          jp_lists = ["containers", "initContainers", "ephemeralContainers"]
          jp_one = includes(jp_lists, jp_parent) && (jp_last == "-" || match(jp_last, r'^[0-9]*$'))
          jp_whole = includes(jp_lists, jp_last)
          jp_spec = {{}}
          if jp_one || jp_whole {{
            if jp_kind == "add" && jp_parent != "ephemeralContainers" && jp_last != "ephemeralContainers" {{
              a_adds = true
              {na}
            }}
            jp_key = if jp_parent == "initContainers" || jp_last == "initContainers" {{ "initContainers" }} else {{ "containers" }}
            jp_list = if jp_one {{ [op.value] }} else {{ op.value }}
            jp_spec = set!(jp_spec, [jp_key], jp_list)
          }} else if includes(["hostPID", "hostNetwork", "hostIPC"], jp_last) {{
            jp_spec = set!(jp_spec, [jp_last], op.value)
          }} else if jp_last == "volumes" || jp_parent == "volumes" {{
            jp_spec.volumes = if jp_parent == "volumes" {{ [op.value] }} else {{ op.value }}
          }} else if jp_last == "privileged" && {jp_priv} {{
            pf_present = true
            pf_priv = true
            {np}
          }}
          if length(jp_spec) > 0 {{ a_specs = push(a_specs, jp_spec) }}
        }}
      }}
    }} else {{
      ob_meta = a_body.metadata
      for_each(object(ob_meta.labels) ?? {{}}) -> |k, x| {{
        t = {tx}
        if t != null {{ a_labels = push(a_labels, k + "=" + string!(t)) }}
      }}
      for_each(object(ob_meta.annotations) ?? {{}}) -> |k, x| {{
        # kubectl's last-applied copy repeats the object
        if k != "kubectl.kubernetes.io/last-applied-configuration" {{
          t = {tx}
          if t != null {{ a_annots = push(a_annots, k + "=" + string!(t)) }}
        }}
      }}
      # a pod made by a controller (or a static pod's mirror): the workload a person wrote is scored
      ob_owned = a_sub == null && (length(array(ob_meta.ownerReferences) ?? []) > 0 || ob_meta.annotations."kubernetes.io/config.mirror" != null)
      # the pod spec: of a pod, a workload's template, a cronjob's job template
      ob_spec = a_body.spec.template.spec
      if !{ps} {{ ob_spec = a_body.spec.jobTemplate.spec.template.spec }}
      if !{ps} {{ ob_spec = a_body.spec }}
      if {ps} {{
        pf_owned = ob_owned
        if ob_owned {{ {no} }}
        # a patch or update of a workload that names full container definitions
        if a_verb != "create" && a_res != "pods" {{
          ob_adds = false
          for_each([ob_spec.containers, ob_spec.initContainers]) -> |_i, l| {{
            for_each(array(l) ?? []) -> |_j, c| {{
              if c.command != null || c.args != null || c.securityContext != null || c.volumeMounts != null || c.ports != null || c.env != null {{ ob_adds = true }}
            }}
          }}
          if ob_adds && a_verb == "patch" {{
            a_adds = true
            {nap}
          }}
        }}
        a_specs = push(a_specs, ob_spec)
      }}
    }}
  }}
}}"#,
        role = nonempty("a_body.roleRef.name"),
        nr = note("k8s.role_ref", "\"roleRef=\" + string!(a_role)"),
        na = note("k8s.adds_container", "jp_kind + \" \" + jp_path"),
        jp_priv = is_bool("op.value", true),
        np = note("k8s.pod.privileged", "\"privileged=true\""),
        tx = text("x"),
        no = note("k8s.pod.owned", "\"ownerReferences\""),
        nap = note("k8s.adds_container", "\"patch adds a container definition\""),
        ps = is_pod_spec("ob_spec"),
    ));
}

/// The `command` (or, failing that, `cmd`) query values of `q_uri` (core `api::query_values`),
/// a payload candidate of group 0.
fn exec_query(o: &mut Out) {
    o.push(
        r#"# the exec command (core api::query_values): `?command=sh&command=-c&command=...`, or the kubelet
# /run's one `cmd` string; percent-decoded, `+` as a space.
if q_uri != null {
  q_parts = split(string!(q_uri), "?", limit: 2)
  q_cmd = []
  q_one = []
  if length(q_parts) == 2 {
    for_each(split(string!(q_parts[1]), "&")) -> |_i, pair| {
      q_kv = split(pair, "=", limit: 2)
      q_k = decode_percent(replace(string!(q_kv[0]), "+", " "))
      if q_k == "command" || q_k == "cmd" {
        q_v = if length(q_kv) == 2 { decode_percent(replace(string!(q_kv[1]), "+", " ")) } else { "" }
        if q_k == "command" { q_cmd = push(q_cmd, q_v) } else { q_one = push(q_one, q_v) }
      }
    }
  }
  if length(q_cmd) > 0 { a_pl = push(a_pl, {"g": 0, "w": q_cmd}) } else if length(q_one) > 0 { a_pl = push(a_pl, {"g": 0, "s": q_one[0]}) }
}"#,
    );
    o.push(&format!(
        r#"# no command in the URI: a PodExecOptions request object's (core exec_options_command; GKE request)
if length(a_pl) == 0 && includes(["audit", "gke", "azure"], a_k) && includes(["exec", "attach"], a_sub) && a_body != null {{
  xo = a_body.command
  if is_string(xo) {{ a_pl = push(a_pl, {{"g": 0, "s": xo}}) }} else {{
    xw = []
    for_each(array(xo) ?? []) -> |_i, x| {{
      t = {tx}
      if t != null {{ xw = push(xw, t) }}
    }}
    if length(xw) > 0 {{ a_pl = push(a_pl, {{"g": 0, "w": xw}}) }}
  }}
}}"#,
        tx = text("x")
    ));
}

/// core `k8s_audit::read_pod_spec`, for each pod spec found (a group of payload candidates each).
fn pod_specs(o: &mut Out) {
    owner(o);
    o.push(&format!(
        r#"# pod specs (core k8s_audit::read_pod_spec): host namespaces, hostPath volumes, security contexts,
# capabilities, images, stdin+tty; each container's command+args is a payload candidate.
for_each(a_specs) -> |si, sp| {{
  pf_present = true
  {hpid}
  {hnet}
  {hipc}
  for_each(array(sp.volumes) ?? []) -> |_i, v| {{
    ps_p = v.hostPath.path
    if is_string(ps_p) {{
      ps_ps = string!(ps_p)
      {mount}
    }}
  }}"#,
        hpid = fact(&is_bool("sp.hostPID", true), "pf_hpid", "k8s.pod.host_pid", "\"hostPID=true\""),
        hnet = fact(&is_bool("sp.hostNetwork", true), "pf_hnet", "k8s.pod.host_network", "\"hostNetwork=true\""),
        hipc = fact(&is_bool("sp.hostIPC", true), "pf_hipc", "k8s.pod.host_ipc", "\"hostIPC=true\""),
        mount = host_path_mount("ps_ps", "\"hostPath=\" + ps_ps"),
    ));
    as_i64(o, "ps_uid", "sp.securityContext.runAsUser");
    o.push(&format!(
        r#"  {root}
  for_each([sp.containers, sp.initContainers, sp.ephemeralContainers]) -> |_i, l| {{
    for_each(array(l) ?? []) -> |_j, c| {{
      ps_img = {img}
      if ps_img != null {{
        {nimg}
        pf_images = push(pf_images, ps_img)
      }}
      {priv}
      {ape}"#,
        root = run_as_root("ps_uid", "sp.securityContext"),
        img = nonempty("c.image"),
        nimg = note("k8s.pod.images", "\"image=\" + string!(ps_img)"),
        priv = fact(&is_bool("c.securityContext.privileged", true), "pf_priv", "k8s.pod.privileged", "\"privileged=true\""),
        ape = fact(
            &is_bool("c.securityContext.allowPrivilegeEscalation", true),
            "pf_ape",
            "k8s.pod.allow_privilege_escalation",
            "\"allowPrivilegeEscalation=true\""
        ),
    ));
    as_i64(o, "ps_cuid", "c.securityContext.runAsUser");
    o.push(&format!(
        r#"      {root}
      for_each(array(c.securityContext.capabilities.add) ?? []) -> |_k, cp| {{
        if is_string(cp) {{
          ps_cs = string!(cp)
          ps_ct = strip_whitespace(ps_cs)"#,
        root = run_as_root("ps_cuid", "c.securityContext"),
    ));
    ascii_upper(o, "ps_cap", "ps_ct");
    o.push(&format!(
        r#"          if starts_with(ps_cap, "CAP_") {{ ps_cap = slice!(ps_cap, 4) }}
          {ncap}
          if !includes(pf_caps, ps_cap) {{ pf_caps = push(pf_caps, ps_cap) }}
        }}
      }}
      {nit}
      ps_w = []
      for_each([c.command, c.args]) -> |_k, l2| {{
        for_each(array(l2) ?? []) -> |_m, x| {{
          t = {tx}
          if t != null {{ ps_w = push(ps_w, t) }}
        }}
      }}
      if length(ps_w) > 0 {{ a_pl = push(a_pl, {{"g": si + 1, "w": ps_w}}) }}
    }}
  }}
}}"#,
        ncap = note("k8s.pod.capabilities", "\"capabilities.add=\" + ps_cs"),
        nit = fact(
            &format!("{} && {}", is_bool("c.stdin", true), is_bool("c.tty", true)),
            "pf_inter",
            "k8s.pod.interactive",
            "\"stdin+tty\""
        ),
        tx = text("x"),
    ));
}

/// core `pod_spec::read_owner`, for an object (not a JSON patch) whose pod spec was read: the
/// `ownerReferences` entry with `controller: true` (else the first), a mirror pod's node, and the
/// workload `Kind/name` (that owner, or the Deployment/DaemonSet/... object itself; the kinds
/// are the core's own `WORKLOAD_KINDS`).
fn owner(o: &mut Out) {
    let kinds: Vec<String> = WORKLOAD_KINDS.iter().map(|k| string(k)).collect();
    // [plural resource, Kind] pairs (VRL indexes arrays by literal integers only).
    let plurals: Vec<String> = WORKLOAD_KINDS
        .iter()
        .map(|k| {
            format!(
                "[{}, {}]",
                string(&format!("{}s", k.to_ascii_lowercase())),
                string(k)
            )
        })
        .collect();
    let (kinds_list, plurals_list) = (
        format!("[{}]", kinds.join(", ")),
        format!("[{}]", plurals.join(", ")),
    );
    o.push(&format!(
        r#"# the pod's owner (core pod_spec::read_owner)
if is_object(a_body) && length(a_specs) > 0 {{
  ow_meta = a_body.metadata
  ow_refs = array(ow_meta.ownerReferences) ?? []
  ow_ref = null
  for_each(ow_refs) -> |_i, r| {{
    if ow_ref == null && {ctl} {{ ow_ref = r }}
  }}
  if ow_ref == null && length(ow_refs) > 0 {{ ow_ref = ow_refs[0] }}
  pf_mirror = ow_meta.annotations."kubernetes.io/config.mirror" != null
  if pf_mirror {{ {nm} }}
  ow_k = null
  ow_n = null
  if ow_ref != null {{
    ow_k = {rk}
    ow_n = {rn}
  }} else if pf_mirror {{
    ow_k = "Node"
    ow_n = {node}
    if ow_n == null && is_string(a_user) && starts_with(string!(a_user), "system:node:") {{ ow_n = slice!(string!(a_user), 12) }}
  }}
  if ow_k != null && ow_n != null {{
    {no}
    pf_wl = string!(ow_k) + "/" + string!(ow_n)
    pf_okind = ow_k
    pf_oname = ow_n
  }} else {{
    ow_k = {bk}
    if ow_k != null && !includes({kinds}, ow_k) {{ ow_k = null }}
    if ow_k == null {{
      for_each({plurals}) -> |_i, pl| {{
        if ow_k == null && a_res == pl[0] {{ ow_k = pl[1] }}
      }}
    }}
    ow_n = {mn}
    if ow_n == null {{ ow_n = a_name }}
    if ow_k != null && ow_n != null {{ pf_wl = string!(ow_k) + "/" + string!(ow_n) }}
  }}
}}"#,
        ctl = is_bool("r.controller", true),
        nm = note("k8s.pod.mirror", "\"kubernetes.io/config.mirror\""),
        rk = nonempty("ow_ref.kind"),
        rn = nonempty("ow_ref.name"),
        node = nonempty("a_body.spec.nodeName"),
        no = note("k8s.owner.kind", "\"owner=\" + string!(ow_k) + \"/\" + string!(ow_n)"),
        bk = nonempty("a_body.kind"),
        mn = nonempty("ow_meta.name"),
        kinds = kinds_list,
        plurals = plurals_list,
    ));
}

/// `event.time` (core `api::rfc3339_seconds`): the first candidate timestamp that parses.
fn time(o: &mut Out) {
    o.push(
        r#"# event.time (core api::rfc3339_seconds): epoch seconds of the first RFC 3339 candidate that parses.
for_each(a_tc) -> |_i, tv| {
  if a_time == null && is_string(tv) {
    tm = parse_regex(string!(tv), r'^(?P<y>[+-][0-9]{3}|[0-9]{4})-(?P<mo>[+-][0-9]|[0-9]{2})-(?P<d>[+-][0-9]|[0-9]{2})[Tt ](?P<h>[+-][0-9]|[0-9]{2}):(?P<mi>[+-][0-9]|[0-9]{2})[\x00-\x7F](?P<s>[+-][0-9]|[0-9]{2})(?:\.[0-9]*)?(?:$|(?P<z>[Zz])|(?P<sg>[+-])(?P<oh>[+-][0-9]|[0-9]{2})[\x00-\x7F](?P<om>[+-][0-9]|[0-9]{2}))') ?? null
    if tm != null {
      ty = parse_int!(tm.y, base: 10)
      tmo = parse_int!(tm.mo, base: 10)
      td = parse_int!(tm.d, base: 10)
      th = parse_int!(tm.h, base: 10)
      tmi = parse_int!(tm.mi, base: 10)
      tse = parse_int!(tm.s, base: 10)
      toff = 0
      if tm.sg != null {
        toff = parse_int!(tm.oh, base: 10) * 3600 + parse_int!(tm.om, base: 10) * 60
        if tm.sg == "-" { toff = 0 - toff }
      }
      if tmo >= 1 && tmo <= 12 && td >= 1 && td <= 31 && th <= 23 && tmi <= 59 && tse <= 60 {
        # days from civil (Howard Hinnant), integer divisions truncating as in Rust
        tyy = if tmo <= 2 { ty - 1 } else { ty }
        tera = if tyy >= 0 { tyy } else { tyy - 399 }
        tera = to_int(tera / 400)
        tyoe = tyy - tera * 400
        tmp = mod(tmo + 9, 12)
        tdoy = to_int((153 * tmp + 2) / 5) + td - 1
        tdoe = tyoe * 365 + to_int(tyoe / 4) - to_int(tyoe / 100) + tdoy
        a_time = (tera * 146097 + tdoe - 719468) * 86400 + th * 3600 + tmi * 60 + tse - toff
      }
    }
  }
}"#,
    );
}

/// The VRL expression of an API field (core `ApiEvent::field`); `None` for a field this
/// generator does not know (a test checks every field of core `api::FIELDS` has one).
pub fn field_expr(name: &str) -> Option<&'static str> {
    Some(match name {
        "source.ip" => "a_ips",
        "user.groups" => "a_groups",
        "user_agent" => "a_ua",
        "event.time" => "a_time",
        "k8s.impersonated_user" => "a_imp",
        "k8s.pod_token" => "a_podtok",
        "k8s.audit_id" => "a_aid",
        "k8s.stage" => "a_stage",
        "k8s.verb" => "a_verb",
        "k8s.resource" => "a_res",
        "k8s.subresource" => "a_sub",
        "k8s.namespace" => "a_ns",
        "k8s.name" => "a_name",
        "k8s.api_group" => "a_group",
        "k8s.request_uri" => "a_uri",
        "k8s.status_code" => "a_status",
        "k8s.decision" => "a_decision",
        "k8s.denied" => "a_denied",
        "k8s.method" => "a_method",
        "k8s.nodes_proxy" => "a_res == \"nodes\" && a_sub == \"proxy\"",
        "k8s.pod.present" => "pf_present",
        "k8s.pod.privileged" => "pf_priv",
        "k8s.pod.host_pid" => "pf_hpid",
        "k8s.pod.host_network" => "pf_hnet",
        "k8s.pod.host_ipc" => "pf_hipc",
        "k8s.pod.host_paths" => "pf_hp",
        "k8s.pod.sensitive_host_paths" => "pf_shp",
        "k8s.pod.capabilities" => "pf_caps",
        "k8s.pod.allow_privilege_escalation" => "pf_ape",
        "k8s.pod.run_as_root" => "pf_root",
        "k8s.pod.images" => "pf_images",
        "k8s.pod.interactive" => "pf_inter",
        "k8s.pod.owned" => "pf_owned",
        "k8s.pod.mirror" => "pf_mirror",
        "k8s.owner.kind" => "pf_okind",
        "k8s.owner.name" => "pf_oname",
        "k8s.owner.workload" => "pf_wl",
        "k8s.object.labels" => "a_labels",
        "k8s.object.annotations" => "a_annots",
        "k8s.adds_container" => "a_adds",
        "k8s.role_ref" => "a_role",
        "docker.action" => "a_dact",
        "docker.entrypoint" => "a_ep",
        "docker.container" => "a_cont",
        _ => return None,
    })
}

/// The event fields of a control-plane or daemon record: core `fields.rs` and
/// `ApiEvent::field` (no container tool ran: `cmd.script_tools` is 0), evidence under `_e`.
fn event_fields(o: &mut Out) {
    let mut parts: Vec<String> = Vec::new();
    let mut lists: Vec<&str> = Vec::new();
    for f in FIELDS.iter().filter(|f| f.is_control_plane()) {
        let (name, kind) = (f.name, f.kind);
        let e = field_expr(name).unwrap_or("null");
        let v = if kind == FieldKind::List {
            lists.push(e);
            format!("a_nz[{}]", lists.len() - 1)
        } else {
            String::from(e)
        };
        parts.push(format!("  {}: {v}", string(name)));
    }
    o.push(&format!(
        "a_nz = map_values([{}]) -> |l| {{ if length(l) == 0 {{ null }} else {{ l }} }}",
        lists.join(", ")
    ));
    o.push(&format!(
        "evf = get!({{\n  \"event.kind\": kind, \"event.source\": src, \"user.name\": a_user, \"cmd.script_tools\": 0,\n{},\n  \"_e\": a_ev\n}}, [])",
        parts.join(",\n")
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_field_has_an_expression() {
        for name in FIELDS
            .iter()
            .filter(|f| f.is_control_plane())
            .map(|f| f.name)
        {
            assert!(
                field_expr(name).is_some(),
                "no VRL for control-plane field {name}"
            );
        }
    }

    #[test]
    fn sensitive_host_paths_follow_the_core() {
        // The VRL tables (analysis.rs and EXTRA_SENSITIVE) against core's functions, on every
        // listed path, a child and a sibling of it.
        let mut paths: Vec<String> = Vec::new();
        for p in EXTRA_SENSITIVE
            .iter()
            .chain(crate::analysis::SENSITIVE_EXACT)
            .chain(crate::analysis::SENSITIVE_TREES)
        {
            paths.push(String::from(*p));
            paths.push(format!("{p}/x"));
            paths.push(format!("{p}x"));
        }
        for p in ["/var/log/pods", "/run/containerd/x.sock", "/srv", "/etc2"] {
            paths.push(String::from(p));
        }
        for p in &paths {
            let core = cadet_core::parts::analysis::sensitive_host_path(p);
            let ours = EXTRA_SENSITIVE.contains(&p.as_str())
                || p.starts_with("/var/log/")
                || p.ends_with(".sock")
                || crate::analysis::SENSITIVE_EXACT.contains(&p.as_str())
                || crate::analysis::SENSITIVE_TREES
                    .iter()
                    .any(|t| p == t || p.starts_with(&format!("{t}/")));
            assert_eq!(core, ours, "{p}");
        }
    }
}
