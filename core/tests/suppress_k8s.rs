//! Suppressions (`[[suppress]]` in a rule pack) and triage hints on Kubernetes, docker and
//! process records: suppressed verdicts stay visible with `suppressed_by` and one severity
//! step less; nothing is hidden.

use cadet_core::{Config, Engine, Severity, DEFAULT_PACK};

fn engine_with(extra: &str) -> Engine {
    let rules = format!("{DEFAULT_PACK}\n{extra}");
    Engine::new(&Config {
        rules: Some(rules),
        rules_name: "test.toml".into(),
        ..Config::default()
    })
    .unwrap()
}

fn exec_by(user: &str, groups: &[&str], ip: &str, ns: &str, ua: &str) -> Vec<u8> {
    serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request", "auditID": "x", "stage": "ResponseComplete",
        "requestURI": format!("/api/v1/namespaces/{ns}/pods/p/exec?command=sh&command=-c&command=cat+%2Fetc%2Fshadow"),
        "verb": "create", "user": {"username": user, "groups": groups}, "sourceIPs": [ip], "userAgent": ua,
        "objectRef": {"resource": "pods", "namespace": ns, "name": "p", "subresource": "exec"},
        "responseStatus": {"code": 101}, "annotations": {"authorization.k8s.io/decision": "allow"}
    })
    .to_string()
    .into_bytes()
}

#[test]
fn control_plane_and_ci_accounts_are_suppressed_by_default_but_stay_visible() {
    let mut e = Engine::new(&Config::default()).unwrap();
    let human = e.score(&exec_by(
        "alice",
        &["system:authenticated"],
        "10.0.0.1",
        "app",
        "kubectl/v1.30.2",
    ));
    assert!(human.matched && human.suppressed_by.is_none());
    assert_eq!(human.severity, Severity::Critical);
    let cp = e.score(&exec_by(
        "system:serviceaccount:kube-system:backup-operator",
        &["system:serviceaccounts"],
        "10.0.0.2",
        "app",
        "Go-http-client/2.0",
    ));
    assert!(cp.matched, "suppressed records keep their verdict");
    assert_eq!(cp.suppressed_by.as_deref(), Some("k8s-control-plane"));
    assert_eq!((cp.score, cp.severity), (human.score, Severity::High));
    let ci = e.score(&exec_by(
        "system:serviceaccount:gitlab-runner:gitlab-runner",
        &["system:serviceaccounts"],
        "10.0.0.3",
        "ci",
        "Go-http-client/2.0",
    ));
    assert_eq!(
        ci.suppressed_by.as_deref(),
        Some("ci-runner-service-accounts")
    );
    let node = e.score(&exec_by(
        "mallory",
        &["system:nodes"],
        "10.0.0.4",
        "app",
        "kubectl/v1.30.2",
    ));
    assert_eq!(
        node.suppressed_by.as_deref(),
        Some("k8s-control-plane-groups")
    );
}

#[test]
fn process_records_are_suppressed_by_parent_process() {
    let mut e = Engine::new(&Config::default()).unwrap();
    let rec = |parent: &str| {
        serde_json::json!({"process": {"name": "kubectl", "args": ["kubectl", "exec", "-it", "web", "--", "sh"],
            "parent": {"name": parent, "command_line": format!("/opt/{parent}/bin/{parent} run")}}})
        .to_string()
    };
    let runner = e.score(rec("gitlab-runner").as_bytes());
    assert_eq!(runner.suppressed_by.as_deref(), Some("ci-runners"));
    let shell = e.score(rec("bash").as_bytes());
    assert!(shell.matched && shell.suppressed_by.is_none());
    assert_eq!(runner.severity, shell.severity.lowered());
}

#[test]
fn every_key_of_an_entry_must_match_and_any_value_of_a_key() {
    let mut e = engine_with(
        r#"
[[suppress]]
name = "vpn-admins-in-staging"
reason = "platform admins debugging staging from the VPN"
group = ["oidc:platform-*"]
namespace = ["staging", "qa-*"]
source_ip = ["10.8.0.0/16", "fd00:8::/32"]
user_agent = ["kubectl/*"]
rules = ["cadet.k8s.pod_exec*"]
"#,
    );
    let ok = |e: &mut Engine, groups: &[&str], ip: &str, ns: &str, ua: &str| {
        e.score(&exec_by("alice", groups, ip, ns, ua)).suppressed_by
    };
    let name = Some("vpn-admins-in-staging".to_string());
    assert_eq!(
        ok(
            &mut e,
            &["oidc:platform-admins"],
            "10.8.3.4",
            "staging",
            "kubectl/v1.30.2"
        ),
        name
    );
    assert_eq!(
        ok(
            &mut e,
            &["oidc:platform-admins"],
            "fd00:8::17",
            "qa-7",
            "kubectl/v1.30.2"
        ),
        name
    );
    assert_eq!(
        ok(
            &mut e,
            &["oidc:platform-admins"],
            "10.9.3.4",
            "staging",
            "kubectl/v1.30.2"
        ),
        None,
        "outside the CIDR"
    );
    assert_eq!(
        ok(
            &mut e,
            &["developers"],
            "10.8.3.4",
            "staging",
            "kubectl/v1.30.2"
        ),
        None,
        "other group"
    );
    assert_eq!(
        ok(
            &mut e,
            &["oidc:platform-admins"],
            "10.8.3.4",
            "prod",
            "kubectl/v1.30.2"
        ),
        None,
        "other namespace"
    );
    assert_eq!(
        ok(
            &mut e,
            &["oidc:platform-admins"],
            "10.8.3.4",
            "staging",
            "curl/8.5.0"
        ),
        None,
        "other user agent"
    );
    // `rules`: an entry for exec rules does not touch a privileged pod by the same people.
    let pod = serde_json::json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "stage": "ResponseComplete", "verb": "create",
        "requestURI": "/api/v1/namespaces/staging/pods", "user": {"username": "alice", "groups": ["oidc:platform-admins"]},
        "sourceIPs": ["10.8.3.4"], "userAgent": "kubectl/v1.30.2", "objectRef": {"resource": "pods", "namespace": "staging"},
        "requestObject": {"spec": {"containers": [{"name": "x", "image": "x", "securityContext": {"privileged": true}}]}}});
    let v = e.score(pod.to_string().as_bytes());
    assert!(v.matched && v.suppressed_by.is_none());
}

#[test]
fn a_bad_suppression_is_a_pack_error_with_its_line() {
    let rules =
        format!("{DEFAULT_PACK}\n[[suppress]]\nname = \"bad\"\nsource_ip = [\"10.0.0.0/33\"]\n");
    let err = Engine::new(&Config {
        rules: Some(rules.clone()),
        rules_name: "mine.toml".into(),
        ..Config::default()
    })
    .unwrap_err();
    assert_eq!(err.rule.as_deref(), Some("bad"));
    assert_eq!(err.line, Some(rules.lines().count() - 2));
    assert!(
        err.to_string().contains("not an IP address or CIDR range"),
        "{err}"
    );
    let empty = format!("{DEFAULT_PACK}\n[[suppress]]\nname = \"matches-everything\"\n");
    let err = Engine::new(&Config {
        rules: Some(empty),
        ..Config::default()
    })
    .unwrap_err();
    assert!(err.message.contains("needs at least one of"), "{err}");
    let unknown = format!("{DEFAULT_PACK}\n[[suppress]]\nname = \"typo\"\nusers = [\"x\"]\n");
    assert!(
        Engine::new(&Config {
            rules: Some(unknown),
            ..Config::default()
        })
        .is_err(),
        "unknown keys are refused"
    );
}

#[test]
fn triage_names_the_escalation_criteria_cadet_can_see() {
    let mut e = Engine::new(&Config::default()).unwrap();
    let esc = |e: &mut Engine, rec: &[u8]| {
        let v = e.score(rec);
        assert!(v.matched, "{}", String::from_utf8_lossy(rec));
        let t = v.triage.unwrap();
        assert!(
            !t.steps.is_empty() && t.steps.windows(2).all(|w| w[0] < w[1]),
            "steps sorted, unique: {:?}",
            t.steps
        );
        t.escalate
    };
    let cred = esc(
        &mut e,
        &exec_by("alice", &[], "10.0.0.1", "app", "kubectl/v1.30.2"),
    );
    assert_eq!(cred, ["malicious_command"]);
    let anon = serde_json::json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "stage": "ResponseComplete", "verb": "list",
        "requestURI": "/api/v1/secrets", "user": {"username": "system:anonymous"}, "sourceIPs": ["198.51.100.1"], "userAgent": "curl/8.5.0",
        "objectRef": {"resource": "secrets"}, "responseStatus": {"code": 200}});
    assert_eq!(
        esc(&mut e, anon.to_string().as_bytes()),
        ["unknown_account"]
    );
    let proxy = serde_json::json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "stage": "ResponseComplete", "verb": "get",
        "requestURI": "/api/v1/nodes/n1/proxy/pods", "user": {"username": "bob"}, "sourceIPs": ["10.0.0.1"], "userAgent": "kubectl/v1.30.2",
        "objectRef": {"resource": "nodes", "name": "n1", "subresource": "proxy"}, "responseStatus": {"code": 200}});
    assert_eq!(
        esc(&mut e, proxy.to_string().as_bytes()),
        ["lateral_movement"]
    );
    let denied = serde_json::json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "stage": "ResponseComplete", "verb": "create",
        "requestURI": "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "user": {"username": "bob"}, "sourceIPs": ["10.0.0.1"], "userAgent": "kubectl/v1.30.2",
        "objectRef": {"resource": "clusterrolebindings", "apiGroup": "rbac.authorization.k8s.io"},
        "responseStatus": {"code": 403, "reason": "Forbidden"}, "annotations": {"authorization.k8s.io/decision": "forbid"}});
    assert_eq!(
        esc(&mut e, denied.to_string().as_bytes()),
        ["privilege_escalation"],
        "a failed attempt (criterion 4)"
    );
    let kubelet = br#"I0612 10:11:12.123456 2345 httplog.go:134] "HTTP" verb="POST" URI="/run/ns/p/c?cmd=nsenter+-t+1+-m+sh" latency="1ms" userAgent="kubeletctl" audit-ID="" srcIP="10.0.9.9:5" resp=200"#;
    let k = esc(&mut e, kubelet);
    assert_eq!(
        k,
        [
            "malicious_command",
            "lateral_movement",
            "privilege_escalation"
        ]
    );
}
