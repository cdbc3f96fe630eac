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
