//! Differential test: the converted pack in cadet against rsigma-eval (the independent oracle)
//! on every fixture record and the shared logs, rule by rule. Prints the agreement count and
//! every disagreement with its class; fails on any disagreement it cannot explain.

mod common;

use std::collections::BTreeMap;

use serde_json::Value;

/// Why cadet and the oracle may differ on a record, when they do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// The audit event is a non-final stage (RequestReceived, ResponseStarted) or a GKE
    /// long-running call's first entry: cadet scores a short request at its end and a
    /// long-running one (exec, attach, port-forward, watch) once, at its first response stage.
    NonFinalStage,
    /// The record has no Sigma-taxonomy view (raw text, auditd, Splunk CIM, macOS ESF, 4688
    /// flat exports): only cadet's normalisers read it.
    NoSigmaView,
    /// The oracle matched a record outside the rule's log source (rsigma evaluates every rule
    /// on every record; cadet applies the pipeline's guard, e.g. a Linux rule on a Windows
    /// 4688 export).
    OutsideLogSource,
    /// The audit event has no `objectRef`, only a `requestURI`: cadet reads the resource,
    /// namespace and subresource from the URI (as the API server does); Sigma's fields name
    /// `objectRef` only.
    ObjectRefFromUri,
    /// Anything else: a conversion bug.
    Unexplained,
}

fn classify(line: &str, cadet: bool, oracle: bool, in_source: bool) -> Class {
    if oracle && !cadet && !in_source {
        return Class::OutsideLogSource;
    }
    let views = common::views(line);
    let non_final = views.iter().any(|v| {
        matches!(
            v.get("stage").and_then(Value::as_str),
            Some("RequestReceived" | "ResponseStarted")
        ) || (v.pointer("/operation/first") == Some(&Value::Bool(true))
            && v.pointer("/operation/last") != Some(&Value::Bool(true)))
    });
    if oracle && !cadet && non_final {
        return Class::NonFinalStage;
    }
    let sigma_named = views.iter().any(|v| {
        [
            "Image",
            "CommandLine",
            "verb",
            "operationName",
            "gcp.audit.method_name",
        ]
        .iter()
        .any(|k| v.get(*k).is_some())
    });
    if cadet && !oracle && !sigma_named {
        return Class::NoSigmaView;
    }
    let uri_only = views
        .iter()
        .any(|v| v.get("objectRef").is_none() && v.get("requestURI").is_some_and(Value::is_string));
    if cadet && !oracle && uri_only {
        return Class::ObjectRefFromUri;
    }
    Class::Unexplained
}

struct Outcome {
    pairs: usize,
    agree: usize,
    both: usize,
    by_class: BTreeMap<Class, usize>,
    /// Records both engines match, per rule title.
    both_by_rule: BTreeMap<String, usize>,
    unexplained: Vec<String>,
}

fn run(inputs: &[cadet_sigma::Input]) -> Outcome {
    let out = cadet_sigma::convert(inputs, &Default::default()).unwrap();
    let yaml: Vec<String> = inputs.iter().map(|i| i.text.clone()).collect();
    let oracle = common::Oracle::new(&yaml);
    let mut cadet = common::Cadet::new(&out.pack);
    // One rule per pipeline whose condition is the pipeline's guard: is a record in its source?
    let mut guards =
        String::from("[[profile]]\nname = \"cadet\"\ncombine = \"max\"\nthreshold = 1\n");
    for p in cadet_sigma::pipeline::builtin().unwrap() {
        guards.push_str(&format!(
            "[[rule]]\nid = \"guard.{}\"\ntitle = \"guard\"\nscore = 1\nwhen = '''{}'''\n",
            p.name, p.guard
        ));
    }
    let mut guard = common::Cadet::new(&guards);
    let mut o = Outcome {
        pairs: 0,
        agree: 0,
        both: 0,
        by_class: BTreeMap::new(),
        both_by_rule: out.rules.iter().map(|r| (r.title.clone(), 0)).collect(),
        unexplained: Vec::new(),
    };
    let records = common::records();
    println!("{} records, {} rules", records.len(), out.rules.len());
    for rec in records {
        let c = cadet.matches(&rec.line);
        let s = oracle.matches(&rec.line);
        let g = guard.matches(&rec.line);
        for r in &out.rules {
            let key = r.sigma_id.clone().unwrap_or_else(|| r.title.clone());
            let (cm, sm) = (c.contains(&r.id), s.contains(&key));
            o.pairs += 1;
            if cm == sm {
                o.agree += 1;
                o.both += usize::from(cm);
                if cm {
                    *o.both_by_rule.entry(r.title.clone()).or_default() += 1;
                }
                continue;
            }
            let in_source = g.contains(&format!("guard.{}", r.pipeline));
            let class = classify(&rec.line, cm, sm, in_source);
            *o.by_class.entry(class).or_default() += 1;
            let what = format!(
                "{} {:?}: {} (cadet {cm}, rsigma {sm})",
                rec.origin, class, r.title
            );
            println!("disagree: {what}");
            if class == Class::Unexplained {
                o.unexplained.push(what);
            }
        }
    }
    o
}

#[test]
fn converted_shared_rules_agree_with_rsigma_on_every_record() {
    let inputs = common::sigma_inputs(&common::sigma_dir());
    let o = run(&inputs);
    println!(
        "shared Sigma rules: {} of {} (record, rule) pairs agree ({} both match); disagreements by class: {:?}",
        o.agree, o.pairs, o.both, o.by_class
    );
    assert!(o.unexplained.is_empty(), "{:#?}", o.unexplained);
    // Real matches, not only agreement on silence.
    assert!(o.both >= 25, "only {} matching pairs", o.both);
    let silent: Vec<&String> = o
        .both_by_rule
        .iter()
        .filter(|(_, &n)| n == 0)
        .map(|(t, _)| t)
        .collect();
    println!("rules no record matches in either engine: {silent:#?}");
}

/// Hand-written rules for the features the shared rules do not use, on the same records.
const SYNTHETIC: &[&str] = &[
    // contains|all, startswith, 1 of X*, parentheses, not
    r#"
title: Synthetic exec with shell in URI
id: 00000000-0000-4000-8000-000000000001
logsource: {product: kubernetes, service: audit}
detection:
  sel_exec:
    objectRef.subresource: exec
    requestURI|contains|all: ['command=', 'container=']
  sel_shell:
    requestURI|contains: ['%2Fbin%2Fsh', 'command=sh', 'command=bash']
  filter_ns:
    objectRef.namespace|startswith: kube-
  condition: sel_exec and 1 of sel_s* and not filter_ns
level: high
tags: [attack.t1609]
"#,
    // wildcards with ? and *, escapes, null, exists, numeric compare, neq, all of them with _x
    r#"
title: Synthetic wildcard and numeric
id: 00000000-0000-4000-8000-000000000002
logsource: {product: kubernetes, service: audit}
detection:
  sel:
    verb: 'cr?ate'
    userAgent: 'kubectl/v1.*'
    responseStatus.code|gte: 200
    responseStatus.code|lt: 300
  sel_user:
    user.username|exists: true
    impersonatedUser.username: null
  _unused:
    verb: get
  condition: all of them
level: low
"#,
    // regex with flags, cased, neq, windash, base64offset, condition list
    r#"
title: Synthetic regex and transforms
id: 00000000-0000-4000-8000-000000000003
logsource: {category: process_creation, product: linux}
detection:
  sel_re:
    CommandLine|re|i: '\b(DOCKER|kubectl)\s+(exec|run)\b'
  sel_cased:
    CommandLine|cased|contains: 'Docker'
  sel_dash:
    CommandLine|windash|contains: ' -it '
  sel_b64:
    CommandLine|base64offset|contains: '/bin/sh'
  not_ls:
    Image|endswith|neq: '/ls'
  condition:
    - sel_re and not_ls
    - sel_cased
    - sel_dash or sel_b64
level: medium
"#,
    // Windows: wildcards with escaped backslashes, 2 of
    r#"
title: Synthetic windows
id: 00000000-0000-4000-8000-000000000004
logsource: {category: process_creation, product: windows}
detection:
  a:
    Image|endswith: '\kubectl.exe'
  b:
    CommandLine|contains: ' exec '
  c:
    ParentImage: 'C:\Windows\*\powershell.exe'
  condition: 2 of them
level: critical
"#,
];

#[test]
fn synthetic_rules_for_each_feature_agree_with_rsigma() {
    let inputs: Vec<cadet_sigma::Input> = SYNTHETIC
        .iter()
        .enumerate()
        .map(|(i, t)| cadet_sigma::Input {
            name: format!("synthetic-{i}.yml"),
            text: t.to_string(),
        })
        .collect();
    let conv = cadet_sigma::convert(&inputs, &Default::default()).unwrap();
    assert!(conv.refused.is_empty(), "{:?}", conv.refused);
    for r in &conv.rules {
        println!("{}: {}", r.title, r.when);
    }
    let o = run(&inputs);
    println!(
        "synthetic rules: {} of {} (record, rule) pairs agree ({} both match); disagreements by class: {:?}",
        o.agree, o.pairs, o.both, o.by_class
    );
    assert!(o.unexplained.is_empty(), "{:#?}", o.unexplained);
    println!("records both match, per rule: {:#?}", o.both_by_rule);
    // Every synthetic rule (each exercising its features) matches real records in both engines.
    assert!(
        o.both_by_rule.values().all(|&n| n > 0),
        "{:#?}",
        o.both_by_rule
    );
}
