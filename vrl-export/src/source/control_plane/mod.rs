//! The control-plane and daemon sources (core `source::control_plane`): recognised in section
//! 2a (JSON) or with the text lines, their facts read in 2c and their event fields in 2d.

pub(crate) mod docker_daemon;
pub(crate) mod k8s_audit;
pub(crate) mod k8s_cloud;
pub(crate) mod kubelet;
pub(crate) mod pod_spec;

use alloc::format;
use alloc::string::String;

use crate::analysis::host_paths::sensitive_host_path;
use crate::fields::control_plane_event_fields;
use crate::program::Out;
use crate::text::json::is_bool;
use crate::text::time::rfc3339_seconds;
use crate::text::{clean_path, string};

/// `if cond { var = true; <evidence> }`: a pod fact and the token that established it.
pub(crate) fn fact(cond: &str, var: &str, field: &str, token: &str) -> String {
    format!("if {cond} {{\n  {var} = true\n  {}\n}}", note(field, token))
}

/// `runAsUser: 0` (read into the variable `uid`) or `runAsNonRoot: false` of a security context.
pub(crate) fn run_as_root(uid: &str, context: &str) -> String {
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
pub(crate) fn host_path_mount(path: &str, written: &str) -> String {
    format!(
        "hp_clean = {clean}\n{hp}\nif {sens} {{\n  {shp}\n  pf_shp = push(pf_shp, hp_clean)\n}}\npf_hp = push(pf_hp, hp_clean)",
        clean = clean_path(path),
        hp = note("k8s.pod.host_paths", written),
        sens = sensitive_host_path("hp_clean"),
        shp = note("k8s.pod.sensitive_host_paths", written),
    )
}

/// Records evidence: `field` established by the string expression `token` (the core keeps a (field, token) pair once, the verdict's indicators are unique either way).
///
/// Mirrors core `event::control_plane::note`.
pub(crate) fn note(field: &str, token: &str) -> String {
    format!("a_ev = push(a_ev, [{}, {token}])", string(field))
}

/// The variables recognition (2a and the text lines) leaves for the facts (2c): the reader,
/// the record or line it read, the timestamp candidates.
pub(crate) fn init(o: &mut Out) {
    o.push("a_k = \"\"\na_doc = null\na_tc = []\ndl_call = null\ndl_form = null\nkl = null");
}

/// The facts of a control-plane record and its pod with their values for a record that says nothing.
///
/// Mirrors core `event::control_plane::ControlPlane`.
/// Mirrors core `event::pod::PodFacts`.
pub(crate) fn init_facts(o: &mut Out) {
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

/// Section 2a: recognises a control-plane or daemon JSON record.
///
/// Mirrors core `source::control_plane::read`.
pub(crate) fn read(o: &mut Out) {
    o.push("\n# ------------------------------------------------------------------ 2a. control-plane and daemon records");
    o.push("# core: source::control_plane::read — tried before the process sources. A record is recognised here;");
    o.push(
        "# its facts are read in 2c, after the process sources (which it keeps from reading it).",
    );
    k8s_audit::read(o);
    k8s_cloud::read(o);
    o.push("if a_doc != null { kind = \"k8s_audit\" }");
    docker_daemon::read(o);
    kubelet::read_json(o);
}

/// The text-line readers (dockerd, then kubelet), on `line`; between
/// the Sysmon XML reader and the shell-line reader, as in core `source::normalise_text`.
///
/// Mirrors core `source::control_plane::read_text`.
pub(crate) fn read_text(o: &mut Out) {
    docker_daemon::read_text(o);
    kubelet::read_line(o);
}

/// Section 2c: the facts of a recognised control-plane or daemon record.
pub(crate) fn facts(o: &mut Out) {
    o.push("\n# ------------------------------------------------------------------ 2c. control-plane and daemon facts");
    o.push("if a_k != \"\" {");
    init_facts(o);
    o.push("if a_k == \"audit\" {");
    k8s_audit::from_audit(o);
    o.push("} else if a_k == \"gke\" {");
    k8s_cloud::gke(o);
    o.push("} else if a_k == \"azure\" {");
    k8s_cloud::azure_activity(o);
    o.push("} else if a_k == \"docker_event\" {");
    docker_daemon::event(o);
    o.push("} else if a_k == \"docker_line\" {");
    docker_daemon::line_facts(o);
    o.push("} else if a_k == \"kubelet\" {");
    kubelet::build(o);
    o.push("}");
    k8s_audit::facts(o);
    k8s_audit::exec_query(o);
    pod_spec::read_pod_spec(o);
    rfc3339_seconds(o);
    o.push("\n# ------------------------------------------------------------------ 2d. event fields of a control-plane or daemon record");
    o.push("# core: fields::read — lists that are empty read as missing; evidence under `_e`.");
    o.push("if kind != \"process\" {");
    control_plane_event_fields(o);
    o.push("pl_cands = get!(a_pl, [])\n}");
    o.push("}");
}
