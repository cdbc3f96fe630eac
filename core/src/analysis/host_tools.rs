//! Host tools that cross the container boundary: nsenter, chroot, mount.

use super::*;

/// The nsenter flags that take a value.
pub const NSENTER_VALUE: &[&str] = &[
    "-t", "--target", "-S", "--setuid", "-G", "--setgid", "-r", "-w", "-Z",
];

pub fn nsenter<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    a.action = Some(Cow::Borrowed("enter"));
    let takes = |flag: &str| NSENTER_VALUE.contains(&flag);
    let mut target_written = String::new();
    f.options(&takes, |o| {
        let ns = match o.flag.as_str() {
            "-t" | "--target" => {
                target_written = o.written.clone();
                a.nsenter_target = o.value.clone();
                None
            }
            "-m" | "--mount" => Some("mount"),
            "-u" | "--uts" => Some("uts"),
            "-i" | "--ipc" => Some("ipc"),
            "-n" | "--net" => Some("net"),
            "-p" | "--pid" => Some("pid"),
            "-U" | "--user" => Some("user"),
            "-C" | "--cgroup" => Some("cgroup"),
            "-T" | "--time" => Some("time"),
            "-a" | "--all" => Some("all"),
            _ => None,
        };
        if let Some(ns) = ns {
            a.nsenter_namespaces.push(Cow::Borrowed(ns));
        }
    });
    if f.peek().map(|w| w == "--").unwrap_or(false) {
        f.pos += 1;
    }
    if a.nsenter_target.as_deref() == Some("1") {
        let mut written = String::from("nsenter ");
        written.push_str(&target_written);
        a.note("cmd.nsenter_target", written);
    }
    a.inner_args.extend(f.rest().iter().cloned());
}

/// The chroot flags that take a value.
pub const CHROOT_VALUE: &[&str] = &["--userspec", "--groups"];

pub fn chroot<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    a.action = Some(Cow::Borrowed("chroot"));
    f.options(&|flag| CHROOT_VALUE.contains(&flag), |_| {});
    if f.peek().map(|w| w == "--").unwrap_or(false) {
        f.pos += 1;
    }
    if let Some(dir) = f.positional() {
        a.note("cmd.chroot_dir", alloc::format!("chroot {dir}"));
        a.chroot_dir = Some(Cow::Owned(clean_path(dir)));
    }
    a.inner_args.extend(f.rest().iter().cloned());
}

/// The mount flags that take a value.
pub const MOUNT_VALUE: &[&str] = &[
    "-t",
    "--types",
    "-o",
    "--options",
    "-L",
    "-U",
    "--source",
    "--target",
];

/// `mount [-t type] [-o opts] DEVICE DIR`: host block devices mounted (an escape from a privileged container).
pub fn mount<'a>(a: &mut CommandAnalysis<'a>, args: &[Cow<'a, str>]) {
    let mut f = Flags::new(args);
    a.action = Some(Cow::Borrowed("mount"));
    f.options(&|flag| MOUNT_VALUE.contains(&flag), |_| {});
    if let Some(device) = f.positional() {
        if device.starts_with("/dev/") {
            a.devices.push(device.clone());
            a.note("cmd.devices", alloc::format!("mount {device}"));
        }
        a.target = f.positional().cloned();
    }
}
