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
