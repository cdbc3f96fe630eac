//! Section 1: the byte-level prefilter (core `prefilter`) as one regex over the encoded event.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cadet_core::Profile;

use crate::program::Out;
use crate::text::{regex, regex_escape};

/// Mirrors core `prefilter::may_match`.
pub(crate) fn prefilter(o: &mut Out, p: &Profile) {
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
                o.push("# those sources (core source::control_plane::MARKERS).");
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
