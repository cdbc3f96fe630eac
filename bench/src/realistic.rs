//! The realistic node mix (issue 17): what a Kubernetes node's log shipper actually sees.
//!
//! Mix by record count (see [`Class`]):
//! - **70 % process starts**, in four source formats (Elastic Endpoint ECS 45 %, laurel/auditd JSON
//!   25 %, Sysmon for Linux 20 %, Splunk endpoint 10 %). 40 % of them are container tooling or
//!   containerised processes: admins' read-only `docker ps|images|logs|inspect`, `docker run`,
//!   `kubectl get|describe|logs|apply|rollout`, `crictl ps|pods|images|logs`, `nerdctl ps`, `helm list`,
//!   and the workloads themselves as children of `containerd-shim-runc-v2` or `runc init`
//!   (nginx, java, python, node, exec probes such as `sh -c pg_isready`), ECS records with a
//!   `container.id`. The other 60 % are ordinary programs (ls, git, systemctl, curl, tar, ...).
//! - **20 % Kubernetes audit records**, 85 % of them control plane and controllers (kubelet node
//!   leases and node status, controller-manager/scheduler leader election, endpointslice / pod /
//!   configmap get/list/watch/update by the controllers, coredns, metrics-server, cert-manager,
//!   argo-cd) and 15 % human reads (`kubectl get|describe|logs` by an admin). Raw apiserver audit
//!   lines 70 %, and the cloud wrappers: EKS CloudWatch export 10 %, GKE Cloud Audit 10 %, AKS
//!   diagnostic record 10 %.
//! - **10 % attacks**: every attack record of `core/fixtures/**` (`*.attack.jsonl` without `_expect`,
//!   `*.attack.log` raw lines: auditd, dockerd, kubelet, text), picked uniformly — every kind the
//!   pack knows, in the shape its fixture has.
//!
//! The shapes follow `core/fixtures/{ecs,auditd,sysmon,splunk,k8s_audit,k8s_eks,k8s_gke,k8s_aks}` and
//! `shared/data/negatives/elastic_integrations_k8s_audit`. Seeded (splitmix64): the same bytes every run.
//!
//! This file is self-contained (std and serde_json only) so that host-tests can include it with
//! `#[path]` and measure the WebAssembly builds on exactly these records.

use std::path::Path;

/// splitmix64.
pub struct Rng(u64);

impl Rng {
    /// A generator starting at `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What a generated record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Process start of an ordinary program.
    ProcOrdinary,
    /// Process start of container tooling or of a containerised process.
    ProcContainer,
    /// Kubernetes audit record of the control plane or a controller.
    K8sControlPlane,
    /// Kubernetes audit record of a human read (kubectl get/describe/logs).
    K8sHuman,
    /// An attack record of `core/fixtures`.
    Attack,
}

impl Class {
    /// Every class, in report order (host-tests' tables use it).
    #[allow(dead_code)]
    pub const ALL: [Class; 5] = [
        Class::ProcOrdinary,
        Class::ProcContainer,
        Class::K8sControlPlane,
        Class::K8sHuman,
        Class::Attack,
    ];
    /// Short label for tables.
    pub fn name(self) -> &'static str {
        match self {
            Class::ProcOrdinary => "process, ordinary",
            Class::ProcContainer => "process, container tooling/workload",
            Class::K8sControlPlane => "k8s audit, control plane",
            Class::K8sHuman => "k8s audit, human read",
            Class::Attack => "attack (fixtures)",
        }
    }
}

/// Generates realistic-mix records.
pub struct Realistic {
    rng: Rng,
    attacks: Vec<String>,
    millis: u64,
}

const USERS: &[(&str, u32)] = &[
    ("alice", 1001),
    ("bob", 1002),
    ("deploy", 1100),
    ("root", 0),
    ("root", 0),
    ("www-data", 33),
    ("jenkins", 1200),
];
const SHELLS: &[(&str, &str, &str)] = &[
    ("bash", "/usr/bin/bash", "-bash"),
    ("sh", "/usr/bin/sh", "/bin/sh -c /etc/cron.daily/run"),
    ("sshd", "/usr/sbin/sshd", "sshd: deploy@pts/0"),
    ("systemd", "/usr/lib/systemd/systemd", "/sbin/init splash"),
    ("zsh", "/usr/bin/zsh", "-zsh"),
];
const ORDINARY: &[(&str, &[&str])] = &[
    ("/usr/bin/ls", &["ls", "-la", "/var/log/nginx"]),
    (
        "/usr/bin/grep",
        &["grep", "-rn", "ERROR", "/var/log/app/server.log"],
    ),
    (
        "/usr/bin/git",
        &["git", "pull", "--ff-only", "origin", "main"],
    ),
    (
        "/usr/bin/python3",
        &["python3", "/opt/app/manage.py", "migrate", "--noinput"],
    ),
    (
        "/usr/bin/systemctl",
        &["systemctl", "status", "kubelet.service"],
    ),
    (
        "/usr/bin/systemctl",
        &["systemctl", "restart", "containerd"],
    ),
    (
        "/usr/bin/curl",
        &["curl", "-fsS", "https://status.example.com/healthz"],
    ),
    (
        "/usr/bin/tar",
        &["tar", "czf", "/backup/etcd-2026-12-03.tgz", "/var/lib/etcd"],
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
        "/usr/bin/journalctl",
        &["journalctl", "-u", "kubelet", "--since", "1 hour ago"],
    ),
    ("/usr/sbin/logrotate", &["logrotate", "/etc/logrotate.conf"]),
    ("/usr/bin/du", &["du", "-sh", "/var/lib/containerd"]),
    ("/usr/bin/df", &["df", "-h"]),
    ("/usr/bin/cat", &["cat", "/etc/hosts"]),
    (
        "/usr/bin/apt-get",
        &["apt-get", "install", "-y", "--no-install-recommends", "jq"],
    ),
    ("/usr/bin/sleep", &["sleep", "30"]),
    (
        "/usr/bin/jq",
        &["jq", ".items[].metadata.name", "/tmp/out.json"],
    ),
    (
        "/usr/sbin/iptables",
        &["iptables", "-w", "5", "-t", "nat", "-S", "KUBE-SERVICES"],
    ),
    ("/usr/sbin/ip", &["ip", "-o", "link", "show"]),
    (
        "/usr/bin/mount",
        &[
            "mount",
            "-t",
            "tmpfs",
            "tmpfs",
            "/var/lib/kubelet/pods/3f1c/volumes/kubernetes.io~projected/kube-api-access-x7k2p",
        ],
    ),
    (
        "/usr/bin/nsenter",
        &["nsenter", "--net=/proc/1/ns/net", "ip", "route"],
    ),
];
/// Admins' container tooling (benign, mostly read-only).
const TOOLING: &[(&str, &[&str])] = &[
    ("/usr/bin/docker", &["docker", "ps"]),
    (
        "/usr/bin/docker",
        &["docker", "ps", "-a", "--format", "{{.Names}}\\t{{.Status}}"],
    ),
    ("/usr/bin/docker", &["docker", "images"]),
    (
        "/usr/bin/docker",
        &["docker", "logs", "--tail", "100", "web"],
    ),
    (
        "/usr/bin/docker",
        &[
            "docker",
            "inspect",
            "--format",
            "{{.State.Health.Status}}",
            "api",
        ],
    ),
    (
        "/usr/bin/docker",
        &[
            "docker",
            "run",
            "--rm",
            "-d",
            "--name",
            "redis",
            "-p",
            "6379:6379",
            "redis:7.2",
        ],
    ),
    (
        "/usr/bin/docker",
        &["docker", "pull", "registry.corp.example/api:2.14.1"],
    ),
    ("/usr/bin/docker", &["docker", "stats", "--no-stream"]),
    (
        "/usr/local/bin/kubectl",
        &["kubectl", "get", "pods", "-n", "prod"],
    ),
    (
        "/usr/local/bin/kubectl",
        &["kubectl", "get", "pods", "-A", "-o", "wide"],
    ),
    (
        "/usr/local/bin/kubectl",
        &["kubectl", "describe", "deployment", "api", "-n", "prod"],
    ),
    (
        "/usr/local/bin/kubectl",
        &["kubectl", "logs", "-n", "prod", "deploy/api", "--tail=200"],
    ),
    (
        "/usr/local/bin/kubectl",
        &["kubectl", "apply", "-f", "k8s/deployment.yaml"],
    ),
    (
        "/usr/local/bin/kubectl",
        &[
            "kubectl",
            "rollout",
            "status",
            "deployment/api",
            "-n",
            "prod",
        ],
    ),
    ("/usr/local/bin/kubectl", &["kubectl", "get", "nodes"]),
    ("/usr/bin/crictl", &["crictl", "ps"]),
    (
        "/usr/bin/crictl",
        &["crictl", "pods", "--namespace", "kube-system"],
    ),
    ("/usr/bin/crictl", &["crictl", "images"]),
    (
        "/usr/bin/crictl",
        &["crictl", "logs", "--tail", "50", "7c1e4b2a9d3f"],
    ),
    ("/usr/local/bin/nerdctl", &["nerdctl", "-n", "k8s.io", "ps"]),
    ("/usr/local/bin/helm", &["helm", "list", "-A"]),
];
/// Containerised workloads and what runs inside them.
const WORKLOADS: &[(&str, &[&str])] = &[
    ("/usr/sbin/nginx", &["nginx", "-g", "daemon off;"]),
    (
        "/usr/bin/java",
        &[
            "java",
            "-XX:MaxRAMPercentage=75",
            "-jar",
            "/app/billing.jar",
        ],
    ),
    (
        "/usr/local/bin/python3",
        &["python3", "/app/main.py", "--port", "8080"],
    ),
    ("/usr/local/bin/node", &["node", "/srv/server.js"]),
    ("/pause", &["/pause"]),
    ("/coredns", &["/coredns", "-conf", "/etc/coredns/Corefile"]),
    (
        "/bin/sh",
        &[
            "/bin/sh",
            "-c",
            "pg_isready -U postgres -h 127.0.0.1 -p 5432",
        ],
    ),
    (
        "/bin/sh",
        &["sh", "-c", "wget -q -O- http://localhost:8080/healthz"],
    ),
    ("/usr/local/bin/redis-cli", &["redis-cli", "ping"]),
    (
        "/usr/bin/prometheus",
        &[
            "/bin/prometheus",
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
        ],
    ),
];

/// (username, groups, userAgent, sourceIP)
type Actor = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);
const NODE_ACTOR: Actor = (
    "system:node:ip-10-0-12-7.ec2.internal",
    &["system:nodes", "system:authenticated"],
    "kubelet/v1.30.2 (linux/amd64) kubernetes/3968350",
    "10.0.12.7",
);
const KCM: Actor = (
    "system:kube-controller-manager",
    &["system:authenticated"],
    "kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350/leader-election",
    "10.0.0.10",
);
const SCHED: Actor = (
    "system:kube-scheduler",
    &["system:authenticated"],
    "kube-scheduler/v1.30.2 (linux/amd64) kubernetes/3968350/leader-election",
    "10.0.0.10",
);
const EPS: Actor = (
    "system:serviceaccount:kube-system:endpointslice-controller",
    &["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
    "kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350/system:serviceaccount:kube-system:endpointslice-controller",
    "10.0.0.10",
);
const DEPLOY: Actor = (
    "system:serviceaccount:kube-system:deployment-controller",
    &["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
    "kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350/system:serviceaccount:kube-system:deployment-controller",
    "10.0.0.10",
);
const COREDNS: Actor = (
    "system:serviceaccount:kube-system:coredns",
    &[
        "system:serviceaccounts",
        "system:serviceaccounts:kube-system",
        "system:authenticated",
    ],
    "coredns/v1.11.1 (linux/amd64) kubernetes/4b8e819",
    "10.0.14.3",
);
const METRICS: Actor = (
    "system:serviceaccount:kube-system:metrics-server",
    &[
        "system:serviceaccounts",
        "system:serviceaccounts:kube-system",
        "system:authenticated",
    ],
    "metrics-server/v0.7.1 (linux/amd64) kubernetes/$Format",
    "10.0.14.9",
);
const CERTM: Actor = (
    "system:serviceaccount:cert-manager:cert-manager",
    &[
        "system:serviceaccounts",
        "system:serviceaccounts:cert-manager",
        "system:authenticated",
    ],
    "cert-manager-controller/v1.15.1 (linux/amd64) cert-manager/7f4b2a1",
    "10.0.15.22",
);
const ARGO: Actor = (
    "system:serviceaccount:argocd:argocd-application-controller",
    &[
        "system:serviceaccounts",
        "system:serviceaccounts:argocd",
        "system:authenticated",
    ],
    "argocd-application-controller/v2.11.3+6b9cd82",
    "10.0.15.40",
);
const HUMAN: Actor = (
    "alice@corp.example",
    &["oidc:platform-admins", "system:authenticated"],
    "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350",
    "192.0.2.44",
);

/// (actor, verb, apiGroup ("" = core), resource, subresource, namespace, name, weight)
type Request = (
    Actor,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u32,
);
const CONTROL_PLANE: &[Request] = &[
    (
        NODE_ACTOR,
        "update",
        "coordination.k8s.io",
        "leases",
        "",
        "kube-node-lease",
        "ip-10-0-12-7.ec2.internal",
        20,
    ),
    (
        NODE_ACTOR,
        "get",
        "coordination.k8s.io",
        "leases",
        "",
        "kube-node-lease",
        "ip-10-0-12-7.ec2.internal",
        8,
    ),
    (
        NODE_ACTOR,
        "patch",
        "",
        "nodes",
        "status",
        "",
        "ip-10-0-12-7.ec2.internal",
        6,
    ),
    (
        NODE_ACTOR,
        "get",
        "",
        "nodes",
        "",
        "",
        "ip-10-0-12-7.ec2.internal",
        6,
    ),
    (NODE_ACTOR, "watch", "", "pods", "", "", "", 3),
    (
        NODE_ACTOR,
        "get",
        "",
        "configmaps",
        "",
        "prod",
        "kube-root-ca.crt",
        4,
    ),
    (NODE_ACTOR, "list", "", "services", "", "", "", 2),
    (
        KCM,
        "get",
        "coordination.k8s.io",
        "leases",
        "",
        "kube-system",
        "kube-controller-manager",
        8,
    ),
    (
        KCM,
        "update",
        "coordination.k8s.io",
        "leases",
        "",
        "kube-system",
        "kube-controller-manager",
        8,
    ),
    (
        SCHED,
        "get",
        "coordination.k8s.io",
        "leases",
        "",
        "kube-system",
        "kube-scheduler",
        6,
    ),
    (
        SCHED,
        "update",
        "coordination.k8s.io",
        "leases",
        "",
        "kube-system",
        "kube-scheduler",
        6,
    ),
    (SCHED, "watch", "", "pods", "", "", "", 2),
    (
        EPS,
        "update",
        "discovery.k8s.io",
        "endpointslices",
        "",
        "prod",
        "api-x8k2p",
        4,
    ),
    (
        EPS,
        "list",
        "discovery.k8s.io",
        "endpointslices",
        "",
        "",
        "",
        2,
    ),
    (
        DEPLOY,
        "update",
        "apps",
        "deployments",
        "status",
        "prod",
        "api",
        3,
    ),
    (DEPLOY, "watch", "apps", "replicasets", "", "", "", 2),
    (
        COREDNS,
        "watch",
        "discovery.k8s.io",
        "endpointslices",
        "",
        "",
        "",
        3,
    ),
    (COREDNS, "list", "", "namespaces", "", "", "", 1),
    (
        METRICS,
        "get",
        "",
        "nodes",
        "",
        "",
        "ip-10-0-12-7.ec2.internal",
        3,
    ),
    (METRICS, "list", "", "nodes", "", "", "", 2),
    (CERTM, "get", "", "secrets", "", "prod", "api-tls", 2),
    (
        CERTM,
        "watch",
        "cert-manager.io",
        "certificates",
        "",
        "",
        "",
        2,
    ),
    (
        CERTM,
        "update",
        "coordination.k8s.io",
        "leases",
        "",
        "kube-system",
        "cert-manager-controller",
        3,
    ),
    (ARGO, "list", "apps", "deployments", "", "", "", 2),
    (
        ARGO,
        "watch",
        "argoproj.io",
        "applications",
        "",
        "argocd",
        "",
        2,
    ),
    (ARGO, "get", "", "configmaps", "", "argocd", "argocd-cm", 2),
];
const HUMAN_READS: &[Request] = &[
    (HUMAN, "list", "", "pods", "", "prod", "", 5),
    (HUMAN, "get", "", "pods", "", "prod", "api-6b7c9d-x2k4p", 3),
    (HUMAN, "get", "apps", "deployments", "", "prod", "api", 3),
    (HUMAN, "list", "", "events", "", "prod", "", 2),
    (
        HUMAN,
        "get",
        "",
        "pods",
        "log",
        "prod",
        "api-6b7c9d-x2k4p",
        3,
    ),
    (HUMAN, "list", "", "nodes", "", "", "", 2),
    (HUMAN, "list", "", "namespaces", "", "", "", 1),
];

impl Realistic {
    /// A generator seeded with `seed`, taking attack records from `fixtures` (`core/fixtures`).
    pub fn new(seed: u64, fixtures: &Path) -> Realistic {
        let mut attacks = Vec::new();
        collect_attacks(fixtures, &mut attacks);
        attacks.sort();
        assert!(
            !attacks.is_empty(),
            "no attack fixtures under {}",
            fixtures.display()
        );
        Realistic {
            rng: Rng::new(seed),
            attacks,
            millis: 1_764_756_000_000,
        }
    }

    /// Number of distinct attack records available.
    pub fn attack_records(&self) -> usize {
        self.attacks.len()
    }

    /// `n` records (no newline) and their classes.
    pub fn lines(&mut self, n: usize) -> (Vec<String>, Vec<Class>) {
        let mut lines = Vec::with_capacity(n);
        let mut classes = Vec::with_capacity(n);
        for _ in 0..n {
            let mut s = String::with_capacity(800);
            classes.push(self.record(&mut s));
            lines.push(s);
        }
        (lines, classes)
    }

    /// Appends one record (no newline) to `out` and says what it is.
    pub fn record(&mut self, out: &mut String) -> Class {
        self.millis += 1 + self.rng.below(20);
        let roll = self.rng.below(1000);
        if roll < 700 {
            let container = self.rng.below(100) < 40;
            let class = if container {
                Class::ProcContainer
            } else {
                Class::ProcOrdinary
            };
            let p = if container {
                self.container_process()
            } else {
                self.ordinary_process()
            };
            match self.rng.below(100) {
                0..=44 => self.ecs(out, &p),
                45..=69 => self.laurel(out, &p),
                70..=89 => self.sysmon(out, &p),
                _ => self.splunk(out, &p),
            }
            class
        } else if roll < 900 {
            let human = self.rng.below(100) < 15;
            let req = self.weighted(if human { HUMAN_READS } else { CONTROL_PLANE });
            match self.rng.below(100) {
                0..=69 => out.push_str(&self.k8s_raw(&req)),
                70..=79 => self.eks(out, &req),
                80..=89 => self.gke(out, &req),
                _ => self.aks(out, &req),
            }
            if human {
                Class::K8sHuman
            } else {
                Class::K8sControlPlane
            }
        } else {
            let i = self.rng.below(self.attacks.len() as u64) as usize;
            out.push_str(&self.attacks[i]);
            Class::Attack
        }
    }

    fn weighted(&mut self, reqs: &'static [Request]) -> Request {
        let total: u32 = reqs.iter().map(|r| r.7).sum();
        let mut x = self.rng.below(total as u64) as u32;
        for r in reqs {
            if x < r.7 {
                return *r;
            }
            x -= r.7;
        }
        reqs[0]
    }

    fn ordinary_process(&mut self) -> Proc {
        let (exe, args) = *self.rng.pick(ORDINARY);
        let (user, uid) = *self.rng.pick(USERS);
        let (pname, pexe, pcmd) = *self.rng.pick(SHELLS);
        Proc {
            exe,
            args,
            user,
            uid,
            parent: (pname, pexe.into(), pcmd.into()),
            container_id: None,
        }
    }

    fn container_process(&mut self) -> Proc {
        if self.rng.below(2) == 0 {
            let (exe, args) = *self.rng.pick(TOOLING);
            let (user, uid) = *self.rng.pick(&USERS[..4]);
            let (pname, pexe, pcmd) = *self.rng.pick(&SHELLS[..3]);
            Proc {
                exe,
                args,
                user,
                uid,
                parent: (pname, pexe.into(), pcmd.into()),
                container_id: None,
            }
        } else {
            let (exe, args) = *self.rng.pick(WORKLOADS);
            let id = format!(
                "{:016x}{:016x}{:016x}{:016x}",
                self.rng.next(),
                self.rng.next(),
                self.rng.next(),
                self.rng.next()
            );
            let parent = if self.rng.below(4) == 0 {
                ("runc", "/usr/bin/runc".to_string(), "runc init".to_string())
            } else {
                ("containerd-shim", "/usr/bin/containerd-shim-runc-v2".to_string(), format!("/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {id} -address /run/containerd/containerd.sock"))
            };
            let (user, uid) = *self
                .rng
                .pick(&[("root", 0u32), ("nobody", 65534), ("app", 10001)]);
            Proc {
                exe,
                args,
                user,
                uid,
                parent,
                container_id: Some(id),
            }
        }
    }

    fn timestamp(&self) -> String {
        let ms = self.millis % 86_400_000;
        format!(
            "2026-12-03T{:02}:{:02}:{:02}.{:03}Z",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    }

    fn ecs(&mut self, out: &mut String, p: &Proc) {
        let args: Vec<String> = p.args.iter().map(|a| json_str(a)).collect();
        let name = p.exe.rsplit('/').next().unwrap();
        let container = match &p.container_id {
            Some(id) => format!(
                r#","container":{{"id":"{id}","runtime":"containerd"}},"orchestrator":{{"type":"kubernetes","namespace":"prod"}}"#
            ),
            None => String::new(),
        };
        let home = if p.user == "root" {
            "/root".to_string()
        } else {
            format!("/home/{}", p.user)
        };
        out.push_str(&format!(
            concat!(
                r#"{{"@timestamp":"{ts}","event":{{"kind":"event","category":["process"],"type":["start"],"action":"exec","dataset":"endpoint.events.process"}},"#,
                r#""host":{{"name":"node-{host}","os":{{"type":"linux","family":"debian"}}}},"user":{{"name":"{user}","id":"{uid}"}},"#,
                r#""process":{{"pid":{pid},"executable":"{exe}","name":"{name}","args":[{args}],"command_line":{cmd},"working_directory":"{home}","#,
                r#""parent":{{"pid":{ppid},"name":"{pname}","executable":"{pexe}","command_line":{pcmd}}}}}{container},"agent":{{"type":"endpoint","version":"8.15.0"}}}}"#
            ),
            ts = self.timestamp(),
            host = 1 + self.rng.below(40),
            user = p.user,
            uid = p.uid,
            pid = 1000 + self.rng.below(60000),
            exe = p.exe,
            name = name,
            args = args.join(","),
            cmd = json_str(&p.args.join(" ")),
            home = home,
            ppid = 300 + self.rng.below(5000),
            pname = p.parent.0,
            pexe = p.parent.1,
            pcmd = json_str(&p.parent.2),
            container = container,
        ));
    }

    fn laurel(&mut self, out: &mut String, p: &Proc) {
        let args: Vec<String> = p.args.iter().map(|a| json_str(a)).collect();
        let comm: String = p.exe.rsplit('/').next().unwrap().chars().take(15).collect();
        let pcomm: String = p.parent.0.chars().take(15).collect();
        let secs = self.millis / 1000;
        let serial = self.rng.below(900_000) + 1000;
        let (pid, ppid) = (1000 + self.rng.below(60000), 300 + self.rng.below(5000));
        let auid = if p.container_id.is_some() {
            4294967295u64
        } else {
            1000
        };
        let auid_name = if auid == 1000 { "alice" } else { "unset" };
        let uname = if p.uid == 0 {
            "root".to_string()
        } else {
            p.user.to_string()
        };
        out.push_str(&format!(
            concat!(
                r#"{{"ID":"{secs}.{ms:03}:{serial}","NODE":"node-{host}","SYSCALL":{{"arch":"0xc000003e","syscall":59,"success":"yes","exit":0,"items":2,"ppid":{ppid},"pid":{pid},"auid":{auid},"uid":{uid},"#,
                r#""comm":{comm},"exe":"{exe}","key":null,"ARCH":"x86_64","SYSCALL":"execve","AUID":"{auid_name}","UID":"{uname}"}},"EXECVE":{{"argc":{argc},"ARGV":[{args}]}},"#,
                r#""CWD":{{"cwd":"/"}},"PPID":{{"EVENT_ID":"{secs}.001:{pserial}","comm":{pcomm},"exe":"{pexe}"}}}}"#
            ),
            secs = secs,
            ms = self.millis % 1000,
            serial = serial,
            host = 1 + self.rng.below(40),
            ppid = ppid,
            pid = pid,
            auid = auid,
            uid = p.uid,
            comm = json_str(&comm),
            exe = p.exe,
            auid_name = auid_name,
            uname = uname,
            argc = p.args.len(),
            args = args.join(","),
            pserial = serial - 7,
            pcomm = json_str(&pcomm),
            pexe = p.parent.1,
        ));
    }

    fn sysmon(&mut self, out: &mut String, p: &Proc) {
        let ts = self.timestamp().replace('T', " ").replace('Z', "");
        out.push_str(&format!(
            concat!(
                r#"{{"EventID":1,"Channel":"Linux-Sysmon/Operational","Computer":"node-{host}","UtcTime":"{ts}","ProcessGuid":"{{{g1:08x}-{g2:04x}-6740-4a01-000000000d00}}","ProcessId":{pid},"#,
                r#""Image":"{exe}","CommandLine":{cmd},"CurrentDirectory":"/","User":"{user}","LogonId":"0","IntegrityLevel":"no level","Hashes":"-","#,
                r#""ParentProcessId":{ppid},"ParentImage":"{pexe}","ParentCommandLine":{pcmd},"ParentUser":"root"}}"#
            ),
            host = 1 + self.rng.below(40),
            ts = ts,
            g1 = self.rng.next() as u32,
            g2 = self.rng.next() as u16,
            pid = 1000 + self.rng.below(60000),
            exe = p.exe,
            cmd = json_str(&p.args.join(" ")),
            user = p.user,
            ppid = 300 + self.rng.below(5000),
            pexe = p.parent.1,
            pcmd = json_str(&p.parent.2),
        ));
    }

    fn splunk(&mut self, out: &mut String, p: &Proc) {
        let ts = self.timestamp().replace('Z', "+00:00");
        let name = p.exe.rsplit('/').next().unwrap();
        out.push_str(&format!(
            concat!(
                r#"{{"_time":"{ts}","dest":"node-{host}","user":"{user}","process_name":"{name}","process":{cmd},"process_path":"{exe}","process_id":{pid},"#,
                r#""parent_process_name":"{pname}","parent_process":{pcmd},"action":"allowed","vendor_product":"Splunk Add-on for Unix and Linux"}}"#
            ),
            ts = ts,
            host = 1 + self.rng.below(40),
            user = p.user,
            name = name,
            cmd = json_str(&p.args.join(" ")),
            exe = p.exe,
            pid = 1000 + self.rng.below(60000),
            pname = p.parent.0,
            pcmd = json_str(&p.parent.2),
        ));
    }

    fn k8s_raw(&mut self, r: &Request) -> String {
        let &((user, groups, agent, ip), verb, group, resource, sub, ns, name, _) = r;
        let mut uri = if group.is_empty() {
            "/api/v1".to_string()
        } else {
            format!("/apis/{group}/v1")
        };
        if !ns.is_empty() {
            uri.push_str(&format!("/namespaces/{ns}"));
        }
        uri.push('/');
        uri.push_str(resource);
        if !name.is_empty() {
            uri.push('/');
            uri.push_str(name);
        }
        if !sub.is_empty() {
            uri.push('/');
            uri.push_str(sub);
        }
        match verb {
            "watch" => uri.push_str(&format!("?allowWatchBookmarks=true&resourceVersion={}&timeout=7m21s&timeoutSeconds=441&watch=true", 4_000_000 + self.rng.below(900_000))),
            "list" => uri.push_str("?limit=500&resourceVersion=0"),
            _ if sub == "log" => uri.push_str("?container=api&tailLines=200"),
            _ => {}
        }
        let groups: Vec<String> = groups.iter().map(|g| json_str(g)).collect();
        let ts = self.timestamp().replace('Z', "123Z");
        let stage = if verb == "watch" {
            "ResponseStarted"
        } else {
            "ResponseComplete"
        };
        let reason = if user.starts_with("system:node:") {
            ""
        } else if user == HUMAN.0 {
            r#"RBAC: allowed by ClusterRoleBinding \"platform-admins\" of ClusterRole \"cluster-admin\" to Group \"oidc:platform-admins\""#
        } else {
            r#"RBAC: allowed by ClusterRoleBinding \"system:controller\" of ClusterRole \"system:controller\" to ServiceAccount"#
        };
        let objref = {
            let mut o = format!(r#""resource":"{resource}""#);
            if !ns.is_empty() {
                o.push_str(&format!(r#","namespace":"{ns}""#));
            }
            if !name.is_empty() {
                o.push_str(&format!(r#","name":"{name}""#));
            }
            o.push_str(&format!(r#","apiGroup":"{group}","apiVersion":"v1""#));
            if !sub.is_empty() {
                o.push_str(&format!(r#","subresource":"{sub}""#));
            }
            o
        };
        format!(
            concat!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id:08x}-9a1b-4c7e-8f21-{id2:012x}","stage":"{stage}","#,
                r#""requestURI":"{uri}","verb":"{verb}","user":{{"username":"{user}","groups":[{groups}]}},"sourceIPs":["{ip}"],"userAgent":"{agent}","#,
                r#""objectRef":{{{objref}}},"responseStatus":{{"metadata":{{}},"code":200}},"#,
                r#""requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"{reason}"}}}}"#
            ),
            id = self.rng.next() as u32,
            id2 = self.rng.next() & 0xffff_ffff_ffff,
            stage = stage,
            uri = uri,
            verb = verb,
            user = user,
            groups = groups.join(","),
            ip = ip,
            agent = agent,
            objref = objref,
            ts = ts,
            reason = reason,
        )
    }

    fn eks(&mut self, out: &mut String, r: &Request) {
        let raw = self.k8s_raw(r);
        out.push_str(&format!(
            r#"{{"timestamp":{ms},"message":{msg},"ingestionTime":{ing},"logStreamName":"kube-apiserver-audit-9f1b2c3d4e5f60718293a4b5c6d7e8f9","eventId":"3841937519283749182734{n:04}"}}"#,
            ms = self.millis,
            msg = json_str(&raw),
            ing = self.millis + 1500,
            n = self.rng.below(10000),
        ));
    }

    fn aks(&mut self, out: &mut String, r: &Request) {
        let raw = self.k8s_raw(r);
        let category = if r.1 == "get" || r.1 == "list" || r.1 == "watch" {
            "kube-audit"
        } else {
            "kube-audit-admin"
        };
        out.push_str(&format!(
            concat!(
                r#"{{"category":"{category}","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","properties":{{"log":{log},"#,
                r#""containerID":"a64cba7fefbf5020788dc29d9247157585bbb64826bf7209623ca7bb49b15fe7","stream":"stdout","pod":"kube-apiserver-869d7bb754-kkg69"}},"#,
                r#""resourceId":"/SUBSCRIPTIONS/0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0/RESOURCEGROUPS/PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/PROD-AKS","serviceBuild":"na","time":"{ts}"}}"#
            ),
            category = category,
            log = json_str(&raw),
            ts = self.timestamp(),
        ));
    }

    fn gke(&mut self, out: &mut String, r: &Request) {
        let &((user, _, agent, ip), verb, group, resource, sub, ns, name, _) = r;
        let api = if group.is_empty() {
            "core".to_string()
        } else {
            group.to_string()
        };
        let method_group = if group.is_empty() {
            "core".to_string()
        } else {
            group.split('.').next().unwrap().to_string()
        };
        let mut res = format!("{api}/v1");
        if !ns.is_empty() {
            res.push_str(&format!("/namespaces/{ns}"));
        }
        res.push('/');
        res.push_str(resource);
        if !name.is_empty() {
            res.push('/');
            res.push_str(name);
        }
        if !sub.is_empty() {
            res.push('/');
            res.push_str(sub);
        }
        let sub_part = if sub.is_empty() {
            String::new()
        } else {
            format!(".{sub}")
        };
        let method = format!("io.k8s.{method_group}.v1.{resource}{sub_part}.{verb}");
        let id = format!(
            "{:08x}-{:04x}",
            self.rng.next() as u32,
            self.rng.next() as u16
        );
        let log = if verb == "get" || verb == "list" || verb == "watch" {
            "data_access"
        } else {
            "activity"
        };
        let ts = self.timestamp().replace('Z', "657Z");
        out.push_str(&format!(
            concat!(
                r#"{{"insertId":"{id}","logName":"projects/prod-project/logs/cloudaudit.googleapis.com%2F{log}","operation":{{"first":true,"id":"{id}","last":true,"producer":"k8s.io"}},"#,
                r#""protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{{"principalEmail":"{user}"}},"authorizationInfo":[{{"granted":true,"permission":"{method}","resource":"{res}"}}],"#,
                r#""methodName":"{method}","requestMetadata":{{"callerIp":"{ip}","callerSuppliedUserAgent":"{agent}"}},"resourceName":"{res}","serviceName":"k8s.io","status":{{}}}},"#,
                r#""receiveTimestamp":"{ts}","resource":{{"labels":{{"cluster_name":"prod-gke","location":"europe-west1","project_id":"prod-project"}},"type":"k8s_cluster"}},"timestamp":"{ts}","#,
                r#""labels":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"access granted by IAM permissions."}}}}"#
            ),
            id = id,
            log = log,
            user = user,
            method = method,
            res = res,
            ip = ip,
            agent = agent,
            ts = ts,
        ));
    }
}

/// A process start before it is written in one source format.
struct Proc {
    exe: &'static str,
    args: &'static [&'static str],
    user: &'static str,
    uid: u32,
    /// (name, executable, command line)
    parent: (&'static str, String, String),
    container_id: Option<String>,
}

/// Records of `size` bytes or a little more, for the per-size rows: `(rejected, candidate)`.
/// The rejected one is an ordinary ECS process start whose argument list (a `tar` of many files)
/// fills the size; the candidate is a Kubernetes audit `configmaps update` by a controller at
/// level `RequestResponse`, whose `requestObject.data` fills it (the shape of a real large audit
/// record).
pub fn sized(size: usize) -> (String, String) {
    let mut files = Vec::new();
    let base = r#"{"@timestamp":"2026-12-03T10:00:00.000Z","event":{"category":["process"],"type":["start"]},"process":{"executable":"/usr/bin/tar","args":["tar","czf","/b.tgz"],"command_line":"tar czf /b.tgz"}}"#;
    let mut len = base.len();
    let mut i = 0;
    while len < size {
        // Letters, not digits: a number such as 2375 or 10250 is a prefilter keyword (a port).
        let name: String = (0..4)
            .map(|k| (b'a' + (i / 26usize.pow(k) % 26) as u8) as char)
            .collect();
        let f = format!("/srv/data/part-{name}.csv");
        len += 2 * (f.len() + 3);
        files.push(f);
        i += 1;
    }
    let args: Vec<String> = ["tar", "czf", "/b.tgz"]
        .iter()
        .map(|s| s.to_string())
        .chain(files.iter().cloned())
        .collect();
    let args_json: Vec<String> = args.iter().map(|a| json_str(a)).collect();
    let rejected = format!(
        r#"{{"@timestamp":"2026-12-03T10:00:00.000Z","event":{{"category":["process"],"type":["start"]}},"process":{{"executable":"/usr/bin/tar","args":[{}],"command_line":{}}}}}"#,
        args_json.join(","),
        json_str(&args.join(" "))
    );
    let head = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","verb":"update","user":{"username":"system:kube-controller-manager"},"objectRef":{"resource":"configmaps","namespace":"kube-system","name":"cluster-info"},"requestObject":{"kind":"ConfigMap","data":{"#;
    let mut data = Vec::new();
    let mut len = head.len() + 10;
    let mut i = 0;
    while len < size {
        let e = format!(r#""key-{i:05}":"value {i} of the cluster settings""#);
        len += e.len() + 1;
        data.push(e);
        i += 1;
    }
    let candidate = format!("{head}{}}}}}}}", data.join(","));
    (rejected, candidate)
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn collect_attacks(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if path.is_dir() {
            collect_attacks(&path, out);
        } else if name.ends_with(".attack.jsonl") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.extend(
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .filter_map(strip_expect),
            );
        } else if name.ends_with(".attack.log") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.extend(
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string),
            );
        }
    }
}

/// The record without its `"_expect"` key, the other bytes as they are; `None` if not JSON.
fn strip_expect(line: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(line).ok()?;
    let key = ",\"_expect\":";
    let Some(start) = line.find(key) else {
        return Some(line.to_string());
    };
    let bytes = line.as_bytes();
    let (mut depth, mut in_str, mut esc) = (0i32, false, false);
    for (i, &c) in bytes.iter().enumerate().skip(start + key.len()) {
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
    }
    None
}
