//! The argument analysis (core `command.rs`), the payload analysis (core `payload.rs`)
//! and `ProcessStart::complete` (core `event.rs`), emitted as VRL.

use alloc::format;
use alloc::string::String;

use crate::runtime::{ascii_lower, program_name, shell_split, windows_split, Out};
use crate::text::{regex, regex_escape, string, strings};

const TOOLS: &[&str] = &[
    "docker",
    "podman",
    "nerdctl",
    "kubectl",
    "crictl",
    "ctr",
    "runc",
    "nsenter",
    "chroot",
    "kubeletctl",
    "curl",
    "wget",
    "mount",
    "lxc",
];
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];
pub(crate) const SENSITIVE_EXACT: &[&str] = &[
    "/",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/var/run/crio/crio.sock",
];
pub(crate) const SENSITIVE_TREES: &[&str] = &[
    "/etc",
    "/root",
    "/proc",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/boot",
    "/dev",
    "/var/run/secrets",
    "/run/secrets",
];
const DOCKER_GLOBAL_VALUE: &[&str] = &[
    "-H",
    "--host",
    "-c",
    "--context",
    "--config",
    "-l",
    "--log-level",
    "--tlscacert",
    "--tlscert",
    "--tlskey",
    "--url",
    "--connection",
    "--root",
    "--runroot",
    "--cgroup-manager",
    "--storage-driver",
    "--namespace",
    "-n",
    "--address",
    "-a",
    "--snapshotter",
    "--cni-path",
    "--data-root",
    "--identity",
    "--module",
];
const DOCKER_RUN_BOOL: &[&str] = &[
    "--privileged",
    "--rm",
    "--detach",
    "--interactive",
    "--tty",
    "--init",
    "--read-only",
    "--no-healthcheck",
    "--publish-all",
    "--oom-kill-disable",
    "--disable-content-trust",
    "--sig-proxy",
    "--help",
    "--quiet",
    "--privileged=true",
    "--replace",
    "--http-proxy",
    "--rootfs",
    "--no-hosts",
    "--tls-verify",
    "--env-host",
    "--systemd",
    "--use-api-version",
];
const KUBECTL_VALUE: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--cluster",
    "--kubeconfig",
    "--user",
    "-s",
    "--server",
    "--token",
    "--as",
    "--as-group",
    "--as-uid",
    "--certificate-authority",
    "--client-certificate",
    "--client-key",
    "--request-timeout",
    "-v",
    "--v",
    "--cache-dir",
    "--tls-server-name",
    "--username",
    "--password",
    "-c",
    "--container",
    "-f",
    "--filename",
    "-l",
    "--selector",
    "-o",
    "--output",
    "--field-selector",
    "--image",
    "--overrides",
    "--restart",
    "--port",
    "--address",
    "--target",
    "--profile",
    "--copy-to",
    "--env",
    "--labels",
    "--timeout",
    "--pod-running-timeout",
    "--sort-by",
    "--template",
    "-k",
    "--kustomize",
    "--type",
    "--from-literal",
    "--from-file",
    "--namespace-selector",
    "--subresource",
    "--image-pull-policy",
    "--attach",
    "--custom-columns",
    "--chunk-size",
    "--env-from",
    "--annotations",
    "-p",
    "--patch",
    "--reason",
];
use cadet_core::parts::analysis::LXC_VALUE;
const CTR_RUN_BOOL: &[&str] = &[
    "--privileged",
    "--rm",
    "-t",
    "--tty",
    "-d",
    "--detach",
    "--net-host",
    "--privileged-without-host-devices",
    "--read-only",
    "--null-io",
    "--rootfs",
    "--no-pivot",
    "--allow-new-privs",
    "--help",
    "--cni",
    "--sync-fs",
];
const PAYLOAD_SHELLS: &[&str] = &[
    "sh",
    "bash",
    "ash",
    "dash",
    "zsh",
    "ksh",
    "busybox",
    "powershell",
    "pwsh",
    "cmd",
];

fn note(field: &str, token: &str) -> String {
    format!("c_ev = push(c_ev, [{}, {token}])", string(field))
}

pub(crate) fn ascii_upper(o: &mut Out, out: &str, v: &str) {
    o.push(&format!(
        "{out} = if match({v}, r'^[\\x00-\\x7F]*$') {{ upcase({v}) }} else {{ replace_with({v}, r'[a-z]+') -> |m| {{ upcase(m.string) }} }}"
    ));
}

/// `clean_path(p)` as an expression over a string expression.
pub(crate) fn clean_path(p: &str) -> String {
    format!(
        "\"/\" + join!(filter(split({p}, \"/\")) -> |_i, s| {{ s != \"\" && s != \".\" }}, \"/\")"
    )
}

pub(crate) fn sensitive(p: &str) -> String {
    let trees: alloc::vec::Vec<String> = SENSITIVE_TREES.iter().map(|t| regex_escape(t)).collect();
    format!(
        "(includes({}, {p}) || match({p}, {}))",
        strings(SENSITIVE_EXACT),
        regex(&format!("^(?:{})(?:/|$)", trees.join("|")))
    )
}

/// `CommandAnalysis::mount_source(src, written)`; `src` and `written` are string variables.
fn mount_source(o: &mut Out, src: &str, written: &str) {
    let c = o.var("ms");
    o.push(&format!(
        "if starts_with({src}, \"/\") {{\n    {c} = {cp}\n    if {sens} {{\n        c_hm = push(c_hm, {c})\n        {note}\n    }}\n    c_ms = push(c_ms, {c})\n}}",
        cp = clean_path(src),
        sens = sensitive(&c),
        note = note("cmd.host_mounts", written)
    ));
}

fn volume(o: &mut Out, spec: &str, written: &str) {
    let s = o.var("vol");
    o.push(&format!("{s} = string!(split({spec}, \":\")[0])"));
    mount_source(o, &s, written);
}

fn mount_spec(o: &mut Out, spec: &str, written: &str) {
    let (k, s) = (o.var("mk"), o.var("msrc"));
    o.push(&format!(
        "{k} = \"\"\n{s} = \"\"\nfor_each(split({spec}, \",\")) -> |_i, kv| {{\n    kvp = split(kv, \"=\", limit: 2)\n    kvk = strip_whitespace(string!(kvp[0]))\n    kvv = \"\"\n    if length(kvp) > 1 {{ kvv = string!(kvp[1]) }}\n    if kvk == \"type\" {{ {k} = kvv }} else if kvk == \"source\" || kvk == \"src\" {{ {s} = kvv }}\n}}\nif {k} == \"bind\" || {k} == \"\" || starts_with({s}, \"/\") {{"
    ));
    mount_source(o, &s, written);
    o.push("}");
}

fn cap(o: &mut Out, value: &str, written: &str) {
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

fn host_ns(o: &mut Out, ns: &str, written: &str) {
    let t = o.var("hns");
    o.push(&format!(
        "{t} = {ns}\nif {t} == \"network\" {{ {t} = \"net\" }}\nc_hns = push(c_hns, {t})\n{}",
        note("cmd.host_namespaces", written)
    ));
}

fn security_opt(o: &mut Out, value: &str, written: &str) {
    let (t, l) = (o.var("so"), o.var("sol"));
    o.push(&format!("{t} = {value}"));
    ascii_lower(o, &l, &t);
    o.push(&format!(
        "{l} = replace({l}, \":\", \"=\")\nif includes([\"seccomp=unconfined\", \"apparmor=unconfined\", \"label=disable\", \"label=disabled\", \"systempaths=unconfined\"], {l}) {{\n    c_unconf = true\n    {}\n}}",
        note("cmd.security_unconfined", written)
    ));
}

fn set_privileged(written: &str) -> String {
    format!("c_priv = true\n{}", note("cmd.privileged", written))
}

/// `truthy(value)` for the option value variable `ov`.
const TRUTHY: &str = "(ov == null || !includes([\"false\", \"0\", \"no\"], downcase!(ov)))";

/// `CommandAnalysis::url(word)`; `word` is a string variable.
fn url(o: &mut Out, word: &str) {
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

/// Reads the option word `w` (at `pos`, already known to be an option) the way core
/// `Flags::options` does: `--flag=value`, `--flag value`, short clusters; runs `handler`
/// once per option with `of` (flag), `ov` (value or null) and `ow` (as written).
/// `takes` is a VRL condition over `tf` (the flag) saying whether it takes a value.
fn options(o: &mut Out, takes: &str, handler: impl FnOnce(&mut Out)) {
    o.push(&format!(
        r#"pos = pos + 1
os = []
if starts_with(w, "--") {{
    if contains(w, "=") {{
        kv = split(w, "=", limit: 2)
        os = [{{"f": kv[0], "v": kv[1], "w": w}}]
    }} else {{
        tf = w
        if {takes} {{
            ov = get(args, [pos]) ?? null
            pos = pos + 1
            if ov == null {{ os = [{{"f": tf, "v": null, "w": tf}}] }} else {{ os = [{{"f": tf, "v": ov, "w": tf + " " + string!(ov)}}] }}
        }} else {{
            os = [{{"f": tf, "v": null, "w": w}}]
        }}
    }}
}} else {{
    cs = split(w, "")
    cs = slice!(cs, 2, length(cs) - 1)
    cstop = false
    for_each(cs) -> |ck, ch| {{
        if !cstop {{
            tf = "-" + ch
            if {takes} {{
                cat = join(slice!(cs, ck + 1))
                if starts_with(cat, "=") {{ cat = slice!(cat, 1) }}
                if cat != "" {{
                    os = push(os, {{"f": tf, "v": cat, "w": tf + cat}})
                }} else {{
                    ov = get(args, [pos]) ?? null
                    pos = pos + 1
                    if ov == null {{ os = push(os, {{"f": tf, "v": null, "w": tf}}) }} else {{ os = push(os, {{"f": tf, "v": ov, "w": tf + " " + string!(ov)}}) }}
                }}
                cstop = true
            }} else {{
                os = push(os, {{"f": tf, "v": null, "w": w}})
            }}
        }}
    }}
}}
for_each(os) -> |_oi, opt| {{
    of = string!(opt.f)
    ov = opt.v
    ow = string!(opt.w)"#
    ));
    handler(o);
    o.push("}");
}

fn takes_list(list: &[&str]) -> String {
    format!("includes({}, tf)", strings(list))
}

/// The cursor loop: `body` sees `w` (the word at `pos`) and `used`.
fn cursor(o: &mut Out, body: impl FnOnce(&mut Out)) {
    o.push("pos = 0\nn = length(args)\nfor_each(range!(0, n + 1)) -> |_k, _x| {\nif pos < n {\n    w = string!(get!(args, [pos]))\n    used = false");
    body(o);
    o.push("}\n}");
}

/// Option handling inside a cursor: `if` the word is an option, read it and run `handler`.
fn is_option() -> &'static str {
    "w != \"--\" && starts_with(w, \"-\") && strlen(w) > 1"
}

fn docker(o: &mut Out) {
    let global_takes = takes_list(DOCKER_GLOBAL_VALUE);
    let run_takes = format!(
        "((starts_with(tf, \"--\") && !includes({}, tf)) || includes([\"-a\", \"-c\", \"-e\", \"-h\", \"-l\", \"-m\", \"-p\", \"-u\", \"-v\", \"-w\"], tf))",
        strings(DOCKER_RUN_BOOL)
    );
    o.push("ph = \"g\"\nd_first = \"\"\nd_ep = null");
    let fin = "c_action = d_act\nif includes([\"run\", \"create\", \"exec\"], d_act) { ph = \"r\" } else { ph = \"t\" }";
    cursor(o, |o| {
        o.push(&format!(
            "if ph == \"g\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        options(o, &global_takes, |o| {
            o.push("if includes([\"-H\", \"--host\", \"--url\", \"--connection\"], of) && ov != null {");
            o.push(&note("cmd.remote", "ow"));
            o.push("dv = string!(ov)");
            url(o, "dv");
            o.push("c_remote = dv\n}");
        });
        o.push("    } else if w == \"--\" { used = true; pos = pos + 1; ph = \"a\" } else { ph = \"a\" }\n}");
        o.push("if !used && ph == \"a\" {\n    used = true\n    pos = pos + 1");
        ascii_lower(o, "d_first", "w");
        o.push(&format!(
            "    if includes([\"container\", \"containers\", \"image\", \"system\", \"network\", \"volume\", \"compose\", \"plugin\", \"secret\", \"service\", \"stack\", \"node\", \"swarm\", \"buildx\", \"builder\", \"context\", \"pod\", \"machine\"], d_first) {{ ph = \"a2\" }} else {{\n    d_act = d_first\n    {fin}\n    }}\n}}"
        ));
        o.push("if !used && ph == \"a2\" {\n    used = true\n    pos = pos + 1");
        ascii_lower(o, "d_sub", "w");
        o.push(&format!(
            r#"    d_act = d_sub
    if d_first == "container" || d_first == "containers" {{
        if d_sub == "ls" || d_sub == "list" {{ d_act = "ps" }}
    }} else if d_first == "image" {{
        if d_sub == "ls" || d_sub == "list" {{ d_act = "images" }} else if d_sub == "rm" {{ d_act = "rmi" }}
    }} else if d_first != "system" {{
        c_sub = d_sub
        d_act = d_first
    }}
    {fin}
}}
if !used && ph == "t" {{
    used = true
    pos = pos + 1
    c_target = w
    if c_action == "pull" {{ c_image = w }}
    ph = "done"
}}"#
        ));
        o.push(&format!(
            "if !used && ph == \"r\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        options(o, &run_takes, |o| {
            o.push("v = \"\"\nif ov != null { v = string!(ov) }");
            o.push(&format!(
                "if of == \"--privileged\" {{ if {TRUTHY} {{\n{}\n}} }}",
                set_privileged("ow")
            ));
            o.push("else if of == \"--cap-add\" {");
            cap(o, "v", "ow");
            o.push("} else if of == \"--security-opt\" {");
            security_opt(o, "v", "ow");
            o.push("} else if includes([\"--pid\", \"--net\", \"--network\", \"--ipc\", \"--uts\", \"--userns\", \"--cgroupns\"], of) {\n    vl = \"\"");
            ascii_lower(o, "vl", "v");
            o.push("if vl == \"host\" {\n    nsn = slice!(of, 2)");
            host_ns(o, "nsn", "ow");
            o.push("}\n} else if of == \"--device\" {");
            o.push(&format!(
                "c_dev = push(c_dev, v)\n{}",
                note("cmd.devices", "ow")
            ));
            o.push("} else if of == \"-v\" || of == \"--volume\" {");
            volume(o, "v", "ow");
            o.push("} else if of == \"--mount\" {");
            mount_spec(o, "v", "ow");
            o.push(&format!(
                "}} else if includes([\"-i\", \"-t\", \"--interactive\", \"--tty\"], of) {{\n    if {TRUTHY} {{ c_inter = true }}\n}} else if of == \"-u\" || of == \"--user\" {{\n    c_euser = ov\n}} else if of == \"--entrypoint\" {{\n    d_ep = ov\n}}"
            ));
        });
        o.push(
            r#"    } else if w == "--" { used = true; pos = pos + 1; ph = "p" } else { ph = "p" }
}
if !used && ph == "p" {
    used = true
    pos = pos + 1
    if c_action == "exec" { c_target = w } else { c_image = w }
    ph = "rest"
}
if !used && ph == "rest" {
    used = true
    c_inner = slice!(args, pos)
    pos = n
}"#,
        );
    });
    o.push(&format!(
        "if ph == \"a2\" {{\n    d_act = d_first\n    {fin}\n}}\nif d_ep != null {{\n    {}\n    c_inner = append([d_ep], c_inner)\n    c_ep = d_ep\n}}",
        note("cmd.entrypoint", "\"--entrypoint \" + string!(d_ep)")
    ));
}

fn kubectl_resource(o: &mut Out, out: &str, word: &str) {
    let l = o.var("kr");
    ascii_lower(o, &l, word);
    o.push(&format!(
        r#"{l} = string!(split({l}, "/")[0])
{l} = string!(split({l}, ".")[0])
if {l} == "secret" || {l} == "secrets" {{ {l} = "secrets" }}
else if includes(["cm", "configmap", "configmaps"], {l}) {{ {l} = "configmaps" }}
else if includes(["po", "pod", "pods"], {l}) {{ {l} = "pods" }}
else if includes(["deploy", "deployment", "deployments"], {l}) {{ {l} = "deployments" }}
else if includes(["ds", "daemonset", "daemonsets"], {l}) {{ {l} = "daemonsets" }}
else if includes(["sa", "serviceaccount", "serviceaccounts"], {l}) {{ {l} = "serviceaccounts" }}
else if includes(["no", "node", "nodes"], {l}) {{ {l} = "nodes" }}
else if includes(["ns", "namespace", "namespaces"], {l}) {{ {l} = "namespaces" }}
else if {l} == "rolebinding" {{ {l} = "rolebindings" }}
else if {l} == "clusterrolebinding" {{ {l} = "clusterrolebindings" }}
{out} = {l}"#
    ));
}

fn kubectl(o: &mut Out) {
    o.push(
        "k_action = null\nk_pos = []\nk_inner = []\nk_image = null\nk_over = null\nk_files = []",
    );
    let takes = takes_list(KUBECTL_VALUE);
    cursor(o, |o| {
        o.push(&format!("if {} {{", is_option()));
        options(o, &takes, |o| {
            o.push(&format!(
                r#"if (of == "-A" || of == "--all-namespaces") && {TRUTHY} {{
    c_alln = true
    {na}
}} else if includes(["-i", "-t", "--stdin", "--tty"], of) && {TRUTHY} {{
    c_inter = true
}} else if of == "--image" {{
    k_image = ov
}} else if of == "--overrides" {{
    k_over = ov
}} else if of == "-f" || of == "--filename" {{
    if ov != null {{ k_files = push(k_files, ov) }}
}} else if of == "--privileged" && {TRUTHY} {{
    {sp}
}} else if of == "--profile" && (ov == "sysadmin" || ov == "netadmin") {{
    {sp}
}} else if of == "-s" || of == "--server" {{
    c_remote = ov
}}"#,
                na = note("cmd.all_namespaces", "ow"),
                sp = set_privileged("ow")
            ));
        });
        o.push("} else if w == \"--\" {\n    k_inner = slice!(args, pos + 1)\n    pos = n\n} else {\n    pos = pos + 1\n    if k_action == null {");
        ascii_lower(o, "k_action", "w");
        o.push("    } else { k_pos = push(k_pos, w) }\n}");
    });
    o.push("if k_action != null {\n    ka = string!(k_action)\n    c_action = ka\n    if k_image != null { c_image = k_image }");
    o.push("    for_each(k_files) -> |_i, kf| {\n        kfs = kf");
    ascii_lower(o, "kfl", "kfs");
    o.push(&format!(
        "        if includes([\"apply\", \"create\", \"replace\"], ka) && (starts_with(kfl, \"http://\") || starts_with(kfl, \"https://\")) {{\n            {}\n            c_murl = kfs\n        }}\n    }}",
        note("cmd.manifest_url", "\"-f \" + kfs")
    ));
    o.push("    if includes([\"get\", \"describe\", \"edit\", \"delete\", \"list\", \"watch\"], ka) {\n        for_each(k_pos) -> |_i, kp| {\n            for_each(split(kp, \",\")) -> |_j, part| {\n                if part != \"\" {");
    kubectl_resource(o, "kres", "part");
    o.push("                    c_res = push(c_res, kres)\n                }\n            }\n        }");
    o.push(&format!(
        r#"    }} else if includes(["exec", "attach", "debug", "port-forward", "cp", "logs", "run"], ka) {{
        c_target = get(k_pos, [0]) ?? null
        if ka == "exec" && length(k_inner) == 0 && length(k_pos) > 1 {{ k_inner = slice!(k_pos, 1) }}
        if ka == "debug" && c_target != null {{
            kt = string!(c_target)
            if starts_with(kt, "node/") || starts_with(kt, "nodes/") {{
                {nd}
            }}
        }}
    }} else if includes(["auth", "create", "config", "rollout", "set", "certificate", "top"], ka) {{
        if length(k_pos) > 0 {{
            ks = string!(k_pos[0])"#,
        nd = note("cmd.node_debug", "\"debug \" + kt")
    ));
    ascii_lower(o, "ksl", "ks");
    o.push("            c_sub = ksl\n            if ksl == \"can-i\" && length(k_pos) > 2 {\n                for_each(slice!(k_pos, 2)) -> |_i, kr0| {\n                    kr1 = kr0");
    kubectl_resource(o, "kres2", "kr1");
    o.push("                    c_res = push(c_res, kres2)\n                }\n            }\n        }\n    }\n    c_inner = k_inner");
    // pod overrides
    o.push("    if k_over != null {\n        kdoc = parse_json(string!(k_over)) ?? null\n        kspec = null\n        if is_object(kdoc) { kspec = get!(kdoc, [\"spec\"]) }");
    o.push("        for_each([[\"hostPID\", \"pid\"], [\"hostNetwork\", \"net\"], [\"hostIPC\", \"ipc\"]]) -> |_i, kv2| {\n            kb = get(kspec, [kv2[0]]) ?? null\n            if kb == true || (is_string(kb) && downcase!(kb) == \"true\") {\n                kns = kv2[1]\n                kw = \"--overrides \" + kv2[0] + \"=true\"");
    host_ns(o, "kns", "kw");
    o.push("            }\n        }");
    o.push("        kconts = get(kspec, [\"containers\"]) ?? null\n        if is_array(kconts) {\n            for_each(array!(kconts)) -> |_i, kc| {\n                ksc = get(kc, [\"securityContext\"]) ?? null\n                kpr = get(ksc, [\"privileged\"]) ?? null\n                if kpr == true || (is_string(kpr) && downcase!(kpr) == \"true\") {");
    o.push(&set_privileged("\"--overrides privileged=true\""));
    o.push("                }\n                kadd = get(ksc, [\"capabilities\", \"add\"]) ?? null\n                if is_array(kadd) {\n                    for_each(array!(kadd)) -> |_j, kcap| {\n                        if is_string(kcap) {\n                            kcs = string!(kcap)\n                            kcw = \"--overrides capabilities.add=\" + kcs");
    cap(o, "kcs", "kcw");
    o.push("                        }\n                    }\n                }");
    o.push("                if length(c_inner) == 0 {\n                    kws = []\n                    for_each([\"command\", \"args\"]) -> |_j, kk| {\n                        kl = get(kc, [kk]) ?? null\n                        if is_array(kl) { for_each(array!(kl)) -> |_m, kx| { if is_string(kx) { kws = push(kws, kx) } } }\n                    }\n                    c_inner = kws\n                }\n            }\n        }");
    o.push("        kvols = get(kspec, [\"volumes\"]) ?? null\n        if is_array(kvols) {\n            for_each(array!(kvols)) -> |_i, kvo| {\n                khp = get(kvo, [\"hostPath\", \"path\"]) ?? null\n                if is_string(khp) {\n                    khps = string!(khp)\n                    khw = \"--overrides hostPath=\" + khps");
    mount_source(o, "khps", "khw");
    o.push("                }\n            }\n        }\n    }\n}");
}

fn crictl(o: &mut Out) {
    let g = takes_list(&[
        "-r",
        "--runtime-endpoint",
        "-i",
        "--image-endpoint",
        "-t",
        "--timeout",
        "-c",
        "--config",
    ]);
    let e = takes_list(&["--timeout", "-e", "--env", "-w", "--workdir"]);
    o.push("ph = \"g\"");
    cursor(o, |o| {
        o.push(&format!(
            "if ph == \"g\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        options(o, &g, |_| {});
        o.push("    } else { ph = \"a\" }\n}\nif !used && ph == \"a\" {\n    used = true\n    pos = pos + 1");
        ascii_lower(o, "cact", "w");
        o.push("    c_action = cact\n    ph = \"o\"\n}");
        o.push(&format!(
            "if !used && ph == \"o\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        options(o, &e, |o| {
            o.push("if includes([\"-i\", \"-t\", \"--interactive\", \"--tty\"], of) { c_inter = true }")
        });
        o.push(
            r#"    } else if w == "--" { used = true; pos = pos + 1; ph = "t" } else { ph = "t" }
}
if !used && ph == "t" {
    used = true
    pos = pos + 1
    c_target = w
    ph = "rest"
}
if !used && ph == "rest" {
    used = true
    if c_action == "exec" {
        crest = slice!(args, pos)
        if length(crest) > 0 && crest[0] == "--" { crest = slice!(crest, 1) }
        c_inner = crest
    }
    pos = n
}"#,
        );
    });
}

fn ctr(o: &mut Out) {
    let g = takes_list(&[
        "-a",
        "--address",
        "-n",
        "--namespace",
        "--timeout",
        "--connect-timeout",
    ]);
    let run = format!("!includes({}, tf)", strings(CTR_RUN_BOOL));
    let fin = "c_action = t_act\nif includes([\"run\", \"create\", \"exec\"], t_act) { ph = \"r\" } else { ph = \"t\" }";
    o.push("ph = \"g\"\nt_first = \"\"");
    cursor(o, |o| {
        o.push(&format!(
            "if ph == \"g\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        options(o, &g, |_| {});
        o.push("    } else { ph = \"a\" }\n}\nif !used && ph == \"a\" {\n    used = true\n    pos = pos + 1");
        ascii_lower(o, "t_first", "w");
        o.push(&format!(
            "    if includes([\"c\", \"container\", \"containers\", \"t\", \"task\", \"tasks\", \"i\", \"image\", \"images\"], t_first) {{ ph = \"a2\" }} else {{\n    t_act = t_first\n    {fin}\n    }}\n}}\nif !used && ph == \"a2\" {{\n    used = true\n    pos = pos + 1\n    c_sub = t_first"
        ));
        ascii_lower(o, "t_act", "w");
        o.push(&format!(
            "    {fin}\n}}\nif !used && ph == \"t\" {{\n    used = true\n    pos = pos + 1\n    c_target = w\n    ph = \"done\"\n}}"
        ));
        o.push(&format!(
            "if !used && ph == \"r\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        options(o, &run, |o| {
            o.push("v = \"\"\nif ov != null { v = string!(ov) }");
            o.push(&format!(
                "if of == \"--privileged\" {{ if {TRUTHY} {{\n{}\n}} }}",
                set_privileged("ow")
            ));
            o.push("else if of == \"--net-host\" {\n    nsn = \"net\"");
            host_ns(o, "nsn", "ow");
            o.push("} else if of == \"--with-ns\" {\n    if contains(v, \":\") {\n        wn = split(v, \":\", limit: 2)\n        if starts_with(string!(wn[1]), \"/proc/1/\") {\n            nsn = string!(wn[0])");
            host_ns(o, "nsn", "ow");
            o.push("        }\n    }\n} else if of == \"--cap-add\" {");
            cap(o, "v", "ow");
            o.push("} else if of == \"--mount\" {");
            mount_spec(o, "v", "ow");
            o.push(&format!(
                "}} else if of == \"--device\" {{\n    c_dev = push(c_dev, v)\n    {}\n}} else if of == \"-t\" || of == \"--tty\" {{\n    c_inter = true\n}} else if of == \"--user\" || of == \"-u\" {{\n    c_euser = ov\n}}",
                note("cmd.devices", "ow")
            ));
        });
        o.push(
            r#"    } else { ph = "p" }
}
if !used && ph == "p" {
    used = true
    pos = pos + 1
    if c_action == "exec" { c_target = w; ph = "rest" } else { c_image = w; ph = "p2" }
}
if !used && ph == "p2" {
    used = true
    pos = pos + 1
    c_target = w
    ph = "rest"
}
if !used && ph == "rest" {
    used = true
    c_inner = slice!(args, pos)
    pos = n
}"#,
        );
    });
    o.push(&format!(
        "if ph == \"a2\" {{\n    c_sub = null\n    t_act = t_first\n    {fin}\n}}"
    ));
}

fn runc(o: &mut Out) {
    let g = takes_list(&["--root", "--log", "--log-format", "--criu", "--rootless"]);
    let t = takes_list(&[
        "--cwd",
        "--env",
        "-e",
        "--user",
        "-u",
        "--cap",
        "-c",
        "--process",
        "-p",
        "--pid-file",
        "--console-socket",
        "--preserve-fds",
        "--additional-gids",
        "-g",
        "--apparmor",
        "--process-label",
        "--bundle",
        "-b",
    ]);
    o.push("ph = \"g\"");
    cursor(o, |o| {
        o.push(&format!(
            "if ph == \"g\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        options(o, &g, |_| {});
        o.push("    } else { ph = \"a\" }\n}\nif !used && ph == \"a\" {\n    used = true\n    pos = pos + 1");
        ascii_lower(o, "ract", "w");
        o.push("    c_action = ract\n    ph = \"o\"\n}");
        o.push(&format!(
            "if !used && ph == \"o\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        options(o, &t, |o| {
            o.push("if of == \"-t\" || of == \"--tty\" { c_inter = true } else if of == \"--cap\" || of == \"-c\" {\n    v = \"\"\n    if ov != null { v = string!(ov) }");
            cap(o, "v", "ow");
            o.push("} else if of == \"--user\" || of == \"-u\" { c_euser = ov }");
        });
        o.push(
            r#"    } else { ph = "t" }
}
if !used && ph == "t" {
    used = true
    pos = pos + 1
    c_target = w
    ph = "rest"
}
if !used && ph == "rest" {
    used = true
    if c_action == "exec" { c_inner = slice!(args, pos) }
    pos = n
}"#,
        );
    });
}

/// nsenter's options; `handler_ns` true records namespaces (the payload only needs the target).
fn nsenter_options(o: &mut Out, target_var: &str, written_var: &str, record_ns: bool) {
    let takes = takes_list(&[
        "-t", "--target", "-S", "--setuid", "-G", "--setgid", "-r", "-w", "-Z",
    ]);
    options(o, &takes, |o| {
        if record_ns {
            o.push(&format!("if of == \"-t\" || of == \"--target\" {{\n    {written_var} = ow\n    {target_var} = ov\n}}"));
            o.push(
                r#"nsx = null
if of == "-m" || of == "--mount" { nsx = "mount" } else if of == "-u" || of == "--uts" { nsx = "uts" } else if of == "-i" || of == "--ipc" { nsx = "ipc" } else if of == "-n" || of == "--net" { nsx = "net" } else if of == "-p" || of == "--pid" { nsx = "pid" } else if of == "-U" || of == "--user" { nsx = "user" } else if of == "-C" || of == "--cgroup" { nsx = "cgroup" } else if of == "-T" || of == "--time" { nsx = "time" } else if of == "-a" || of == "--all" { nsx = "all" }
if nsx != null { c_nsns = push(c_nsns, nsx) }"#,
            );
        } else {
            o.push(&format!(
                "if of == \"-t\" || of == \"--target\" {{ {target_var} = ov }}"
            ));
        }
    });
}

fn nsenter(o: &mut Out) {
    o.push("c_action = \"enter\"\nph = \"o\"\nn_tw = \"\"");
    cursor(o, |o| {
        o.push(&format!(
            "if ph == \"o\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        nsenter_options(o, "c_nst", "n_tw", true);
        o.push(
            r#"    } else if w == "--" { used = true; pos = pos + 1; ph = "rest" } else { ph = "rest" }
}
if !used && ph == "rest" {
    used = true
    c_inner = slice!(args, pos)
    pos = n
}"#,
        );
    });
    o.push(&format!(
        "if c_nst == \"1\" {{\n    {}\n}}",
        note("cmd.nsenter_target", "\"nsenter \" + n_tw")
    ));
}

fn chroot(o: &mut Out) {
    let takes = takes_list(&["--userspec", "--groups"]);
    o.push("c_action = \"chroot\"\nph = \"o\"");
    cursor(o, |o| {
        o.push(&format!(
            "if ph == \"o\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        options(o, &takes, |_| {});
        o.push(&format!(
            r#"    }} else if w == "--" {{ used = true; pos = pos + 1; ph = "d" }} else {{ ph = "d" }}
}}
if !used && ph == "d" {{
    used = true
    pos = pos + 1
    {}
    c_chroot = {}
    ph = "rest"
}}
if !used && ph == "rest" {{
    used = true
    c_inner = slice!(args, pos)
    pos = n
}}"#,
            note("cmd.chroot_dir", "\"chroot \" + w"),
            clean_path("w")
        ));
    });
}

fn kubeletctl(o: &mut Out) {
    let takes = takes_list(&[
        "-s",
        "--server",
        "--port",
        "-p",
        "--pod",
        "-c",
        "--container",
        "-n",
        "--namespace",
        "--cacert",
        "--cert",
        "--key",
        "-i",
        "--http-proxy",
        "--cidr",
    ]);
    o.push("l_action = null\nl_pos = []");
    cursor(o, |o| {
        o.push(&format!("if {} {{", is_option()));
        options(o, &takes, |o| {
            o.push("if of == \"-p\" || of == \"--pod\" { c_target = ov }")
        });
        o.push("} else {\n    pos = pos + 1\n    if l_action == null {");
        ascii_lower(o, "l_action", "w");
        o.push("    } else { l_pos = push(l_pos, w) }\n}");
    });
    o.push(&format!(
        "la = \"\"\nif l_action != null {{ la = string!(l_action) }}\nc_kapi = true\n{}\nif la == \"exec\" || la == \"run\" {{ c_inner = l_pos }}\nc_action = la",
        note("cmd.kubelet_api", "strip_whitespace(\"kubeletctl \" + la)")
    ));
}

fn http_client(o: &mut Out) {
    o.push("c_action = \"request\"\nh_prev = false");
    o.push("for_each(args) -> |_i, hw0| {\n    hw = string!(hw0)\n    if h_prev {");
    o.push(&format!(
        "        if ends_with(hw, \"docker.sock\") {{\n            c_dapi = true\n            {}\n        }}\n        h_prev = false\n    }} else if starts_with(hw, \"--unix-socket\") {{\n        if contains(hw, \"=\") {{\n            if ends_with(hw, \"docker.sock\") {{\n                c_dapi = true\n                {}\n            }}\n        }} else {{ h_prev = true }}\n    }} else if !starts_with(hw, \"-\") {{",
        note("cmd.docker_api", "\"--unix-socket \" + hw"),
        note("cmd.docker_api", "hw")
    ));
    url(o, "hw");
    o.push("    }\n}");
}

/// core analysis/lxc.rs `lxc`: `launch`/`init` with `-c KEY=VALUE`, `config|profile set`,
/// `config|profile device add`, `exec`/`shell`/`console` and `REMOTE:NAME` targets.
fn lxc(o: &mut Out) {
    o.push("x_action = null\nx_rest = []\nx_inner = []\nx_kv = []");
    let takes = format!(
        "(includes({}, tf) && !(x_exec && tf == \"-t\"))",
        strings(LXC_VALUE)
    );
    cursor(o, |o| {
        o.push(&format!(
            "if {} {{\n    x_exec = includes([\"exec\", \"shell\", \"console\"], x_action)",
            is_option()
        ));
        options(o, &takes, |o| {
            o.push(
                r#"if of == "-c" || of == "--config" {
    if ov != null {
        xkv0 = split(string!(ov), "=", limit: 2)
        x_kv = push(x_kv, [xkv0[0], get(xkv0, [1]) ?? "", ow])
    }
} else if of == "--force-interactive" || (of == "-t" && x_exec) {
    c_inter = true
} else if of == "--user" {
    c_euser = ov
}"#,
            );
        });
        o.push("} else if w == \"--\" {\n    x_inner = slice!(args, pos + 1)\n    pos = n\n} else {\n    pos = pos + 1\n    if x_action == null {");
        ascii_lower(o, "x_action", "w");
        o.push("    } else { x_rest = push(x_rest, w) }\n}");
    });
    o.push("if x_action != null {\n    xa = string!(x_action)\n    c_action = xa\n    x_dev = []");
    o.push(
        r#"    if includes(["launch", "init", "create"], xa) {
        c_image = get(x_rest, [0]) ?? null
        c_target = get(x_rest, [1]) ?? null
    } else if includes(["exec", "shell", "console"], xa) {
        c_target = get(x_rest, [0]) ?? null
        if length(x_inner) == 0 && length(x_rest) > 1 { x_inner = slice!(x_rest, 1) }
        if xa != "exec" { c_inter = true }
    } else if xa == "config" || xa == "profile" {
        x_words = []
        xsub = null
        if length(x_rest) > 0 {
            xs0 = string!(x_rest[0])"#,
    );
    ascii_lower(o, "xsub", "xs0");
    o.push(
        r#"            c_sub = xsub
            x_words = slice!(x_rest, 1)
        }
        if xsub == "set" {
            c_target = get(x_words, [0]) ?? null
            if length(x_words) == 2 {
                xp = string!(x_words[1])
                if contains(xp, "=") {
                    xkv1 = split(xp, "=", limit: 2)
                    x_kv = push(x_kv, [xkv1[0], xkv1[1], xa + " set " + xp])
                }
            } else if length(x_words) > 2 {
                x_kv = push(x_kv, [x_words[1], x_words[2], xa + " set " + string!(x_words[1]) + " " + string!(x_words[2])])
            }
        } else if xsub == "device" {
            if length(x_words) > 0 {
                xd0 = string!(x_words[0])"#,
    );
    ascii_lower(o, "xd0l", "xd0");
    o.push(
        r#"                if xd0l == "add" {
                    c_target = get(x_words, [1]) ?? null
                    if length(x_words) > 3 { x_dev = slice!(x_words, 3) }
                }
            }
        } else {
            c_target = get(x_words, [0]) ?? null
        }
    } else {
        c_target = get(x_rest, [0]) ?? null
    }
    # core lxc_config: security.privileged true, raw.lxc with an unconfined AppArmor profile
    for_each(x_kv) -> |_i, xkv| {
        xk = strip_whitespace(string!(xkv[0]))
        xv = strip_whitespace(string!(xkv[1]))
        xw = string!(xkv[2])"#,
    );
    ascii_lower(o, "xkl", "xk");
    ascii_lower(o, "xvl", "xv");
    o.push(&format!(
        r#"        if xkl == "security.privileged" && includes(["true", "1", "yes", "on"], xvl) {{
            {sp}
        }}
        if xkl == "raw.lxc" && contains(xvl, "apparmor.profile") && contains(xvl, "unconfined") {{
            c_unconf = true
            {nu}
        }}
    }}
    # core lxc_device: a disk's host source is a bind mount; unix-block/unix-char pass a device
    if length(x_dev) > 0 {{
        xt0 = string!(x_dev[0])"#,
        sp = set_privileged("xw"),
        nu = note("cmd.security_unconfined", "xw")
    ));
    ascii_lower(o, "xtype", "xt0");
    o.push("        for_each(slice!(x_dev, 1)) -> |_i, xd| {\n            # typed any whatever the pack (VRL types `xd` by what the sources of the pack push)\n            xds = string(get([xd], [0]) ?? \"\") ?? \"\"\n            if contains(xds, \"=\") {\n                xdp = split(xds, \"=\", limit: 2)\n                xdk0 = string!(xdp[0])\n                xdv = string!(xdp[1])");
    ascii_lower(o, "xdk", "xdk0");
    o.push("                if xtype == \"disk\" && xdk == \"source\" {\n                    xdw = \"disk \" + xds");
    mount_source(o, "xdv", "xdw");
    o.push(&format!(
        r#"                }} else if (xtype == "unix-block" || xtype == "unix-char") && (xdk == "source" || xdk == "path") && starts_with(xdv, "/dev/") {{
                    c_dev = push(c_dev, xdv)
                    {nd}
                }}
            }}
        }}
    }}
    if c_target != null && includes(["exec", "shell", "console"], xa) {{
        xtg = string!(c_target)
        if contains(xtg, ":") {{
            xr = string!(split(xtg, ":", limit: 2)[0])
            if xr != "" {{
                {nr}
                c_remote = xr
            }}
        }}
    }}
    c_inner = x_inner
}}"#,
        nd = note("cmd.devices", "xtype + \" \" + xds"),
        nr = note("cmd.remote", "xtg")
    ));
}

fn mount_tool(o: &mut Out) {
    let takes = takes_list(&[
        "-t",
        "--types",
        "-o",
        "--options",
        "-L",
        "-U",
        "--source",
        "--target",
    ]);
    o.push("c_action = \"mount\"\nph = \"o\"");
    cursor(o, |o| {
        o.push(&format!(
            "if ph == \"o\" {{\n    if {} {{\n    used = true",
            is_option()
        ));
        options(o, &takes, |_| {});
        o.push(&format!(
            r#"    }} else {{ ph = "d" }}
}}
if !used && ph == "d" {{
    used = true
    pos = pos + 1
    if starts_with(w, "/dev/") {{
        c_dev = push(c_dev, w)
        {}
    }}
    ph = "t"
}}
if !used && ph == "t" {{
    used = true
    pos = pos + 1
    c_target = w
    ph = "done"
}}"#,
            note("cmd.devices", "\"mount \" + w")
        ));
    });
}

/// `out = shell_words::split_commands(v)` (core text/shell_words.rs): the commands of a shell
/// line, those inside `$(…)` and backticks first, each as words. The same state machine over
/// tokens (`$(`, a backslash and the character after it, a quote or operator character, a run
/// of blanks, a run of plain characters), the current level in scalars and the levels around
/// it on a stack; `MAX_DEPTH + 1` null tokens at the end close what is still open.
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

/// `ProcessStart::complete` (core event.rs): argv from the command line, the command
/// line from argv, names from paths.
pub fn complete(o: &mut Out) {
    o.push("\n# core: ProcessStart::complete — fill argv, command line and names from each other.");
    o.push(
        "# core: Event::from_process — a command line logged without argv (and a text line) is a",
    );
    o.push("# shell line: every command of it is analysed (p_line).");
    o.push("p_line = src == \"text\"");
    o.push("if length(p_argv) == 0 && p_cl != null {\n    pcl = string!(p_cl)");
    let win = r#"r'^\s*"*(?:[A-Za-z]:\\|\\\\)'"#;
    o.push(&format!(
        "    if match(pcl, {win}) || (p_exe != null && match(string!(p_exe), {win})) {{"
    ));
    windows_split(o, "p_argv", "pcl");
    o.push("    } else {\n    p_line = true");
    shell_split(o, "p_argv", "pcl");
    o.push("    }\n}");
    o.push(
        r#"if p_cl == null && length(p_argv) > 0 { p_cl = join(p_argv, " ") }
if p_name == null {
    if p_exe != null { p_name = replace(string!(p_exe), r'(?s)^.*[/\\]', "") } else if length(p_argv) > 0 { p_name = replace(string!(p_argv[0]), r'(?s)^.*[/\\]', "") }
}
if p_pname == null && p_pexe != null { p_pname = replace(string!(p_pexe), r'(?s)^.*[/\\]', "") }"#,
    );
}

/// `command::analyse_all(p_argv)` then one payload per command: leaves `segs`, an array of
/// objects with the `cmd.*` and `payload.*` fields, the evidence pairs under `e`, and the
/// payload facts triage reads under `pl`.
pub fn analyse(o: &mut Out, api: bool) {
    o.push("\n# ------------------------------------------------------------------ 3. argument analysis");
    o.push("# core: command::analyse_all — wrappers (sudo, env, nohup, sh -c ...) looked through;");
    o.push(
        "# a shell line or script (item \"s\") is split into commands (core split_commands), each",
    );
    o.push("# read like an argv (item \"a\"); scripts nest up to 4 levels: a line, then an argv per level.");
    o.push("an_items = [{\"a\": p_argv, \"d\": 0, \"w\": [], \"done\": false}]");
    o.push(
        "if p_line { an_items = [{\"s\": p_cl, \"a\": [], \"d\": 0, \"w\": [], \"done\": false}] }",
    );
    o.push("for_each(range!(0, 10)) -> |_lvl, _x| {\n    an_next = []\n    for_each(an_items) -> |_k, it| {\n        if it.done == true { an_next = push(an_next, it) } else if is_string(it.s) {\n            scr = string!(it.s)");
    split_commands(o, "scc", "scr");
    o.push("            for_each(scc) -> |_q, sca| { an_next = push(an_next, {\"a\": sca, \"d\": it.d, \"w\": it.w, \"done\": false}) }\n        } else {");
    o.push(
        r#"            ws_st = "prog"
            ws_skip = 0
            ws_stop = false
            ws_wr = []
            ws_ti = -1
            ws_script = null
            ws_shell = ""
            ws_tmo = false
            it_a = it.a
            for_each(it_a) -> |j, w0| {
                w = string!(w0)
                if !ws_stop {
                    if ws_skip > 0 { ws_skip = ws_skip - 1 } else {
                        used = false
                        if ws_st == "sudo" {
                            if starts_with(w, "-") {
                                used = true
                                if w == "--" { ws_st = "prog" } else if includes(["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "--user", "--group"], w) { ws_skip = 1 }
                            } else { ws_st = "prog" }
                        }
                        if !used && ws_st == "env" {
                            if w == "-u" || w == "--unset" { used = true; ws_skip = 1 }
                            else if starts_with(w, "-") || (contains(w, "=") && !starts_with(w, "=")) { used = true }
                            else { ws_st = "prog" }
                        }
                        if !used && ws_st == "nohup" {
                            if starts_with(w, "-") {
                                used = true
                                if includes(["-n", "-c", "-s", "-k", "-o", "-e"], w) { ws_skip = 1 }
                            } else if ws_tmo { used = true; ws_tmo = false; ws_st = "prog" } else { ws_st = "prog" }
                        }
                        if !used && ws_st == "busybox" {"#,
    );
    program_name(o, "bbn", "w");
    o.push(&format!(
        r#"                            if includes({shells}, bbn) {{ used = true; ws_st = "shopt" }} else {{ ws_st = "prog" }}
                        }}
                        if !used && ws_st == "shopt" {{
                            used = true
                            if starts_with(w, "-") {{
                                if !starts_with(w, "--") && contains(w, "c") {{ ws_st = "script" }}
                            }} else {{ ws_stop = true }}
                        }} else if !used && ws_st == "script" {{
                            used = true
                            ws_script = w
                            ws_stop = true
                        }}
                        if !used && ws_st == "prog" && (match(w, r'^[A-Za-z_][A-Za-z0-9_]*\+?=') || includes({reserved}, w)) {{
                            # core wrappers: a `NAME=value` assignment or a reserved word before the command
                            used = true
                        }}
                        if !used && ws_st == "prog" {{"#,
        shells = strings(SHELLS),
        reserved = strings(cadet_core::parts::analysis::RESERVED)
    ));
    program_name(o, "wn", "w");
    o.push(&format!(
        r#"                            if wn == "sudo" || wn == "doas" || wn == "env" {{
                                ws_wr = push(ws_wr, wn)
                                if wn == "env" {{ ws_st = "env" }} else {{ ws_st = "sudo" }}
                            }} else if includes(["nohup", "exec", "command", "time", "setsid", "chronic", "stdbuf", "nice", "ionice", "timeout"], wn) {{
                                ws_wr = push(ws_wr, wn)
                                ws_st = "nohup"
                                ws_tmo = wn == "timeout"
                            }} else if includes({shells}, wn) {{
                                ws_shell = wn
                                if wn == "busybox" {{ ws_st = "busybox" }} else {{ ws_st = "shopt" }}
                            }} else {{
                                ws_ti = j
                                ws_stop = true
                            }}
                        }}
                    }}
                }}
            }}
            it_w = it.w
            it_d = it.d
            if ws_script != null {{
                if it_d < 4 {{
                    pre = append(append(it_w, ws_wr), [ws_shell + " -c"])
                    an_next = push(an_next, {{"s": ws_script, "d": it_d + 1, "w": pre, "done": false}})
                }}"#,
        shells = strings(SHELLS)
    ));
    o.push(
        r#"            } else if ws_ti >= 0 {
                tw = string!(get!(it_a, [ws_ti]))"#,
    );
    program_name(o, "tn", "tw");
    o.push(&format!(
        r#"                if tn == "microk8s.kubectl" || tn == "kubectl1" {{ tn = "kubectl" }} else if tn == "docker.io" {{ tn = "docker" }} else if tn == "lxd.lxc" || tn == "incus" {{ tn = "lxc" }}
                if includes({tools}, tn) {{
                    an_next = push(an_next, {{"a": slice!(it_a, ws_ti + 1), "t": tn, "w": append(it_w, ws_wr), "done": true}})
                }}
            }}
        }}
    }}
    an_items = an_next
}}"#,
        tools = strings(TOOLS)
    ));
    if api {
        o.push(
            r#"if kind != "process" {
    # A control-plane or daemon record: no command line, one segment whose payload is the
    # command run in the container; each candidate (exec command, container command of a pod
    # spec, docker exec) is analysed and the one the core keeps is chosen below.
    for_each(array!(pl_cands)) -> |_i, pc| {
        pc_w = pc.w
        if is_string(pc.s) {
            pc_s = string!(pc.s)"#,
        );
        shell_split(o, "pc_w", "pc_s");
        o.push(
            r#"        }
        if length(array!(pc_w)) > 0 { an_items = push(an_items, {"a": [], "t": null, "w": [], "done": true, "pl": pc_w, "g": pc.g}) }
    }
}"#,
        );
    }
    o.push(
        r#"if length(an_items) == 0 { an_items = [{"a": [], "t": null, "w": [], "done": true}] }"#,
    );

    // Per command: the tool's arguments, then the payload.
    o.push("\n# One segment per command: the tool's own argument reading (core command.rs, one function per tool),");
    o.push("# then what runs inside the container (core payload.rs).");
    o.push("segs = []\nscript_tools = 0\nfor_each(an_items) -> |_si, item| {");
    o.push(
        r#"c_tool = item.t
c_wr = item.w
args = item.a
c_action = null
c_sub = null
c_res = []
c_alln = false
c_priv = false
c_caps = []
c_unconf = false
c_hns = []
c_dev = []
c_hm = []
c_ms = []
c_inter = false
c_image = null
c_target = null
c_inner = []
c_ep = null
c_remote = null
c_nst = null
c_nsns = []
c_chroot = null
c_urls = []
c_kapi = false
c_dapi = false
c_k8s = false
c_murl = null
c_euser = null
c_ev = []
if c_tool != null { script_tools = script_tools + 1 }
if c_tool == "docker" || c_tool == "podman" || c_tool == "nerdctl" {"#,
    );
    o.reset();
    docker(o);
    o.push("} else if c_tool == \"kubectl\" {");
    o.reset();
    kubectl(o);
    o.push("} else if c_tool == \"crictl\" {");
    o.reset();
    crictl(o);
    o.push("} else if c_tool == \"ctr\" {");
    o.reset();
    ctr(o);
    o.push("} else if c_tool == \"runc\" {");
    o.reset();
    runc(o);
    o.push("} else if c_tool == \"nsenter\" {");
    o.reset();
    nsenter(o);
    o.push("} else if c_tool == \"chroot\" {");
    o.reset();
    chroot(o);
    o.push("} else if c_tool == \"kubeletctl\" {");
    o.reset();
    kubeletctl(o);
    o.push("} else if c_tool == \"mount\" {");
    o.reset();
    mount_tool(o);
    o.push("} else if c_tool == \"lxc\" {");
    o.reset();
    lxc(o);
    o.push("} else if c_tool == \"curl\" || c_tool == \"wget\" {");
    o.reset();
    http_client(o);
    o.push("}");
    payload(o);
    o.push(
        r#"nz = [c_wr, c_res, c_caps, c_hns, c_dev, c_hm, c_ms, c_inner, c_nsns, c_urls, pl_args]
nz = map_values(nz) -> |l| { if length(l) == 0 { null } else { l } }
node_debug = false
for_each(c_ev) -> |_i, pe| { if pe[0] == "cmd.node_debug" { node_debug = true } }
pcl_v = null
if pl_cl != "" { pcl_v = pl_cl }
segs = push(segs, get!({
    "cmd.tool": c_tool, "cmd.wrappers": nz[0], "cmd.action": c_action, "cmd.subaction": c_sub,
    "cmd.resources": nz[1], "cmd.all_namespaces": c_alln, "cmd.privileged": c_priv, "cmd.cap_add": nz[2],
    "cmd.security_unconfined": c_unconf, "cmd.host_namespaces": nz[3], "cmd.devices": nz[4],
    "cmd.host_mounts": nz[5], "cmd.mount_sources": nz[6], "cmd.interactive": c_inter, "cmd.image": c_image,
    "cmd.target": c_target, "cmd.inner_args": nz[7], "cmd.entrypoint": c_ep, "cmd.remote": c_remote,
    "cmd.nsenter_target": c_nst, "cmd.nsenter_namespaces": nz[8], "cmd.chroot_dir": c_chroot, "cmd.urls": nz[9],
    "cmd.kubelet_api": c_kapi, "cmd.docker_api": c_dapi, "cmd.k8s_api": c_k8s, "cmd.manifest_url": c_murl,
    "cmd.exec_user": c_euser, "cmd.node_debug": node_debug,
    "payload.args": nz[10], "payload.command_line": pcl_v, "payload.shell": pl_shell,
    "payload.reverse_shell": pl_flags.reverse_shell, "payload.download": pl_download,
    "payload.sa_token": pl_flags.sa_token, "payload.cloud_metadata": pl_flags.cloud_metadata,
    "payload.sensitive_file": pl_flags.sensitive_file, "payload.miner": pl_flags.miner,
    "payload.host_escape": pl_flags.host_escape,
    "e": append(c_ev, pl_ev), "_g": item.g
}, []))
}
if kind != "process" && length(segs) > 1 {
    # core k8s_audit::facts / read_pod_spec: the exec command first; otherwise, of the first pod
    # spec with commands, the first container whose command ranks highest (reverse shell, miner
    # or host escape 3; download or credential read 2; shell 1).
    sel = 0
    sel_g = -1
    sel_r = 0
    for_each(segs) -> |si, sg| {
        sg_r = 0
        if sg."payload.reverse_shell" == true || sg."payload.miner" == true || sg."payload.host_escape" == true { sg_r = 3 } else if sg."payload.download" == true || sg."payload.sa_token" == true || sg."payload.cloud_metadata" == true || sg."payload.sensitive_file" == true { sg_r = 2 } else if sg."payload.shell" == true { sg_r = 1 }
        sg_g = sg._g
        if sel_g < 0 || sg_g < sel_g || (sg_g == sel_g && sg_r > sel_r) {
            sel = si
            sel_g = sg_g
            sel_r = sg_r
        }
    }
    segs = [get!(segs, [sel])]
}"#,
    );
}

/// `Payload::analyse` (core payload.rs) of the current command.
fn payload(o: &mut Out) {
    o.push("\n# core: Payload::analyse — what runs inside the container.");
    o.push(
        r#"pl_args = c_inner
if c_tool == null && p_cid != null { pl_args = p_argv }
if is_array(item.pl) { pl_args = array!(item.pl) }
pl_cl = ""
pl_shell = false
pl_download = false
pl_flags = {"reverse_shell": false, "sa_token": false, "cloud_metadata": false, "sensitive_file": false, "miner": false, "host_escape": false}
pl_ev = []
if length(pl_args) > 0 {
    pl_cl = join!(pl_args, " ")"#,
    );
    ascii_lower(o, "pl_low", "pl_cl");
    o.push("    pl_a0 = string!(pl_args[0])");
    program_name(o, "pl_p0", "pl_a0");
    o.push(&format!(
        "    if includes({}, pl_p0) {{\n        pl_shell = true\n        pl_ev = push(pl_ev, [\"payload.shell\", pl_a0])\n    }}",
        strings(PAYLOAD_SHELLS)
    ));
    shell_split(o, "pl_words", "pl_low");
    o.push("    for_each(pl_words) -> |_i, pw| {\n        pws = string!(pw)");
    program_name(o, "pwn", "pws");
    o.push(
        r#"        if !pl_download && (pwn == "curl" || pwn == "wget") {
            pl_download = true
            pl_ev = push(pl_ev, ["payload.download", pwn])
        }
    }
    # nsenter into PID 1 from inside the container: each command of the payload.
    pl_segs = []
    pl_cur = []
    for_each(pl_words) -> |_i, pw| {
        if includes([";", "|", "||", "&", "&&"], pw) { pl_segs = push(pl_segs, pl_cur); pl_cur = [] } else { pl_cur = push(pl_cur, pw) }
    }
    pl_segs = push(pl_segs, pl_cur)
    for_each(pl_segs) -> |_i, pseg| {
        pseg_a = pseg
        if length(pseg_a) > 0 {
            ps0 = string!(pseg_a[0])"#,
    );
    program_name(o, "ps0n", "ps0");
    o.push("            if ps0n == \"nsenter\" {\n                args = slice!(pseg_a, 1)\n                ps_t = null");
    cursor(o, |o| {
        o.push(&format!("if {} {{", is_option()));
        nsenter_options(o, "ps_t", "ps_tw", false);
        o.push("} else { pos = n }");
    });
    o.push(
        r#"                if ps_t == "1" {
                    pl_flags.host_escape = true
                    pl_ev = push(pl_ev, ["payload.host_escape", "nsenter -t 1"])
                }
            }
        }
    }"#,
    );
    // The core's own table (field name, lowercase substring), so VRL never drifts from it.
    for (field, pat) in cadet_core::parts::analysis::PATTERNS {
        let flag = field.strip_prefix("payload.").unwrap_or(field);
        o.push(&format!(
            "    if contains(pl_low, {p}) {{ pl_flags.{flag} = true; pl_ev = push(pl_ev, [{f}, {p}]) }}",
            f = string(field),
            p = string(pat)
        ));
    }
    o.push("}");
}
