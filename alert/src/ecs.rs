//! The ECS alert document.
//!
//! Field names and types follow the ECS field reference (`alert/data/ecs_fields.tsv` is the
//! subset this module writes, from ECS 9.4.0; `alert/tests/ecs.rs` checks every field of every
//! fixture alert against it). A record that is ECS already (Elastic Agent/Endpoint, Auditbeat,
//! Winlogbeat) keeps its ECS field sets; cadet fills what is missing and sets the alert's own
//! fields (`event.kind`, `event.severity`, `event.risk_score`, `rule.*`, `threat.*`). The whole
//! verdict travels under the custom field set `cadet`.

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::facts::Facts;
use crate::{attack, Alerter};
use cadet_core::Verdict;

/// The ECS version the documents follow (`ecs.version`).
pub const ECS_VERSION: &str = "9.4.0";

/// ECS field sets kept from a record that is ECS already.
pub(crate) const KEPT: &[&str] = &[
    "@timestamp",
    "agent",
    "cloud",
    "container",
    "destination",
    "event",
    "file",
    "group",
    "host",
    "labels",
    "log",
    "message",
    "network",
    "observer",
    "orchestrator",
    "process",
    "related",
    "service",
    "source",
    "tags",
    "url",
    "user",
    "user_agent",
];

/// Sets `path` (dotted) to `v`, creating objects on the way (a non-object in the way is replaced).
pub(crate) fn set(doc: &mut Map<String, Value>, path: &str, v: Value) {
    let mut cur = doc;
    let mut parts = path.split('.').peekable();
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(String::from(p), v);
            return;
        }
        let slot = cur
            .entry(String::from(p))
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        match slot {
            Value::Object(m) => cur = m,
            _ => return,
        }
    }
}

/// Sets `path` to `v` only when nothing is there yet (a record's own value wins).
pub(crate) fn fill(doc: &mut Map<String, Value>, path: &str, v: Value) {
    let mut cur: &Map<String, Value> = doc;
    for p in path.split('.') {
        match cur.get(p) {
            Some(Value::Object(m)) => cur = m,
            Some(_) => return,
            None => break,
        }
    }
    if get(doc, path).is_none() {
        set(doc, path, v);
    }
}

fn get<'a>(doc: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut v = doc.get(parts.next()?)?;
    for p in parts {
        v = v.as_object()?.get(p)?;
    }
    Some(v)
}

fn s(v: &str) -> Value {
    Value::String(String::from(v))
}

fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for i in items {
        let v = s(i);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Value::Array(out)
}

/// The cloud a managed Kubernetes source runs in (ECS `cloud.provider`).
fn cloud_of(source: Option<&str>) -> Option<&'static str> {
    match source? {
        "k8s_gke" => Some("gcp"),
        "k8s_eks" => Some("aws"),
        "k8s_aks" | "k8s_azure_activity" => Some("azure"),
        _ => None,
    }
}

/// The ECS `event.type` of a Kubernetes verb.
fn event_type(verb: Option<&str>) -> &'static str {
    match verb {
        Some("create") => "creation",
        Some("delete" | "deletecollection") => "deletion",
        Some("update" | "patch" | "write") => "change",
        Some("get" | "list" | "watch") => "access",
        _ => "info",
    }
}

/// Builds the document (see the module documentation).
pub fn render(
    alerter: &Alerter,
    facts: &Facts,
    record: &[u8],
    verdict: &Verdict,
    received_ms: i64,
) -> Value {
    let mut doc = render_fields(alerter, facts, record, verdict, received_ms);
    let verdict_json = serde_json::to_value(verdict).unwrap_or(Value::Null);
    doc.insert(String::from("cadet"), verdict_json);
    Value::Object(doc)
}

/// Writes the document as one JSON line. The verdict is spliced in as the core serialises it
/// (no `serde_json::Value` of it is built: ~5 KB less WebAssembly, and faster).
pub fn write(
    alerter: &Alerter,
    facts: &Facts,
    record: &[u8],
    verdict: &Verdict,
    received_ms: i64,
    out: &mut Vec<u8>,
) -> bool {
    let doc = render_fields(alerter, facts, record, verdict, received_ms);
    let Ok(mut bytes) = serde_json::to_vec(&Value::Object(doc)) else {
        return false;
    };
    // `{…}` with at least `ecs` and `event` in it: `{…,"cadet":<verdict>}`.
    if bytes.pop() != Some(b'}') {
        return false;
    }
    out.extend_from_slice(&bytes);
    out.extend_from_slice(b",\"cadet\":");
    out.extend_from_slice(verdict.to_json().as_bytes());
    out.push(b'}');
    true
}

/// Every field but the verdict itself.
fn render_fields(
    alerter: &Alerter,
    facts: &Facts,
    record: &[u8],
    verdict: &Verdict,
    received_ms: i64,
) -> Map<String, Value> {
    let mut doc = Map::new();
    if let Some(kept) = &facts.ecs_fields {
        doc = kept.clone();
    }
    let time = facts.time_ms.unwrap_or(received_ms);
    fill(
        &mut doc,
        "@timestamp",
        s(&crate::time::format_rfc3339(time)),
    );
    set(&mut doc, "ecs.version", s(ECS_VERSION));

    // event.*
    let primary = crate::primary(verdict);
    let title = primary.map(|r| r.title.as_str()).unwrap_or("cadet alert");
    set(&mut doc, "event.kind", s("alert"));
    let (category, etype) = match facts.kind.as_str() {
        "process" => ("process", "start"),
        "" => ("intrusion_detection", "info"),
        _ => ("api", event_type(facts.verb.as_deref())),
    };
    fill(&mut doc, "event.category", strings([category]));
    fill(&mut doc, "event.type", strings([etype]));
    set(
        &mut doc,
        "event.severity",
        Value::from(crate::severity_id(verdict.severity)),
    );
    set(
        &mut doc,
        "event.risk_score",
        Value::from(f64::from(verdict.score)),
    );
    set(&mut doc, "event.reason", s(title));
    set(
        &mut doc,
        "event.id",
        s(&crate::finding_uid(alerter.profile(), record)),
    );
    set(
        &mut doc,
        "event.created",
        s(&crate::time::format_rfc3339(received_ms)),
    );
    if let Some(action) = facts.docker_action.as_deref().or(facts.verb.as_deref()) {
        fill(&mut doc, "event.action", s(action));
    }
    if let Some(code) = facts.status_code {
        let outcome = if facts.denied || code >= 400 {
            "failure"
        } else {
            "success"
        };
        fill(&mut doc, "event.outcome", s(outcome));
    } else if facts.denied {
        fill(&mut doc, "event.outcome", s("failure"));
    }
    let mut message = String::from(title);
    if let Some(by) = &verdict.suppressed_by {
        message.push_str(&alloc::format!(" (suppressed by {by})"));
    }
    set(&mut doc, "message", s(&message));

    // rule.* (the strongest rule; every rule is in cadet.rules)
    doc.remove("rule");
    if let Some(hit) = primary {
        let info = alerter.rule(&hit.id);
        set(&mut doc, "rule.id", s(&hit.id));
        set(&mut doc, "rule.name", s(&hit.title));
        if let Some(d) = info
            .map(|i| i.description.as_str())
            .filter(|d| !d.is_empty())
        {
            set(&mut doc, "rule.description", s(d));
        }
        if let Some(r) = info.and_then(|i| i.references.first()) {
            set(&mut doc, "rule.reference", s(r));
        }
    }
    set(
        &mut doc,
        "rule.ruleset",
        s(&alloc::format!("cadet/{}", alerter.profile())),
    );
    set(&mut doc, "rule.license", s("Apache-2.0"));
    set(&mut doc, "rule.version", s(crate::PRODUCT_VERSION));

    // threat.*
    doc.remove("threat");
    threat(&mut doc, &verdict.techniques);

    // who, where, what
    if let Some(u) = &facts.user {
        fill(&mut doc, "user.name", s(u));
    }
    if let Some(u) = &facts.impersonated_user {
        fill(&mut doc, "user.effective.name", s(u));
    }
    if let Some(ip) = facts.source_ips.first() {
        if ip.parse::<core::net::IpAddr>().is_ok() {
            fill(&mut doc, "source.ip", s(ip));
        } else {
            fill(&mut doc, "source.address", s(ip));
        }
    }
    if let Some(ua) = &facts.user_agent {
        fill(&mut doc, "user_agent.original", s(ua));
    }
    if let Some(h) = &facts.host {
        fill(&mut doc, "host.name", s(h));
    }
    if let Some(p) = &facts.process {
        let fields: [(&str, &Option<String>); 6] = [
            ("process.executable", &p.executable),
            ("process.name", &p.name),
            ("process.command_line", &p.command_line),
            ("process.parent.name", &p.parent_name),
            ("process.parent.executable", &p.parent_executable),
            ("process.parent.command_line", &p.parent_command_line),
        ];
        for (path, v) in fields {
            if let Some(v) = v {
                fill(&mut doc, path, s(v));
            }
        }
        if !p.args.is_empty() {
            fill(
                &mut doc,
                "process.args",
                strings(p.args.iter().map(String::as_str)),
            );
            fill(&mut doc, "process.args_count", Value::from(p.args.len()));
        }
        if let Some(pid) = p.pid {
            fill(&mut doc, "process.pid", Value::from(pid));
        }
    }
    if facts.kind == "k8s_audit" || facts.kind == "kubelet" {
        fill(&mut doc, "orchestrator.type", s("kubernetes"));
        if let Some(ns) = &facts.namespace {
            fill(&mut doc, "orchestrator.namespace", s(ns));
        }
        if let Some(r) = &facts.resource {
            let r = match &facts.subresource {
                Some(sub) => alloc::format!("{r}/{sub}"),
                None => r.clone(),
            };
            fill(&mut doc, "orchestrator.resource.type", s(&r));
        }
        if let Some(n) = &facts.name {
            fill(&mut doc, "orchestrator.resource.name", s(n));
        }
        if !facts.labels.is_empty() {
            fill(
                &mut doc,
                "orchestrator.resource.label",
                strings(facts.labels.iter().map(String::as_str)),
            );
        }
        if let Some(cloud) = cloud_of(facts.source.as_deref()) {
            fill(&mut doc, "cloud.provider", s(cloud));
        }
    }
    if let Some(name) = &facts.container_name {
        fill(&mut doc, "container.name", s(name));
    }
    if facts.kind == "docker" {
        fill(&mut doc, "container.runtime", s("docker"));
    }
    if let Some(id) = &facts.container_id {
        fill(&mut doc, "container.id", s(id));
    } else if let Some(image) = &facts.image {
        fill(&mut doc, "container.image.name", s(image));
    }
    let users: Vec<&str> = facts
        .user
        .iter()
        .chain(&facts.impersonated_user)
        .map(String::as_str)
        .collect();
    if !users.is_empty() {
        fill(&mut doc, "related.user", strings(users));
    }
    let ips: Vec<&str> = facts
        .source_ips
        .iter()
        .map(String::as_str)
        .filter(|ip| ip.parse::<core::net::IpAddr>().is_ok())
        .collect();
    if !ips.is_empty() {
        fill(&mut doc, "related.ip", strings(ips));
    }
    if let Some(h) = &facts.host {
        fill(&mut doc, "related.hosts", strings([h.as_str()]));
    }
    set(&mut doc, "observer.vendor", s("cadet"));
    set(&mut doc, "observer.product", s("cadet"));
    set(&mut doc, "observer.version", s(crate::PRODUCT_VERSION));
    set(&mut doc, "observer.type", s("detection-engine"));

    // the whole verdict goes under `cadet` (custom field set): see `render` / `write`
    doc.remove("cadet");
    doc
}

/// `threat.*`: framework, techniques (parents), sub-techniques and tactics, as ECS arrays.
fn threat(doc: &mut Map<String, Value>, techniques: &[String]) {
    if techniques.is_empty() {
        return;
    }
    let mut tech: Vec<(String, Option<&str>)> = Vec::new();
    let mut sub: Vec<(String, Option<&str>)> = Vec::new();
    let mut tactics: Vec<&str> = Vec::new();
    for id in techniques {
        match attack::lookup(id) {
            Some(t) => {
                if !tech.iter().any(|(i, _)| i == t.id) {
                    tech.push((String::from(t.id), t.name));
                }
                if let Some(sid) = t.sub_id {
                    sub.push((String::from(sid), t.sub_name));
                }
                for ta in t.tactics {
                    if !tactics.contains(ta) {
                        tactics.push(ta);
                    }
                }
            }
            None => match id.split_once('.') {
                Some((parent, _)) => {
                    if !tech.iter().any(|(i, _)| i == parent) {
                        tech.push((String::from(parent), None));
                    }
                    sub.push((id.clone(), None));
                }
                None => tech.push((id.clone(), None)),
            },
        }
    }
    set(doc, "threat.framework", s("MITRE ATT&CK"));
    let list = |items: &[(String, Option<&str>)], prefix: &str, doc: &mut Map<String, Value>| {
        set(
            doc,
            &alloc::format!("{prefix}.id"),
            strings(items.iter().map(|(i, _)| i.as_str())),
        );
        let names: Vec<&str> = items.iter().filter_map(|(_, n)| *n).collect();
        if names.len() == items.len() {
            set(doc, &alloc::format!("{prefix}.name"), strings(names));
        }
        let refs: Vec<String> = items.iter().map(|(i, _)| attack::reference(i)).collect();
        set(
            doc,
            &alloc::format!("{prefix}.reference"),
            strings(refs.iter().map(String::as_str)),
        );
    };
    list(&tech, "threat.technique", doc);
    if !sub.is_empty() {
        list(&sub, "threat.technique.subtechnique", doc);
    }
    if !tactics.is_empty() {
        let ts: Vec<(String, Option<&str>)> = tactics
            .iter()
            .map(|t| (String::from(*t), attack::tactic_name(t)))
            .collect();
        list(&ts, "threat.tactic", doc);
    }
}
