//! Every Sigma rule in ../shared/data/sigma converts, or is refused with a stated reason; the
//! converted pack loads into cadet.

mod common;

#[test]
fn every_shared_rule_converts_or_is_refused_with_its_reason() {
    let inputs = common::sigma_inputs(&common::sigma_dir());
    assert_eq!(inputs.len(), 34, "the shared folder holds 34 Sigma rules");
    let out = cadet_sigma::convert(&inputs, &cadet_sigma::Options::default()).unwrap();
    let mut refused: Vec<(String, &str, String)> = out
        .refused
        .iter()
        .map(|r| {
            let file = r.file.rsplit('/').next().unwrap_or(&r.file).to_string();
            (file, r.feature.name(), r.feature.to_string())
        })
        .collect();
    refused.sort();
    for r in &out.refused {
        println!("refused: {r}");
    }
    let brief: Vec<(&str, &str)> = refused.iter().map(|(f, n, _)| (f.as_str(), *n)).collect();
    assert_eq!(
        brief,
        [
            (
                "gcp_breakglass_container_workload_deployed.yml",
                "unmapped-field"
            ),
            (
                "kubernetes_audit_rbac_permisions_listing.yml",
                "unmapped-field"
            ),
            ("kubernetes_audit_sidecar_injection.yml", "unmapped-field"),
        ]
    );
    assert!(refused[0].2.contains("data.protoPayload.resource.type"));
    assert!(refused[1].2.contains("`apiGroup`") && refused[1].2.contains("objectRef.apiGroup"));
    assert_eq!(out.rules.len(), 31);
    println!(
        "{} rules: {} converted, {} refused",
        inputs.len(),
        out.rules.len(),
        out.refused.len()
    );
    let mut by_pipeline = std::collections::BTreeMap::<&str, usize>::new();
    for r in &out.rules {
        *by_pipeline.entry(r.pipeline.as_str()).or_default() += 1;
    }
    println!("by pipeline: {by_pipeline:?}");
    assert_eq!(by_pipeline["kubernetes-audit"], 14);
    assert_eq!(by_pipeline["azure-activity"], 10);
    assert_eq!(by_pipeline["gke-audit"], 4);
    assert_eq!(by_pipeline["linux-process-creation"], 3);
    // Level and tags carry over.
    let exec = out
        .rules
        .iter()
        .find(|r| {
            r.title == "Kubernetes Pod Exec Into Container"
                || r.when.contains("k8s.subresource ieq \"exec\"")
        })
        .expect("the exec rule");
    assert_eq!(exec.score, 50);
    assert_eq!(exec.techniques, ["T1609"]);
    // The pack loads, with one cadet rule per converted Sigma rule.
    let engine = cadet_core::Engine::new(&cadet_core::Config {
        rules: Some(out.pack.clone()),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(engine.rules().len(), 31);
}

#[test]
fn a_rule_for_an_uncovered_log_source_is_refused_clearly() {
    let yaml = "title: Registry run key\nid: 11111111-2222-3333-4444-555555555555\nlogsource:\n  category: registry_set\n  product: windows\ndetection:\n  sel:\n    TargetObject|contains: '\\\\Run\\\\'\n  condition: sel\nlevel: high\n";
    let out = cadet_sigma::convert(
        &[cadet_sigma::Input {
            name: "reg.yml".into(),
            text: yaml.into(),
        }],
        &Default::default(),
    )
    .unwrap();
    assert!(out.rules.is_empty());
    let msg = out.refused[0].to_string();
    assert_eq!(out.refused[0].feature.name(), "uncovered-logsource");
    assert!(
        msg.contains("Registry run key") && msg.contains("category: registry_set"),
        "{msg}"
    );
}

#[test]
fn a_forced_pipeline_must_cover_the_rule() {
    let inputs = common::sigma_inputs(&common::sigma_dir().join("linux_process_creation"));
    let opts = cadet_sigma::Options {
        pipeline: Some("kubernetes-audit".into()),
    };
    let out = cadet_sigma::convert(&inputs, &opts).unwrap();
    assert_eq!(out.refused.len(), 3);
    assert!(out
        .refused
        .iter()
        .all(|r| r.feature.name() == "uncovered-logsource"));
    let bad = cadet_sigma::Options {
        pipeline: Some("nope".into()),
    };
    let err = cadet_sigma::convert(&inputs, &bad).unwrap_err().to_string();
    assert!(
        err.contains("unknown pipeline `nope`") && err.contains("kubernetes-audit"),
        "{err}"
    );
}
