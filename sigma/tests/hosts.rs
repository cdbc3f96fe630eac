//! A converted Sigma pack runs in the hosts: Fluent Bit's filter (settings file naming the pack,
//! as plugin-fluentbit/README.md describes), and Vector (the VRL export run by the `vrl` crate,
//! the engine of Vector's `remap`), with the verdicts cadet-core gives natively.

mod common;

use cadet_plugin_fluentbit::filter::{Filter, Forced};

fn shared_pack() -> String {
    let inputs = common::sigma_inputs(&common::sigma_dir());
    cadet_sigma::convert(&inputs, &Default::default())
        .unwrap()
        .pack
}

const EXEC: &str = "core/fixtures/k8s_audit/apiserver.attack.jsonl";

#[test]
fn fluent_bit_filter_runs_the_converted_pack_from_its_settings_file() {
    let pack = shared_pack();
    let mut read = |path: &str| -> std::io::Result<Option<String>> {
        Ok(match path {
            "/etc/cadet/cadet.toml" => {
                Some("rules = \"/etc/cadet/sigma.toml\"\nmode = \"matches-only\"\n".into())
            }
            "/etc/cadet/sigma.toml" => Some(pack.clone()),
            _ => None,
        })
    };
    let (mut filter, status) = Filter::load(Forced::default(), &mut read);
    assert_eq!(status.error, None, "{status:?}");
    let mut native = common::Cadet::new(&pack);
    let text = std::fs::read_to_string(common::root().join(EXEC)).unwrap();
    let (mut kept, mut dropped) = (0, 0);
    for line in text.lines() {
        let want = native.matches(line);
        let out = filter.process(line.as_bytes()).to_vec();
        if out == b"\0" {
            assert!(want.is_empty(), "dropped a record cadet matches: {line}");
            dropped += 1;
            continue;
        }
        let json: serde_json::Value =
            serde_json::from_slice(out.strip_suffix(b"\0").unwrap_or(&out)).expect("JSON out");
        let got: std::collections::BTreeSet<String> = json["cadet"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{line}");
        assert!(got.iter().all(|id| id.starts_with("sigma.")));
        kept += 1;
    }
    println!(
        "Fluent Bit filter with the Sigma pack: {kept} records kept (matched), {dropped} dropped"
    );
    assert!(
        kept >= 10 && dropped >= 10,
        "kept {kept}, dropped {dropped}"
    );
}

#[test]
fn the_vrl_export_of_the_converted_pack_gives_the_native_verdict_under_vrl() {
    let pack = shared_pack();
    let source = cadet_vrl::export_text(Some(("sigma.toml", &pack)), "cadet", cadet_vrl::Mode::All)
        .unwrap_or_else(|e| panic!("export: {e}"));
    let (vrl, warnings) =
        cadet_vector_tests::Vrl::compile(&source).unwrap_or_else(|e| panic!("{e}"));
    // cadet-vrl writes `parents`/`steps` variables a pack without parent-process suppressions
    // or triage steps never reads: VRL warns (E900), Vector still runs the program.
    for w in &warnings {
        assert!(w.contains("E900"), "unexpected warning: {w}");
    }
    println!("VRL compile warnings: {}", warnings.len());
    // VRL keeps no state between events: it is the core with its set of scored requests off.
    let config = cadet_core::Config {
        rules: Some(pack.clone()),
        scored_requests: 0,
        ..Default::default()
    };
    let mut engine = cadet_core::Engine::new(&config).unwrap();
    let (mut compared, mut matched) = (0, 0);
    let mut differ = Vec::new();
    for rec in common::records() {
        let Some(event) = cadet_vector_tests::event_of(&rec.line) else {
            continue;
        };
        let want = cadet_vector_tests::native(&mut engine, &rec.line);
        let got = match vrl.run(event) {
            Ok(cadet_vector_tests::Outcome::Event(ev)) => {
                ev.get("cadet").cloned().unwrap_or_default()
            }
            other => serde_json::json!(format!("{other:?}")),
        };
        compared += 1;
        matched += usize::from(want["matched"] == true);
        if got != want {
            differ.push(format!("{}\n  native: {want}\n  vrl:    {got}", rec.origin));
        }
    }
    println!(
        "VRL (vrl crate) with the Sigma pack: {compared} records, {matched} matched, {} differ",
        differ.len()
    );
    assert!(matched >= 20, "only {matched} matched");
    assert!(
        differ.is_empty(),
        "{}",
        differ
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
