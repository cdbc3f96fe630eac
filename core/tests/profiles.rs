//! The three seed queries, branch by branch, with their edges.

use cadet_core::{Config, Engine, Severity, Verdict};

fn engine(profile: &str) -> Engine {
    Engine::new(&Config {
        profile: profile.into(),
        ..Config::default()
    })
    .unwrap()
}

/// An ECS process start with this command line (argv split by the core).
fn proc_cmd(cmd: &str) -> Vec<u8> {
    serde_json::json!({"event": {"type": ["start"]}, "process": {"command_line": cmd}})
        .to_string()
        .into_bytes()
}

/// An ECS process start with an explicit process.name and args.
fn proc_args(name: &str, args: &[&str]) -> Vec<u8> {
    serde_json::json!({"process": {"name": name, "args": args, "command_line": args.join(" ")}})
        .to_string()
        .into_bytes()
}

fn score(profile: &str, record: &[u8]) -> Verdict {
    engine(profile).score(record)
}

// ---------------------------------------------------------------- seed 000 (QRadar T1609)

fn risk(cmd: &str) -> Option<u32> {
    let v = score("qradar-t1609", &proc_cmd(cmd));
    v.matched.then_some(v.score)
}

#[test]
fn qradar_t1609_where_clause_needs_one_of_five_words() {
    for word in ["docker", "kubectl", "crictl", "podman", "nsenter"] {
        assert_eq!(risk(&format!("{word} version")), Some(50), "{word}");
    }
    // ctr, runc and nerdctl are not in the seed's WHERE clause.
    for cmd in [
        "ctr run x",
        "runc exec -t c sh",
        "nerdctl run --privileged alpine",
    ] {
        assert_eq!(risk(cmd), None, "{cmd}");
    }
    // ILIKE is case-insensitive and matches inside words.
    assert_eq!(risk("/usr/local/bin/DOCKER-compose up"), Some(50));
}

#[test]
fn qradar_t1609_case_branches_first_when_wins() {
    assert_eq!(risk("docker run --privileged alpine"), Some(90));
    assert_eq!(
        risk("nsenter --target 1 --mount --uts --ipc --net --pid"),
        Some(50)
    ); // "1" must come after "pid"
    assert_eq!(risk("nsenter -t 1 -m -u -i -n -p"), Some(50)); // no "pid" after nsenter
    assert_eq!(risk("nsenter --pid --target 1"), Some(90));
    assert_eq!(risk("docker run --pid=host alpine"), Some(80));
    assert_eq!(risk("docker run --cap-add=SYS_ADMIN alpine"), Some(80));
    assert_eq!(risk("docker exec -it web sh"), Some(65));
    assert_eq!(risk("kubectl exec web -- sh"), Some(65));
    assert_eq!(risk("docker ps"), Some(50));
    // First WHEN wins: --privileged with exec is 90, --pid=host with exec is 80.
    assert_eq!(risk("docker exec --privileged web sh"), Some(90));
    assert_eq!(
        risk("docker run --pid=host --cap-add=SYS_ADMIN alpine && docker exec x sh"),
        Some(80)
    );
}

#[test]
fn qradar_t1609_ilike_edges() {
    // case-insensitive
    assert_eq!(risk("DOCKER RUN --PRIVILEGED alpine"), Some(90));
    assert_eq!(risk("docker run --Cap-Add=sys_admin alpine"), Some(80));
    // spacing: "%docker exec%" needs exactly one space
    assert_eq!(risk("docker  exec web sh"), Some(50));
    // the literal query misses the evasions cadet catches
    assert_eq!(risk("docker run --cap-add SYS_ADMIN alpine"), Some(50));
    assert_eq!(risk("docker run --pid host alpine"), Some(50));
    assert_eq!(risk("docker container exec -it web sh"), Some(50));
    // `%nsenter%pid%1%`: "1" may come from anywhere after "pid"
    assert_eq!(risk("nsenter --pid=/proc/1/ns/pid sh"), Some(90));
}

#[test]
fn qradar_t1609_ilike_underscore_is_one_character() {
    let pack = cadet_core::DEFAULT_PACK.replace(
        r#"ilike "%--privileged%""#,
        r#"ilike "%--privileged_true%""#,
    );
    let mut e = Engine::new(&Config {
        profile: "qradar-t1609".into(),
        rules: Some(pack),
        ..Config::default()
    })
    .unwrap();
    assert_eq!(
        e.score(&proc_cmd("docker run --privileged=true alpine"))
            .score,
        90
    );
    assert_eq!(
        e.score(&proc_cmd("docker run --privileged:true alpine"))
            .score,
        90
    );
    assert_eq!(
        e.score(&proc_cmd("docker run --privilegedtrue alpine"))
            .score,
        50
    );
    assert_eq!(
        e.score(&proc_cmd("docker run --privileged==true alpine"))
            .score,
        50
    );
}

#[test]
fn qradar_t1609_only_process_events_and_severity_per_riskscore() {
    let v = score("qradar-t1609", &proc_cmd("docker run --privileged alpine"));
    assert_eq!(
        (
            v.severity,
            v.flags.privileged_container,
            v.techniques.clone()
        ),
        (Severity::Critical, true, vec!["T1609".to_string()])
    );
    assert_eq!(v.indicators, ["--privileged"]);
    assert_eq!(
        score("qradar-t1609", &proc_cmd("docker exec -it web sh")).severity,
        Severity::Medium
    );
    assert_eq!(
        score("qradar-t1609", &proc_cmd("docker ps")).severity,
        Severity::Low
    );
    // not a process start: no match even though "docker" is in the text
    assert!(!score("qradar-t1609", br#"{"message":"dockerd started"}"#).matched);
}

// ---------------------------------------------------------------- seed 001 (Elastic EQL)

fn eql(name: &str, args: &[&str]) -> bool {
    let v = score("elastic-t1609", &proc_args(name, args));
    if v.matched {
        assert_eq!((v.score, v.severity), (73, Severity::High));
    }
    v.matched
}

#[test]
fn elastic_t1609_process_name_in_is_case_sensitive() {
    assert!(eql("docker", &["docker", "exec", "web", "sh"]));
    assert!(!eql("Docker", &["Docker", "exec", "web", "sh"]));
    assert!(!eql("docker.exe", &["docker.exe", "exec", "web", "sh"]));
    for name in ["kubectl", "crictl", "ctr", "podman", "nsenter", "runc"] {
        assert!(eql(name, &[name, "exec"]), "{name}");
    }
    assert!(!eql("nerdctl", &["nerdctl", "exec", "web", "sh"]));
}

#[test]
fn elastic_t1609_args_colon_is_case_insensitive_on_any_element() {
    assert!(eql("docker", &["docker", "RUN", "alpine"]));
    assert!(eql("kubectl", &["kubectl", "-n", "x", "DEPLOY"]));
    assert!(eql(
        "docker",
        &["docker", "run", "--cap-add", "sys_admin", "alpine"]
    ));
    assert!(!eql("docker", &["docker", "ps"]));
    assert!(!eql("docker", &["docker", "execute"])); // whole element, no wildcard
    assert!(!eql("docker", &["docker", "images", "--all"]));
    // `*--privileged*` on the command line matches inside a longer word, as in EQL
    assert!(eql("docker", &["docker", "images", "--privileged-ish"]));
}

#[test]
fn elastic_t1609_command_line_wildcards() {
    // matched through process.command_line although no arg equals a keyword
    let v = score("elastic-t1609", &serde_json::json!({"process": {"name": "docker", "args": ["docker", "image", "ls"], "command_line": "docker image ls --filter label=--pid=host"}}).to_string().into_bytes());
    assert!(v.matched);
    let v = score("elastic-t1609", &serde_json::json!({"process": {"name": "nsenter", "args": ["/usr/bin/nsenter", "-a"], "command_line": "/usr/bin/nsenter --PID=/proc/1/ns/pid"}}).to_string().into_bytes());
    assert!(v.matched && v.indicators.contains(&"nsenter*pid*1".to_string()));
}

// ---------------------------------------------------------------- seed 002 (QRadar T1059.013)

fn t1059(name: &str, cmd: &str) -> Verdict {
    score(
        "qradar-t1059-013",
        &serde_json::json!({"process": {"name": name, "command_line": cmd}})
            .to_string()
            .into_bytes(),
    )
}

#[test]
fn qradar_t1059_additive_score_and_flags() {
    let v = t1059(
        "docker",
        "docker run --privileged -v /:/host alpine chroot /host",
    );
    assert_eq!(v.score, 3 + 3 + 3);
    assert!(
        v.flags.privileged_container
            && v.flags.host_mount
            && v.flags.escape
            && !v.flags.container_exec
    );
    assert_eq!(v.severity, Severity::Critical);
    let v = t1059("docker", "docker exec -it web sh");
    assert_eq!((v.score, v.flags.container_exec), (1, true));
    let v = t1059("kubectl", "kubectl get secrets -A");
    assert_eq!((v.score, v.flags.secrets_access), (2, true));
    let v = t1059(
        "kubectl",
        "kubectl exec pod -- cat /etc/shadow && kubectl get configmaps",
    );
    assert_eq!(v.score, 1 + 2);
    let all = t1059("docker", "docker run --net=host -v /var/run/docker.sock:/x a; docker exec b; kubectl get secrets; nsenter -t 1");
    assert_eq!(all.score, 12);
    assert_eq!(all.rules.len(), 5);
}

#[test]
fn qradar_t1059_score_zero_is_no_match_even_when_the_prefilter_passes() {
    let v = t1059("docker", "docker ps");
    assert!(!v.matched && v.score == 0);
    // WHERE passes on the process name alone, but the score is 0
    assert!(!t1059("nerdctl", "nerdctl images").matched);
}

#[test]
fn qradar_t1059_imatches_is_whole_string_case_insensitive() {
    assert_eq!(t1059("docker", "DOCKER EXEC -it web sh").score, 1);
    // `.` does not match a newline: a command line with a line break before the keyword
    assert!(!t1059("docker", "echo hi\ndocker exec web sh").matched);
    // WHERE clause on Process Name: kubectl.exe matches `.*kubectl.*`
    assert_eq!(t1059("kubectl.exe", "kubectl.exe get secrets").score, 2);
    // literal misses: `-v /:/host` needs exactly that text
    assert!(!t1059("docker", "docker run --volume /:/host alpine").matched);
    // WHERE on command when the name is not a container tool
    assert_eq!(
        t1059("bash", "bash -c 'docker run --privileged alpine'").score,
        3
    );
    // neither name nor command in the WHERE: no match even with nsenter (+3)
    assert!(!t1059("bash", "nsenter -t 1 -m sh").matched);
}

// ---------------------------------------------------------------- cadet goes beyond the literal queries

#[test]
fn cadet_catches_what_the_literal_queries_miss() {
    let evasions = [
        "docker container exec -it web sh",
        "docker -H tcp://10.0.0.5:2375 exec -it web sh",
        "docker run --cap-add SYS_ADMIN -it alpine sh",
        "docker run --pid host -it alpine nsenter -t 1 -m sh",
        "docker run --volume /:/host -it alpine chroot /host sh",
        "sudo -u root env X=1 /usr/bin/docker run --privileged=true alpine",
        "kubectl -n prod --context c exec -ti api-0 -- bash",
        "sh -c \"kubectl exec api-0 -- cat /var/run/secrets/kubernetes.io/serviceaccount/token\"",
    ];
    for cmd in evasions {
        let v = score("cadet", &proc_cmd(cmd));
        assert!(
            v.matched && v.severity >= Severity::Medium,
            "{cmd}: {}",
            v.to_json()
        );
    }
}

#[test]
fn cadet_is_quiet_on_routine_read_only_use() {
    for cmd in [
        "docker ps",
        "docker images",
        "docker version",
        "docker info",
        "docker logs web",
        "kubectl get pods",
        "kubectl describe pod x",
        "kubectl logs x",
        "crictl ps",
    ] {
        assert!(!score("cadet", &proc_cmd(cmd)).matched, "{cmd}");
    }
    // ... and records them below the threshold when asked
    let mut low = Engine::new(&Config {
        threshold: Some(1),
        ..Config::default()
    })
    .unwrap();
    let v = low.score(&proc_cmd("docker ps"));
    assert!(v.matched && v.techniques == ["T1613"]);
}

#[test]
fn rules_are_indexed_by_the_event_kinds_they_can_match() {
    use cadet_core::parts::condition::applicable_kinds;
    let e = engine("cadet");
    let mut by_kind = std::collections::BTreeMap::<String, usize>::new();
    for r in e.rules() {
        let k = applicable_kinds(&r.when)
            .map(|k| k.join(","))
            .unwrap_or_else(|| "any".into());
        *by_kind.entry(k).or_default() += 1;
    }
    // Most rules are specific to one kind of record; process rules never run on audit events.
    assert!(
        by_kind.get("process").copied().unwrap_or(0) >= 40,
        "{by_kind:?}"
    );
    assert!(
        by_kind.get("any").copied().unwrap_or(0) <= 10,
        "{by_kind:?}"
    );
    let c =
        |t: &str| cadet_core::parts::condition::Condition::parse(t, &Default::default()).unwrap();
    assert_eq!(
        applicable_kinds(&c(r#"cmd.tool == "docker" and cmd.privileged"#)),
        Some(vec!["process"])
    );
    assert_eq!(
        applicable_kinds(&c(
            r#"event.kind in ("docker", "kubelet") or event.kind == "k8s_audit""#
        )),
        Some(vec!["docker", "kubelet", "k8s_audit"])
    );
    assert_eq!(
        applicable_kinds(&c(r#"cmd.interactive == false"#)),
        None,
        "a false bool holds for any kind"
    );
    assert_eq!(applicable_kinds(&c(r#"cmd.tool != "docker""#)), None);
    assert_eq!(
        applicable_kinds(&c(r#"payload.shell"#)),
        None,
        "payloads come from every source"
    );
}
