//! Long-running requests (exec, attach, port-forward, proxy, watch) are scored at the first
//! stage the audit log holds and alerted once, whatever stages the audit policy keeps: the
//! engine's bounded set of scored requests (`Config::scored_requests`). Records are shaped
//! as kube-apiserver 1.30/1.31 writes them (see core/fixtures/k8s_audit/apiserver.attack.jsonl).

use cadet_core::{Config, Engine, Verdict};

const EXEC_URI: &str = "/api/v1/namespaces/payments/pods/api-7d9f8b6c5d-x2k4q/exec?command=sh&container=api&stdin=true&stdout=true&tty=true";

/// One stage of `kubectl exec -it api-7d9f8b6c5d-x2k4q -- sh` (verb `create`: SPDY; `get`:
/// the WebSocket exec of kubectl >= 1.30).
fn exec(audit_id: &str, stage: &str, verb: &str) -> String {
    let status = if stage == "RequestReceived" {
        String::new()
    } else {
        String::from(r#""responseStatus":{"metadata":{},"code":101},"#)
    };
    let annotations = if stage == "RequestReceived" {
        ""
    } else {
        r#","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"platform-admins\" of ClusterRole \"cluster-admin\" to Group \"oidc:platform-admins\""}"#
    };
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{audit_id}","stage":"{stage}","requestURI":"{EXEC_URI}","verb":"{verb}","user":{{"username":"alice@corp.example","groups":["system:authenticated","oidc:platform-admins"]}},"sourceIPs":["10.20.4.11"],"userAgent":"kubectl/v1.31.1 (linux/amd64) kubernetes/948afe5","objectRef":{{"resource":"pods","namespace":"payments","name":"api-7d9f8b6c5d-x2k4q","subresource":"exec","apiVersion":"v1"}},{status}"requestReceivedTimestamp":"2025-06-12T11:00:00.101215Z","stageTimestamp":"2025-06-12T11:00:00.164530Z"{annotations}}}"#
    )
}

fn engine(scored_requests: usize) -> Engine {
    Engine::new(&Config {
        scored_requests,
        ..Config::default()
    })
    .unwrap()
}

fn ids(v: &Verdict) -> Vec<&str> {
    v.rules.iter().map(|r| r.id.as_str()).collect()
}

/// The audit policies a cluster may run: which stages of a long-running request it logs.
const POLICIES: [&[&str]; 5] = [
    &["ResponseStarted", "ResponseComplete"],
    &["ResponseStarted"],
    &["ResponseComplete"],
    &["RequestReceived", "ResponseStarted", "ResponseComplete"],
    &["RequestReceived", "ResponseComplete"],
];

#[test]
fn an_exec_is_matched_once_at_the_earliest_stage_under_every_policy() {
    for verb in ["create", "get"] {
        for (p, stages) in POLICIES.iter().enumerate() {
            // One engine for the whole stream, as a host runs it; each policy's request has
            // its own audit ID.
            let mut e = engine(4096);
            let id = format!("7c1d5e2a-3b4f-4a6c-9d8e-0f1a2b3c4d{p:02}");
            let verdicts: Vec<Verdict> = stages
                .iter()
                .map(|s| e.score(exec(&id, s, verb).as_bytes()))
                .collect();
            let what = format!("verb {verb}, policy {stages:?}");
            assert!(verdicts[0].matched, "{what}: {}", verdicts[0].to_json());
            assert!(
                ids(&verdicts[0]).contains(&"cadet.k8s.pod_exec_shell"),
                "{what}"
            );
            assert_eq!(verdicts[0].stage.as_deref(), Some(stages[0]), "{what}");
            assert_eq!(verdicts[0].duplicate_of_stage, None, "{what}");
            for (v, stage) in verdicts.iter().zip(stages.iter()).skip(1) {
                assert!(!v.matched, "{what}: {stage} matched again");
                assert_eq!(v.score, 0);
                assert_eq!(
                    v.duplicate_of_stage.as_deref(),
                    Some(stages[0]),
                    "{what}: {stage}"
                );
            }
            assert_eq!(verdicts.iter().filter(|v| v.matched).count(), 1, "{what}");
        }
    }
}

#[test]
fn a_duplicate_passes_on_enriched_with_its_verdict() {
    let mut e = engine(4096);
    let id = "5b7c2a10-0d4e-4f6a-8b9c-1d2e3f405162";
    let mut out = Vec::new();
    assert!(
        e.enrich(exec(id, "ResponseStarted", "create").as_bytes(), &mut out)
            .matched
    );
    out.clear();
    let second = exec(id, "ResponseComplete", "create");
    let v = e.enrich(second.as_bytes(), &mut out);
    assert!(!v.matched);
    let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(line["cadet"]["matched"], false);
    assert_eq!(line["cadet"]["duplicate_of_stage"], "ResponseStarted");
    assert_eq!(line["auditID"], id, "the record itself passes on");
    // matches-only output leaves it out, like every record that did not match.
    out.clear();
    let v = e.enrich_as(
        second.as_bytes(),
        cadet_core::OutputMode::MatchesOnly,
        &mut out,
    );
    assert!(out.is_empty() && v.duplicate_of_stage.is_some());
}

#[test]
fn with_the_set_off_every_stage_is_matched_and_names_its_stage() {
    let mut e = engine(0);
    let stages = ["RequestReceived", "ResponseStarted", "ResponseComplete"];
    for s in stages {
        let v = e.score(exec("a-0", s, "create").as_bytes());
        assert!(v.matched, "{s}");
        assert_eq!(v.stage.as_deref(), Some(s));
        assert_eq!(v.duplicate_of_stage, None);
    }
    assert_eq!(e.export_state(), "{}");
}

#[test]
fn the_set_survives_a_restart_through_export_and_import_state() {
    for state_capacity in [0, 64] {
        let config = Config {
            state_capacity,
            ..Config::default()
        };
        let mut before = Engine::new(&config).unwrap();
        assert!(
            before
                .score(exec("r-1", "ResponseStarted", "get").as_bytes())
                .matched
        );
        let saved = before.export_state();
        let mut after = Engine::new(&config).unwrap();
        after.import_state(&saved).unwrap();
        let v = after.score(exec("r-1", "ResponseComplete", "get").as_bytes());
        assert_eq!(
            v.duplicate_of_stage.as_deref(),
            Some("ResponseStarted"),
            "state_capacity {state_capacity}: {saved}"
        );
        let set = |json: &str| {
            serde_json::from_str::<serde_json::Value>(json).unwrap()["scored_requests"].clone()
        };
        assert_eq!(
            set(&after.export_state()),
            set(&saved),
            "nothing new was remembered"
        );
        // A fresh engine without the saved state scores it.
        assert!(
            Engine::new(&config)
                .unwrap()
                .score(exec("r-1", "ResponseComplete", "get").as_bytes())
                .matched
        );
    }
}

#[test]
fn an_old_state_file_still_loads_and_a_bad_set_is_refused() {
    // Saved by a cadet without the set: the first-seen fields only.
    let mut first_seen = Engine::new(&Config {
        state_capacity: 64,
        scored_requests: 0,
        ..Config::default()
    })
    .unwrap();
    first_seen.score(exec("o-1", "ResponseComplete", "create").as_bytes());
    let old = first_seen.export_state();
    assert!(!old.contains("scored_requests") && old.contains("entries"));
    let mut e = Engine::new(&Config {
        state_capacity: 64,
        ..Config::default()
    })
    .unwrap();
    e.import_state(&old).unwrap();
    let v = e.score(exec("o-1", "ResponseComplete", "create").as_bytes());
    assert!(v.matched, "an old file holds no scored requests");
    assert!(
        !v.context.unwrap_or_default().first_seen_user_exec,
        "the first-seen state was restored: the user's exec is not new"
    );
    // The set alone loads into an engine without first-seen state, and the first-seen part
    // is ignored by an engine that keeps none.
    let mut only_set = engine(16);
    only_set.import_state(&e.export_state()).unwrap();
    assert!(only_set
        .score(exec("o-1", "ResponseStarted", "create").as_bytes())
        .duplicate_of_stage
        .is_some());
    for bad in [
        r#"{"scored_requests":{}}"#,
        r#"{"scored_requests":[["id","not hex","ResponseStarted"]]}"#,
        r#"{"scored_requests":[[1,2,3]]}"#,
        "[]",
        "{not json",
    ] {
        let mut e = engine(16);
        e.score(exec("keep", "ResponseStarted", "create").as_bytes());
        let kept = e.export_state();
        assert!(e.import_state(bad).is_err(), "{bad}");
        assert_eq!(e.export_state(), kept, "a refused state changes nothing");
    }
}

#[test]
fn the_oldest_scored_request_is_forgotten_first() {
    let mut e = engine(2);
    for id in ["q-1", "q-2", "q-3"] {
        assert!(
            e.score(exec(id, "ResponseStarted", "create").as_bytes())
                .matched
        );
    }
    // q-1 was evicted by q-3: its ResponseComplete alerts again; q-2 and q-3 do not.
    assert!(
        e.score(exec("q-1", "ResponseComplete", "create").as_bytes())
            .matched
    );
    let saved: serde_json::Value = serde_json::from_str(&e.export_state()).unwrap();
    let held: Vec<&str> = saved["scored_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[0].as_str().unwrap())
        .collect();
    assert_eq!(held, ["q-3", "q-1"]);
    assert!(
        !e.score(exec("q-3", "ResponseComplete", "create").as_bytes())
            .matched
    );
}

#[test]
fn a_reused_audit_id_on_another_request_is_not_a_duplicate() {
    // Clients may set their request's audit ID (the Audit-ID header): a second, different
    // request under the same ID is scored on its own.
    let mut e = engine(4096);
    assert!(
        e.score(exec("same", "ResponseStarted", "create").as_bytes())
            .matched
    );
    let other = exec("same", "ResponseStarted", "create").replace(
        "command=sh&",
        "command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&",
    );
    let v = e.score(other.as_bytes());
    assert!(v.matched, "{}", v.to_json());
    assert!(ids(&v).contains(&"cadet.k8s.pod_exec_credential_access"));
}

#[test]
fn gke_exec_entries_are_scored_once() {
    let entry = |first: bool, last: bool, op: &str| {
        format!(
            r#"{{"insertId":"9f0e1d2c-00a1","logName":"projects/prod-project/logs/cloudaudit.googleapis.com%2Factivity","operation":{{"first":{first},"id":"{op}","last":{last},"producer":"k8s.io"}},"protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{{"principalEmail":"mallory@corp.example"}},"authorizationInfo":[{{"granted":true,"permission":"io.k8s.core.v1.pods.exec.create","resource":"core/v1/namespaces/default/pods/web-0/exec"}}],"methodName":"io.k8s.core.v1.pods.exec.create","requestMetadata":{{"callerIp":"203.0.113.61","callerSuppliedUserAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350"}},"resourceName":"core/v1/namespaces/default/pods/web-0/exec","serviceName":"k8s.io","status":{{}}}},"timestamp":"2025-06-12T11:40:00.120914Z"}}"#
        )
    };
    let mut e = engine(4096);
    let first = e.score(entry(true, false, "op-1").as_bytes());
    assert!(first.matched && ids(&first).contains(&"cadet.k8s.pod_exec"));
    assert_eq!(first.stage.as_deref(), Some("ResponseStarted"));
    let last = e.score(entry(false, true, "op-1").as_bytes());
    assert!(!last.matched);
    assert_eq!(last.duplicate_of_stage.as_deref(), Some("ResponseStarted"));
    // Only the last entry held (the first was lost): scored, as ResponseComplete.
    let alone = e.score(entry(false, true, "op-2").as_bytes());
    assert!(alone.matched);
    assert_eq!(alone.stage.as_deref(), Some("ResponseComplete"));
    // A one-entry call has no stage; a repeat of it (the entry delivered twice) is a
    // duplicate of "none".
    let one = e.score(entry(true, true, "op-3").as_bytes());
    assert!(one.matched && one.stage.is_none());
    let again = e.score(entry(true, true, "op-3").as_bytes());
    assert_eq!(again.duplicate_of_stage.as_deref(), Some("none"));
    // With the set off, both entries of one call are scored.
    let mut off = engine(0);
    assert!(off.score(entry(true, false, "op-1").as_bytes()).matched);
    assert!(off.score(entry(false, true, "op-1").as_bytes()).matched);
}

#[test]
fn a_long_watch_of_every_secret_is_scored_once() {
    let watch = |stage: &str, uri: &str, verb: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"w-1","stage":"{stage}","requestURI":"{uri}","verb":"{verb}","user":{{"username":"bob","groups":["system:authenticated","developers"]}},"sourceIPs":["10.20.4.11"],"userAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350","objectRef":{{"resource":"secrets","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"2025-06-12T11:20:00.812204Z","stageTimestamp":"2025-06-12T11:49:27.113380Z","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}}}"#
        )
    };
    let mut e = engine(4096);
    let uri = "/api/v1/secrets?limit=500&watch=true";
    let started = e.score(watch("ResponseStarted", uri, "watch").as_bytes());
    assert!(started.matched, "{}", started.to_json());
    assert!(ids(&started).contains(&"cadet.k8s.secrets_list_cluster"));
    assert_eq!(started.stage.as_deref(), Some("ResponseStarted"));
    let complete = e.score(watch("ResponseComplete", uri, "watch").as_bytes());
    assert_eq!(
        complete.duplicate_of_stage.as_deref(),
        Some("ResponseStarted")
    );
    // `watch=1` in the query makes a request long-running too: its ResponseStarted is read.
    let mut off = engine(0);
    let query_only = watch("ResponseStarted", "/api/v1/secrets?watch=1", "list")
        .replace("\"auditID\":\"w-1\"", "\"auditID\":\"w-2\"");
    let v = off.score(query_only.as_bytes());
    assert!(v.matched, "{}", v.to_json());
}

#[test]
fn a_request_that_is_not_long_running_is_unchanged() {
    let get = |stage: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"s-1","stage":"{stage}","requestURI":"/api/v1/namespaces/payments/secrets/db-password","verb":"get","user":{{"username":"bob","groups":["system:authenticated","developers"]}},"sourceIPs":["10.20.4.11"],"userAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350","objectRef":{{"resource":"secrets","namespace":"payments","name":"db-password","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"2025-06-12T11:20:00.812204Z","stageTimestamp":"2025-06-12T11:20:00.830111Z","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}}}"#
        )
    };
    let mut e = engine(4096);
    let rr = e.score(get("RequestReceived").as_bytes());
    assert!(!rr.matched && rr.duplicate_of_stage.is_none());
    let rc = e.score(get("ResponseComplete").as_bytes());
    assert!(rc.matched && ids(&rc).contains(&"cadet.k8s.secrets_read"));
    assert_eq!(rc.stage.as_deref(), Some("ResponseComplete"));
    // A process record has no stage and no request identity: scored every time.
    let docker = br#"{"process":{"name":"docker","args":["docker","exec","-it","web","sh"]}}"#;
    for _ in 0..2 {
        let v = e.score(docker);
        assert!(v.matched && v.stage.is_none() && v.duplicate_of_stage.is_none());
    }
}

#[test]
fn a_suppressed_verdict_counts_as_scored() {
    let sa = |stage: &str| {
        exec("sup-1", stage, "create").replace(
            r#""username":"alice@corp.example","groups":["system:authenticated","oidc:platform-admins"]"#,
            r#""username":"system:serviceaccount:gitlab-runner:gitlab-runner","groups":["system:serviceaccounts","system:authenticated"]"#,
        )
    };
    let mut e = engine(4096);
    let first = e.score(sa("ResponseStarted").as_bytes());
    assert!(
        first.matched && first.suppressed_by.is_some(),
        "{}",
        first.to_json()
    );
    let second = e.score(sa("ResponseComplete").as_bytes());
    assert_eq!(
        second.duplicate_of_stage.as_deref(),
        Some("ResponseStarted")
    );
}

#[test]
fn the_first_seen_state_counts_a_request_once() {
    let mut e = Engine::new(&Config {
        state_capacity: 64,
        ..Config::default()
    })
    .unwrap();
    let first = e.score(exec("fs-1", "RequestReceived", "create").as_bytes());
    let ctx = first.context.clone().unwrap_or_default();
    assert!(ctx.first_seen_user_exec && ctx.exec_rate == 1, "{ctx:?}");
    for s in ["ResponseStarted", "ResponseComplete"] {
        assert!(!e.score(exec("fs-1", s, "create").as_bytes()).matched);
    }
    let next = e.score(exec("fs-2", "ResponseStarted", "create").as_bytes());
    assert_eq!(
        next.context.unwrap_or_default().exec_rate,
        2,
        "the stages of fs-1 were not counted as execs"
    );
}

#[test]
fn a_denied_request_says_so() {
    let denied = exec("d-1", "ResponseComplete", "create")
        .replace(
            r#""responseStatus":{"metadata":{},"code":101}"#,
            r#""responseStatus":{"metadata":{},"status":"Failure","message":"pods \"api-7d9f8b6c5d-x2k4q\" is forbidden: User \"alice@corp.example\" cannot create resource \"pods/exec\"","reason":"Forbidden","code":403}"#,
        )
        .replace(
            r#""authorization.k8s.io/decision":"allow""#,
            r#""authorization.k8s.io/decision":"forbid""#,
        );
    let v = engine(4096).score(denied.as_bytes());
    assert!(v.matched, "{}", v.to_json());
    assert!(v.denied);
    let allowed = engine(4096).score(exec("d-2", "ResponseComplete", "create").as_bytes());
    assert!(allowed.matched && !allowed.denied);
}

#[test]
fn an_eks_export_of_the_stages_is_scored_once() {
    let mut e = engine(4096);
    let wrap = |inner: String| {
        serde_json::json!({"timestamp": 1749726000101i64, "message": inner, "logStreamName": "kube-apiserver-audit-3c5f"}).to_string()
    };
    let started = e.score(wrap(exec("eks-1", "ResponseStarted", "create")).as_bytes());
    assert!(started.matched);
    assert_eq!(started.source.as_deref(), Some("k8s_eks"));
    let complete = e.score(wrap(exec("eks-1", "ResponseComplete", "create")).as_bytes());
    assert_eq!(
        complete.duplicate_of_stage.as_deref(),
        Some("ResponseStarted")
    );
}
