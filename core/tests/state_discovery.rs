//! Enumeration bursts: one user reading many kinds of resources in a short window.

use cadet_core::{Config, Engine};

fn audit_get(user: &str, resource: &str, at: &str) -> Vec<u8> {
    serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": format!("id-{resource}-{at}"),
        "stage": "ResponseComplete", "requestURI": format!("/api/v1/{resource}?limit=500"), "verb": "list",
        "user": {"username": user, "groups": ["system:authenticated"]}, "sourceIPs": ["10.20.4.11"],
        "userAgent": "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350",
        "objectRef": {"resource": resource, "apiVersion": "v1"}, "responseStatus": {"metadata": {}, "code": 200},
        "requestReceivedTimestamp": at, "stageTimestamp": at,
    })
    .to_string()
    .into_bytes()
}

const RESOURCES: [&str; 9] = [
    "pods",
    "services",
    "deployments",
    "nodes",
    "namespaces",
    "serviceaccounts",
    "roles",
    "rolebindings",
    "endpoints",
];

#[test]
fn many_resources_read_quickly_is_an_enumeration_burst() {
    let mut e = Engine::new(&Config {
        state_capacity: 1000,
        ..Config::default()
    })
    .unwrap();
    let mut burst_at = None;
    for (i, r) in RESOURCES.iter().enumerate() {
        let v = e.score(&audit_get(
            "mallory@corp.example",
            r,
            &format!("2025-06-12T10:00:{:02}Z", i * 5),
        ));
        if v.matched && v.context.as_ref().is_some_and(|c| c.discovery_burst) {
            burst_at.get_or_insert(i + 1);
            assert!(v.techniques.contains(&"T1613".to_string()));
            assert_eq!(
                v.context.as_ref().unwrap().discovery_resources as usize,
                i + 1
            );
        }
    }
    assert_eq!(
        burst_at,
        Some(8),
        "the 8th distinct resource within the window is a burst"
    );
    // The same resource again does not count twice.
    let v = e.score(&audit_get(
        "mallory@corp.example",
        "pods",
        "2025-06-12T10:00:50Z",
    ));
    assert_eq!(v.context.unwrap().discovery_resources, 9);
}

#[test]
fn slow_reads_and_other_users_are_not_a_burst() {
    let mut e = Engine::new(&Config {
        state_capacity: 1000,
        ..Config::default()
    })
    .unwrap();
    for (i, r) in RESOURCES.iter().enumerate() {
        // one read per hour: every read opens a new window
        let v = e.score(&audit_get(
            "alice@corp.example",
            r,
            &format!("2025-06-12T{:02}:00:00Z", i + 1),
        ));
        assert!(!v.matched, "{}", v.to_json());
        // eight users reading one resource each
        let v = e.score(&audit_get(
            &format!("user{i}@corp.example"),
            r,
            "2025-06-12T10:00:00Z",
        ));
        assert!(!v.matched, "{}", v.to_json());
    }
    // without the state there is no burst at all
    let mut stateless = Engine::new(&Config::default()).unwrap();
    for (i, r) in RESOURCES.iter().enumerate() {
        assert!(
            !stateless
                .score(&audit_get(
                    "mallory@corp.example",
                    r,
                    &format!("2025-06-12T10:00:{:02}Z", i)
                ))
                .matched
        );
    }
}
