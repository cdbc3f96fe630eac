//! Section 5, the rules and the verdict (core `engine`): one block per rule, combined,
//! thresholded, banded, suppressed and triaged as core `Engine::evaluate` does.

pub(crate) mod triage;

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::{Combine, Pack, Profile, Severity};

use crate::engine::triage::triage;
use crate::pack::suppress::suppressions;
use crate::program::Out;
use crate::text::{comment, string, strings};

pub(crate) fn all_sorted<'a>(items: impl Iterator<Item = &'a String>) -> Vec<String> {
    let set: BTreeSet<String> = items.cloned().collect();
    set.into_iter().collect()
}

/// The fields the verdict itself reads (stage, denial, owner), whatever the rules.
pub(crate) const VERDICT_READS: &[&str] = &[
    "k8s.stage",
    "k8s.denied",
    "k8s.owner.kind",
    "k8s.owner.name",
    "user.name",
];

/// Every field the profile's program reads: its gate, its rules, the pack's suppressions, the
/// triage criteria when the profile triages, and the verdict.
pub(crate) fn fields_read<'a>(
    pack: &'a Pack,
    p: &'a Profile,
    rules: &[&'a cadet_core::Rule],
) -> Vec<&'a str> {
    let mut read: Vec<&str> = Vec::new();
    if let Some(g) = &p.gate {
        read.extend(g.fields());
    }
    for r in rules {
        read.extend(r.when.fields());
    }
    if !pack.suppressions.is_empty() {
        read.extend(crate::pack::suppress::READS.iter().copied());
    }
    if p.triage {
        read.extend(triage::READS.iter().copied());
    }
    read.extend(VERDICT_READS.iter().copied());
    read
}

/// Mirrors core `engine::evaluate`.
pub(crate) fn evaluate(o: &mut Out, pack: &Pack, p: &Profile, rules: &[&cadet_core::Rule]) {
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
        if crate::condition::eval::uses_segments(gate) {
            o.push("s = segs[0]");
        }
        let (ok, _) = crate::condition::eval::cond(o, gate, "s");
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
        if crate::condition::eval::uses_segments(&r.when) {
            o.push("for_each(segs) -> |_si, s| {\nif !r_hit {");
            let (ok, ind) = crate::condition::eval::cond(o, &r.when, "s");
            match ind {
                Some(ind) => o.push(&format!(
                    "if {ok} {{ r_hit = true; r_ind = {ind} }}\n}}\n}}"
                )),
                None => o.push(&format!("r_hit = {ok}\n}}\n}}")),
            }
        } else {
            let (ok, ind) = crate::condition::eval::cond(o, &r.when, "s0");
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
