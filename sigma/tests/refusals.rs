//! What cadet cannot express is refused, naming the rule and the feature; filters become
//! `[[suppress]]` entries that work in cadet.

mod common;

fn rule(detection: &str) -> String {
    rule_in("{product: kubernetes, service: audit}", detection)
}

fn rule_in(logsource: &str, detection: &str) -> String {
    format!(
        "title: Probe rule\nid: 9d3c1a5e-0000-4000-8000-00000000000f\nlogsource: {logsource}\ndetection:\n{detection}\nlevel: high\n"
    )
}

fn convert(text: &str) -> cadet_sigma::Conversion {
    cadet_sigma::convert(
        &[cadet_sigma::Input {
            name: "probe.yml".into(),
            text: text.into(),
        }],
        &Default::default(),
    )
    .unwrap()
}

/// The feature name a rule is refused for (None: converted).
fn refused(text: &str) -> Option<String> {
    let out = convert(text);
    assert_eq!(out.rules.len() + out.refused.len(), 1, "{out:?}");
    out.refused.first().map(|r| {
        let msg = r.to_string();
        assert!(
            msg.contains("probe.yml") && msg.contains("Probe rule"),
            "{msg}"
        );
        r.feature.name().to_string()
    })
}

#[test]
fn each_inexpressible_feature_is_refused_by_name() {
    let cases: &[(&str, &str)] = &[
        ("  keywords: ['evil']\n  condition: keywords", "keywords"),
        ("  s:\n    '|contains': evil\n  condition: s", "keywords"),
        (
            "  s:\n    sourceIPs|cidr: 10.0.0.0/8\n  condition: s",
            "cidr",
        ),
        (
            "  s:\n    requestURI|wide|contains: x\n  condition: s",
            "utf16",
        ),
        (
            "  s:\n    requestURI|expand: '%x%'\n  condition: s",
            "expand",
        ),
        (
            "  s:\n    requestURI|fieldref: userAgent\n  condition: s",
            "fieldref",
        ),
        (
            "  s:\n    requestURI|gt: 5\n  condition: s",
            "numeric-compare",
        ),
        (
            "  s:\n    responseStatus.code|gt: 2.5\n  condition: s",
            "numeric-compare",
        ),
        (
            "  s:\n    responseStatus.code|contains: '40'\n  condition: s",
            "pattern-on-non-text",
        ),
        (
            "  s:\n    responseStatus.code: '40*'\n  condition: s",
            "pattern-on-non-text",
        ),
        ("  s:\n    requestURI: 1.5\n  condition: s", "value-type"),
        ("  s:\n    requestURI: true\n  condition: s", "value-type"),
        (
            "  s:\n    objectRef.namespace: ''\n  condition: s",
            "empty-value",
        ),
        (
            "  s:\n    verb|cased: Create\n  condition: s",
            "case-sensitive-on-lowered",
        ),
        (
            "  s:\n    verb|re: '^Create$'\n  condition: s",
            "case-sensitive-on-lowered",
        ),
        (
            "  s:\n    requestURI|re: '(?=exec)'\n  condition: s",
            "regex",
        ),
        ("  s:\n    requestURI|re: '(a)\\1'\n  condition: s", "regex"),
        (
            "  s:\n    requestURI|contains|startswith: x\n  condition: s",
            "modifiers",
        ),
        (
            "  s:\n    requestURI|contains|all: x\n  condition: s",
            "modifiers",
        ),
        ("  s:\n    apiGroup: apps\n  condition: s", "unmapped-field"),
        (
            "  s:\n    verb: get\n  condition: s and other",
            "bad-condition",
        ),
        ("  s:\n    verb: get\n  condition: 1 of x*", "bad-condition"),
    ];
    let mut wrong = Vec::new();
    for (detection, want) in cases {
        let got = refused(&rule(detection));
        if got.as_deref() != Some(*want) {
            wrong.push(format!("{detection:?}: want {want}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_spec_features_cadet_can_express_convert() {
    let ok = [
        "  s:\n    verb: [get, list]\n    objectRef.resource|startswith: secret\n  condition: s",
        "  s:\n    requestURI|contains|all: [a, b]\n  condition: s",
        "  s:\n    requestURI: '*exec\\*?'\n  condition: s",
        "  s:\n    requestURI|re|i|s: 'exec.*sh'\n  condition: s",
        "  s:\n    responseStatus.code|gte: 400\n  condition: s",
        "  s:\n    responseStatus.code: '403'\n  condition: s",
        "  s:\n    impersonatedUser.username: null\n  condition: s",
        "  s:\n    userAgent|exists: false\n  condition: s",
        "  s:\n    userAgent|neq: kubectl\n  condition: s",
        "  a:\n    verb: get\n  b:\n    verb: list\n  c:\n    objectRef.resource: secrets\n  condition: 2 of them",
        "  s:\n    requestURI|base64|contains: /bin/sh\n  condition: s",
        "  s:\n    privileged: 'true'\n  condition: s",
    ];
    for d in ok {
        let out = convert(&rule(d));
        assert!(out.refused.is_empty(), "{d}: {:?}", out.refused);
        // And the pack loads (field names, operators and types checked by cadet-core).
        common::Cadet::new(&out.pack);
    }
}

#[test]
fn escapes_and_wildcards_become_the_right_operators() {
    let when = |d: &str| convert(&rule(d)).rules[0].when.clone();
    // `\*` is a literal star: not a glob, a regex with the star escaped.
    let w = when("  s:\n    requestURI: 'a\\*b*'\n  condition: s");
    assert!(
        w.contains(r#"k8s.request_uri matches "(?is)^(?:a\\*b.*)$""#),
        "{w}"
    );
    // Plain values: case-insensitive equality; |cased: case-sensitive.
    assert!(when("  s:\n    userAgent: kubectl\n  condition: s")
        .contains(r#"user_agent ieq "kubectl""#));
    assert!(when("  s:\n    userAgent|cased: kubectl\n  condition: s")
        .contains(r#"user_agent == "kubectl""#));
    // windash: every dash may be any of the five dashes.
    let w = convert(&rule_in(
        "{category: process_creation, product: windows}",
        "  s:\n    CommandLine|windash|contains: ' -enc '\n  condition: s",
    ))
    .rules[0]
        .when
        .clone();
    assert!(w.contains("[-/\u{2013}\u{2014}\u{2015}]enc"), "{w}");
}

#[test]
fn correlations_beyond_event_and_value_count_are_refused_naming_them() {
    let corr = |title: &str, body: &str| {
        format!(
            "{}---\ntitle: {title}\nid: 9d3c1a5e-0000-4000-8000-0000000000aa\ncorrelation:\n{body}level: high\n",
            rule("  s:\n    objectRef.subresource: exec\n  condition: s")
        )
    };
    // event_count converts: a [[correlation]] the pack states.
    let out = convert(&corr(
        "Many execs",
        "  type: event_count\n  rules: [9d3c1a5e-0000-4000-8000-00000000000f]\n  group-by: [user.username]\n  timespan: 10m\n  condition: {gte: 5}\n",
    ));
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    assert!(out.pack.contains("kind = \"event_count\""), "{}", out.pack);
    assert!(out.pack.contains("timespan = 600\n"), "{}", out.pack);
    // What cadet does not count is refused with the feature and the rule named.
    let cases = [
        (
            "Ordered execs",
            "  type: temporal\n  rules: [9d3c1a5e-0000-4000-8000-00000000000f]\n  group-by: [user.username]\n  timespan: 10m\n",
            "temporal",
        ),
        (
            "Tumbling execs",
            "  type: event_count\n  rules: [9d3c1a5e-0000-4000-8000-00000000000f]\n  timespan: 10m\n  window: tumbling\n  condition: {gte: 5}\n",
            "sliding",
        ),
        (
            "Group of groups",
            "  type: value_count\n  rules: [9d3c1a5e-0000-4000-8000-00000000000f]\n  timespan: 10m\n  condition: {field: user.groups, gte: 2}\n",
            "list field",
        ),
        (
            "Unknown base",
            "  type: event_count\n  rules: [nope]\n  timespan: 10m\n  condition: {gte: 5}\n",
            "base rule `nope`",
        ),
        (
            "Huge count",
            "  type: event_count\n  rules: [9d3c1a5e-0000-4000-8000-00000000000f]\n  timespan: 10m\n  condition: {gte: 100000}\n",
            "condition value 100000",
        ),
    ];
    for (title, body, why) in cases {
        let out = convert(&corr(title, body));
        let Some(r) = out.refused.first() else {
            panic!("{title}: converted\n{}", out.pack);
        };
        assert_eq!(r.feature.name(), "correlation", "{title}: {r}");
        let msg = r.to_string();
        assert!(msg.contains(title) && msg.contains(why), "{title}: {msg}");
    }
}

#[test]
fn a_filter_becomes_a_suppression_that_cadet_applies() {
    let text = format!(
        "{}---\ntitle: CI robot\nid: 9d3c1a5e-0000-4000-8000-0000000000bb\nlogsource: {{product: kubernetes, service: audit}}\nfilter:\n  rules: [9d3c1a5e-0000-4000-8000-00000000000f]\n  sel_user:\n    user.username|startswith: 'system:serviceaccount:ci:'\n  sel_ns:\n    objectRef.namespace: kube-system\n  condition: not 1 of sel_*\n",
        rule("  s:\n    verb: delete\n  condition: s")
    );
    let out = convert(&text);
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    assert_eq!(out.suppressions, 2);
    assert!(
        out.pack.contains("user = [\"system:serviceaccount:ci:*\"]"),
        "{}",
        out.pack
    );
    let mut engine = cadet_core::Engine::new(&cadet_core::Config {
        rules: Some(out.pack.clone()),
        ..Default::default()
    })
    .unwrap();
    let rec = |user: &str, ns: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"delete","user":{{"username":"{user}"}},"objectRef":{{"resource":"pods","namespace":"{ns}","name":"x"}},"responseStatus":{{"code":200}}}}"#
        )
    };
    let v = engine.score(rec("alice", "prod").as_bytes());
    assert!(v.matched && v.suppressed_by.is_none());
    assert_eq!(v.severity, cadet_core::Severity::High);
    let v = engine.score(rec("system:serviceaccount:ci:deployer", "prod").as_bytes());
    assert!(v.matched);
    // One entry per excluded selection, in name order: .1 = sel_ns, .2 = sel_user.
    assert_eq!(
        v.suppressed_by.as_deref(),
        Some("sigma.9d3c1a5e-0000-4000-8000-0000000000bb.2")
    );
    assert_eq!(v.severity, cadet_core::Severity::Medium);
    let v = engine.score(rec("alice", "kube-system").as_bytes());
    assert_eq!(
        v.suppressed_by.as_deref(),
        Some("sigma.9d3c1a5e-0000-4000-8000-0000000000bb.1")
    );
}

#[test]
fn a_filter_suppressions_cannot_express_is_refused() {
    let text = format!(
        "{}---\ntitle: Odd filter\nlogsource: {{product: kubernetes, service: audit}}\nfilter:\n  rules: [9d3c1a5e-0000-4000-8000-00000000000f]\n  sel:\n    requestURI|contains: healthz\n  condition: not sel\n",
        rule("  s:\n    verb: delete\n  condition: s")
    );
    let out = convert(&text);
    assert_eq!(out.refused.len(), 1);
    assert_eq!(out.refused[0].feature.name(), "filter");
    assert!(out.refused[0].to_string().contains("k8s.request_uri"));
}
