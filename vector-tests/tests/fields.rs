//! Every field cadet-core reads from a record (all of `cadet fields`, per command segment, with
//! the evidence behind it) equals what the generated VRL program reads, on every record of the
//! parity corpus and of the edge cases in `vector-tests/cases/` — not only the fields today's
//! rules happen to test.
//!
//! One difference is by construction: `k8s.object.labels` and `k8s.object.annotations` list an
//! object's members, which cadet-core reads in record order and Vector in key order (its events
//! keep object keys sorted; the decoded event no longer has the record's order). The lists are
//! compared as sets here; conditions hold for any element, so verdicts differ only where a
//! regular-expression condition on one of these lists captures from several matching entries.

/// Fields whose element order follows the record's object keys (sorted in Vector).
const KEY_ORDER_FIELDS: &[&str] = &["k8s.object.labels", "k8s.object.annotations"];

/// Sorts the [`KEY_ORDER_FIELDS`] of every segment.
fn sort_key_order_fields(v: &mut serde_json::Value) {
    for seg in v["segments"].as_array_mut().into_iter().flatten() {
        for f in KEY_ORDER_FIELDS {
            if let Some(list) = seg[*f].as_array_mut() {
                list.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
        }
    }
}

use cadet_vector_tests::{corpus, event_of, native_fields, vrl_fields, Outcome, Vrl};

#[test]
fn every_field_of_every_record_is_read_as_the_core_reads_it() {
    let pack = cadet_core::Pack::parse("<embedded>", cadet_core::DEFAULT_PACK).expect("pack");
    let source = cadet_vrl::export_probe(&pack, "cadet").expect("export");
    let (vrl, warnings) = Vrl::compile(&source)
        .unwrap_or_else(|e| panic!("the probe program does not compile:\n{e}"));
    assert!(warnings.is_empty(), "warnings:\n{}", warnings.join("\n"));
    let (mut compared, mut read, mut api, mut reordered) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for r in corpus() {
        let Some(event) = event_of(&r.line) else {
            continue;
        };
        let mut want = native_fields(&r.line);
        let mut got = match vrl.run(event) {
            Ok(Outcome::Event(ev)) => vrl_fields(&ev["cadet_probe"]),
            other => panic!("{}: {other:?}", r.origin),
        };
        let as_read = got == want;
        want.as_mut().map(sort_key_order_fields);
        got.as_mut().map(sort_key_order_fields);
        if !as_read && got == want {
            reordered += 1;
        }
        compared += 1;
        if let Some(w) = &want {
            read += 1;
            if w["kind"] != "process" {
                api += 1;
            }
        }
        if got != want {
            let diff = match (&want, &got) {
                (Some(w), Some(g)) => field_diff(w, g),
                _ => format!("native {want:?}\n  vrl    {got:?}"),
            };
            failures.push(format!("{}\n  line: {}\n  {diff}", r.origin, r.line));
        }
    }
    println!(
        "fields: compared {compared} records, {read} read by a normaliser ({api} control-plane/daemon), {} differ; labels/annotations in another order than the record's: {reordered}",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} records read differently:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The fields and evidence that differ.
fn field_diff(w: &serde_json::Value, g: &serde_json::Value) -> String {
    let mut out = Vec::new();
    for k in ["src", "kind"] {
        if w[k] != g[k] {
            out.push(format!("{k}: native {} vrl {}", w[k], g[k]));
        }
    }
    let (ws, gs) = (
        w["segments"].as_array().cloned().unwrap_or_default(),
        g["segments"].as_array().cloned().unwrap_or_default(),
    );
    if ws.len() != gs.len() {
        out.push(format!("segments: native {} vrl {}", ws.len(), gs.len()));
    }
    for (i, (a, b)) in ws.iter().zip(&gs).enumerate() {
        for (k, v) in a.as_object().into_iter().flatten() {
            if b[k] != *v {
                out.push(format!("segment {i} {k}: native {v} vrl {}", b[k]));
            }
        }
    }
    for (i, (a, b)) in w["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(g["evidence"].as_array().into_iter().flatten())
        .enumerate()
    {
        if a != b {
            out.push(format!("segment {i} evidence: native {a} vrl {b}"));
        }
    }
    out.join("\n  ")
}
