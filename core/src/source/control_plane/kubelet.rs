//! kubelet API access records (`kubelet`): the kubelet's HTTP request log
//! (`httplog`), in the three shapes kubelets write it:
//!
//! - klog text: `I0612 10:11:12.123456 2345 httplog.go:134] "HTTP" verb="POST"
//!   URI="/exec/default/web/web?command=sh&command=-c&command=id" latency="1.2s"
//!   userAgent="kubeletctl" audit-ID="" srcIP="10.0.0.7:51234" resp=101`
//! - older klog text: `I0612 ... logs.go:41] POST /exec/default/web/web?command=id: (1.3ms) 101 [curl/7.88.1 10.0.0.7:40490]`
//! - JSON logging (`--logging-format=json`): `{"msg":"HTTP","verb":"POST","URI":"/exec/...","userAgent":..,"srcIP":..,"resp":101}`
//!
//! The path names the kubelet endpoint (`k8s.subresource`: `exec`, `run`, `attach`,
//! `portforward`, `pods`, `runningpods`, `configz`, `containerlogs`, `debug`, ...),
//! with namespace, pod and container; the `command`/`cmd` query is the payload.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::analysis::payload::Payload;
use crate::event::ControlPlane;
use crate::event::{Event, EventKind};
use crate::text::json::Json;

/// Reads a kubelet JSON log record (`"msg":"HTTP"` with `URI`).
pub fn read_json<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    if doc.get("msg").as_str() != Some("HTTP") {
        return None;
    }
    let uri = doc.get("URI").as_str()?;
    let verb = doc.get("verb").as_str().unwrap_or("");
    let ua = doc.get("userAgent").as_str();
    let src = doc.get("srcIP").as_str();
    let status = doc.get("resp").as_i64();
    let time = doc.get("ts").as_i64().or_else(|| match doc.get("ts") {
        Json::Float(f) => Some(*f as i64),
        _ => None,
    });
    Some(build(verb, uri, ua, src, status, time))
}

/// The value of `key="..."` (or `key=value`) in a klog structured line.
fn kv<'l>(line: &'l str, key: &str) -> Option<&'l str> {
    let mut from = 0;
    while let Some(i) = line[from..].find(key) {
        let at = from + i;
        let before_ok = at == 0 || line.as_bytes()[at - 1] == b' ';
        let rest = &line[at + key.len()..];
        if before_ok {
            if let Some(r) = rest.strip_prefix("=\"") {
                return r.split('"').next();
            }
            if let Some(r) = rest.strip_prefix('=') {
                return r.split(' ').next();
            }
        }
        from = at + key.len();
    }
    None
}

/// Reads a kubelet klog line.
pub fn read_line(line: &str) -> Option<Event<'_>> {
    if line.contains("\"HTTP\"") {
        let uri = kv(line, "URI")?;
        let verb = kv(line, "verb").unwrap_or("");
        let status = kv(line, "resp").and_then(|r| r.parse().ok());
        return Some(build(
            verb,
            uri,
            kv(line, "userAgent"),
            kv(line, "srcIP"),
            status,
            None,
        ));
    }
    // Older httplog: `] GET /pods: (1.3ms) 200 [curl/7.88.1 10.0.0.7:40490]`
    let (_, rest) = line.split_once("] ")?;
    let (verb, rest) = rest.split_once(' ')?;
    if !matches!(verb, "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "PATCH") {
        return None;
    }
    let (uri, rest) = rest.split_once(": (")?;
    let after = rest.split_once(") ").map(|(_, r)| r).unwrap_or("");
    let status = after.split(' ').next().and_then(|c| c.parse().ok());
    let (ua, src) = match after.split_once(" [") {
        Some((_, tail)) => {
            let tail = tail.trim_end_matches(']');
            match tail.rsplit_once(' ') {
                Some((ua, ip)) => (Some(ua), Some(ip)),
                None => (Some(tail), None),
            }
        }
        None => (None, None),
    };
    Some(build(verb, uri, ua, src, status, None))
}

/// `10.0.0.7:51234` → `10.0.0.7`; `[fd00::1]:443` → `fd00::1`.
pub(crate) fn strip_port(s: &str) -> &str {
    if let Some(r) = s.strip_prefix('[') {
        return r.split(']').next().unwrap_or(r);
    }
    match s.rsplit_once(':') {
        Some((ip, port)) if !ip.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => ip,
        _ => s,
    }
}

fn build<'a>(
    verb: &str,
    uri: &'a str,
    ua: Option<&'a str>,
    src: Option<&'a str>,
    status: Option<i64>,
    time: Option<i64>,
) -> Event<'a> {
    let facts = ControlPlane {
        user_agent: ua.filter(|u| !u.is_empty()).map(Cow::Borrowed),
        source_ips: src
            .map(strip_port)
            .filter(|s| !s.is_empty())
            .map(Cow::Borrowed)
            .into_iter()
            .collect(),
        status_code: status,
        time,
        ..ControlPlane::default()
    };
    request_event("kubelet", verb, uri, facts, || None)
}

/// The kubelet event of one request to the kubelet API, `verb uri`, whichever source saw it
/// (the kubelet's own request log, or an HTTP request through a proxy): `facts` holds what the
/// source knows of the client (user, user agent, addresses, status, time); the endpoint,
/// namespace, pod, evidence and the command run come from the URI, or from `body_cmd` (the
/// `cmd=` of a `/run` form body) when the URI has none.
pub(crate) fn request_event<'a>(
    source: &'static str,
    verb: &str,
    uri: &'a str,
    mut facts: ControlPlane<'a>,
    body_cmd: impl FnOnce() -> Option<String>,
) -> Event<'a> {
    let mut ev = Event::new(EventKind::Kubelet, source);
    let a = &mut facts;
    a.verb = Some(Cow::Owned(verb.to_ascii_lowercase()));
    a.request_uri = Some(Cow::Borrowed(uri));
    let path = uri.split('?').next().unwrap_or(uri);
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let endpoint = segs
        .first()
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let (endpoint, rest) = if endpoint == "cri" && segs.len() >= 2 {
        (segs[1].to_ascii_lowercase(), &[][..])
    } else {
        (endpoint, segs.get(1..).unwrap_or(&[]))
    };
    a.resource = Some(Cow::Borrowed("kubelet"));
    a.subresource = Some(Cow::Owned(endpoint.clone()));
    if matches!(
        endpoint.as_str(),
        "exec" | "run" | "attach" | "portforward" | "containerlogs"
    ) {
        a.namespace = rest.first().map(|s| Cow::Owned(String::from(*s)));
        a.name = rest.get(1).map(|s| Cow::Owned(String::from(*s)));
    }
    a.note(
        "k8s.subresource",
        alloc::format!("kubelet {} {path}", verb.to_ascii_uppercase()),
    );
    if let Some(u) = &a.user_agent {
        let u = u.clone();
        a.note("user_agent", alloc::format!("userAgent={u}"));
    }
    if let Some(c) = a.status_code {
        a.note("k8s.status_code", alloc::format!("status={c}"));
    }
    let mut words = crate::text::query_values(uri, "command");
    if words.is_empty() {
        let cmd = crate::text::query_values(uri, "cmd")
            .into_iter()
            .next()
            .or_else(body_cmd);
        if let Some(cmd) = cmd {
            words = crate::text::shell_words::split(&cmd);
        }
    }
    ev.control_plane = facts;
    if !words.is_empty() {
        let words: Vec<Cow<'a, str>> = words.into_iter().map(Cow::Owned).collect();
        ev.set_payload(Payload::analyse(&words));
    }
    ev
}
