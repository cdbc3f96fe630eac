//! Kubernetes audit events (core `source::control_plane::k8s_audit`).

use alloc::format;
use alloc::string::String;

use crate::program::Out;
use crate::source::control_plane::note;
use crate::source::control_plane::pod_spec::is_pod_spec;
use crate::text::json::{as_i64, is_bool, nonempty, text};
use crate::text::lower_in_place;

/// `is_audit_event(x)` (core `k8s_audit::is_audit_event`) as an expression: `kind: Event` with
/// an audit `apiVersion`, or with a `verb` and an `objectRef` or `requestURI`; or an `auditID`
/// with a `verb` and a `requestURI`.
///
/// Mirrors core `source::control_plane::k8s_audit::is_audit_event`.
pub(crate) fn is_audit_event(x: &str) -> String {
    format!(
        "(({x}.kind == \"Event\" && (starts_with(string({x}.apiVersion) ?? \"\", \"audit.k8s.io/\") || (is_string({x}.verb) && (is_object({x}.objectRef) || is_string({x}.requestURI))))) || (is_string({x}.auditID) && is_string({x}.verb) && is_string({x}.requestURI)))"
    )
}

/// core `k8s_audit::from_audit`.
///
/// Mirrors core `source::control_plane::k8s_audit::from_audit`.
/// Mirrors core `source::control_plane::k8s_audit::long_running`.
/// Mirrors core `source::control_plane::k8s_audit::object_ref_from_uri`.
pub(crate) fn from_audit(o: &mut Out) {
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

/// core `k8s_audit::facts`: evidence of the request, the exec command, the object written.
///
/// Mirrors core `source::control_plane::k8s_audit::facts`.
/// Mirrors core `source::control_plane::pod_spec::read_object`.
pub(crate) fn facts(o: &mut Out) {
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

/// The `command` (or, failing that, `cmd`) query values of `q_uri`,
/// a payload candidate of group 0.
///
/// Mirrors core `text::query_values`.
/// Mirrors core `source::control_plane::k8s_audit::exec_options_command`.
pub(crate) fn exec_query(o: &mut Out) {
    o.push(
        r#"# the exec command (core text::query_values): `?command=sh&command=-c&command=...`, or the kubelet
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

/// Recognises an audit event as the API server writes it (core `source::control_plane::k8s_audit::read`).
///
/// Mirrors core `source::control_plane::k8s_audit::read`.
pub(crate) fn read(o: &mut Out) {
    o.push(
        "# k8s_audit (core k8s_audit::read): an audit.k8s.io Event as the API server writes it.",
    );
    o.push(&format!(
        "if {} {{ a_k = \"audit\"; a_doc = rec; src = \"k8s_audit\" }}",
        is_audit_event("rec")
    ));
}
