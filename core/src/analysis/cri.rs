//! crictl, ctr and runc: the CRI and containerd tools.

use super::*;

/// The crictl flags before the action that take a value.
pub const CRICTL_GLOBAL_VALUE: &[&str] = &[
    "-r",
    "--runtime-endpoint",
    "-i",
    "--image-endpoint",
    "-t",
    "--timeout",
    "-c",
    "--config",
];

/// The crictl flags after the action that take a value.
pub const CRICTL_ACTION_VALUE: &[&str] = &["--timeout", "-e", "--env", "-w", "--workdir"];

pub fn crictl<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    f.options(&|flag| CRICTL_GLOBAL_VALUE.contains(&flag), |_| {});
    let Some(action) = f.positional() else { return };
    let action = action.to_ascii_lowercase();
    a.action = Some(Cow::Owned(action.clone()));
    f.options(&|flag| CRICTL_ACTION_VALUE.contains(&flag), |o| {
        if matches!(o.flag.as_str(), "-i" | "-t" | "--interactive" | "--tty") {
            a.interactive = true;
        }
    });
    if f.peek().map(|w| w == "--").unwrap_or(false) {
        f.pos += 1;
    }
    a.target = f.positional().cloned();
    if action == "exec" {
        let rest = f.rest();
        let rest = if rest.first().map(|w| w == "--").unwrap_or(false) {
            &rest[1..]
        } else {
            rest
        };
        a.inner_args.extend(rest.iter().cloned());
    }
}

/// The ctr `run`/`create`/`exec` flags that take no value (every other flag takes one).
pub const CTR_RUN_BOOL: &[&str] = &[
    "--privileged",
    "--rm",
    "-t",
    "--tty",
    "-d",
    "--detach",
    "--net-host",
    "--privileged-without-host-devices",
    "--read-only",
    "--null-io",
    "--rootfs",
    "--no-pivot",
    "--allow-new-privs",
    "--help",
    "--cni",
    "--sync-fs",
];

/// The ctr flags before the action that take a value.
pub const CTR_GLOBAL_VALUE: &[&str] = &[
    "-a",
    "--address",
    "-n",
    "--namespace",
    "--timeout",
    "--connect-timeout",
];

/// The ctr command groups whose second word is the action (`ctr task exec`).
pub const CTR_GROUPS: &[&str] = &[
    "c",
    "container",
    "containers",
    "t",
    "task",
    "tasks",
    "i",
    "image",
    "images",
];

pub fn ctr<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    f.options(&|flag| CTR_GLOBAL_VALUE.contains(&flag), |_| {});
    let Some(first) = f.positional() else { return };
    let first = first.to_ascii_lowercase();
    let action: String = match first.as_str() {
        "run" => "run".into(),
        group if CTR_GROUPS.contains(&group) => match f.positional() {
            Some(sub) => {
                a.subaction = Some(Cow::Owned(first.clone()));
                sub.to_ascii_lowercase()
            }
            None => first,
        },
        _ => first,
    };
    a.action = Some(Cow::Owned(action.clone()));
    if !matches!(action.as_str(), "run" | "create" | "exec") {
        a.target = f.positional().cloned();
        return;
    }
    f.options(&|flag| !CTR_RUN_BOOL.contains(&flag), |o| {
        let v = o.value.as_deref().unwrap_or("");
        match o.flag.as_str() {
            "--privileged" if truthy(&o.value) => a.set_privileged(&o.written),
            "--net-host" => a.host_ns("net", &o.written),
            "--with-ns" => {
                // pid:/proc/1/ns/pid joins the host's namespace
                if let Some((ns, path)) = v.split_once(':') {
                    if path.starts_with("/proc/1/") {
                        a.host_ns(ns, &o.written);
                    }
                }
            }
            "--cap-add" => a.cap(v, &o.written),
            "--mount" => a.mount(v, &o.written),
            "--device" => {
                a.devices.push(Cow::Owned(v.to_string()));
                a.note("cmd.devices", o.written.clone());
            }
            "-t" | "--tty" => a.interactive = true,
            "--user" | "-u" => a.exec_user = o.value.clone(),
            _ => {}
        }
    });
    if action == "exec" {
        a.target = f.positional().cloned();
    } else {
        a.image = f.positional().cloned();
        a.target = f.positional().cloned();
    }
    a.inner_args.extend(f.rest().iter().cloned());
}

/// The runc flags before the action that take a value.
pub const RUNC_GLOBAL_VALUE: &[&str] = &["--root", "--log", "--log-format", "--criu", "--rootless"];

/// The runc flags after the action that take a value.
pub const RUNC_ACTION_VALUE: &[&str] = &[
    "--cwd",
    "--env",
    "-e",
    "--user",
    "-u",
    "--cap",
    "-c",
    "--process",
    "-p",
    "--pid-file",
    "--console-socket",
    "--preserve-fds",
    "--additional-gids",
    "-g",
    "--apparmor",
    "--process-label",
    "--bundle",
    "-b",
];

pub fn runc<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    f.options(&|flag| RUNC_GLOBAL_VALUE.contains(&flag), |_| {});
    let Some(action) = f.positional() else { return };
    let action = action.to_ascii_lowercase();
    a.action = Some(Cow::Owned(action.clone()));
    let takes = |flag: &str| RUNC_ACTION_VALUE.contains(&flag);
    f.options(&takes, |o| match o.flag.as_str() {
        "-t" | "--tty" => a.interactive = true,
        "--cap" | "-c" => a.cap(o.value.as_deref().unwrap_or(""), &o.written),
        "--user" | "-u" => a.exec_user = o.value.clone(),
        _ => {}
    });
    a.target = f.positional().cloned();
    if action == "exec" {
        a.inner_args.extend(f.rest().iter().cloned());
    }
}
