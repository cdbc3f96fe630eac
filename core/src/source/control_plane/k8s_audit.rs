//! Kubernetes API server audit events (`audit.k8s.io/v1` `Event`), as the
//! kube-apiserver writes them to its audit log or webhook, and the readers of
//! pod specs (pods, workload templates, patches) shared with the cloud wrappers.
//!
//! Stages (see [`super`]): a long-running request (exec, attach, port-forward,
//! proxy, watch) is read with its facts at every stage; any other request's
//! `RequestReceived` and `ResponseStarted` records are read without facts. For `pods/exec` the
//! `?command=` parameters are decoded and analysed as the payload, exactly as
//! the command after `kubectl exec POD --`; without them, the `command` of a
//! `PodExecOptions` request object (GKE: `protoPayload.request`). An exec with no
//! command visible is still an exec.
//!
//! Shapes read (see [`is_audit_event`]): `audit.k8s.io/v1` and `v1beta1` events, events
//! without `apiVersion`, `auditID` or `requestURI`, and reduced events (`kind`, `verb`,
//! `user`, `objectRef`, `responseStatus`, `requestObject`); without `objectRef` the request
//! path names the object. A refusal is `forbid`, `Forbidden`/`Unauthorized` or 401/403.

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::analysis::payload::Payload;
use crate::event::ControlPlane;
use crate::event::{Event, EventKind};
use crate::text::json::Json;
use crate::text::json::{nonempty, text};
use crate::text::lower;

/// True for a record shaped like an audit event: `kind: Event` with `apiVersion:
/// audit.k8s.io/...`; or `kind: Event` with a `verb` and an `objectRef` (or a `requestURI`),
/// whatever its `apiVersion` — the `audit.k8s.io/v1beta1`-era and trimmed exports without
/// one, and the reduced events of test suites and SIEM exports (`kind`, `verb`, `user`,
/// `objectRef`, `responseStatus`, `requestObject`); or an `auditID` with a `verb` and a
/// `requestURI`. A Kubernetes `Event` object (`kubectl get events`) has neither `verb` nor
/// `objectRef`, and docker and kubelet records have no `kind: Event`.
pub fn is_audit_event(doc: &Json<'_>) -> bool {
    let verb = doc.get("verb").as_str().is_some();
    let uri = doc.get("requestURI").as_str().is_some();
    if doc.get("kind").as_str() == Some("Event") {
        let audit_api = doc
            .get("apiVersion")
            .as_str()
            .is_some_and(|v| v.starts_with("audit.k8s.io/"));
        if audit_api || (verb && (doc.get("objectRef").is_object() || uri)) {
            return true;
        }
    }
    doc.get("auditID").as_str().is_some() && verb && uri
}

/// Reads a raw audit event.
pub fn read<'a>(doc: &'a Json<'a>) -> Option<Event<'a>> {
    is_audit_event(doc).then(|| from_audit(doc, "k8s_audit"))
}

/// Stages after which a request is complete.
fn final_stage(stage: &str) -> bool {
    !matches!(stage, "RequestReceived" | "ResponseStarted")
}

/// Subresources whose requests are long-running: the API server writes `ResponseStarted`
/// when the stream opens and `ResponseComplete` only when it closes.
pub const LONG_RUNNING_SUBRESOURCES: &[&str] = &["exec", "attach", "portforward", "proxy"];

/// A long-running request (a stream: `exec`, `attach`, `portforward`, `proxy` — `nodes/proxy`
/// too — or a watch: verb `watch`, or `watch=true`/`watch=1` in the query). Such a request is
/// read with its facts at every stage, so it is scored at the first stage the log holds; the
/// engine's set of scored requests keeps its later stages from alerting again.
/// `verb` and `subresource` are compared ASCII case-insensitively.
pub fn long_running(verb: Option<&str>, subresource: Option<&str>, uri: Option<&str>) -> bool {
    let sub = subresource.unwrap_or("");
    LONG_RUNNING_SUBRESOURCES
        .iter()
        .any(|s| s.eq_ignore_ascii_case(sub))
        || verb.is_some_and(|v| v.eq_ignore_ascii_case("watch"))
        || uri.is_some_and(|u| {
            crate::text::query_values(u, "watch")
                .iter()
                .any(|v| matches!(v.as_str(), "1" | "t" | "T" | "true" | "TRUE" | "True"))
        })
}

/// Reads an audit event (raw, or unwrapped from a cloud export) as `source`.
pub fn from_audit<'a>(doc: &Json<'a>, source: &'static str) -> Event<'a> {
    let mut ev = Event::new(EventKind::K8sAudit, source);
    let mut a = ControlPlane {
        stage: nonempty(doc.get("stage")),
        audit_id: nonempty(doc.get("auditID")),
        ..ControlPlane::default()
    };
    // Only the final stage of a request is scored, except for a long-running one, which is
    // scored at every stage (the engine's set of scored auditIDs counts it once).
    if let Some(stage) = &a.stage {
        if !final_stage(stage)
            && !long_running(
                doc.get("verb").as_str(),
                doc.path(&["objectRef", "subresource"]).as_str(),
                doc.get("requestURI").as_str(),
            )
        {
            a.skipped = true;
            ev.control_plane = a;
            return ev;
        }
    }
    let user = doc.get("user");
    a.user = nonempty(user.get("username"));
    a.groups = user
        .get("groups")
        .as_array()
        .iter()
        .filter_map(text)
        .collect();
    a.pod_token = !user
        .get("extra")
        .get("authentication.kubernetes.io/pod-name")
        .is_null();
    a.impersonated_user = nonempty(doc.path(&["impersonatedUser", "username"]));
    a.source_ips = doc
        .get("sourceIPs")
        .as_array()
        .iter()
        .filter_map(nonempty)
        .collect();
    a.user_agent = nonempty(doc.get("userAgent"));
    a.time = ["stageTimestamp", "requestReceivedTimestamp", "timestamp"]
        .iter()
        .find_map(|k| {
            doc.get(k)
                .as_str()
                .and_then(crate::text::time::rfc3339_seconds)
        });
    a.verb = nonempty(doc.get("verb")).map(lower);
    a.request_uri = nonempty(doc.get("requestURI"));
    let obj = doc.get("objectRef");
    if obj.is_object() {
        a.resource = nonempty(obj.get("resource")).map(lower);
        a.subresource = nonempty(obj.get("subresource")).map(lower);
        a.namespace = nonempty(obj.get("namespace"));
        a.name = nonempty(obj.get("name"));
        a.api_group = nonempty(obj.get("apiGroup"));
    } else if let Some(uri) = a.request_uri.clone() {
        // A reduced event without objectRef: the API server's own reading of the path.
        object_ref_from_uri(&mut a, &uri);
    }
    a.status_code = doc.path(&["responseStatus", "code"]).as_i64();
    let reason = doc
        .path(&["responseStatus", "reason"])
        .as_str()
        .unwrap_or("");
    let annotations = doc.get("annotations");
    a.decision = nonempty(annotations.get("authorization.k8s.io/decision")).map(lower);
    a.denied = a.decision.as_deref() == Some("forbid")
        || reason.eq_ignore_ascii_case("Forbidden")
        || reason.eq_ignore_ascii_case("Unauthorized")
        || matches!(a.status_code, Some(401 | 403));
    for (k, v) in annotations.members() {
        if !k.starts_with("authorization.k8s.io/") {
            if let Some(v) = text(v) {
                a.annotations.push(Cow::Owned(alloc::format!("{k}={v}")));
            }
        }
    }
    let body = match doc.get("requestObject") {
        Json::Null => doc.get("responseObject"),
        b => b,
    };
    let payload = facts(&mut a, body);
    ev.control_plane = a;
    if let Some(p) = payload {
        ev.set_payload(p);
    }
    ev
}

/// Fills resource, subresource, namespace, name and API group from a request path, as the
/// API server resolves it (`/api/v1/namespaces/NS/pods/NAME/exec`,
/// `/apis/GROUP/VERSION/RESOURCE/NAME`, the deprecated `/api/v1/watch/...` prefix;
/// `namespaces/NS/status` and `/finalize` are the namespace's own subresources). Paths that
/// are not under `/api/` or `/apis/` (`/healthz`, `/version`) name no resource.
fn object_ref_from_uri(a: &mut ControlPlane<'_>, uri: &str) {
    let path = uri.split('?').next().unwrap_or("");
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, mut rest) = match segs.as_slice() {
        ["api", _, rest @ ..] => (None, rest),
        ["apis", g, _, rest @ ..] => (Some(*g), rest),
        _ => return,
    };
    if rest.first() == Some(&"watch") {
        rest = &rest[1..];
    }
    if rest.first() == Some(&"namespaces") && rest.len() > 1 {
        a.namespace = Some(Cow::Owned(String::from(rest[1])));
        if rest.len() > 2 && !matches!(rest[2], "status" | "finalize") {
            rest = &rest[2..];
        }
    }
    let Some(resource) = rest.first() else {
        return;
    };
    a.api_group = group.map(|g| Cow::Owned(String::from(g)));
    a.resource = Some(Cow::Owned(resource.to_ascii_lowercase()));
    a.name = rest.get(1).map(|n| Cow::Owned(String::from(*n)));
    a.subresource = rest.get(2).map(|s| Cow::Owned(s.to_ascii_lowercase()));
}

/// Derives the facts every audit-shaped source shares once the request fields are set:
/// evidence for the request, the exec command, and the pod spec of `body` (the request
/// object: a pod, a workload, a patch). Returns the payload to analyse, if any.
pub fn facts<'a>(a: &mut ControlPlane<'a>, body: &Json<'a>) -> Option<Payload<'a>> {
    if let (Some(r), Some(s)) = (a.resource.clone(), a.subresource.clone()) {
        a.note("k8s.subresource", alloc::format!("{r}/{s}"));
        a.note("k8s.nodes_proxy", alloc::format!("{r}/{s}"));
    }
    if let Some(r) = a.resource.clone() {
        a.note("k8s.resource", r.to_string());
    }
    if let Some(v) = a.verb.clone() {
        a.note("k8s.verb", alloc::format!("verb={v}"));
    }
    if let Some(u) = a.user.clone() {
        a.note("user.name", alloc::format!("user={u}"));
    }
    if let Some(u) = a.impersonated_user.clone() {
        a.note("k8s.impersonated_user", alloc::format!("impersonate={u}"));
    }
    if let Some(d) = a.decision.clone() {
        a.note("k8s.decision", alloc::format!("decision={d}"));
    }
    if let Some(c) = a.status_code {
        a.note("k8s.status_code", alloc::format!("status={c}"));
    }
    if a.denied {
        let why = match (a.decision.as_deref(), a.status_code) {
            (Some("forbid"), _) => String::from("decision=forbid"),
            (_, Some(c)) => alloc::format!("status={c}"),
            _ => String::from("denied"),
        };
        a.note("k8s.denied", why);
    }
    if let Some(ua) = a.user_agent.clone() {
        a.note("user_agent", alloc::format!("userAgent={ua}"));
    }
    if a.pod_token {
        a.note("k8s.pod_token", "pod service-account token");
    }
    let mut payload = None;
    let sub = a.subresource.as_deref().unwrap_or("");
    if matches!(sub, "exec" | "attach")
        || (a.nodes_proxy()
            && a.request_uri
                .as_deref()
                .map(|u| u.contains("/proxy/run/") || u.contains("/proxy/exec/"))
                .unwrap_or(false))
    {
        if let Some(uri) = a.request_uri.as_deref() {
            let mut words = crate::text::query_values(uri, "command");
            if words.is_empty() {
                // kubelet `/run` through nodes/proxy takes one `cmd` string.
                if let Some(cmd) = crate::text::query_values(uri, "cmd").first() {
                    words = crate::text::shell_words::split(cmd);
                }
            }
            if !words.is_empty() {
                let words: Vec<Cow<'a, str>> = words.into_iter().map(Cow::Owned).collect();
                payload = Some(Payload::analyse(&words));
            }
        }
        if payload.is_none() && matches!(sub, "exec" | "attach") {
            payload = exec_options_command(body);
        }
    }
    let writes = matches!(
        a.verb.as_deref(),
        Some("create" | "update" | "patch" | "replace" | "write")
    );
    if writes && !body.is_null() {
        if let Some(role) = nonempty(body.path(&["roleRef", "name"])) {
            a.note("k8s.role_ref", alloc::format!("roleRef={role}"));
            a.role_ref = Some(role);
        }
        let spec_payload = super::pod_spec::read_object(a, body);
        if payload.is_none() {
            payload = spec_payload;
        }
    }
    payload
}

/// The command of a `PodExecOptions` request object (`{"kind":"PodExecOptions","command":
/// ["sh","-c","..."],...}`; GKE's `protoPayload.request`): a list of words, or one string
/// split as a shell would. `None` when the object names no command.
fn exec_options_command<'a>(body: &Json<'a>) -> Option<Payload<'a>> {
    let command = body.get("command");
    let words: Vec<Cow<'a, str>> = match command {
        Json::Str(s) => crate::text::shell_words::split(s)
            .into_iter()
            .map(Cow::Owned)
            .collect(),
        _ => command.as_array().iter().filter_map(text).collect(),
    };
    (!words.is_empty()).then(|| Payload::analyse(&words))
}
