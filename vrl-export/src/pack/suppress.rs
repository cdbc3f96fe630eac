//! Suppressions (core `pack::suppress`): the first entry that applies lowers the severity.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use cadet_core::Pack;

use crate::program::Out;
use crate::text::wildcard::wildcard_regex;
use crate::text::{regex, string, strings};

/// The fields a suppression entry can read (event fields; the parent process through
/// `parents`, the rules through the hits).
pub(crate) const READS: &[&str] = &[
    "user.name",
    "user.groups",
    "k8s.namespace",
    "source.ip",
    "user_agent",
    "k8s.owner.workload",
    "k8s.pod.images",
    "process.parent.name",
    "process.parent.executable",
    "process.parent.command_line",
];

/// Mirrors core `pack::suppress::matches`.
pub(crate) fn suppressions(o: &mut Out, pack: &Pack) {
    if pack.suppressions.is_empty() {
        return;
    }
    o.push("    # Suppressions (core pack::suppress::matches): the first entry that applies lowers the severity one step.");
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
            let res: Vec<String> = pats
                .iter()
                .map(|p| regex(&wildcard_regex(p, '*', '?')))
                .collect();
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
        // the entry's value lists, each read from the variable set above, in the core's order
        for (var, pats) in [
            ("sup_user", &raw.user),
            ("sup_groups", &raw.group),
            ("sup_ns", &raw.namespace),
            ("sup_ua", &raw.user_agent),
            ("sup_parent", &raw.parent_process),
            ("sup_wl", &raw.owner),
        ] {
            if !pats.is_empty() {
                parts.push(any_of(var, pats));
            }
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
