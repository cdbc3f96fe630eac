//! The first-seen detector state driven by Kubernetes audit events: first exec by a user,
//! first address of a user, exec/attach spikes over the event-time window, LRU bound,
//! save and restore.

use cadet_core::{Config, Engine, Verdict};

/// The score of `cadet.k8s.pod_exec`, the one rule an allowed `kubectl exec POD -- ls` matches.
const EXEC_SCORE: u32 = 55;

fn engine(capacity: usize) -> Engine {
    Engine::new(&Config {
        state_capacity: capacity,
        ..Config::default()
    })
    .unwrap()
}

/// A completed `kubectl exec POD -- ls` by `user` from `ip` at epoch second `t`.
fn exec(user: &str, ip: &str, t: i64) -> Vec<u8> {
    let ts = time(t);
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a-{t}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/app/pods/web-0/exec?command=ls&command=%2F","verb":"create","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["{ip}"],"userAgent":"kubectl/v1.30.2","objectRef":{{"resource":"pods","namespace":"app","name":"web-0","subresource":"exec"}},"responseStatus":{{"code":101}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow"}}}}"#
    )
    .into_bytes()
}

/// A routine `kubectl get pods` (a below-threshold state feeder).
fn get_pods(user: &str, ip: &str, t: i64) -> Vec<u8> {
    let ts = time(t);
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"g-{t}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/app/pods","verb":"list","user":{{"username":"{user}"}},"sourceIPs":["{ip}"],"userAgent":"kubectl/v1.30.2","objectRef":{{"resource":"pods","namespace":"app"}},"responseStatus":{{"code":200}},"stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow"}}}}"#
    )
    .into_bytes()
}

fn time(t: i64) -> String {
    // 2025-06-12T00:00:00Z + t seconds (t < 1 day).
    format!(
        "2025-06-12T{:02}:{:02}:{:02}.000000Z",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

fn ctx(v: &Verdict) -> cadet_core::Context {
    v.context.clone().unwrap_or_default()
}

#[test]
fn state_is_off_by_default_and_verdicts_do_not_change() {
    let mut e = Engine::new(&Config::default()).unwrap();
    let a = e.score(&exec("alice", "10.0.0.1", 0));
    let b = e.score(&exec("alice", "10.0.0.1", 1));
    assert!(a.context.is_none() && b.context.is_none());
    assert_eq!(a.score, EXEC_SCORE);
    // What the default engine keeps is the set of scored requests (audit_stages.rs), not
    // first-seen state.
    let saved: serde_json::Value = serde_json::from_str(&e.export_state()).unwrap();
    assert_eq!(saved.as_object().unwrap().len(), 1, "{saved}");
    assert!(saved["scored_requests"].is_array());
    let mut off = Engine::new(&Config {
        scored_requests: 0,
        ..Config::default()
    })
    .unwrap();
    assert_eq!(off.export_state(), "{}");
    assert!(off.import_state("{}").is_err());
}

#[test]
fn first_exec_and_first_address_raise_the_score_and_are_named() {
    let mut e = engine(100);
    let first = e.score(&exec("alice", "10.0.0.1", 0));
    let c = ctx(&first);
    assert!(
        c.first_seen_user_exec && c.first_seen_user_ip,
        "{}",
        first.to_json()
    );
    assert_eq!(first.score, EXEC_SCORE + 5 + 10);
    let t = first.triage.clone().unwrap();
    assert!(
        t.escalate.contains(&"unknown_account".to_string())
            && t.escalate.contains(&"lateral_movement".to_string())
    );
    let again = e.score(&exec("alice", "10.0.0.1", 5));
    let c = ctx(&again);
    assert!(!c.first_seen_user_exec && !c.first_seen_user_ip);
    assert_eq!(c.exec_rate, 2);
    assert_eq!(again.score, EXEC_SCORE);
    let new_ip = e.score(&exec("alice", "198.51.100.7", 10));
    assert!(ctx(&new_ip).first_seen_user_ip && !ctx(&new_ip).first_seen_user_exec);
    assert_eq!(new_ip.score, EXEC_SCORE + 10);
    assert!(
        new_ip
            .to_json()
            .contains(r#""context":{"first_seen_user_ip":true,"exec_rate":3}"#),
        "{}",
        new_ip.to_json()
    );
}

#[test]
fn routine_reads_teach_the_state_a_users_addresses_without_alerting() {
    let mut e = engine(100);
    let read = e.score(&get_pods("bob", "10.0.0.2", 0));
    assert!(
        !read.matched,
        "a feeder rule stays below the threshold even with the first-seen boost"
    );
    let x = e.score(&exec("bob", "10.0.0.2", 60));
    assert!(ctx(&x).first_seen_user_exec, "first exec by bob");
    assert!(
        !ctx(&x).first_seen_user_ip,
        "10.0.0.2 is known from bob's reads"
    );
}

#[test]
fn exec_spike_over_the_event_time_window() {
    let mut e = engine(100);
    let mut last = None;
    for i in 0..11 {
        last = Some(e.score(&exec("carol", "10.0.0.3", i * 20)));
        if i < 10 {
            assert!(!ctx(last.as_ref().unwrap()).exec_spike, "call {}", i + 1);
        }
    }
    let v = last.unwrap();
    assert!(
        ctx(&v).exec_spike && ctx(&v).exec_rate == 11,
        "{}",
        v.to_json()
    );
    assert_eq!(v.score, EXEC_SCORE + 15);
    // A call outside the window starts a new one.
    let later = e.score(&exec(
        "carol",
        "10.0.0.3",
        200 + 20 + cadet_core::parts::pack::RATE_WINDOW_SECS,
    ));
    assert_eq!(ctx(&later).exec_rate, 1);
    assert!(!ctx(&later).exec_spike);
}

#[test]
fn state_survives_a_restart() {
    let mut e = engine(100);
    e.score(&exec("dave", "10.0.0.4", 0));
    let saved = e.export_state();
    let mut restarted = engine(100);
    restarted.import_state(&saved).unwrap();
    let v = restarted.score(&exec("dave", "10.0.0.4", 30));
    assert!(!ctx(&v).first_seen_user_exec && !ctx(&v).first_seen_user_ip);
    assert_eq!(ctx(&v).exec_rate, 2, "the rate window carries over");
    assert_eq!(restarted.export_state(), {
        let mut again = engine(100);
        again.import_state(&saved).unwrap();
        again.score(&exec("dave", "10.0.0.4", 30));
        again.export_state()
    });
}

#[test]
fn state_is_bounded_least_recently_used_first() {
    // Each exec by a new user from one address uses 3 keys (user, user+ip, rate).
    let mut e = engine(6);
    e.score(&exec("u1", "10.0.0.9", 0));
    e.score(&exec("u2", "10.0.0.9", 1));
    e.score(&exec("u1", "10.0.0.9", 2)); // u1 is now the most recent
    e.score(&exec("u3", "10.0.0.9", 3)); // evicts u2's keys
    let state: serde_json::Value = serde_json::from_str(&e.export_state()).unwrap();
    assert_eq!(state["entries"].as_object().unwrap().len(), 6);
    assert!(!ctx(&e.score(&exec("u1", "10.0.0.9", 4))).first_seen_user_exec);
    assert!(
        ctx(&e.score(&exec("u2", "10.0.0.9", 5))).first_seen_user_exec,
        "u2 was evicted"
    );
}

#[test]
fn a_hostile_or_oversized_saved_state_loads_safely() {
    let mut e = engine(2);
    assert!(e.import_state("not json").is_err());
    assert!(e
        .import_state(r#"{"capacity":1,"tick":1,"entries":{"u":{"used":"x"}}}"#)
        .is_err());
    // Duplicate stamps, a huge tick and more keys than the capacity.
    let hostile = r#"{"capacity":99999,"tick":18446744073709551615,"entries":{"u\u001fa":{"used":7},"u\u001fb":{"used":7},"u\u001fc":{"used":7},"u\u001fd":{"used":1}}}"#;
    e.import_state(hostile).unwrap();
    let state: serde_json::Value = serde_json::from_str(&e.export_state()).unwrap();
    assert_eq!(state["entries"].as_object().unwrap().len(), 2);
    assert_eq!(state["capacity"], 2);
    // Still usable afterwards.
    assert!(e.score(&exec("zed", "10.0.0.5", 0)).matched);
}
