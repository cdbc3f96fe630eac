//! HTTP requests to the Kubernetes API server or to the kubelet (`http_request`), as a proxy in
//! front of them sees the request (the Envoy filter in `plugin-envoy/` writes these records):
//!
//! ```json
//! {"auditID":"<request id>","method":"POST","path":"/api/v1/namespaces/d/pods/p/exec?command=sh",
//!  "headers":{"user-agent":"kubectl/v1.31.0","impersonate-group":["a","b"]},
//!  "body":"<request body text>","body_truncated":false,"source_address":"10.0.0.7:51234"}
//! ```
//!
//! `method` and `path` (with its query) are required; `headers` (names in any case, a value a
//! string or, for a repeated header, an array of strings), `body` (the request body as text, or
//! the object itself), `body_truncated` and `source_address` are optional. `auditID` is the
//! request's id (Envoy's `x-request-id`, or the client's `Audit-ID`); it is also the marker that
//! opens the Kubernetes keywords of the prefilter (see `MARKERS` in [`super`]), so a record
//! without it is only scored when it holds one of the profile's process keywords.
//!
//! A request to the API server is translated into the audit event the kube-apiserver would
//! write for it and read by [`k8s_audit::from_audit`], so the same rules score it:
//!
//! - `verb`, `objectRef` from method and path as the apiserver's RequestInfo resolver does:
//!   `/api/v1/...` (core) and `/apis/GROUP/VERSION/...`, namespaced and cluster-scoped,
//!   subresources, the `watch`/`proxy` path prefixes; `GET` of a collection is `list`
//!   (`watch` with `?watch=true`), a `fieldSelector=metadata.name=N` names the object,
//!   `DELETE` of a collection is `deletecollection`; other paths are non-resource requests
//!   (verb = the method in lower case). `GET` + upgrade of `pods/exec` stays `get`, as the
//!   apiserver logs WebSocket exec.
//! - `requestURI` the path; `requestObject` a JSON body (object or JSON patch);
//! - `user`: the client-certificate subject Envoy forwards in `x-forwarded-client-cert`
//!   (`Subject="CN=user,O=group"`: CN the user, each O a group, as the apiserver maps x509),
//!   else the `sub` of a bearer JWT read **without verification** (its `kubernetes.io.pod`
//!   claim gives the pod binding); such a user is marked by the audit annotation
//!   `cadet.io/user=unverified-bearer-token`;
//! - `impersonatedUser` from `Impersonate-User` and every `Impersonate-Group` value;
//! - `sourceIPs` as the apiserver builds them: `X-Forwarded-For`, `X-Real-Ip`, then the
//!   downstream address (port removed);
//! - no `stage`: the proxy sees each request once, before any response, and a record without a
//!   stage is scored (`RequestReceived` would be read without facts).
//!
//! A request to the kubelet API (`/exec`, `/run`, `/attach`, `/portForward`, `/pods`,
//! `/runningpods`, `/configz`, `/containerLogs`, `/debug`, `/stats`, `/spec`, `/cri`, or any
//! path on port 10250/10255 in the `host`/`:authority`) becomes the event the kubelet reader
//! builds from the kubelet's own request log, plus what only the request shows: the user, and
//! the `cmd=` of a `/run` form body.

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::k8s_audit;
use super::kubelet::strip_port;
use crate::event::ControlPlane;
use crate::event::Event;
use crate::text::json::Json;

/// The source name of every event read here.
pub const SOURCE: &str = "http_request";

/// Reads an HTTP request record (`method` + `path`).
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    let method = doc.get("method").as_str()?;
    let path = doc.get("path").as_str()?;
    if !path.starts_with('/')
        || method.is_empty()
        || method.len() > 16
        || !method.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return None;
    }
    let req = Request {
        method,
        uri: path,
        headers: doc.get("headers"),
        doc,
    };
    Some(if req.is_kubelet() {
        req.kubelet()
    } else {
        req.api_server()
    })
}

struct Request<'a> {
    method: &'a str,
    /// Path with its query.
    uri: &'a str,
    headers: &'a Json<'a>,
    doc: &'a Json<'a>,
}

fn s<'a>(v: &'a str) -> Json<'a> {
    Json::Str(Cow::Borrowed(v))
}

fn owned<'a>(v: String) -> Json<'a> {
    Json::Str(Cow::Owned(v))
}

fn obj<'a>(members: Vec<(&'static str, Json<'a>)>) -> Json<'a> {
    Json::Object(
        members
            .into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), v))
            .collect(),
    )
}

impl<'a> Request<'a> {
    /// Every value of header `name` (case-insensitive), in order.
    fn header_values(&self, name: &str) -> Vec<&'a str> {
        let mut out = Vec::new();
        let headers: &'a Json<'a> = self.headers;
        for (k, v) in headers.members() {
            if !k.eq_ignore_ascii_case(name) {
                continue;
            }
            match v {
                Json::Array(items) => out.extend(items.iter().filter_map(|i| i.as_str())),
                v => out.extend(v.as_str()),
            }
        }
        out
    }

    fn header(&self, name: &str) -> Option<&'a str> {
        self.header_values(name)
            .into_iter()
            .map(str::trim)
            .find(|v| !v.is_empty())
    }

    fn path(&self) -> &'a str {
        self.uri.split('?').next().unwrap_or(self.uri)
    }

    fn is_kubelet(&self) -> bool {
        let first = self
            .path()
            .split('/')
            .find(|s| !s.is_empty())
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(
            first.as_str(),
            "exec"
                | "run"
                | "attach"
                | "portforward"
                | "pods"
                | "runningpods"
                | "configz"
                | "containerlogs"
                | "debug"
                | "stats"
                | "spec"
                | "cri"
                | "checkpoint"
        ) {
            return true;
        }
        if matches!(first.as_str(), "api" | "apis") {
            return false;
        }
        let host = self.header(":authority").or_else(|| self.header("host"));
        host.and_then(|h| h.rsplit_once(':'))
            .map(|(_, port)| port == "10250" || port == "10255")
            .unwrap_or(false)
    }

    /// Client IPs as the apiserver lists them: X-Forwarded-For, X-Real-Ip, the peer address.
    fn source_ips(&self) -> Vec<&'a str> {
        let mut ips: Vec<&'a str> = Vec::new();
        for v in self.header_values("x-forwarded-for") {
            ips.extend(v.split(',').map(str::trim).filter(|s| !s.is_empty()));
        }
        let more = self
            .header("x-real-ip")
            .into_iter()
            .chain(self.doc.get("source_address").as_str().map(strip_port));
        for ip in more {
            if !ip.is_empty() && !ips.contains(&ip) {
                ips.push(ip);
            }
        }
        ips
    }

    /// The user: (name, groups, bound pod, verified).
    fn user(&self) -> Option<Identity> {
        if let Some(xfcc) = self.header("x-forwarded-client-cert") {
            if let Some(id) = cert_subject(xfcc) {
                return Some(id);
            }
        }
        let auth = self.header("authorization")?;
        let (scheme, token) = auth.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        jwt_subject(token.trim())
    }

    fn api_server(&self) -> Event<'a> {
        let t = target(self.method, self.path(), self.uri);
        let mut audit: Vec<(&'static str, Json<'a>)> = alloc::vec![
            ("kind", s("Event")),
            ("apiVersion", s("audit.k8s.io/v1")),
            ("verb", owned(t.verb)),
            ("requestURI", s(self.uri)),
        ];
        if let Some(id) = self.doc.get("auditID").as_str() {
            audit.push(("auditID", s(id)));
        }
        if let Some(resource) = t.resource {
            let mut r = alloc::vec![("resource", owned(resource))];
            if let Some(v) = t.subresource {
                r.push(("subresource", owned(v)));
            }
            if let Some(v) = t.namespace {
                r.push(("namespace", owned(v)));
            }
            if let Some(v) = t.name {
                r.push(("name", owned(v)));
            }
            if let Some(v) = t.api_group {
                r.push(("apiGroup", owned(v)));
            }
            if let Some(v) = t.api_version {
                r.push(("apiVersion", owned(v)));
            }
            audit.push(("objectRef", obj(r)));
        }
        let mut annotations = Vec::new();
        if let Some(id) = self.user() {
            let mut user = alloc::vec![
                ("username", owned(id.name)),
                (
                    "groups",
                    Json::Array(id.groups.into_iter().map(owned).collect())
                ),
            ];
            if let Some(pod) = id.pod {
                user.push((
                    "extra",
                    obj(alloc::vec![(
                        "authentication.kubernetes.io/pod-name",
                        Json::Array(alloc::vec![owned(pod)]),
                    )]),
                ));
            }
            audit.push(("user", obj(user)));
            if !id.verified {
                annotations.push(("cadet.io/user", s("unverified-bearer-token")));
            }
        }
        if let Some(u) = self.header("impersonate-user") {
            let groups = self
                .header_values("impersonate-group")
                .into_iter()
                .map(|g| s(g.trim()))
                .collect();
            audit.push((
                "impersonatedUser",
                obj(alloc::vec![
                    ("username", s(u)),
                    ("groups", Json::Array(groups))
                ]),
            ));
        }
        let ips = self.source_ips();
        if !ips.is_empty() {
            audit.push(("sourceIPs", Json::Array(ips.into_iter().map(s).collect())));
        }
        if let Some(ua) = self.header("user-agent") {
            audit.push(("userAgent", s(ua)));
        }
        if self.doc.get("body_truncated").as_bool() == Some(true) {
            annotations.push(("cadet.io/body", s("truncated")));
        }
        match self.doc.get("body") {
            Json::Str(text) => {
                let text: &'a str = match text {
                    Cow::Borrowed(b) => b,
                    Cow::Owned(o) => o.as_str(),
                };
                let t = text.trim();
                if t.starts_with('{') || t.starts_with('[') {
                    if let Ok(body) = Json::parse(t.as_bytes()) {
                        audit.push(("requestObject", body));
                    }
                }
            }
            b @ (Json::Object(_) | Json::Array(_)) => audit.push(("requestObject", b.clone())),
            _ => {}
        }
        if !annotations.is_empty() {
            audit.push(("annotations", obj(annotations)));
        }
        k8s_audit::from_audit(&obj(audit), SOURCE)
    }

    /// The kubelet event, built by the kubelet reader's [`super::kubelet::request_event`].
    fn kubelet(&self) -> Event<'a> {
        let mut facts = ControlPlane {
            user_agent: self.header("user-agent").map(Cow::Borrowed),
            source_ips: self.source_ips().into_iter().map(Cow::Borrowed).collect(),
            ..ControlPlane::default()
        };
        if let Some(id) = self.user() {
            facts.user = Some(Cow::Owned(id.name));
            facts.groups = id.groups.into_iter().map(Cow::Owned).collect();
        }
        super::kubelet::request_event(SOURCE, self.method, self.uri, facts, || {
            // `/run` takes `cmd=` in a form body.
            let body = self.doc.get("body").as_str()?;
            let form = alloc::format!("?{}", body.trim());
            crate::text::query_values(&form, "cmd").into_iter().next()
        })
    }
}

/// What the apiserver's request-info resolver makes of method and path.
#[derive(Default)]
struct Target {
    verb: String,
    api_group: Option<String>,
    api_version: Option<String>,
    namespace: Option<String>,
    resource: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
}

fn target(method: &str, path: &str, uri: &str) -> Target {
    let method_verb = match method.to_ascii_uppercase().as_str() {
        "POST" => String::from("create"),
        "GET" | "HEAD" => String::from("get"),
        "PUT" => String::from("update"),
        "PATCH" => String::from("patch"),
        "DELETE" => String::from("delete"),
        _ => String::from("unknown"),
    };
    let non_resource = || Target {
        verb: method.to_ascii_lowercase(),
        ..Target::default()
    };
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| crate::text::percent_decode(s, false))
        .collect();
    let (group, version, mut parts) = match segs.first().map(String::as_str) {
        Some("api") if segs.len() >= 3 => (None, segs[1].clone(), &segs[2..]),
        Some("apis") if segs.len() >= 4 => (Some(segs[1].clone()), segs[2].clone(), &segs[3..]),
        _ => return non_resource(),
    };
    let mut t = Target {
        verb: method_verb,
        api_group: group,
        api_version: Some(version),
        ..Target::default()
    };
    if matches!(parts[0].as_str(), "watch" | "proxy") {
        if parts.len() < 2 {
            return non_resource();
        }
        t.verb = parts[0].clone();
        parts = &parts[1..];
    }
    if parts[0] == "namespaces" && parts.len() > 1 {
        t.namespace = Some(parts[1].clone());
        if parts.len() > 2 && !matches!(parts[2].as_str(), "status" | "finalize") {
            parts = &parts[2..];
        }
    }
    t.resource = Some(parts[0].clone());
    t.name = parts.get(1).cloned();
    if t.verb != "proxy" {
        t.subresource = parts.get(2).cloned();
    }
    if t.name.is_none() && t.verb == "get" {
        let watch = crate::text::query_values(uri, "watch")
            .first()
            .map(|w| matches!(w.as_str(), "1" | "t" | "T" | "true" | "TRUE" | "True"))
            .unwrap_or(false);
        t.verb = String::from(if watch { "watch" } else { "list" });
        for sel in crate::text::query_values(uri, "fieldSelector") {
            for term in sel.split(',') {
                let term = term.trim();
                let name = term
                    .strip_prefix("metadata.name==")
                    .or_else(|| term.strip_prefix("metadata.name="));
                if let Some(n) = name.filter(|n| !n.is_empty() && !n.contains('/')) {
                    t.name = Some(n.to_string());
                }
            }
        }
    }
    if t.name.is_none() && t.verb == "delete" {
        t.verb = String::from("deletecollection");
    }
    t
}

/// A user read from the request.
struct Identity {
    name: String,
    groups: Vec<String>,
    /// The pod a bound service-account token belongs to.
    pod: Option<String>,
    /// Authenticated by Envoy (client certificate) rather than read from an unchecked token.
    verified: bool,
}

/// The subject of the first certificate in an `x-forwarded-client-cert` value:
/// `By=...;Hash=...;Subject="CN=alice,O=system:masters";URI=...`.
fn cert_subject(xfcc: &str) -> Option<Identity> {
    let first = split_unquoted(xfcc, ',').into_iter().next()?;
    let subject = split_unquoted(first, ';').into_iter().find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("subject")
            .then(|| v.trim().trim_matches('"'))
    })?;
    let mut name = None;
    let mut groups = Vec::new();
    for rdn in split_unquoted(subject, ',') {
        let Some((k, v)) = rdn.split_once('=') else {
            continue;
        };
        let v = v.trim().replace("\\,", ",");
        match k.trim() {
            "CN" if name.is_none() => name = Some(v),
            "O" => groups.push(v),
            _ => {}
        }
    }
    Some(Identity {
        name: name.filter(|n| !n.is_empty())?,
        groups,
        pod: None,
        verified: true,
    })
}

/// Splits at `sep` outside double quotes and after no backslash.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The `sub` of a JWT, read without checking its signature (marked unverified).
fn jwt_subject(token: &str) -> Option<Identity> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if payload.len() > 16 * 1024 {
        return None;
    }
    let bytes = base64url(payload)?;
    let claims = Json::parse(&bytes).ok()?;
    let sub = claims.get("sub").as_str().filter(|s| !s.is_empty())?;
    let pod = claims
        .path(&["kubernetes.io", "pod", "name"])
        .as_str()
        .map(String::from);
    let mut groups = Vec::new();
    if let Some(ns) = sub
        .strip_prefix("system:serviceaccount:")
        .and_then(|r| r.split(':').next())
    {
        groups.push(String::from("system:serviceaccounts"));
        groups.push(alloc::format!("system:serviceaccounts:{ns}"));
        groups.push(String::from("system:authenticated"));
    }
    Some(Identity {
        name: String::from(sub),
        groups,
        pod,
        verified: false,
    })
}

/// Decodes unpadded base64url (standard alphabet and padding accepted too).
fn base64url(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_info_resolves_paths_as_the_apiserver() {
        let t = target(
            "GET",
            "/api/v1/namespaces/d/pods",
            "/api/v1/namespaces/d/pods?watch=true",
        );
        assert_eq!(
            (
                t.verb.as_str(),
                t.resource.as_deref(),
                t.namespace.as_deref()
            ),
            ("watch", Some("pods"), Some("d"))
        );
        let t = target(
            "GET",
            "/apis/apps/v1/deployments",
            "/apis/apps/v1/deployments",
        );
        assert_eq!(
            (t.verb.as_str(), t.api_group.as_deref(), t.namespace),
            ("list", Some("apps"), None)
        );
        let t = target("POST", "/api/v1/namespaces/d/pods/p/exec", "");
        assert_eq!(
            (t.verb.as_str(), t.name.as_deref(), t.subresource.as_deref()),
            ("create", Some("p"), Some("exec"))
        );
        let t = target("GET", "/api/v1/nodes/n1/proxy/run/a/b/c", "");
        assert_eq!(
            (
                t.resource.as_deref(),
                t.name.as_deref(),
                t.subresource.as_deref()
            ),
            (Some("nodes"), Some("n1"), Some("proxy"))
        );
        let t = target("GET", "/api/v1/namespaces/kube-system", "");
        assert_eq!(
            (t.verb.as_str(), t.resource.as_deref(), t.name.as_deref()),
            ("get", Some("namespaces"), Some("kube-system"))
        );
        let t = target("DELETE", "/api/v1/namespaces/d/secrets", "");
        assert_eq!(t.verb, "deletecollection");
        let t = target("GET", "/api/v1/watch/namespaces/d/pods/p", "");
        assert_eq!((t.verb.as_str(), t.name.as_deref()), ("watch", Some("p")));
        let t = target("GET", "/healthz", "");
        assert_eq!((t.verb.as_str(), t.resource), ("get", None));
        let t = target(
            "GET",
            "/api/v1/namespaces/d/pods",
            "/api/v1/namespaces/d/pods?fieldSelector=metadata.name%3Dweb",
        );
        assert_eq!((t.verb.as_str(), t.name.as_deref()), ("list", Some("web")));
    }

    #[test]
    fn identities() {
        let id =
            cert_subject(r#"By=spiffe://x;Hash=ab;Subject="CN=alice,O=dev,O=system:masters";URI="#)
                .unwrap();
        assert_eq!(
            (id.name.as_str(), id.groups.len(), id.verified),
            ("alice", 2, true)
        );
        // {"sub":"system:serviceaccount:ci:runner","kubernetes.io":{"pod":{"name":"runner-1"}}}
        let payload = "eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2k6cnVubmVyIiwia3ViZXJuZXRlcy5pbyI6eyJwb2QiOnsibmFtZSI6InJ1bm5lci0xIn19fQ";
        let id = jwt_subject(&alloc::format!("eyJhbGciOiJSUzI1NiJ9.{payload}.sig")).unwrap();
        assert_eq!(id.name, "system:serviceaccount:ci:runner");
        assert_eq!(id.pod.as_deref(), Some("runner-1"));
        assert!(!id.verified);
        assert!(jwt_subject("not-a-jwt").is_none());
        assert!(jwt_subject("a.%%%.c").is_none());
    }

    fn score(line: &str) -> crate::Verdict {
        crate::Engine::new(&crate::Config::default())
            .unwrap()
            .score(line.as_bytes())
    }

    #[test]
    fn kubelet_requests_score_as_the_kubelet_log_line_of_the_same_request() {
        let uri =
            "/exec/default/web-0/web?command=sh&command=-c&command=cat+%2Fetc%2Fshadow&output=1";
        let log = alloc::format!(
            r#"{{"msg":"HTTP","verb":"POST","URI":"{uri}","userAgent":"kubeletctl","srcIP":"10.0.9.9:51290"}}"#
        );
        let req = alloc::format!(
            r#"{{"auditID":"r1","method":"POST","path":"{uri}","headers":{{":authority":"10.0.3.17:10250","user-agent":"kubeletctl"}},"source_address":"10.0.9.9:51290"}}"#
        );
        let (a, b) = (score(&log), score(&req));
        assert!(a.matched);
        assert_eq!(
            (a.source.as_deref(), b.source.as_deref()),
            (Some("kubelet"), Some(SOURCE))
        );
        assert_eq!(a.rules, b.rules);
        assert_eq!(
            (a.score, a.indicators.clone()),
            (b.score, b.indicators.clone())
        );
    }

    #[test]
    fn audit_id_is_the_marker_that_opens_the_kubernetes_keywords() {
        // No process keyword (no kubectl user agent): the gated keyword `privileged` is only
        // searched in a record with a control-plane marker.
        let body = r#"{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"alpine\",\"securityContext\":{\"privileged\":true}}]}}"#;
        let with = alloc::format!(
            r#"{{"auditID":"r2","method":"POST","path":"/api/v1/namespaces/d/pods","headers":{{"user-agent":"Go-http-client/1.1"}},"body":"{body}"}}"#
        );
        let without = with.replacen(r#""auditID":"r2","#, "", 1);
        let v = score(&with);
        assert!(
            v.matched && v.rules.iter().any(|r| r.id == "cadet.workload.privileged"),
            "{}",
            v.to_json()
        );
        assert!(!score(&without).matched);
    }
}
