//! Argument-aware analysis: the spellings of flags and subcommands the tools accept.

use std::borrow::Cow;

use cadet_core::parts::analysis::{analyse, analyse_all, CommandAnalysis};

fn a(line: &str) -> CommandAnalysis<'static> {
    let argv: Vec<Cow<'static, str>> = cadet_core::parts::text::split(line)
        .into_iter()
        .map(Cow::Owned)
        .collect();
    analyse(&argv)
}

#[test]
fn flags_in_every_spelling() {
    assert!(!a("docker run --privileged=false -it alpine sh").privileged);
    assert!(a("docker run --privileged=true alpine").privileged);
    assert!(
        !a("docker run -e FOO=--privileged alpine env").privileged,
        "a flag's value is not a flag"
    );
    assert_eq!(
        a("docker run -v/:/host -itd --rm alpine").host_mounts,
        ["/"]
    );
    assert_eq!(
        a("docker run --volume=/etc:/x:ro alpine cat /x/shadow").host_mounts,
        ["/etc"]
    );
    assert_eq!(
        a("docker run -v //var/run/docker.sock:/s alpine").host_mounts,
        ["/var/run/docker.sock"]
    );
    assert!(
        a("docker run -it --rm --mount type=volume,src=data,dst=/data alpine")
            .host_mounts
            .is_empty()
    );
    assert_eq!(
        a("docker run --mount type=bind,source=/,target=/host alpine").host_mounts,
        ["/"]
    );
    assert_eq!(
        a("podman run --cap-add=cap_sys_admin,NET_RAW alpine").cap_add,
        ["SYS_ADMIN", "NET_RAW"]
    );
    assert_eq!(a("docker run --cap-add ALL alpine").cap_add, ["ALL"]);
    assert_eq!(
        a("docker run --name=x --network host alpine").host_namespaces,
        ["net"]
    );
    assert_eq!(
        a("docker run --pid=host --ipc host --uts=host alpine").host_namespaces,
        ["pid", "ipc", "uts"]
    );
    assert!(a("docker run --security-opt seccomp:unconfined alpine").security_unconfined);
    assert!(a("docker run -itd alpine").interactive);
    assert!(!a("docker run -d alpine").interactive);
}

#[test]
fn subcommands_after_global_flags_and_wrappers() {
    let x = a("docker --log-level debug container run --rm --pid=host alpine ps");
    assert_eq!(
        (
            x.action.as_deref(),
            x.image.as_deref(),
            x.inner_args.clone()
        ),
        (Some("run"), Some("alpine"), vec![Cow::from("ps")])
    );
    let x = a("sudo -E -u root docker -H tcp://10.0.0.5:2375 exec web sh");
    assert_eq!(
        (
            x.tool,
            x.action.as_deref(),
            x.target.as_deref(),
            x.remote.as_deref()
        ),
        (
            Some("docker"),
            Some("exec"),
            Some("web"),
            Some("tcp://10.0.0.5:2375")
        )
    );
    assert_eq!(x.wrappers, ["sudo"]);
    let x = a("timeout 10 nohup env A=1 B=2 docker run alpine");
    assert_eq!((x.tool, x.action.as_deref()), (Some("docker"), Some("run")));
    let x = a("kubectl --namespace=prod --context c exec -it web -c app -- bash -il");
    assert_eq!(
        (x.action.as_deref(), x.target.as_deref(), x.interactive),
        (Some("exec"), Some("web"), true)
    );
    assert_eq!(x.inner_args, ["bash", "-il"]);
    let x = a("/usr/local/bin/kubectl.exe get secret/db-creds,cm -o jsonpath='{.data}'");
    assert_eq!(x.resources, ["secrets", "configmaps"]);
    let x = a("kubectl auth can-i create pods/exec");
    assert_eq!(
        (x.action.as_deref(), x.subaction.as_deref()),
        (Some("auth"), Some("can-i"))
    );
    let x = a("ctr -n k8s.io t exec --exec-id e1 -t c1 sh");
    assert_eq!(
        (
            x.action.as_deref(),
            x.target.as_deref(),
            x.inner_args.clone()
        ),
        (Some("exec"), Some("c1"), vec![Cow::from("sh")])
    );
    let x = a("nsenter -t1 -a sh");
    assert_eq!(
        (x.nsenter_target.as_deref(), x.nsenter_namespaces.clone()),
        (Some("1"), vec![Cow::from("all")])
    );
    assert_eq!(a("DOCKER.EXE ps").tool, Some("docker"));
}

#[test]
fn scripts_yield_one_analysis_per_tool_command() {
    let argv: Vec<Cow<str>> = [
        "sh",
        "-c",
        "docker ps; echo hi && kubectl get pods | grep x\ncrictl ps",
    ]
    .into_iter()
    .map(Cow::Borrowed)
    .collect();
    let all = analyse_all(&argv);
    let tools: Vec<_> = all.iter().map(|x| x.tool.unwrap()).collect();
    assert_eq!(tools, ["docker", "kubectl", "crictl"]);
    assert!(all.iter().all(|x| x.wrappers == ["sh -c"]));
    // no tool: one empty analysis
    let argv: Vec<Cow<str>> = ["ls", "-la"].into_iter().map(Cow::Borrowed).collect();
    assert_eq!(analyse_all(&argv).len(), 1);
    assert_eq!(analyse_all(&argv)[0].tool, None);
}

#[test]
fn kubelet_and_daemon_api_urls() {
    assert!(a("curl -k https://10.0.0.3:10250/run/default/web/app -d cmd=id").kubelet_api);
    assert!(!a("curl -k https://10.0.0.3:10250/metrics").kubelet_api);
    assert!(a("wget -qO- http://node:10255/pods").kubelet_api);
    assert!(a("curl --unix-socket /var/run/docker.sock http://x/containers/json").docker_api);
    assert!(a("curl http://10.0.0.9:2375/containers/json").docker_api);
    assert!(a("curl -H 'Authorization: Bearer x' https://kubernetes.default.svc/api/v1/namespaces/default/secrets").k8s_api);
}

#[test]
fn lxc_privileged_containers_host_disks_and_exec() {
    let x = a("lxc init ubuntu:22.04 pwn -c security.privileged=true");
    assert_eq!(x.tool, Some("lxc"));
    assert_eq!(x.action.as_deref(), Some("init"));
    assert_eq!(x.image.as_deref(), Some("ubuntu:22.04"));
    assert_eq!(x.target.as_deref(), Some("pwn"));
    assert!(x.privileged);
    assert!(a("lxc launch images:alpine/3.19 c1 --config=security.privileged=TRUE").privileged);
    assert!(!a("lxc launch ubuntu:22.04 c1 -c security.privileged=false").privileged);
    assert!(!a("lxc launch ubuntu:22.04 c1 -c security.nesting=true").privileged);
    assert!(a("lxc config set pwn security.privileged true").privileged);
    assert!(a("lxc config set pwn security.privileged=1").privileged);
    assert!(a("lxc profile set default security.privileged true").privileged);
    assert!(!a("lxc config set pwn limits.cpu 2").privileged);
    assert!(a("lxc config set pwn raw.lxc 'lxc.apparmor.profile=unconfined'").security_unconfined);
    // host disks
    let d = a("lxc config device add pwn host-root disk source=/ path=/mnt/root recursive=true");
    assert_eq!(d.action.as_deref(), Some("config"));
    assert_eq!(d.subaction.as_deref(), Some("device"));
    assert_eq!(d.target.as_deref(), Some("pwn"));
    assert_eq!(d.host_mounts, ["/"]);
    assert_eq!(
        a("lxc profile device add default etc disk source=/etc/ path=/h").host_mounts,
        ["/etc"]
    );
    assert!(
        a("lxc config device add web data disk source=/srv/data path=/data")
            .host_mounts
            .is_empty()
    );
    assert_eq!(
        a("lxc config device add pwn sda unix-block source=/dev/sda").devices,
        ["/dev/sda"]
    );
    // exec, shell, console
    let e = a("lxc exec pwn -- /bin/sh -c 'chroot /mnt/root'");
    assert_eq!(e.action.as_deref(), Some("exec"));
    assert_eq!(e.target.as_deref(), Some("pwn"));
    assert_eq!(e.inner_args, ["/bin/sh", "-c", "chroot /mnt/root"]);
    assert!(!e.interactive);
    assert!(
        a("lxc exec -t pwn -- id").interactive,
        "-t forces a terminal for exec"
    );
    assert_eq!(a("lxc exec -t pwn -- id").target.as_deref(), Some("pwn"));
    assert!(a("lxc shell pwn").interactive);
    assert_eq!(
        a("lxc exec --user 0 pwn -- id").exec_user.as_deref(),
        Some("0")
    );
    let r = a("lxc exec lxd-2:web -- sh");
    assert_eq!(r.remote.as_deref(), Some("lxd-2"));
    assert_eq!(a("incus exec web -- sh").tool, Some("lxc"));
    assert_eq!(a("/snap/bin/lxd.lxc exec web -- sh").tool, Some("lxc"));
    assert_eq!(a("lxc launch ubuntu:22.04 web").remote, None);
}

#[test]
fn kubectl_debug_nodes_and_ephemeral_containers() {
    let n = a("kubectl debug node/worker-2 -it --image=ubuntu --profile=sysadmin");
    assert_eq!(n.action.as_deref(), Some("debug"));
    assert_eq!(n.target.as_deref(), Some("node/worker-2"));
    assert!(n.privileged && n.interactive);
    assert!(n.evidence_for("cmd.node_debug").next().is_some());
    let p = a("kubectl debug -it api-0 --image=busybox:1.36 --target=api -n payments");
    assert_eq!(p.target.as_deref(), Some("api-0"));
    assert_eq!(p.image.as_deref(), Some("busybox:1.36"));
    assert!(p.evidence_for("cmd.node_debug").next().is_none());
}
