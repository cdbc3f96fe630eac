//! The pod spec of an object written (core `source::control_plane::pod_spec`).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::parts::source::WORKLOAD_KINDS;

use crate::program::Out;
use crate::source::control_plane::{fact, host_path_mount, note, run_as_root};
use crate::text::json::{as_i64, is_bool, nonempty, text};
use crate::text::{ascii_upper, string};

/// `is_pod_spec(x)` (core `k8s_audit::is_pod_spec`) as an expression.
///
/// Mirrors core `source::control_plane::pod_spec::is_pod_spec`.
pub(crate) fn is_pod_spec(x: &str) -> String {
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

/// The pod facts of each pod spec found (a group of payload candidates each).
///
/// Mirrors core `source::control_plane::pod_spec::read_pod_spec`.
pub(crate) fn read_pod_spec(o: &mut Out) {
    read_owner(o);
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
///
/// Mirrors core `source::control_plane::pod_spec::read_owner`.
pub(crate) fn read_owner(o: &mut Out) {
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
