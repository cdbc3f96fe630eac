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
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]

extern crate alloc;

mod analysis;
mod condition;
mod engine;
mod event;
mod fields;
mod pack;
mod prefilter;
mod program;
mod source;
pub mod text;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use cadet_core::{Pack, Profile};

use crate::engine::evaluate;
use crate::prefilter::prefilter;
use crate::program::{indent, Out};
use crate::text::{comment, string};

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
    // Each stage is a block: its own variables end with it (fewer variables in scope keep the
    // VRL compiler fast), what later stages read is declared before.
    let control_plane = reads_control_plane(p, &rules);
    source::declare(&mut o, control_plane);
    o.push("{");
    source::normalise(&mut o);
    if control_plane {
        source::control_plane::facts(&mut o);
    } else {
        o.push("\n# The profile's rules only hold for process records: a control-plane or daemon record");
        o.push("# (recognised above, so that no process reader takes it) cannot match; its facts are not read.");
        o.push("if kind != \"process\" { src = \"\" }");
    }
    o.push("}");
    o.push("if src != \"\" {");
    event::complete(&mut o);
    // Only the analysis blocks whose fields something reads (all of them for the probe, which
    // compares every field, and for a control-plane profile, whose payload candidates are
    // ranked by the payload facts).
    let needs = if probe || control_plane {
        analysis::Needs::ALL
    } else {
        analysis::Needs::of(engine::fields_read(pack, p, &rules))
    };
    analysis::analyse(&mut o, control_plane, needs);
    o.push("if text_pending && segs[0].\"cmd.tool\" == null { src = \"\" }");
    o.push("if src != \"\" && kind == \"process\" {");
    fields::process_event_fields(&mut o);
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
///
/// Mirrors core `condition::analysis::applicable_kinds`.
fn reads_control_plane(p: &Profile, rules: &[&cadet_core::Rule]) -> bool {
    let control_plane_kind = |c: &cadet_core::parts::condition::Condition| {
        match cadet_core::parts::condition::applicable_kinds(c) {
            Some(kinds) => kinds.iter().any(|k| *k != "process"),
            None => true,
        }
    };
    p.gate.as_ref().map(control_plane_kind).unwrap_or(true)
        && rules.iter().any(|r| control_plane_kind(&r.when))
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
