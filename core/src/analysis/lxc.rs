//! LXD's `lxc` client (also `lxd.lxc`, and Incus's `incus`, which keeps its syntax):
//! privileged containers (`-c security.privileged=true`, `config set ... security.privileged
//! true`), host disks (`config device add NAME DEV disk source=/ path=/mnt/root`) and exec
//! into a container (`exec NAME -- sh`, `shell`, `console`).

use super::*;

/// Flags of `lxc` and its subcommands that take a value.
pub const LXC_VALUE: &[&str] = &[
    "--project",
    "-c",
    "--config",
    "-p",
    "--profile",
    "-s",
    "--storage",
    "-n",
    "--network",
    "-t",
    "--type",
    "-d",
    "--device",
    "--target",
    "--cwd",
    "--env",
    "--user",
    "--group",
    "--mode",
    "--remote",
];

/// A `key=value` or `key value` configuration pair of `lxc`: privileged and unconfined settings.
fn lxc_config(a: &mut CommandAnalysis<'_>, key: &str, value: &str, written: &str) {
    let key = key.trim().to_ascii_lowercase();
    let value = value.trim().to_ascii_lowercase();
    if key == "security.privileged" && matches!(value.as_str(), "true" | "1" | "yes" | "on") {
        a.set_privileged(written);
    }
    if key == "raw.lxc" && value.contains("apparmor.profile") && value.contains("unconfined") {
        a.security_unconfined = true;
        a.note("cmd.security_unconfined", written);
    }
}

/// `lxc config device add NAME DEV TYPE k=v...` (also `profile device add`): a `disk` with a
/// host `source=` is a bind mount; `unix-block`/`unix-char` pass a host device.
fn lxc_device(a: &mut CommandAnalysis<'_>, words: &[Cow<'_, str>]) {
    let Some(kind) = words.first() else { return };
    let kind = kind.to_ascii_lowercase();
    for kv in &words[1..] {
        let Some((k, v)) = kv.split_once('=') else {
            continue;
        };
        match (kind.as_str(), k.to_ascii_lowercase().as_str()) {
            ("disk", "source") => {
                a.mount_source(v, &alloc::format!("disk {kv}"));
            }
            ("unix-block" | "unix-char", "source" | "path") if v.starts_with("/dev/") => {
                a.devices.push(Cow::Owned(v.to_string()));
                a.note("cmd.devices", alloc::format!("{kind} {kv}"));
            }
            _ => {}
        }
    }
}

pub fn lxc<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    let mut action: Option<String> = None;
    let mut rest: Vec<Cow<'a, str>> = Vec::new();
    let mut inner: Vec<Cow<'a, str>> = Vec::new();
    let mut configs: Vec<(Cow<'a, str>, String)> = Vec::new();
    // lxc accepts flags anywhere; read the whole line.
    loop {
        // `-t` forces a terminal for exec; elsewhere (`launch -t TYPE`) it takes a value.
        let exec = matches!(action.as_deref(), Some("exec" | "shell" | "console"));
        let takes = |flag: &str| LXC_VALUE.contains(&flag) && !(exec && flag == "-t");
        f.options(&takes, |o| match o.flag.as_str() {
            "-c" | "--config" => {
                if let Some(v) = o.value {
                    configs.push((v, o.written));
                }
            }
            "--force-interactive" => a.interactive = true,
            "-t" if exec => a.interactive = true,
            "--user" => a.exec_user = o.value,
            _ => {}
        });
        match f.positional() {
            None => break,
            Some(w) if w == "--" => {
                inner.extend(f.rest().iter().cloned());
                break;
            }
            Some(w) if action.is_none() => action = Some(w.to_ascii_lowercase()),
            Some(w) => rest.push(w.clone()),
        }
    }
    let Some(action) = action else { return };
    a.action = Some(Cow::Owned(action.clone()));
    for (spec, written) in &configs {
        let (k, v) = spec.split_once('=').unwrap_or((spec, ""));
        lxc_config(a, k, v, written);
    }
    match action.as_str() {
        "launch" | "init" | "create" => {
            let mut it = rest.into_iter();
            a.image = it.next();
            a.target = it.next();
        }
        "exec" | "shell" | "console" => {
            let mut it = rest.into_iter();
            a.target = it.next();
            if inner.is_empty() {
                inner.extend(it);
            }
            if action != "exec" {
                a.interactive = true; // `lxc shell` and `lxc console` are interactive
            }
        }
        "config" | "profile" => {
            let mut it = rest.into_iter();
            let sub = it.next().map(|w| w.to_ascii_lowercase());
            a.subaction = sub.clone().map(Cow::Owned);
            let words: Vec<Cow<'a, str>> = it.collect();
            match sub.as_deref() {
                // config set NAME KEY VALUE | config set NAME KEY=VALUE (also profile set)
                Some("set") => {
                    a.target = words.first().cloned();
                    let pairs = words.get(1..).unwrap_or(&[]);
                    match pairs {
                        [kv] => {
                            if let Some((k, v)) = kv.split_once('=') {
                                lxc_config(a, k, v, &alloc::format!("{action} set {kv}"));
                            }
                        }
                        [k, v, ..] => lxc_config(a, k, v, &alloc::format!("{action} set {k} {v}")),
                        _ => {}
                    }
                }
                // config device add NAME DEV TYPE k=v ...
                Some("device") => {
                    if words.first().map(|w| w.eq_ignore_ascii_case("add")) == Some(true) {
                        a.target = words.get(1).cloned();
                        lxc_device(a, words.get(3..).unwrap_or(&[]));
                    }
                }
                _ => a.target = words.first().cloned(),
            }
        }
        _ => a.target = rest.into_iter().next(),
    }
    // `REMOTE:NAME` targets an instance on another LXD server.
    if let Some(t) = a.target.clone() {
        if let Some((remote, _)) = t.split_once(':') {
            if !remote.is_empty() && matches!(action.as_str(), "exec" | "shell" | "console") {
                a.note("cmd.remote", t.to_string());
                a.remote = Some(Cow::Owned(remote.to_string()));
            }
        }
    }
    a.inner_args = inner;
}
