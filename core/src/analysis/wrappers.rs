//! Wrappers cadet looks through (`sudo`, `env`, `timeout`, `sh -c`, full paths, `.exe`) and
//! the dispatch to each tool's reader.

use super::*;

/// The canonical name of a program word: basename, lower case, without `.exe`.
pub fn program_name(word: &str) -> String {
    let base = basename(word);
    let base = base
        .strip_suffix(".exe")
        .or_else(|| base.strip_suffix(".EXE"))
        .unwrap_or(base);
    base.to_ascii_lowercase()
}

/// Other names of the tools: each alias with the tool it is.
pub const TOOL_ALIASES: &[(&str, &str)] = &[
    ("microk8s.kubectl", "kubectl"),
    ("kubectl1", "kubectl"),
    ("docker.io", "docker"),
    ("lxd.lxc", "lxc"),
    ("incus", "lxc"),
];

pub fn canonical_tool(name: &str) -> Option<&'static str> {
    let name = TOOL_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, tool)| tool);
    TOOLS.iter().copied().find(|t| *t == name)
}

/// The sudo and doas options that take a value.
pub const SUDO_VALUE: &[&str] = &[
    "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "--user", "--group",
];

/// Wrappers that run the command after their own options (`nohup`, `timeout 5`, `nice -n 5`).
pub const PASS_THROUGH: &[&str] = &[
    "nohup", "exec", "command", "time", "setsid", "chronic", "stdbuf", "nice", "ionice", "timeout",
];

/// The options of the `PASS_THROUGH` wrappers that take a value.
pub const PASS_THROUGH_VALUE: &[&str] = &["-n", "-c", "-s", "-k", "-o", "-e"];

/// The shells whose `-c` script is read as commands.
pub const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];

pub fn owned<'a>(words: Vec<String>) -> Vec<Cow<'a, str>> {
    words.into_iter().map(Cow::Owned).collect()
}

/// Shell reserved words a command may start with (`if`, `then`, `do`, `{`, `!`, ...): looked
/// through like a wrapper, so `if kubectl exec ...; then` and `{ docker run ...; }` are read.
pub const RESERVED: &[&str] = &[
    "!", "{", "}", "if", "then", "else", "elif", "do", "while", "until",
];

/// `NAME=value` (or `NAME+=value`) before a command: a shell variable assignment.
pub fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let name = name.strip_suffix('+').unwrap_or(name);
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Analyses every command of a shell line or `sh -c` script (see
/// [`crate::text::shell_words::split_commands`]) at `depth`, each behind `prefix` wrappers.
pub fn analyse_script<'a>(
    script: &str,
    depth: usize,
    prefix: &[Cow<'a, str>],
) -> Vec<CommandAnalysis<'a>> {
    let mut found = Vec::new();
    for command in crate::text::shell_words::split_commands(script) {
        for mut inner in analyse_depth(&owned(command), depth) {
            let mut all = prefix.to_vec();
            all.append(&mut inner.wrappers);
            inner.wrappers = all;
            found.push(inner);
        }
    }
    found
}

pub fn analyse_depth<'a>(argv: &[Cow<'a, str>], depth: usize) -> Vec<CommandAnalysis<'a>> {
    let mut wrappers: Vec<Cow<'a, str>> = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        if is_assignment(&argv[i]) || RESERVED.contains(&&*argv[i]) {
            i += 1;
            continue;
        }
        let name = program_name(&argv[i]);
        match name.as_str() {
            "sudo" | "doas" => {
                wrappers.push(Cow::Owned(name));
                i += 1;
                while i < argv.len() && argv[i].starts_with('-') {
                    let opt = &*argv[i];
                    i += 1;
                    if opt == "--" {
                        break;
                    }
                    if SUDO_VALUE.contains(&opt) {
                        i += 1;
                    }
                }
            }
            "env" => {
                wrappers.push(Cow::Owned(name));
                i += 1;
                while i < argv.len() {
                    let w = &*argv[i];
                    if w == "-u" || w == "--unset" {
                        i += 2;
                    } else if w.starts_with('-') || (w.contains('=') && !w.starts_with('=')) {
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            pass if PASS_THROUGH.contains(&pass) => {
                wrappers.push(Cow::Owned(name.clone()));
                i += 1;
                while i < argv.len() && argv[i].starts_with('-') {
                    let opt = &*argv[i];
                    i += 1;
                    if PASS_THROUGH_VALUE.contains(&opt) && !opt.contains('=') {
                        i += 1;
                    }
                }
                if name == "timeout" && i < argv.len() {
                    i += 1; // the duration
                }
            }
            shell if SHELLS.contains(&shell) => {
                let mut j = i + 1;
                if shell == "busybox" {
                    // `busybox sh -c ...`, `busybox nsenter ...`
                    if j < argv.len() && !SHELLS.contains(&program_name(&argv[j]).as_str()) {
                        i = j;
                        continue;
                    }
                    j += 1;
                }
                let mut script = None;
                while j < argv.len() && argv[j].starts_with('-') {
                    let opt = &*argv[j];
                    j += 1;
                    if !opt.starts_with("--") && opt.contains('c') {
                        script = argv.get(j);
                        break;
                    }
                }
                let Some(script) = script else { break };
                if depth >= 4 {
                    break;
                }
                let mut prefix = wrappers.clone();
                prefix.push(Cow::Owned(alloc::format!("{shell} -c")));
                let found = analyse_script(script, depth + 1, &prefix);
                return found;
            }
            _ => break,
        }
    }
    let mut a = CommandAnalysis {
        wrappers,
        ..CommandAnalysis::default()
    };
    let Some(program) = argv.get(i) else {
        return Vec::new();
    };
    let Some(tool) = canonical_tool(&program_name(program)) else {
        return Vec::new();
    };
    a.tool = Some(tool);
    let args = &argv[i + 1..];
    match tool {
        "docker" | "podman" | "nerdctl" => docker_like(&mut a, args),
        "kubectl" => kubectl(&mut a, args),
        "crictl" => crictl(&mut a, args),
        "ctr" => ctr(&mut a, args),
        "runc" => runc(&mut a, args),
        "nsenter" => nsenter(&mut a, args),
        "chroot" => chroot(&mut a, args),
        "kubeletctl" => kubeletctl(&mut a, args),
        "mount" => mount(&mut a, args),
        "lxc" => lxc(&mut a, args),
        _ => http_client(&mut a, args),
    }
    alloc::vec![a]
}
