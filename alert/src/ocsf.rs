//! The OCSF Detection Finding (class `detection_finding`, uid 2004, category Findings, OCSF
//! 1.5.0, no profiles). `alert/tests/ocsf.rs` validates every fixture's finding against the
//! real schema (the `ocsf-json-schema` package's copy of the OCSF 1.5.0 export).
//!
//! Mapping: the strongest rule is `finding_info.analytic` (the others `related_analytics`),
//! every technique one `finding_info.attacks[]` entry, the indicators and the record's
//! process / API call / user / client address one `evidences[]` entry, the pod, object,
//! container and image `resources[]`, the first-seen context `anomaly_analyses[]`, the triage
//! card `remediation`. A suppressed verdict has `status_id` 3 "Suppressed".

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{json, Map, Value};

use crate::facts::Facts;
use crate::{attack, Alerter};
use cadet_core::{Severity, Verdict};

/// The OCSF schema version findings follow (`metadata.version`).
pub const OCSF_VERSION: &str = "1.5.0";
/// Detection Finding.
pub const CLASS_UID: u32 = 2004;
/// Findings.
pub const CATEGORY_UID: u32 = 2;
/// Activity Create: cadet reports each finding once, when the record is scored.
pub const ACTIVITY_CREATE: u32 = 1;
/// `class_uid * 100 + activity_id`.
pub const TYPE_UID: u32 = CLASS_UID * 100 + ACTIVITY_CREATE;

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::None => "Informational",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// OCSF `risk_level_id` (0 Info … 4 Critical) and its caption.
fn risk_level(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::None => (0, "Info"),
        Severity::Low => (1, "Low"),
        Severity::Medium => (2, "Medium"),
        Severity::High => (3, "High"),
        Severity::Critical => (4, "Critical"),
    }
}

fn is_ip(s: &str) -> bool {
    s.parse::<core::net::IpAddr>().is_ok()
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        if !v.is_null() {
            m.insert(String::from(k), v);
        }
    }
    Value::Object(m)
}

fn opt(v: &Option<String>) -> Value {
    v.as_deref().map(Value::from).unwrap_or(Value::Null)
}

fn attacks(techniques: &[String]) -> Vec<Value> {
    techniques
        .iter()
        .map(|id| {
            let t = attack::lookup(id);
            let entity = |uid: &str, name: Option<&str>| {
                obj(alloc::vec![
                    ("uid", Value::from(uid)),
                    ("name", name.map(Value::from).unwrap_or(Value::Null)),
                    ("src_url", Value::from(attack::reference(uid))),
                ])
            };
            let (technique, sub) = match &t {
                Some(t) => (
                    entity(t.id, t.name),
                    t.sub_id
                        .map(|s| entity(s, t.sub_name))
                        .unwrap_or(Value::Null),
                ),
                None => match id.split_once('.') {
                    Some((parent, _)) => (entity(parent, None), entity(id, None)),
                    None => (entity(id, None), Value::Null),
                },
            };
            let tactics: Vec<Value> = t
                .map(|t| t.tactics)
                .unwrap_or(&[])
                .iter()
                .map(|ta| entity(ta, attack::tactic_name(ta)))
                .collect();
            obj(alloc::vec![
                ("technique", technique),
                ("sub_technique", sub),
                ("tactic", tactics.first().cloned().unwrap_or(Value::Null)),
                (
                    "tactics",
                    if tactics.is_empty() {
                        Value::Null
                    } else {
                        Value::Array(tactics)
                    }
                ),
                ("version", Value::from(attack::ATTACK_VERSION)),
            ])
        })
        .collect()
}

fn analytic(alerter: &Alerter, id: &str, title: &str) -> Value {
    let desc = alerter
        .rule(id)
        .map(|r| r.description.as_str())
        .filter(|d| !d.is_empty());
    obj(alloc::vec![
        ("uid", Value::from(id)),
        ("name", Value::from(title)),
        ("type_id", Value::from(1)),
        ("type", Value::from("Rule")),
        ("category", Value::from(alerter.profile())),
        ("desc", desc.map(Value::from).unwrap_or(Value::Null)),
    ])
}

fn user(name: &str, groups: &[String]) -> Value {
    let groups: Vec<Value> = groups.iter().map(|g| json!({ "name": g })).collect();
    obj(alloc::vec![
        ("name", Value::from(name)),
        (
            "groups",
            if groups.is_empty() {
                Value::Null
            } else {
                Value::Array(groups)
            }
        ),
    ])
}

/// The one evidence artifact: indicators and flags as data, plus process / API / user / client.
fn evidence(facts: &Facts, verdict: &Verdict) -> Value {
    let flags: Vec<&str> = cadet_core::Flags::NAMES
        .iter()
        .copied()
        .filter(|f| {
            let v = &verdict.flags;
            match *f {
                "privileged_container" => v.privileged_container,
                "host_mount" => v.host_mount,
                "container_exec" => v.container_exec,
                "secrets_access" => v.secrets_access,
                _ => v.escape,
            }
        })
        .collect();
    let mut data = Map::new();
    data.insert("indicators".into(), json!(verdict.indicators));
    data.insert("flags".into(), json!(flags));
    data.insert(
        "rules".into(),
        Value::Array(
            verdict
                .rules
                .iter()
                .map(|r| json!({"id": r.id, "score": r.score}))
                .collect(),
        ),
    );
    if let Some(src) = &verdict.source {
        data.insert("source".into(), Value::from(src.as_str()));
    }
    if let Some(p) = &facts.payload {
        data.insert("container_command".into(), Value::from(p.as_str()));
    }
    if let Some(t) = &facts.target {
        data.insert("target".into(), Value::from(t.as_str()));
    }
    let process = facts.process.as_ref().and_then(|p| {
        // OCSF needs a pid (or uid) for a process object; without one the command line stays in `data`.
        let pid = p.pid?;
        let file = p.executable.as_deref().or(p.name.as_deref()).map(|path| {
            let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
            obj(alloc::vec![
                ("name", Value::from(name)),
                (
                    "path",
                    if path.contains(['/', '\\']) {
                        Value::from(path)
                    } else {
                        Value::Null
                    }
                ),
                ("type_id", Value::from(1)),
                ("type", Value::from("Regular File")),
            ])
        });
        Some(obj(alloc::vec![
            ("pid", Value::from(pid)),
            ("name", opt(&p.name)),
            ("cmd_line", opt(&p.command_line)),
            ("file", file.unwrap_or(Value::Null)),
            (
                "user",
                facts
                    .user
                    .as_deref()
                    .map(|u| user(u, &[]))
                    .unwrap_or(Value::Null)
            ),
            (
                "lineage",
                p.parent_executable
                    .as_deref()
                    .map(|e| json!([e]))
                    .unwrap_or(Value::Null)
            ),
        ]))
    });
    if process.is_none() {
        if let Some(p) = &facts.process {
            if let Some(c) = &p.command_line {
                data.insert("command_line".into(), Value::from(c.as_str()));
            }
            if let Some(parent) = p.parent_command_line.as_ref().or(p.parent_name.as_ref()) {
                data.insert("parent".into(), Value::from(parent.as_str()));
            }
        }
    }
    let api = operation(facts).map(|op| {
        let service = match facts.kind.as_str() {
            "docker" => "docker",
            "kubelet" => "kubelet",
            _ => "kubernetes",
        };
        obj(alloc::vec![
            ("operation", Value::from(op)),
            ("service", json!({ "name": service })),
            (
                "request",
                facts
                    .record_id
                    .as_deref()
                    .map(|id| json!({ "uid": id }))
                    .unwrap_or(Value::Null)
            ),
            (
                "response",
                facts
                    .status_code
                    .map(|c| json!({ "code": c }))
                    .unwrap_or(Value::Null)
            ),
        ])
    });
    let actor = facts
        .user
        .as_deref()
        .filter(|_| facts.is_api())
        .map(|u| json!({ "user": user(u, &facts.groups) }));
    let user_ev = facts
        .user
        .as_deref()
        .filter(|_| !facts.is_api())
        .map(|u| user(u, &[]));
    let src = facts.source_ips.first().map(|ip| {
        if is_ip(ip) {
            json!({ "ip": ip })
        } else {
            json!({ "name": ip })
        }
    });
    let http = facts.user_agent.as_deref().map(|ua| {
        let url = facts.request_uri.as_deref().map(|u| {
            let (path, query) = u.split_once('?').unwrap_or((u, ""));
            obj(alloc::vec![
                ("path", Value::from(path)),
                (
                    "query_string",
                    if query.is_empty() {
                        Value::Null
                    } else {
                        Value::from(query)
                    }
                ),
            ])
        });
        obj(alloc::vec![
            ("user_agent", Value::from(ua)),
            ("url", url.unwrap_or(Value::Null)),
        ])
    });
    let container = match (&facts.container_id, &facts.container_name) {
        (None, None) => None,
        (id, name) => Some(obj(alloc::vec![("uid", opt(id)), ("name", opt(name))])),
    };
    obj(alloc::vec![
        ("data", Value::Object(data)),
        ("process", process.unwrap_or(Value::Null)),
        ("api", api.unwrap_or(Value::Null)),
        ("actor", actor.unwrap_or(Value::Null)),
        ("user", user_ev.unwrap_or(Value::Null)),
        ("src_endpoint", src.unwrap_or(Value::Null)),
        ("http_request", http.unwrap_or(Value::Null)),
        ("container", container.unwrap_or(Value::Null)),
    ])
}

/// The API operation of a control-plane or daemon record: GKE's methodName, or `verb resource[/sub]`.
fn operation(facts: &Facts) -> Option<String> {
    if !facts.is_api() {
        return None;
    }
    if let Some(m) = &facts.method {
        return Some(m.clone());
    }
    if let Some(a) = &facts.docker_action {
        return Some(a.clone());
    }
    let verb = facts.verb.as_deref()?;
    Some(match (&facts.resource, &facts.subresource) {
        (Some(r), Some(s)) => alloc::format!("{verb} {r}/{s}"),
        (Some(r), None) => alloc::format!("{verb} {r}"),
        _ => String::from(verb),
    })
}

fn resources(facts: &Facts) -> Vec<Value> {
    let mut out = Vec::new();
    if let (Some(resource), Some(name)) = (&facts.resource, &facts.name) {
        let labels: Vec<Value> = facts
            .labels
            .iter()
            .map(|l| Value::from(l.as_str()))
            .collect();
        out.push(obj(alloc::vec![
            ("type", Value::from(resource.as_str())),
            ("name", Value::from(name.as_str())),
            ("namespace", opt(&facts.namespace)),
            (
                "labels",
                if labels.is_empty() {
                    Value::Null
                } else {
                    Value::Array(labels)
                }
            ),
        ]));
    }
    if facts.container_id.is_some() || facts.container_name.is_some() {
        out.push(obj(alloc::vec![
            ("type", Value::from("container")),
            ("uid", opt(&facts.container_id)),
            ("name", opt(&facts.container_name)),
        ]));
    } else if let Some(t) = facts.target.as_deref().filter(|_| facts.kind == "process") {
        out.push(json!({ "type": "container", "name": t }));
    }
    if let Some(image) = &facts.image {
        out.push(json!({ "type": "container_image", "name": image }));
    }
    out
}

fn anomalies(facts: &Facts, verdict: &Verdict) -> Vec<Value> {
    let Some(ctx) = &verdict.context else {
        return Vec::new();
    };
    let who = facts.user.as_deref().unwrap_or("unknown user");
    let target = json!([{ "name": who, "type": "User" }]);
    let one = |param: &str, kind: &str, value: Value, pattern: &str| {
        json!({
            "analysis_targets": target.clone(),
            "anomalies": [{
                "observation_parameter": param,
                "observation_type": kind,
                "observations": [value],
                "observed_pattern": pattern,
            }],
        })
    };
    let mut out = Vec::new();
    if ctx.first_seen_user_exec {
        out.push(one(
            "actor.user.name",
            "First Seen",
            json!({ "value": who }),
            "first container-administration command by this user",
        ));
    }
    if ctx.first_seen_user_ip {
        let ip = facts
            .source_ips
            .first()
            .map(String::as_str)
            .unwrap_or("unknown");
        out.push(one(
            "src_endpoint.ip",
            "First Seen",
            json!({ "value": ip }),
            "first request by this user from this address",
        ));
    }
    if ctx.exec_spike {
        out.push(one(
            "exec_rate",
            "Spike",
            json!({ "value": alloc::format!("{}", ctx.exec_rate), "count": ctx.exec_rate }),
            "exec/attach count in the current window over the spike limit",
        ));
    }
    if ctx.discovery_burst {
        out.push(one(
            "discovery_resources",
            "Burst",
            json!({ "value": alloc::format!("{}", ctx.discovery_resources), "count": ctx.discovery_resources }),
            "many different kinds of resources read within the window",
        ));
    }
    out
}

fn observables(facts: &Facts) -> Vec<Value> {
    let mut out = Vec::new();
    let mut add = |name: &str, type_id: u32, type_name: &str, value: &str| {
        out.push(json!({ "name": name, "type_id": type_id, "type": type_name, "value": value }));
    };
    if let Some(u) = &facts.user {
        let path = if facts.is_api() {
            "evidences.actor.user.name"
        } else {
            "evidences.user.name"
        };
        add(path, 4, "User Name", u);
    }
    if let Some(ip) = facts.source_ips.first().filter(|ip| is_ip(ip)) {
        add("evidences.src_endpoint.ip", 2, "IP Address", ip);
    }
    if let Some(h) = &facts.host {
        add("device.hostname", 1, "Hostname", h);
    }
    if let Some(p) = &facts.process {
        if let Some(n) = &p.name {
            add("evidences.process.name", 9, "Process Name", n);
        }
        if let Some(c) = &p.command_line {
            add("evidences.process.cmd_line", 13, "Command Line", c);
        }
    }
    if let Some(ua) = &facts.user_agent {
        add(
            "evidences.http_request.user_agent",
            16,
            "HTTP User-Agent",
            ua,
        );
    }
    out
}

/// Builds the finding (see the module documentation).
pub fn render(
    alerter: &Alerter,
    facts: &Facts,
    record: &[u8],
    verdict: &Verdict,
    received_ms: i64,
) -> Value {
    let time = facts.time_ms.unwrap_or(received_ms);
    let primary = crate::primary(verdict);
    let title = primary.map(|r| r.title.as_str()).unwrap_or("cadet alert");
    let analytic_v = primary
        .map(|r| analytic(alerter, &r.id, &r.title))
        .unwrap_or(Value::Null);
    let related: Vec<Value> = verdict
        .rules
        .iter()
        .filter(|r| Some(r.id.as_str()) != primary.map(|p| p.id.as_str()))
        .map(|r| analytic(alerter, &r.id, &r.title))
        .collect();
    let desc = primary
        .and_then(|r| alerter.rule(&r.id))
        .map(|r| r.description.as_str())
        .filter(|d| !d.is_empty());
    let attacks = attacks(&verdict.techniques);
    let finding_info = obj(alloc::vec![
        (
            "uid",
            Value::from(crate::finding_uid(alerter.profile(), record))
        ),
        ("uid_alt", opt(&facts.record_id)),
        ("title", Value::from(title)),
        ("desc", desc.map(Value::from).unwrap_or(Value::Null)),
        ("analytic", analytic_v),
        (
            "related_analytics",
            if related.is_empty() {
                Value::Null
            } else {
                Value::Array(related)
            }
        ),
        (
            "attacks",
            if attacks.is_empty() {
                Value::Null
            } else {
                Value::Array(attacks)
            }
        ),
        ("first_seen_time", Value::from(time)),
        ("last_seen_time", Value::from(time)),
        (
            "data_sources",
            verdict
                .source
                .as_deref()
                .map(|s| json!([s]))
                .unwrap_or(Value::Null)
        ),
    ]);
    let suppressed = verdict.suppressed_by.is_some();
    let (risk_id, risk_name) = risk_level(verdict.severity);
    let product = json!({
        "name": "cadet",
        "vendor_name": "cadet",
        "version": crate::PRODUCT_VERSION,
        "feature": { "name": alerter.profile() },
    });
    let metadata = obj(alloc::vec![
        ("version", Value::from(OCSF_VERSION)),
        ("product", product),
        (
            "log_name",
            verdict
                .source
                .as_deref()
                .map(Value::from)
                .unwrap_or(Value::Null)
        ),
        ("original_time", opt(&facts.original_time)),
        ("processed_time", Value::from(received_ms)),
    ]);
    let resources = resources(facts);
    let anomalies = anomalies(facts, verdict);
    let observables = observables(facts);
    let remediation = crate::triage_text(verdict).map(|desc| json!({ "desc": desc }));
    let device = facts
        .host
        .as_deref()
        .map(|h| json!({ "hostname": h, "type_id": 0, "type": "Unknown" }));
    obj(alloc::vec![
        ("activity_id", Value::from(ACTIVITY_CREATE)),
        ("activity_name", Value::from("Create")),
        ("category_uid", Value::from(CATEGORY_UID)),
        ("category_name", Value::from("Findings")),
        ("class_uid", Value::from(CLASS_UID)),
        ("class_name", Value::from("Detection Finding")),
        ("type_uid", Value::from(TYPE_UID)),
        ("type_name", Value::from("Detection Finding: Create")),
        ("time", Value::from(time)),
        (
            "severity_id",
            Value::from(crate::severity_id(verdict.severity))
        ),
        ("severity", Value::from(severity_name(verdict.severity))),
        ("status_id", Value::from(if suppressed { 3 } else { 1 })),
        (
            "status",
            Value::from(if suppressed { "Suppressed" } else { "New" })
        ),
        (
            "status_detail",
            verdict
                .suppressed_by
                .as_deref()
                .map(|by| Value::from(alloc::format!("suppressed by {by}")))
                .unwrap_or(Value::Null),
        ),
        ("is_alert", Value::from(true)),
        ("message", Value::from(title)),
        ("risk_score", Value::from(verdict.score)),
        ("risk_level_id", Value::from(risk_id)),
        ("risk_level", Value::from(risk_name)),
        ("finding_info", finding_info),
        ("metadata", metadata),
        ("evidences", json!([evidence(facts, verdict)])),
        (
            "observables",
            if observables.is_empty() {
                Value::Null
            } else {
                Value::Array(observables)
            }
        ),
        (
            "resources",
            if resources.is_empty() {
                Value::Null
            } else {
                Value::Array(resources)
            }
        ),
        (
            "anomaly_analyses",
            if anomalies.is_empty() {
                Value::Null
            } else {
                Value::Array(anomalies)
            }
        ),
        ("remediation", remediation.unwrap_or(Value::Null)),
        ("device", device.unwrap_or(Value::Null)),
    ])
}
