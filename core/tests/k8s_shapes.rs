//! Every shape of audit record real tools write (issue 13, part 3): the request id of each
//! source (`k8s.audit_id`), events without `apiVersion`/`auditID`/`requestURI`, reduced
//! events, the exec command wherever it appears, denied attempts, cluster-wide secrets lists.

use cadet_core::parts::event::Value;
use cadet_core::parts::text::Json;

/// A field of the normalised event of a JSON record (`-` when missing).
fn field(record: &str, name: &str) -> String {
    let doc = Json::parse(record.as_bytes()).unwrap();
    let ev = cadet_core::parts::source::normalise(&doc).expect("normalised");
    match ev.field(name, 0) {
        Value::Missing => "-".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Str(s) => s.to_string(),
        Value::List(l) => l.join(","),
    }
}

const EXEC: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"0b7d2a9e-1c44-4f0e-9d61-5f3a8c2e7b10","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/default/pods/web-0/exec?command=sh&container=web&stdin=true&tty=true","verb":"create","user":{"username":"alice"},"objectRef":{"resource":"pods","namespace":"default","name":"web-0","subresource":"exec","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":101}}"#;

#[test]
fn audit_id_is_the_request_id_of_every_source() {
    assert_eq!(
        field(EXEC, "k8s.audit_id"),
        "0b7d2a9e-1c44-4f0e-9d61-5f3a8c2e7b10"
    );
    assert_eq!(field(EXEC, "k8s.stage"), "ResponseStarted");
    // EKS: the event inside CloudWatch's `message` string.
    let eks = format!(
        r#"{{"timestamp":1749722400000,"logStreamName":"kube-apiserver-audit-0a1b","message":{}}}"#,
        serde_json::to_string(EXEC).unwrap()
    );
    assert_eq!(field(&eks, "event.source"), "k8s_eks");
    assert_eq!(
        field(&eks, "k8s.audit_id"),
        "0b7d2a9e-1c44-4f0e-9d61-5f3a8c2e7b10"
    );
    // AKS: the event inside properties.log.
    let aks = format!(
        r#"{{"category":"kube-audit","properties":{{"log":{}}}}}"#,
        serde_json::to_string(EXEC).unwrap()
    );
    assert_eq!(field(&aks, "event.source"), "k8s_aks");
    assert_eq!(
        field(&aks, "k8s.audit_id"),
        "0b7d2a9e-1c44-4f0e-9d61-5f3a8c2e7b10"
    );
    // GKE: the operation id both entries of an exec share, first and last alike.
    for (first, last) in [("true", "false"), ("false", "true")] {
        let gke = format!(
            r#"{{"insertId":"x{first}","operation":{{"first":{first},"id":"c2a0e0f4-6f0b-4c39-a6a7-1b2c3d4e5f60","last":{last},"producer":"k8s.io"}},"protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.exec.create","resourceName":"core/v1/namespaces/default/pods/web-0/exec","authenticationInfo":{{"principalEmail":"alice@example.com"}}}},"timestamp":"2025-06-12T10:01:20Z"}}"#
        );
        assert_eq!(field(&gke, "event.source"), "k8s_gke");
        assert_eq!(
            field(&gke, "k8s.audit_id"),
            "c2a0e0f4-6f0b-4c39-a6a7-1b2c3d4e5f60"
        );
    }
    // No auditID: missing, never invented.
    let bare = EXEC.replace(r#""auditID":"0b7d2a9e-1c44-4f0e-9d61-5f3a8c2e7b10","#, "");
    assert_eq!(field(&bare, "k8s.audit_id"), "-");
}

fn engine() -> cadet_core::Engine {
    cadet_core::Engine::new(&cadet_core::Config::default()).unwrap()
}

fn ids(v: &cadet_core::Verdict) -> Vec<&str> {
    v.rules.iter().map(|r| r.id.as_str()).collect()
}

/// A reduced exec event: the fields other detectors' test suites and SIEM exports keep.
const REDUCED_EXEC: &str = r#"{"kind":"Event","verb":"create","user":{"username":"eve@corp.example"},"objectRef":{"resource":"pods","namespace":"default","name":"web-0","subresource":"exec"},"responseStatus":{"code":101}}"#;

#[test]
fn events_without_api_version_audit_id_or_request_uri_are_audit_events() {
    // Reduced: kind, verb, user, objectRef, responseStatus only.
    assert_eq!(field(REDUCED_EXEC, "event.kind"), "k8s_audit");
    assert_eq!(field(REDUCED_EXEC, "event.source"), "k8s_audit");
    assert_eq!(field(REDUCED_EXEC, "k8s.subresource"), "exec");
    assert_eq!(field(REDUCED_EXEC, "user.name"), "eve@corp.example");
    assert_eq!(field(REDUCED_EXEC, "k8s.request_uri"), "-");
    // v1beta1-era: no apiVersion, `timestamp` as the time.
    let old = r#"{"kind":"Event","level":"Request","timestamp":"2019-09-02T10:00:00Z","auditID":"b1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/nginx/exec?command=%2Fbin%2Fbash","verb":"create","user":{"username":"kubernetes-admin"},"objectRef":{"resource":"pods","namespace":"default","name":"nginx","subresource":"exec"}}"#;
    assert_eq!(field(old, "event.kind"), "k8s_audit");
    assert_eq!(field(old, "payload.args"), "/bin/bash");
    assert_eq!(field(old, "event.time"), "1567418400");
    // Without objectRef the request path names the object, as the API server reads it.
    let uri_only = r#"{"kind":"Event","verb":"create","user":{"username":"m"},"requestURI":"/api/v1/namespaces/shop/pods/cart-0/exec?command=id"}"#;
    for (name, want) in [
        ("k8s.resource", "pods"),
        ("k8s.namespace", "shop"),
        ("k8s.name", "cart-0"),
        ("k8s.subresource", "exec"),
        ("k8s.api_group", "-"),
        ("payload.args", "id"),
    ] {
        assert_eq!(field(uri_only, name), want, "{name}");
    }
    let cases = [
        (
            "/apis/apps/v1/namespaces/d/deployments/web/scale",
            "apps",
            "deployments",
            "d",
            "web",
            "scale",
        ),
        ("/api/v1/secrets?watch=true", "-", "secrets", "-", "-", "-"),
        (
            "/api/v1/watch/namespaces/d/secrets",
            "-",
            "secrets",
            "d",
            "-",
            "-",
        ),
        (
            "/api/v1/namespaces/d/finalize",
            "-",
            "namespaces",
            "d",
            "d",
            "finalize",
        ),
        (
            "/api/v1/nodes/n1/proxy/exec/ns/p/c?command=id",
            "-",
            "nodes",
            "-",
            "n1",
            "proxy",
        ),
        ("/healthz", "-", "-", "-", "-", "-"),
        ("/apis/apps/v1", "-", "-", "-", "-", "-"),
    ];
    for (uri, group, res, ns, name, sub) in cases {
        let rec = format!(r#"{{"kind":"Event","verb":"get","requestURI":"{uri}"}}"#);
        let got = [
            "k8s.api_group",
            "k8s.resource",
            "k8s.namespace",
            "k8s.name",
            "k8s.subresource",
        ]
        .map(|f| field(&rec, f));
        assert_eq!(got, [group, res, ns, name, sub], "{uri}");
    }
}

#[test]
fn look_alikes_are_not_audit_events() {
    let e = engine();
    for rec in [
        // A Kubernetes Event object (kubectl get events -o json).
        r#"{"kind":"Event","apiVersion":"v1","metadata":{"name":"web-0.1"},"involvedObject":{"kind":"Pod","name":"web-0"},"reason":"Started","message":"Started container web"}"#,
        // kind Event without a verb, or a verb without kind Event and auditID.
        r#"{"kind":"Event","objectRef":{"resource":"pods","subresource":"exec"}}"#,
        r#"{"verb":"create","objectRef":{"resource":"pods","subresource":"exec"},"requestURI":"/api/v1/namespaces/d/pods/p/exec"}"#,
    ] {
        let doc = Json::parse(rec.as_bytes()).unwrap();
        let kind = cadet_core::parts::source::normalise(&doc)
            .map(|ev| format!("{:?}", ev.field("event.kind", 0)))
            .unwrap_or_default();
        assert!(!kind.contains("k8s_audit"), "{rec} read as {kind}");
        let _ = &e;
    }
    // docker and kubelet records keep their readers.
    let docker = r#"{"status":"exec_start: sh","id":"abc","from":"alpine","Type":"container","Action":"exec_start: sh","Actor":{"ID":"abc","Attributes":{"image":"alpine","name":"web"}},"time":1749722400}"#;
    assert_eq!(field(docker, "event.source"), "docker_daemon");
}

#[test]
fn the_exec_command_is_read_wherever_it_appears() {
    // PodExecOptions request object.
    let opts = REDUCED_EXEC.replace(
        r#""responseStatus":{"code":101}"#,
        r#""responseStatus":{"code":101},"requestObject":{"kind":"PodExecOptions","apiVersion":"v1","stdin":true,"tty":true,"container":"web","command":["sh","-c","cat /var/run/secrets/kubernetes.io/serviceaccount/token"]}"#,
    );
    assert_eq!(
        field(&opts, "payload.args"),
        "sh,-c,cat /var/run/secrets/kubernetes.io/serviceaccount/token"
    );
    assert_eq!(field(&opts, "payload.sa_token"), "true");
    // A command given as one string is split as a shell would.
    let one = opts.replace(
        r#"["sh","-c","cat /var/run/secrets/kubernetes.io/serviceaccount/token"]"#,
        r#""sh -c 'id; uname -a'""#,
    );
    assert_eq!(field(&one, "payload.args"), "sh,-c,id; uname -a");
    // ?command= wins over the request object when both are there (they are the same request).
    let both = opts.replace(
        r#""verb":"create""#,
        r#""verb":"create","requestURI":"/api/v1/namespaces/default/pods/web-0/exec?command=id""#,
    );
    assert_eq!(field(&both, "payload.args"), "id");
    // GKE protoPayload.request.command.
    let gke = r#"{"insertId":"g1","operation":{"first":true,"id":"g1","last":true,"producer":"k8s.io"},"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.exec.create","resourceName":"core/v1/namespaces/default/pods/web-0/exec","authenticationInfo":{"principalEmail":"m@corp.example"},"request":{"@type":"core.k8s.io/v1.PodExecOptions","command":["nsenter","-t","1","-m","sh"],"container":"web"}},"timestamp":"2025-06-12T10:01:20Z"}"#;
    assert_eq!(field(gke, "payload.args"), "nsenter,-t,1,-m,sh");
    assert_eq!(field(gke, "payload.host_escape"), "true");
    // A command in the request object of anything but exec/attach is not an exec command.
    let log = REDUCED_EXEC.replace(r#""exec""#, r#""log""#).replace(
        r#""responseStatus":{"code":101}"#,
        r#""requestObject":{"command":["sh"]}"#,
    );
    assert_eq!(field(&log, "payload.args"), "-");
    // No command anywhere: still an exec, with its flag.
    let mut e = engine();
    let v = e.score(REDUCED_EXEC.as_bytes());
    assert!(v.matched && v.flags.container_exec, "{}", v.to_json());
    assert!(ids(&v).contains(&"cadet.k8s.pod_exec"), "{}", v.to_json());
}

/// The same request allowed and refused, in each way an audit record says it was refused.
#[test]
fn a_refused_exec_or_secrets_read_keeps_its_flag_and_scores_below_the_allowed_one() {
    let exec = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"ID","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/pods/etcd-0/exec?command=sh&stdin=true&tty=true","verb":"create","user":{"username":"intern@corp.example"},"userAgent":"kubectl/v1.30.2","objectRef":{"resource":"pods","namespace":"kube-system","name":"etcd-0","subresource":"exec"},"responseStatus":STATUS,"annotations":{"authorization.k8s.io/decision":"DECISION"}}"#;
    let secret = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"ID","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef","verb":"get","user":{"username":"intern@corp.example"},"userAgent":"kubectl/v1.30.2","objectRef":{"resource":"secrets","namespace":"kube-system","name":"bootstrap-token-abcdef"},"responseStatus":STATUS,"annotations":{"authorization.k8s.io/decision":"DECISION"}}"#;
    let refusals = [
        (
            r#"{"status":"Failure","reason":"Forbidden","code":403}"#,
            "forbid",
        ),
        (r#"{"code":403}"#, "none"),
        (r#"{"code":401}"#, "none"),
        (r#"{"reason":"Forbidden"}"#, "none"),
        (r#"{"code":200}"#, "forbid"),
    ];
    let mut n = 0;
    for (template, rule, flag) in [
        (exec, "cadet.k8s.pod_exec_denied", "container_exec"),
        (secret, "cadet.k8s.secrets_read_denied", "secrets_access"),
    ] {
        let mut e = engine();
        let mut id = |s: &str| {
            n += 1;
            s.replace("\"ID\"", &format!("\"req-{n}\""))
        };
        let allowed = e.score(
            id(template)
                .replace("STATUS", r#"{"code":200}"#)
                .replace("DECISION", "allow")
                .as_bytes(),
        );
        assert!(allowed.matched && !allowed.denied, "{}", allowed.to_json());
        assert!(!ids(&allowed).contains(&rule), "{}", allowed.to_json());
        for (status, decision) in refusals {
            let rec = id(template)
                .replace("STATUS", status)
                .replace("DECISION", decision);
            assert_eq!(field(&rec, "k8s.denied"), "true", "{rec}");
            let v = e.score(rec.as_bytes());
            assert!(v.matched && v.denied, "{rec} -> {}", v.to_json());
            assert!(ids(&v).contains(&rule), "{rec} -> {}", v.to_json());
            let flagged = match flag {
                "container_exec" => v.flags.container_exec,
                _ => v.flags.secrets_access,
            };
            assert!(flagged, "{rec} -> {}", v.to_json());
            assert!(
                v.score < allowed.score,
                "refused {} must score below allowed {}: {rec}",
                v.score,
                allowed.score
            );
        }
    }
}

#[test]
fn a_cluster_wide_secrets_watch_is_a_list() {
    let mut e = engine();
    for (verb, uri, obj) in [
        (
            "watch",
            "/api/v1/secrets?allowWatchBookmarks=true&watch=true",
            r#","objectRef":{"resource":"secrets","apiVersion":"v1"}"#,
        ),
        ("list", "/api/v1/secrets?watch=true", ""),
        ("watch", "/api/v1/watch/secrets", ""),
        ("list", "/api/v1/secrets", ""),
    ] {
        let rec = format!(
            r#"{{"kind":"Event","verb":"{verb}","user":{{"username":"dave@corp.example"}},"userAgent":"kubectl/v1.30.2","requestURI":"{uri}"{obj},"responseStatus":{{"code":200}}}}"#
        );
        let v = e.score(rec.as_bytes());
        assert!(
            ids(&v).contains(&"cadet.k8s.secrets_list_cluster") && v.flags.secrets_access,
            "{rec} -> {}",
            v.to_json()
        );
    }
}

#[test]
fn reduced_records_carry_a_marker_for_the_prefilter() {
    let markers = cadet_core::parts::source::MARKERS;
    for rec in [
        REDUCED_EXEC,
        r#"{"kind":"Event","verb":"list","user":{"username":"d"},"requestURI":"/api/v1/secrets?watch=true"}"#,
    ] {
        let lower = rec.to_ascii_lowercase();
        assert!(markers.iter().any(|m| lower.contains(m)), "{rec}");
        // and the prefilter lets them through: same verdict with and without it.
        let mut on = engine();
        let mut off = cadet_core::Engine::new(&cadet_core::Config {
            prefilter: false,
            ..cadet_core::Config::default()
        })
        .unwrap();
        let (a, b) = (on.score(rec.as_bytes()), off.score(rec.as_bytes()));
        assert!(a.matched, "{rec} -> {}", a.to_json());
        assert_eq!(a.to_json(), b.to_json());
    }
}
