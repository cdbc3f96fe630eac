//! docker, podman and nerdctl: global flags, `run`/`create`/`exec` flags and their facts.

use super::*;

/// The docker/podman/nerdctl flags before the command that take a value.
pub const DOCKER_GLOBAL_VALUE: &[&str] = &[
    "-H",
    "--host",
    "-c",
    "--context",
    "--config",
    "-l",
    "--log-level",
    "--tlscacert",
    "--tlscert",
    "--tlskey",
    "--url",
    "--connection",
    "--root",
    "--runroot",
    "--cgroup-manager",
    "--storage-driver",
    "--namespace",
    "-n",
    "--address",
    "-a",
    "--snapshotter",
    "--cni-path",
    "--data-root",
    "--identity",
    "--module",
];

/// The long `run`/`create`/`exec` flags that take no value.
pub const DOCKER_RUN_BOOL: &[&str] = &[
    "--privileged",
    "--rm",
    "--detach",
    "--interactive",
    "--tty",
    "--init",
    "--read-only",
    "--no-healthcheck",
    "--publish-all",
    "--oom-kill-disable",
    "--disable-content-trust",
    "--sig-proxy",
    "--help",
    "--quiet",
    "--privileged=true",
    "--replace",
    "--http-proxy",
    "--rootfs",
    "--no-hosts",
    "--tls-verify",
    "--env-host",
    "--systemd",
    "--use-api-version",
];

/// The short `run`/`create`/`exec` flags that take a value (every long flag does, except
/// `DOCKER_RUN_BOOL`).
pub const DOCKER_RUN_SHORT_VALUE: &[&str] =
    &["-a", "-c", "-e", "-h", "-l", "-m", "-p", "-u", "-v", "-w"];

/// The command groups whose second word is kept as the subaction (`docker network create`).
pub const DOCKER_GROUPS: &[&str] = &[
    "network", "volume", "compose", "plugin", "secret", "service", "stack", "node", "swarm",
    "buildx", "builder", "context", "pod", "machine",
];

pub fn docker_run_takes_value(flag: &str) -> bool {
    if flag.starts_with("--") {
        return !DOCKER_RUN_BOOL.contains(&flag);
    }
    DOCKER_RUN_SHORT_VALUE.contains(&flag)
}

pub fn docker_like<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    f.options(&|flag| DOCKER_GLOBAL_VALUE.contains(&flag), |o| {
        if matches!(o.flag.as_str(), "-H" | "--host" | "--url" | "--connection") {
            if let Some(v) = o.value {
                a.note("cmd.remote", o.written.clone());
                a.url(&v);
                a.remote = Some(v);
            }
        }
    });
    if f.peek().map(|w| w == "--").unwrap_or(false) {
        f.pos += 1;
    }
    let Some(first) = f.positional() else { return };
    let first = first.to_ascii_lowercase();
    let action: String = match first.as_str() {
        "container" | "containers" => match f.positional().map(|w| w.to_ascii_lowercase()) {
            Some(sub) => match sub.as_str() {
                "ls" | "list" => "ps".into(),
                _ => sub,
            },
            None => first,
        },
        "image" | "images" if first == "image" => {
            match f.positional().map(|w| w.to_ascii_lowercase()) {
                Some(sub) => match sub.as_str() {
                    "ls" | "list" => "images".into(),
                    "rm" => "rmi".into(),
                    _ => sub,
                },
                None => first,
            }
        }
        "system" => match f.positional().map(|w| w.to_ascii_lowercase()) {
            Some(sub) => sub,
            None => first,
        },
        group if DOCKER_GROUPS.contains(&group) => {
            a.subaction = f.positional().map(|w| Cow::Owned(w.to_ascii_lowercase()));
            first
        }
        _ => first,
    };
    a.action = Some(Cow::Owned(action.clone()));
    match action.as_str() {
        "run" | "create" | "exec" => {}
        _ => {
            a.target = f.positional().cloned();
            if action == "pull" {
                a.image = a.target.clone();
            }
            return;
        }
    }
    let mut entrypoint = None;
    f.options(&docker_run_takes_value, |o| {
        let v = o.value.as_deref().unwrap_or("");
        match o.flag.as_str() {
            "--privileged" if truthy(&o.value) => a.set_privileged(&o.written),
            "--cap-add" => a.cap(v, &o.written),
            "--security-opt" => a.security_opt(v, &o.written),
            "--pid" | "--net" | "--network" | "--ipc" | "--uts" | "--userns" | "--cgroupns"
                if v.eq_ignore_ascii_case("host") =>
            {
                a.host_ns(&o.flag[2..], &o.written)
            }
            "--device" => {
                a.devices.push(Cow::Owned(v.to_string()));
                a.note("cmd.devices", o.written.clone());
            }
            "-v" | "--volume" => a.volume(v, &o.written),
            "--mount" => a.mount(v, &o.written),
            "-i" | "-t" | "--interactive" | "--tty" if truthy(&o.value) => a.interactive = true,
            "-u" | "--user" => a.exec_user = o.value.clone(),
            "--entrypoint" => entrypoint = o.value.clone(),
            _ => {}
        }
    });
    if f.peek().map(|w| w == "--").unwrap_or(false) {
        f.pos += 1;
    }
    let first_positional = f.positional().cloned();
    if action == "exec" {
        a.target = first_positional;
    } else {
        a.image = first_positional;
    }
    if let Some(ep) = entrypoint {
        a.note("cmd.entrypoint", alloc::format!("--entrypoint {ep}"));
        a.inner_args.push(ep.clone());
        a.entrypoint = Some(ep);
    }
    a.inner_args.extend(f.rest().iter().cloned());
}
