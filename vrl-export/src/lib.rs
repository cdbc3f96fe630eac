//! # cadet-vrl
//!
//! Compiles a cadet rule pack and profile into one self-contained VRL program for
//! Vector's `remap` transform. The program reads the event the way cadet-core reads a
//! record (source detection, normalisers, argument analysis, payload analysis), evaluates
//! the profile's rules (generated from the pack's condition trees, one commented block per
//! rule) and sets `.cadet` to the verdict cadet-core gives for the same record.
//!
//! ```
//! let pack = cadet_core::Pack::parse("<embedded>", cadet_core::DEFAULT_PACK).unwrap();
//! let vrl = cadet_vrl::export(&pack, "qradar-t1609", cadet_vrl::Mode::All).unwrap();
//! assert!(vrl.contains("qradar-t1609.privileged"));
//! ```
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod analysis;
mod api;
mod rules;
mod runtime;
pub mod text;

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use cadet_core::Severity;
use cadet_core::{Combine, Pack, Profile};

use runtime::Out;
use text::{comment, regex, regex_escape, string, strings};

/// What the program does with records that do not match: the core's [`cadet_core::OutputMode`]
/// (`all`: every event passes with `.cadet` set; `matches-only`: the others are aborted, use
/// `drop_on_abort: true` on the `remap`).
pub use cadet_core::OutputMode as Mode;

/// Why a pack cannot be exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportError(pub String);

impl core::fmt::Display for ExportError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses `rules` (TOML; the embedded default pack when `None`) and exports `profile`.
/// This is what `cadet export vrl [--profile P] [--rules FILE] [--mode M]` runs.
pub fn export_text(
    rules: Option<(&str, &str)>,
    profile: &str,
    mode: Mode,
) -> Result<String, ExportError> {
    let (name, text) = rules.unwrap_or(("<embedded>", cadet_core::DEFAULT_PACK));
    let pack = Pack::parse(name, text).map_err(|e| ExportError(e.to_string()))?;
    export(&pack, profile, mode)
}

/// Generates the VRL program for `profile` of `pack`.
pub fn export(pack: &Pack, profile: &str, mode: Mode) -> Result<String, ExportError> {
    generate(pack, profile, mode, false)
}

/// For tests: the program without its prefilter, leaving what it read next to the verdict in
/// `.cadet_probe` (`src`, `kind`, the event fields `evf`, the command segments `segs`), so that
/// every field can be compared with cadet-core's value, not only those a rule reads.
#[doc(hidden)]
pub fn export_probe(pack: &Pack, profile: &str) -> Result<String, ExportError> {
    generate(pack, profile, Mode::All, true)
}

fn generate(pack: &Pack, profile: &str, mode: Mode, probe: bool) -> Result<String, ExportError> {
    let Some(p) = pack.profile(profile) else {
        let known: Vec<&str> = pack.profiles.iter().map(|p| p.name.as_str()).collect();
        return Err(ExportError(format!(
            "unknown profile `{profile}` (known: {})",
            known.join(", ")
        )));
    };
    // A correlation counts records across the stream; a remap program sees one event and
    // keeps nothing between events, so exporting it would silently drop the correlation.
    if let Some(c) = pack.correlations_of(&p.name).next() {
        return Err(ExportError(format!(
            "profile `{}` has correlations (`{}`, ...): VRL keeps no state between events, so they cannot be exported (run them in the CLI, the component, Fluent Bit or Envoy, or remove them; Vector's `reduce` transform can count events)",
            p.name, c.id
        )));
    }
    let rules: Vec<&cadet_core::Rule> = pack.rules_of(&p.name).collect();
    let mut o = Out::new();
    header(&mut o, p, rules.len(), mode);
    o.push("rec = .\nsegs = []\nscript_tools = 0");
    o.push(&format!(
        "verdict = {{\"profile\": {}, \"matched\": false, \"score\": 0, \"severity\": \"none\", \"techniques\": [], \"rules\": [], \"flags\": {{\"privileged_container\": false, \"host_mount\": false, \"container_exec\": false, \"secrets_access\": false, \"escape\": false}}, \"indicators\": []}}",
        string(&p.name)
    ));
    if probe {
        o.push("pass = true");
    } else {
        prefilter(&mut o, p);
    }
    o.push("if pass {");
    // What the rules read, set inside the block below; the block's own variables end with it
    // (fewer variables in scope keep the VRL compiler fast on the long rules section).
    // Each stage is a block: its own variables end with it (fewer variables in scope keep the
    // VRL compiler fast), what later stages read is declared before.
    let api = reads_api(p, &rules);
    runtime::declare(&mut o, api);
    o.push("{");
    runtime::normalise(&mut o);
    if api {
        api::facts(&mut o);
    } else {
        o.push("\n# The profile's rules only hold for process records: a control-plane or daemon record");
        o.push("# (recognised above, so that no process reader takes it) cannot match; its facts are not read.");
        o.push("if kind != \"process\" { src = \"\" }");
    }
    o.push("}");
    o.push("if src != \"\" {");
    analysis::complete(&mut o);
    analysis::analyse(&mut o, api);
    o.push("if text_pending && segs[0].\"cmd.tool\" == null { src = \"\" }");
    o.push("if src != \"\" && kind == \"process\" {");
    event_fields(&mut o);
    o.push("}\n}\n}");
    o.push("if src != \"\" {");
    evaluate(&mut o, pack, p, &rules);
    o.push("}");
    if probe {
        o.push(".cadet_probe = {\"src\": src, \"kind\": kind, \"evf\": evf, \"segs\": segs}");
    }
    o.push("}");
    o.push("\n# ------------------------------------------------------------------ 6. output");
    o.push(".cadet = verdict");
    if mode == Mode::MatchesOnly {
        o.push("if verdict.matched != true {\n    abort\n}");
    }
    Ok(indent(&o.code))
}

/// True when a rule of the profile can hold for a control-plane or daemon record (core
/// `engine::applicable_kinds` of the gate and of each rule).
fn reads_api(p: &Profile, rules: &[&cadet_core::Rule]) -> bool {
    let api_kind = |c: &cadet_core::parts::condition::Condition| {
        match cadet_core::parts::condition::applicable_kinds(c) {
            Some(kinds) => kinds.iter().any(|k| *k != "process"),
            None => true,
        }
    };
    p.gate.as_ref().map(api_kind).unwrap_or(true) && rules.iter().any(|r| api_kind(&r.when))
}

fn header(o: &mut Out, p: &Profile, n_rules: usize, mode: Mode) {
    let mut h = String::new();
    h.push_str(&format!(
        "cadet {} — profile `{}` as a VRL program for Vector's `remap` transform.\n",
        env!("CARGO_PKG_VERSION"),
        p.name
    ));
    h.push_str(
        "Generated by `cadet export vrl` from the rule pack; do not edit by hand, regenerate.\n\n",
    );
    h.push_str(&format!("{}\n\n", p.description));
    h.push_str(&format!(
        "Rules: {n_rules}, combined by {:?}, threshold {}.\n",
        p.combine, p.threshold
    ));
    match mode {
        Mode::All => h.push_str("Mode: all — every event passes with `.cadet` set to the verdict.\n"),
        Mode::MatchesOnly => h.push_str(
            "Mode: matches-only — events that do not match are aborted; set `drop_on_abort: true`\n(and `reroute_dropped: false`) on the remap transform so they are dropped.\n",
        ),
    }
    h.push_str(
        "\nThe verdict equals cadet-core's for the same record (proven by the cadet-vector-tests\n\
         parity test on every fixture, process and control-plane sources alike: Kubernetes audit\n\
         and its EKS/GKE/AKS/Azure wrappers, docker daemon, kubelet). Not expressible in VRL, hence\n\
         not done here:\n\
         - the optional first-seen detector state (`context`, score boost, the first-seen and spike\n\
         \x20 triage hints): VRL keeps no state between events (the state is off by default in cadet\n\
         \x20 too);\n\
         - the set of scored requests: every stage of a long-running request (exec, attach,\n\
         \x20 port-forward, proxy, watch) is scored, as cadet does with `scored_requests = 0`; the\n\
         \x20 verdict names its `stage`, so deduplicate downstream on `.auditID` (vector-config/README.md);\n\
         - records Vector's `json` codec rejects (malformed JSON) never reach the transform,\n\
         \x20 whereas cadet passes them with `cadet.error`.\n\
         Decoded by Vector, not by cadet: a key written twice in one JSON object keeps its last\n\
         value (cadet reads the first), and object members come in key order, so the lists\n\
         `k8s.object.labels` / `k8s.object.annotations` are in key order (cadet: record order;\n\
         conditions hold for any element, so only a regex capture from one of them could differ).\n\
         \nSections: 1 prefilter, 2 normalise (2a control-plane and daemon records recognised, the\n\
         process sources, text lines, 2c and 2d control-plane and daemon facts and event fields),\n\
         3 argument analysis, 4 event fields, 5 rules and verdict, 6 output.\n",
    );
    o.push(&comment(&h, ""));
}

fn prefilter(o: &mut Out, p: &Profile) {
    o.push("\n# ------------------------------------------------------------------ 1. prefilter");
    match &p.prefilter {
        Some(words) => {
            o.push("# core: prefilter — a record with none of the profile's keywords (ASCII case-insensitive)");
            o.push("# cannot match; Vector has already decoded JSON escapes, so the encoded event is searched.");
            let alts = |list: &mut dyn Iterator<Item = &str>| -> String {
                let words: Vec<String> = list
                    .map(|w| regex_escape(&w.to_ascii_lowercase()))
                    .collect();
                regex(&format!("(?i-u){}", words.join("|")))
            };
            o.push(&format!(
                "pf_text = \" \" + encode_json(rec)\npass = match(pf_text, {})",
                alts(&mut words.iter().map(String::as_str))
            ));
            if !p.prefilter_control_plane.is_empty() {
                o.push("# The keywords of the control-plane and daemon rules count only in a record with a marker of");
                o.push("# those sources (core source/api.rs MARKERS).");
                o.push(&format!(
                    "if !pass && match(pf_text, {}) {{ pass = match(pf_text, {}) }}",
                    alts(&mut cadet_core::parts::source::MARKERS.iter().copied()),
                    alts(&mut p.prefilter_control_plane.iter().map(String::as_str))
                ));
            }
        }
        None => o.push("pass = true"),
    }
}

/// The event-level fields rules read (process, event, user), as `evf."name"`.
fn event_fields(o: &mut Out) {
    o.push(
        "\n# ------------------------------------------------------------------ 4. event fields",
    );
    o.push(
        "# core: fields.rs — the values rule conditions read; per-command fields are in `segs`.",
    );
    o.push(
        r#"evf = get!({
    "event.kind": "process", "event.source": src, "user.name": p_user,
    "process.executable": p_exe, "process.name": p_name, "process.command_line": p_cl,
    "process.pid": p_pid, "process.parent.name": p_pname, "process.parent.executable": p_pexe,
    "process.parent.command_line": p_pcl, "host.name": p_host, "container.id": p_cid,
    "cmd.script_tools": script_tools
}, [])
if length(p_argv) > 0 { evf = set!(evf, ["process.args"], p_argv) }
parents = filter([p_pname, p_pexe, p_pcl]) -> |_i, x| { x != null }"#,
    );
}

fn all_sorted<'a>(items: impl Iterator<Item = &'a String>) -> Vec<String> {
    let set: BTreeSet<String> = items.cloned().collect();
    set.into_iter().collect()
}

fn evaluate(o: &mut Out, pack: &Pack, p: &Profile, rules: &[&cadet_core::Rule]) {
    o.push("\n# ------------------------------------------------------------------ 5. rules and verdict");
    let triage_on = p.triage;
    o.push(
        "hits = get!([], [])\nscore = 0\ninds = get!([], [])\nflags = {}\ntechs = {}\ngate = true",
    );
    if triage_on {
        o.push("steps = {}");
    }
    if let Some(gate) = &p.gate {
        o.push(&comment(
            &format!(
                "Profile gate (where):\n{}",
                p.gate_text.as_deref().unwrap_or("").trim()
            ),
            "",
        ));
        o.push("s = segs[0]");
        let (ok, _) = rules::cond(o, gate, "s");
        o.push(&format!("gate = {ok}"));
    }
    o.push("if gate {");
    for (i, r) in rules.iter().enumerate() {
        o.reset();
        let mut c = format!("rule {} — {} (score {})", r.id, r.title, r.score);
        c.push_str(&format!("\nwhen: {}", r.when_text.trim()));
        o.push(&format!("\n{}", comment(&c, "")));
        let guard = p.combine == Combine::First && i > 0;
        if guard {
            o.push("if length!(hits) == 0 {");
        }
        // core Engine::evaluate skips a rule that cannot hold for the record's kind.
        let kinds = cadet_core::parts::condition::applicable_kinds(&r.when);
        if let Some(k) = &kinds {
            o.push(&format!("if includes({}, kind) {{", strings(k)));
        }
        o.push("{\nr_hit = false\nr_ind = []");
        if rules::uses_segments(&r.when) {
            o.push("for_each(segs) -> |_si, s| {\nif !r_hit {");
            let (ok, ind) = rules::cond(o, &r.when, "s");
            match ind {
                Some(ind) => o.push(&format!(
                    "if {ok} {{ r_hit = true; r_ind = {ind} }}\n}}\n}}"
                )),
                None => o.push(&format!("r_hit = {ok}\n}}\n}}")),
            }
        } else {
            let (ok, ind) = rules::cond(o, &r.when, "s0");
            match ind {
                Some(ind) => o.push(&format!("if {ok} {{ r_hit = true; r_ind = {ind} }}")),
                None => o.push(&format!("r_hit = {ok}")),
            }
        }
        o.push(&format!(
            "if r_hit {{\n    hits = get!(push!(hits, {{\"id\": {}, \"title\": {}, \"score\": {}}}), [])\n    inds = get!(append!(inds, r_ind), [])",
            string(&r.id),
            string(&r.title),
            r.score
        ));
        match p.combine {
            Combine::Sum => o.push(&format!("    score = score + {}", r.score)),
            _ => o.push(&format!(
                "    if {} > score {{ score = {} }}",
                r.score, r.score
            )),
        }
        for f in &r.flags {
            o.push(&format!("    flags = set!(flags, [{}], true)", string(f)));
        }
        for t in &r.techniques {
            o.push(&format!("    techs = set!(techs, [{}], true)", string(t)));
        }
        for s in r.steps.iter().filter(|_| triage_on) {
            o.push(&format!("    steps = set!(steps, [{}], true)", string(s)));
        }
        o.push("}\n}");
        if kinds.is_some() {
            o.push("}");
        }
        if guard {
            o.push("}");
        }
    }
    o.push("}");
    if p.combine != Combine::Sum {
        o.push("if score > 100 { score = 100 }");
    }
    o.push(&format!(
        "if length!(hits) > 0 && score >= {} && score != 0 {{",
        p.threshold
    ));
    // techniques sorted and unique: the pack's technique ids in order, those hit kept.
    let all_techs = all_sorted(rules.iter().flat_map(|r| r.techniques.iter()));
    o.push("    tl = []");
    for t in &all_techs {
        o.push(&format!(
            "    if (get(techs, [{t}]) ?? false) == true {{ tl = push(tl, {t}) }}",
            t = string(t)
        ));
    }
    o.push("    fl = {}");
    for f in cadet_core::Flags::NAMES {
        o.push(&format!(
            "    fl = set!(fl, [{f}], (get(flags, [{f}]) ?? false) == true)",
            f = string(f)
        ));
    }
    // severity
    match p.fixed_severity {
        Some(s) => o.push(&format!("    sev = {}", string(s.as_str()))),
        None => {
            let b = &p.bands;
            o.push(&format!(
                "    sev = \"none\"\n    if score >= {} {{ sev = \"critical\" }} else if score >= {} {{ sev = \"high\" }} else if score >= {} {{ sev = \"medium\" }} else if score >= {} && score > 0 {{ sev = \"low\" }}",
                b.critical, b.high, b.medium, b.low
            ));
        }
    }
    o.push("    verdict = {\"profile\": verdict.profile, \"matched\": true, \"score\": score, \"severity\": sev, \"techniques\": tl, \"rules\": hits, \"flags\": fl, \"indicators\": unique!(inds), \"source\": src}");
    // core Engine::evaluate: the audit stage of the record scored and its denial. VRL keeps no
    // state between events, so this is the core with its set of scored requests off
    // (`scored_requests = 0`): every stage of a long-running request is scored, and names its
    // stage for a downstream deduplication by `auditID`.
    o.push("    if evf.\"k8s.stage\" != null { verdict.stage = evf.\"k8s.stage\" }\n    if evf.\"k8s.denied\" == true { verdict.denied = true }");
    // core Event::owner: the controller a pod belongs to, and who created it.
    o.push(
        r#"    if evf."k8s.owner.kind" != null && evf."k8s.owner.name" != null {
        verdict.owner = {"kind": evf."k8s.owner.kind", "name": evf."k8s.owner.name"}
        if evf."user.name" != null { verdict.owner.created_by = evf."user.name" }
    }"#,
    );
    suppressions(o, pack);
    if p.triage {
        triage(o, rules);
    }
    o.push("}");
    let _ = Severity::None;
}

fn suppressions(o: &mut Out, pack: &Pack) {
    if pack.suppressions.is_empty() {
        return;
    }
    o.push("    # Suppressions (core suppress.rs): the first entry that applies lowers the severity one step.");
    o.push("    sup = null");
    let used = |f: fn(&cadet_core::parts::pack::RawSuppression) -> bool| {
        pack.suppressions.iter().any(|s| f(&s.raw))
    };
    if used(|r| !r.rules.is_empty()) {
        o.push("    hit_ids = map_values(array!(hits)) -> |h| { h.id }");
    }
    for (var, field, on) in [
        ("sup_user", "user.name", used(|r| !r.user.is_empty())),
        ("sup_groups", "user.groups", used(|r| !r.group.is_empty())),
        ("sup_ns", "k8s.namespace", used(|r| !r.namespace.is_empty())),
        ("sup_ips", "source.ip", used(|r| !r.source_ip.is_empty())),
        ("sup_ua", "user_agent", used(|r| !r.user_agent.is_empty())),
        (
            "sup_wl",
            "k8s.owner.workload",
            used(|r| !r.owner.is_empty()),
        ),
        ("sup_imgs", "k8s.pod.images", used(|r| !r.image.is_empty())),
    ] {
        if on {
            o.push(&format!(
                "    {var} = evf.{f}\n    if {var} == null {{ {var} = [] }} else if !is_array({var}) {{ {var} = [{var}] }}",
                f = string(field)
            ));
        }
    }
    if used(|r| !r.parent_process.is_empty()) {
        o.push("    sup_parent = parents");
    }
    if used(|r| !r.image.is_empty()) {
        // core PodFacts::image_repository: no digest, no tag (the last `:` with no `/` after
        // it), lower case, without Docker Hub's `docker.io/`, `index.docker.io/`, `library/`.
        o.push(
            r#"    sup_repos = map_values(filter(array!(sup_imgs)) -> |_i, x| { is_string(x) }) -> |x| {
        r = strip_whitespace(string!(x))
        r = string!(split(r, "@", limit: 2)[0])
        r = downcase(replace(r, r':[^/:]*$', ""))
        if starts_with(r, "docker.io/") { r = slice!(r, 10) }
        if starts_with(r, "index.docker.io/") { r = slice!(r, 16) }
        if starts_with(r, "library/") { r = slice!(r, 8) }
        r
    }"#,
        );
    }
    let _ = strings::<&str>(&[]);
    for s in &pack.suppressions {
        let raw = &s.raw;
        let mut parts: Vec<String> = Vec::new();
        let globs = |pats: &[String]| -> String {
            let res: Vec<String> = pats.iter().map(|p| regex(&crate_glob(p))).collect();
            let tests: Vec<String> = res
                .iter()
                .map(|r| format!("match(downcase!(x), {r})"))
                .collect();
            tests.join(" || ")
        };
        let any_of = |vals: &str, pats: &[String]| -> String {
            let arr = if matches!(vals, "hit_ids" | "sup_parent") {
                String::from(vals)
            } else {
                format!("array!({vals})")
            };
            format!(
                "length(filter({arr}) -> |_i, x| {{ is_string(x) && ({}) }}) > 0",
                globs(pats)
            )
        };
        if !raw.rules.is_empty() {
            // core: every matched rule must be among the entry's rules.
            parts.push(format!(
                "length(filter(hit_ids) -> |_i, x| {{ !(is_string(x) && ({})) }}) == 0",
                globs(&raw.rules)
            ));
        }
        if !raw.user.is_empty() {
            parts.push(any_of("sup_user", &raw.user));
        }
        if !raw.group.is_empty() {
            parts.push(any_of("sup_groups", &raw.group));
        }
        if !raw.namespace.is_empty() {
            parts.push(any_of("sup_ns", &raw.namespace));
        }
        if !raw.user_agent.is_empty() {
            parts.push(any_of("sup_ua", &raw.user_agent));
        }
        if !raw.parent_process.is_empty() {
            parts.push(any_of("sup_parent", &raw.parent_process));
        }
        if !raw.owner.is_empty() {
            parts.push(any_of("sup_wl", &raw.owner));
        }
        if !raw.image.is_empty() {
            // core: every image's repository matches one pattern (patterns read as repositories).
            let pats: Vec<String> = raw
                .image
                .iter()
                .map(|p| cadet_core::parts::event::PodFacts::image_repository(p))
                .collect();
            parts.push(format!(
                "length(sup_repos) > 0 && length(filter(sup_repos) -> |_i, x| {{ !({}) }}) == 0",
                globs(&pats)
            ));
        }
        if !raw.source_ip.is_empty() {
            let nets: Vec<String> = raw
                .source_ip
                .iter()
                .map(|n| {
                    if n.contains('/') {
                        n.trim().to_string()
                    } else if n.contains(':') {
                        format!("{}/128", n.trim())
                    } else {
                        format!("{}/32", n.trim())
                    }
                })
                .collect();
            let tests: Vec<String> = nets
                .iter()
                .map(|n| format!("(ip_cidr_contains({}, x) ?? false)", string(n)))
                .collect();
            parts.push(format!(
                "length(filter(array!(sup_ips)) -> |_i, x| {{ is_string(x) && ({}) }}) > 0",
                tests.join(" || ")
            ));
        }
        o.push(&format!(
            "    # suppress `{}`: {}",
            s.name,
            raw.reason.replace('\n', " ")
        ));
        o.push(&format!(
            "    if sup == null && {} {{ sup = {} }}",
            parts.join(" && "),
            string(&s.name)
        ));
    }
    o.push(
        r#"    if sup != null {
        verdict.suppressed_by = sup
        if sev == "critical" { verdict.severity = "high" } else if sev == "high" { verdict.severity = "medium" } else if sev == "medium" { verdict.severity = "low" } else { verdict.severity = "none" }
    }"#,
    );
}

fn crate_glob(p: &str) -> String {
    let mut re = String::from("(?s)^");
    for c in p.to_lowercase().chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex_escape(&c.to_string())),
        }
    }
    re.push('$');
    re
}

fn triage(o: &mut Out, rules: &[&cadet_core::Rule]) {
    o.push("    # Triage (core triage.rs): escalation criteria of the analyst card, the rules' response steps.");
    o.push(
        r#"    esc = []
    s0p = segs[0]
    t_user = evf."user.name"
    t_kind = evf."event.kind"
    if t_user == "system:anonymous" || t_user == "system:unauthenticated" || (t_kind == "k8s_audit" && t_user == null) { esc = push(esc, "unknown_account") }
    if s0p."payload.reverse_shell" == true || s0p."payload.miner" == true || s0p."payload.sa_token" == true || s0p."payload.cloud_metadata" == true || s0p."payload.sensitive_file" == true || s0p."payload.host_escape" == true || (s0p."payload.download" == true && t_kind != "process") { esc = push(esc, "malicious_command") }
    t_kubelet = t_kind == "kubelet" || s0p."cmd.kubelet_api" == true || (evf."k8s.nodes_proxy") == true
    t_pod = (evf."k8s.pod_token") == true && (evf."user_agent") != null
    if s0p."cmd.remote" != null || t_kubelet || t_pod { esc = push(esc, "lateral_movement") }
    t_denied = (evf."k8s.denied") == true
    t_admin = (evf."k8s.role_ref") == "cluster-admin"
    if fl.privileged_container == true || fl.host_mount == true || fl.escape == true || t_admin || t_denied { esc = push(esc, "privilege_escalation") }
    sl = []"#,
    );
    for s in all_sorted(rules.iter().flat_map(|r| r.steps.iter())) {
        o.push(&format!(
            "    if (get(steps, [{s}]) ?? false) == true {{ sl = push(sl, {s}) }}",
            s = string(&s)
        ));
    }
    o.push("    if length(esc) > 0 || length(sl) > 0 { verdict.triage = {\"escalate\": esc, \"steps\": sl} }");
}

/// Re-indents the generated code by brace depth (2 spaces per level).
fn indent(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 4);
    let mut depth: usize = 0;
    for raw in code.lines() {
        let line = raw.trim();
        if line.is_empty() {
            out.push('\n');
            continue;
        }
        let (opens, closes, leading_close) = braces(line);
        let d = if leading_close {
            depth.saturating_sub(1)
        } else {
            depth
        };
        for _ in 0..d {
            out.push_str("  ");
        }
        out.push_str(line);
        out.push('\n');
        depth = (depth + opens).saturating_sub(closes);
    }
    out
}

/// Counts `{` and `}` outside string and regex literals and comments; says whether the line starts with `}`.
fn braces(line: &str) -> (usize, usize, bool) {
    let (mut opens, mut closes) = (0, 0);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '#' => break,
            '"' | '\'' => quote = Some(c),
            '{' => opens += 1,
            '}' => closes += 1,
            _ => {}
        }
    }
    (opens, closes, line.starts_with('}'))
}
