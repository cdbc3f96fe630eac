//! Docker daemon records (`docker_daemon`):
//!
//! - `docker events --format '{{json .}}'`: `{"Type":"container","Action":"exec_start: sh -c id",
//!   "Actor":{"ID":..,"Attributes":{"name":..,"image":..}},"time":..}`. The command of
//!   `exec_create`/`exec_start` is analysed as the payload; `exec_create` is read without
//!   facts so one exec is scored once (at `exec_start`).
//! - dockerd debug log lines (logfmt, journald prefix, or JSON with `msg`):
//!   `Calling POST /v1.44/containers/ID/exec` (an API call: `docker.action` = `exec`,
//!   `containers/create`, `exec/start`, `start`, `attach`, ...) and `form data: {...}`
//!   (the request body: a container-create body fills the `k8s.pod.*` facts —
//!   `HostConfig.Privileged`, `PidMode`, `Binds`/`Mounts`, `CapAdd`, `Tty`+`OpenStdin` —
//!   and its `Entrypoint`+`Cmd` is the payload; an exec body's `Cmd` is the payload).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::analysis::payload::Payload;
use crate::event::ControlPlane;
use crate::event::{Event, EventKind};
use crate::text::json::nonempty;
use crate::text::json::Json;

/// Reads a `docker events` JSON record, or a dockerd JSON log record (`msg`).
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    if let (Some(action), true) = (doc.get("Action").as_str(), doc.get("Actor").is_object()) {
        return Some(event(doc, action));
    }
    let msg = doc.get("msg").as_str()?;
    let mut ev = read_line(msg)?;
    if ev.control_plane.time.is_none() {
        ev.control_plane.time = doc
            .get("time")
            .as_str()
            .and_then(crate::text::time::rfc3339_seconds);
    }
    Some(ev)
}

fn event<'a>(doc: &'a Json<'a>, action: &'a str) -> Event<'a> {
    let mut ev = Event::new(EventKind::Docker, "docker_daemon");
    let mut a = ControlPlane::default();
    let (name, args) = match action.split_once(": ") {
        Some((n, rest)) => (n.trim(), Some(rest)),
        None => (action.trim(), None),
    };
    a.docker_action = Some(Cow::Borrowed(name));
    a.note("docker.action", alloc::format!("Action={name}"));
    let attrs = doc.path(&["Actor", "Attributes"]);
    a.container = nonempty(attrs.get("name")).or_else(|| nonempty(doc.path(&["Actor", "ID"])));
    if let Some(img) = nonempty(attrs.get("image")) {
        a.pod.images.push(img);
    }
    a.time = doc
        .get("time")
        .as_i64()
        .or_else(|| doc.get("timeNano").as_i64().map(|n| n / 1_000_000_000));
    if name == "exec_create" {
        a.skipped = true;
        ev.control_plane = a;
        return ev;
    }
    ev.control_plane = a;
    if let (Some(args), true) = (args, name.starts_with("exec_")) {
        let words = crate::text::shell_words::split_command(args);
        if !words.is_empty() {
            ev.set_payload(Payload::analyse(&words));
        }
    }
    ev
}

/// `time="2024-05-02T10:11:12.1Z"` → epoch seconds.
fn logfmt_time(line: &str) -> Option<i64> {
    let (_, rest) = line.split_once("time=\"")?;
    crate::text::time::rfc3339_seconds(rest.split('"').next()?)
}

/// Undoes logfmt quoting of a `msg="..."` value (`\"` → `"`, `\\` → `\`).
fn unquote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(n) => out.push(n),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The docker API action of a path: `/v1.44/containers/ID/exec` → (`exec`, Some(ID)).
fn api_action(path: &str) -> (String, Option<String>) {
    let path = path.split('?').next().unwrap_or(path);
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segs
        .first()
        .map(|s| s.starts_with('v') && s[1..].starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(false)
    {
        segs.remove(0);
    }
    match segs.as_slice() {
        ["containers", "create"] => (String::from("containers/create"), None),
        ["containers", id, action, ..] => (String::from(*action), Some(String::from(*id))),
        ["exec", id, action, ..] => (alloc::format!("exec/{action}"), Some(String::from(*id))),
        other => (other.join("/"), None),
    }
}

/// Reads a dockerd log line (`Calling POST ...` or `form data: {...}`).
pub fn read_line(line: &str) -> Option<Event<'_>> {
    if let Some(i) = line.find("Calling ") {
        let rest = &line[i + 8..];
        let mut words = rest.split_whitespace();
        let method = words.next()?;
        if !matches!(method, "GET" | "POST" | "PUT" | "DELETE" | "HEAD") {
            return None;
        }
        let path = words.next()?.trim_end_matches('"');
        if !path.starts_with('/') {
            return None;
        }
        let mut ev = Event::new(EventKind::Docker, "docker_daemon");
        let (action, container) = api_action(path);
        let mut a = ControlPlane {
            verb: Some(Cow::Owned(method.to_ascii_lowercase())),
            time: logfmt_time(line),
            ..ControlPlane::default()
        };
        a.note("docker.action", alloc::format!("{method} {path}"));
        a.request_uri = Some(Cow::Borrowed(path));
        a.docker_action = Some(Cow::Owned(action));
        a.container = container.map(Cow::Owned);
        ev.control_plane = a;
        return Some(ev);
    }
    let i = line.find("form data: ")?;
    let body = line[i + 11..].trim_end();
    let body = body.strip_suffix('"').unwrap_or(body);
    let body = if body.contains("\\\"") {
        unquote(body)
    } else {
        String::from(body)
    };
    let doc = Json::parse(body.as_bytes()).ok()?;
    let mut ev = Event::new(EventKind::Docker, "docker_daemon");
    let mut a = ControlPlane {
        time: logfmt_time(line),
        ..ControlPlane::default()
    };
    let host = doc.get("HostConfig");
    let words = |j: &Json<'_>| -> Vec<Cow<'static, str>> {
        match j {
            Json::Array(items) => items
                .iter()
                .filter_map(|w| w.as_str().map(|s| Cow::Owned(String::from(s))))
                .collect(),
            Json::Str(s) => crate::text::shell_words::split_command(s),
            _ => Vec::new(),
        }
    };
    let create = !doc.get("Image").is_null() || host.is_object();
    let mut cmd = words(doc.get("Entrypoint"));
    if !cmd.is_empty() {
        let joined = crate::text::join(&cmd);
        a.note("docker.entrypoint", alloc::format!("Entrypoint={joined}"));
        a.entrypoint = Some(Cow::Owned(joined));
    }
    cmd.extend(words(doc.get("Cmd")));
    if create {
        a.docker_action = Some(Cow::Borrowed("containers/create"));
        a.note("docker.action", "containers/create");
        let p = &mut a.pod;
        p.present = true;
        let mut ev_notes: Vec<(&'static str, String)> = Vec::new();
        if let Some(img) = doc.get("Image").as_str() {
            p.images.push(Cow::Owned(String::from(img)));
            ev_notes.push(("k8s.pod.images", alloc::format!("Image={img}")));
        }
        if host.get("Privileged").as_bool() == Some(true) {
            p.privileged = true;
            ev_notes.push(("k8s.pod.privileged", String::from("Privileged=true")));
        }
        for (key, field, flag) in [
            ("PidMode", "k8s.pod.host_pid", &mut p.host_pid),
            ("NetworkMode", "k8s.pod.host_network", &mut p.host_network),
            ("IpcMode", "k8s.pod.host_ipc", &mut p.host_ipc),
        ] {
            if host.get(key).as_str() == Some("host") {
                *flag = true;
                ev_notes.push((field, alloc::format!("{key}=host")));
            }
        }
        let binds = host
            .get("Binds")
            .as_array()
            .iter()
            .filter_map(|b| b.as_str())
            .map(|b| (b.split(':').next().unwrap_or(b), b));
        let mounts = host
            .get("Mounts")
            .as_array()
            .iter()
            .filter(|m| m.get("Type").as_str() == Some("bind"))
            .filter_map(|m| m.get("Source").as_str().map(|s| (s, s)));
        for (src, written) in binds.chain(mounts) {
            if !src.starts_with('/') {
                continue;
            }
            let clean = crate::text::clean_path(src);
            ev_notes.push(("k8s.pod.host_paths", alloc::format!("Binds={written}")));
            if crate::analysis::sensitive_host_path(&clean) {
                ev_notes.push((
                    "k8s.pod.sensitive_host_paths",
                    alloc::format!("Binds={written}"),
                ));
                p.sensitive_host_paths.push(Cow::Owned(clean.clone()));
            }
            p.host_paths.push(Cow::Owned(clean));
        }
        for cap in host
            .get("CapAdd")
            .as_array()
            .iter()
            .filter_map(|c| c.as_str())
        {
            let up = cap.to_ascii_uppercase();
            let up = up.strip_prefix("CAP_").map(String::from).unwrap_or(up);
            ev_notes.push(("k8s.pod.capabilities", alloc::format!("CapAdd={cap}")));
            p.capabilities.push(Cow::Owned(up));
        }
        if doc.get("Tty").as_bool() == Some(true) && doc.get("OpenStdin").as_bool() == Some(true) {
            p.interactive = true;
            ev_notes.push(("k8s.pod.interactive", String::from("Tty+OpenStdin")));
        }
        for (f, t) in ev_notes {
            a.note(f, t);
        }
    } else if !doc.get("Cmd").is_null() {
        a.docker_action = Some(Cow::Borrowed("exec"));
        a.note("docker.action", "exec");
        if doc.get("Privileged").as_bool() == Some(true) {
            a.pod.privileged = true;
            a.note("k8s.pod.privileged", "Privileged=true");
        }
    } else {
        return None;
    }
    ev.control_plane = a;
    if !cmd.is_empty() {
        ev.set_payload(Payload::analyse(&cmd));
    }
    Some(ev)
}
