//! Kubernetes audit events as the managed clouds deliver them.
//!
//! - **EKS** (`k8s_eks`): CloudWatch Logs events of the `kube-apiserver-audit-*`
//!   streams, with the audit event in `message` (a JSON string or object):
//!   `aws logs filter-log-events` / `get-log-events` items, Logs Insights
//!   `@message` exports, and subscription `DATA_MESSAGE`s holding one log event
//!   (hosts split multi-event batches before cadet). Any other record whose
//!   `message`/`log` field holds an audit event (Fluent Bit tailing the audit
//!   log) is read as `k8s_audit`.
//! - **GKE** (`k8s_gke`): Cloud Audit Logs entries with a `protoPayload` of
//!   `serviceName: k8s.io`: `methodName` (`io.k8s.core.v1.pods.exec.create`),
//!   `resourceName` (`core/v1/namespaces/NS/pods/NAME/exec`),
//!   `authenticationInfo.principalEmail`, `requestMetadata`, `status`,
//!   `authorizationInfo`, `request` (the object written) and the entry's
//!   `labels` (authorization decision). Long-running calls log a first and a
//!   last entry (`operation.first/last`, sharing `operation.id`): both are read
//!   (stages `ResponseStarted` and `ResponseComplete`) and the engine scores the
//!   call once; of other calls' pairs only the last is read with facts.
//! - **AKS** (`k8s_aks`): Azure diagnostic records with `category: kube-audit`
//!   or `kube-audit-admin` and the audit event in `properties.log` (string or
//!   object), single or in a one-record `{"records": [...]}` batch.
//! - **Azure Activity Log** (`k8s_azure_activity`): `operationName`s of Arc
//!   connected clusters and AKS (`MICROSOFT.KUBERNETES/CONNECTEDCLUSTERS/PODS/DELETE`),
//!   read into verb/resource/subresource; `Start`/`Accept` entries are not scored,
//!   except those of a stream (exec, attach, port-forward, proxy), scored once.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::k8s_audit;
use crate::event::ControlPlane;
use crate::event::{Event, EventKind};
use crate::text::json::Json;
use crate::text::json::{nonempty, text};
use crate::text::lower;

/// Reads any cloud wrapper of an audit event.
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    if let Some(pp) =
        Some(doc.get("protoPayload")).filter(|p| p.get("serviceName").as_str() == Some("k8s.io"))
    {
        return Some(gke(doc, pp));
    }
    if let [one] = doc.get("records").as_array() {
        return read_single(one);
    }
    read_single(doc)
}

fn read_single<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    if let Some(cat) = doc.get("category").as_str() {
        if cat.eq_ignore_ascii_case("kube-audit") || cat.eq_ignore_ascii_case("kube-audit-admin") {
            return embedded(doc.path(&["properties", "log"]), "k8s_aks");
        }
    }
    if let Some(op) = operation_name(doc) {
        let up = op.to_ascii_uppercase();
        if (up.starts_with("MICROSOFT.KUBERNETES/")
            || up.starts_with("MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/"))
            && !up.contains("/DIAGNOSTICLOGS/")
        {
            return Some(azure_activity(doc, op));
        }
    }
    if doc.get("messageType").as_str() == Some("DATA_MESSAGE") {
        if let [one] = doc.get("logEvents").as_array() {
            return embedded(one.get("message"), "k8s_eks");
        }
        return None;
    }
    let stream = ["logStreamName", "logStream", "@logStream"]
        .iter()
        .find_map(|k| doc.get(k).as_str())
        .unwrap_or("");
    let source = if stream.starts_with("kube-apiserver-audit") {
        "k8s_eks"
    } else {
        "k8s_audit"
    };
    ["message", "@message", "log"]
        .iter()
        .find_map(|k| embedded(doc.get(k), source))
}

/// An audit event held as an object or as a JSON string.
fn embedded<'a>(value: &'a Json<'a>, source: &'static str) -> Option<Event<'a>> {
    match value {
        Json::Object(_) if k8s_audit::is_audit_event(value) => {
            Some(k8s_audit::from_audit(value, source))
        }
        Json::Str(s) => {
            let s: &'a str = s;
            let t = s.trim_start();
            // Cheap test before parsing: a versioned audit event, or a reduced one.
            if !t.starts_with('{') || !(t.contains("audit.k8s.io") || t.contains("\"objectRef\"")) {
                return None;
            }
            let inner = Json::parse(t.trim_end().as_bytes()).ok()?;
            k8s_audit::is_audit_event(&inner).then(|| k8s_audit::from_audit(&inner, source))
        }
        _ => None,
    }
}

// ------------------------------------------------------------------------------------ GKE

/// gRPC status codes GKE writes, as HTTP statuses.
fn grpc_to_http(code: i64) -> Option<i64> {
    Some(match code {
        0 => 200,
        3 => 400,
        5 => 404,
        6 => 409,
        _ => return None,
    })
}

/// `v1`, `v1beta1`, `v2alpha1`.
fn is_version(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'v' && b[1].is_ascii_digit()
}

/// A long-running GKE call: the verb and subresource of `methodName`
/// (`io.k8s.core.v1.pods.exec.create`, `io.k8s.core.v1.pods.watch`), the subresource read
/// from `resourceName` when the method has none (as [`gke`] reads them).
fn gke_long_running(pp: &Json<'_>) -> bool {
    let method = pp.get("methodName").as_str().unwrap_or("");
    let parts: Vec<&str> = method.split('.').collect();
    let verb = parts.last().filter(|_| parts.len() >= 3).copied();
    let mut sub = parts
        .iter()
        .position(|p| is_version(p))
        .and_then(|vi| parts.get(vi + 1..parts.len().saturating_sub(1)))
        .and_then(|rest| rest.get(1).copied());
    if sub.is_none() {
        if let Some(rn) = pp.get("resourceName").as_str() {
            let segs: Vec<&str> = rn.split('/').collect();
            if segs.len() >= 3 && is_version(segs[1]) {
                let mut rest = &segs[2..];
                if rest.first() == Some(&"namespaces") && rest.len() >= 3 {
                    rest = &rest[2..];
                }
                sub = rest.get(2).copied();
            }
        }
    }
    k8s_audit::long_running(verb, sub, None)
}

fn gke<'a>(doc: &'a Json<'a>, pp: &'a Json<'a>) -> Event<'a> {
    let mut ev = Event::new(EventKind::K8sAudit, "k8s_gke");
    // GKE entries carry no auditID; the two entries of one long-running call (first/last)
    // share `operation.id`, and a one-entry call has its own.
    let mut a = ControlPlane {
        audit_id: nonempty(doc.path(&["operation", "id"])),
        ..ControlPlane::default()
    };
    let op = doc.get("operation");
    let (first, last) = (
        op.get("first").as_bool() == Some(true),
        op.get("last").as_bool() == Some(true),
    );
    // Of a first/last pair, the first entry plays `ResponseStarted` and the last
    // `ResponseComplete`; a one-entry call has no stage. The first entry is read without facts
    // unless the call is long-running (exec, attach, port-forward, proxy, watch): then both are
    // read, and the engine's set of scored requests (keyed on `operation.id`) scores it once.
    if first && !last {
        a.stage = Some(Cow::Borrowed("ResponseStarted"));
        if !gke_long_running(pp) {
            a.skipped = true;
            ev.control_plane = a;
            return ev;
        }
    } else if last && !first {
        a.stage = Some(Cow::Borrowed("ResponseComplete"));
    }
    a.user = nonempty(pp.path(&["authenticationInfo", "principalEmail"]));
    a.source_ips = nonempty(pp.path(&["requestMetadata", "callerIp"]))
        .into_iter()
        .collect();
    a.user_agent = nonempty(pp.path(&["requestMetadata", "callerSuppliedUserAgent"]));
    a.time = doc
        .get("timestamp")
        .as_str()
        .and_then(crate::text::time::rfc3339_seconds);
    a.method = nonempty(pp.get("methodName"));
    let method = a.method.as_deref().unwrap_or("");
    // io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>, or io.k8s.<verb> for non-resource URLs.
    let parts: Vec<&str> = method.split('.').collect();
    if let Some(verb) = parts.last().filter(|_| parts.len() >= 3) {
        a.verb = Some(Cow::Owned(verb.to_ascii_lowercase()));
    }
    if let Some(vi) = parts.iter().position(|p| is_version(p)) {
        // The segments between the version and the verb (none when the version is last).
        let rest = parts
            .get(vi + 1..parts.len().saturating_sub(1))
            .unwrap_or(&[]);
        if let Some(r) = rest.first() {
            a.resource = Some(Cow::Owned(r.to_ascii_lowercase()));
        }
        if let Some(s) = rest.get(1) {
            a.subresource = Some(Cow::Owned(s.to_ascii_lowercase()));
        }
    }
    // resourceName: <group>/<version>/namespaces/<ns>/<resource>/<name>[/<sub>]
    if let Some(rn) = pp.get("resourceName").as_str() {
        let segs: Vec<&str> = rn.split('/').collect();
        if segs.len() >= 3 && is_version(segs[1]) {
            if segs[0] != "core" {
                a.api_group = Some(Cow::Owned(String::from(segs[0])));
            }
            let mut rest = &segs[2..];
            if rest.first() == Some(&"namespaces") && rest.len() >= 3 {
                a.namespace = Some(Cow::Owned(String::from(rest[1])));
                rest = &rest[2..];
            }
            if let Some(r) = rest.first() {
                a.resource
                    .get_or_insert_with(|| Cow::Owned(r.to_ascii_lowercase()));
            }
            if let Some(n) = rest.get(1) {
                a.name = Some(Cow::Owned(String::from(*n)));
            }
            if let Some(s) = rest.get(2) {
                a.subresource
                    .get_or_insert_with(|| Cow::Owned(s.to_ascii_lowercase()));
            }
        }
        a.request_uri = Some(Cow::Owned(alloc::format!("/{rn}")));
    }
    let denied = pp
        .get("authorizationInfo")
        .as_array()
        .iter()
        .any(|i| i.get("granted").as_bool() == Some(false));
    a.decision = nonempty(doc.path(&["labels", "authorization.k8s.io/decision"]))
        .map(lower)
        .or_else(|| denied.then_some(Cow::Borrowed("forbid")));
    // Denials are taken from authorizationInfo (`"granted":false`), the only place GKE
    // records them for sure; other gRPC codes map to their HTTP status.
    a.denied = denied || a.decision.as_deref() == Some("forbid");
    a.status_code = if denied {
        Some(403)
    } else {
        pp.path(&["status", "code"]).as_i64().and_then(grpc_to_http)
    };
    for (k, v) in doc.get("labels").members() {
        if !k.starts_with("authorization.k8s.io/") {
            if let Some(v) = text(v) {
                a.annotations.push(Cow::Owned(alloc::format!("{k}={v}")));
            }
        }
    }
    let payload = k8s_audit::facts(&mut a, pp.get("request"));
    ev.control_plane = a;
    if let Some(p) = payload {
        ev.set_payload(p);
    }
    ev
}

// --------------------------------------------------------------------- Azure Activity Log

fn operation_name<'a>(doc: &'a Json<'a>) -> Option<&'a str> {
    let op = doc.get("operationName");
    op.as_str().or_else(|| op.get("value").as_str())
}

/// An Azure operation on a stream subresource (`.../PODS/EXEC/ACTION`, as [`azure_activity`]
/// reads the verb).
fn azure_long_running(op: &str) -> bool {
    let segs: Vec<&str> = op.split('/').skip(2).collect();
    let verb = match segs.as_slice() {
        [.., v, last] if last.eq_ignore_ascii_case("action") => *v,
        [.., last] => *last,
        [] => "",
    };
    k8s_audit::LONG_RUNNING_SUBRESOURCES
        .iter()
        .any(|s| s.eq_ignore_ascii_case(verb))
}

fn azure_activity<'a>(doc: &'a Json<'a>, op: &'a str) -> Event<'a> {
    let mut ev = Event::new(EventKind::K8sAudit, "k8s_azure_activity");
    let mut a = ControlPlane {
        method: Some(Cow::Borrowed(op)),
        ..ControlPlane::default()
    };
    let result = doc
        .get("resultType")
        .as_str()
        .or_else(|| doc.path(&["status", "value"]).as_str())
        .unwrap_or("");
    // One operation logs Start/Accept and then Success or Failure: score the successful end
    // only — except a long-running one (exec, attach, port-forward, proxy), whose entries are
    // all read (Start/Accept as `ResponseStarted`, the end as `ResponseComplete`) and scored
    // once by the engine's set of scored requests, keyed on `operationId`/`correlationId`.
    let opening = matches!(
        result.to_ascii_lowercase().as_str(),
        "start" | "started" | "accept" | "accepted"
    );
    let failed = matches!(result.to_ascii_lowercase().as_str(), "failure" | "failed");
    if azure_long_running(op) {
        a.audit_id =
            nonempty(doc.get("operationId")).or_else(|| nonempty(doc.get("correlationId")));
        a.stage = Some(Cow::Borrowed(if opening {
            "ResponseStarted"
        } else {
            "ResponseComplete"
        }));
    } else if opening || failed {
        a.stage = Some(Cow::Borrowed("ResponseStarted"));
        a.skipped = true;
        ev.control_plane = a;
        return ev;
    }
    a.user =
        nonempty(doc.get("caller")).or_else(|| nonempty(doc.path(&["identity", "claims", "name"])));
    a.source_ips = nonempty(doc.get("callerIpAddress")).into_iter().collect();
    a.time = ["eventTimestamp", "time"].iter().find_map(|k| {
        doc.get(k)
            .as_str()
            .and_then(crate::text::time::rfc3339_seconds)
    });
    // MICROSOFT.KUBERNETES/CONNECTEDCLUSTERS/[<group>/]<resource>[/<sub>]/<WRITE|DELETE|READ|ACTION>
    let segs: Vec<String> = op.split('/').map(|s| s.to_ascii_lowercase()).collect();
    let body = &segs[2.min(segs.len())..];
    if let Some((last, head)) = body.split_last() {
        let mut head: Vec<&str> = head.iter().map(|s| s.as_str()).collect();
        let verb = if last == "action" {
            head.pop().unwrap_or("action")
        } else {
            last.as_str()
        };
        let stream = matches!(verb, "exec" | "attach" | "portforward" | "proxy");
        if stream {
            a.subresource = Some(Cow::Owned(String::from(verb)));
            a.verb = Some(Cow::Borrowed("create"));
        } else {
            a.verb = Some(Cow::Owned(String::from(verb)));
        }
        if !stream
            && head.len() >= 2
            && matches!(
                *head.last().unwrap_or(&""),
                "status" | "scale" | "ephemeralcontainers"
            )
        {
            a.subresource = head.pop().map(|s| Cow::Owned(String::from(s)));
        }
        match head.as_slice() {
            [] => a.resource = Some(Cow::Owned(segs.get(1).cloned().unwrap_or_default())),
            [r] => a.resource = Some(Cow::Owned(String::from(*r))),
            [g, r, ..] => {
                a.api_group = Some(Cow::Owned(String::from(*g)));
                a.resource = Some(Cow::Owned(String::from(*r)));
            }
        }
    }
    let payload = k8s_audit::facts(&mut a, &Json::Null);
    ev.control_plane = a;
    if let Some(p) = payload {
        ev.set_payload(p);
    }
    ev
}
