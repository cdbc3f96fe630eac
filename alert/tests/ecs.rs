//! ECS alert documents for every matched fixture record: every field cadet writes is an ECS
//! field of the right type (checked against `alert/data/ecs_fields.tsv`, the ECS 9.4.0 field
//! reference subset), fields kept from an ECS source record are ECS or the record's own, and
//! the alert fields say what the verdict says.

mod common;

use std::collections::BTreeMap;

use cadet_alert::{Alerter, Output};
use cadet_core::{Config, Engine};
use serde_json::Value;

struct Field {
    ty: String,
    array: bool,
    allowed: Vec<String>,
}

fn reference() -> BTreeMap<String, Field> {
    let text = include_str!("../data/ecs_fields.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let allowed = cols
                .get(3)
                .filter(|a| !a.is_empty())
                .map(|a| a.split(',').map(String::from).collect());
            (
                cols[0].to_string(),
                Field {
                    ty: cols[1].to_string(),
                    array: cols[2] == "1",
                    allowed: allowed.unwrap_or_default(),
                },
            )
        })
        .collect()
}

/// Leaves of a document as (dotted path, value); arrays of scalars are one leaf.
fn leaves(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&p, v, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for item in items {
                leaves(prefix, item, out);
            }
        }
        _ => out.push((prefix.to_string(), v.clone())),
    }
}

fn type_ok(ty: &str, v: &Value) -> bool {
    match ty {
        "keyword" | "constant_keyword" | "wildcard" | "match_only_text" | "text" => v.is_string(),
        "long" | "integer" | "short" | "byte" | "unsigned_long" => v.is_i64() || v.is_u64(),
        "float" | "double" | "scaled_float" | "half_float" => v.is_number(),
        "boolean" => v.is_boolean(),
        "date" => {
            v.as_str()
                .is_some_and(|s| cadet_alert::time::rfc3339_ms(s).is_some())
                || v.is_i64()
        }
        "ip" => v
            .as_str()
            .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
        "object" | "flattened" | "nested" => v.is_object(),
        _ => false,
    }
}

/// The value at a dotted path of the source record, if the record has it.
fn source_value<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |v, k| v.get(k))
}

#[test]
fn every_field_is_an_ecs_field_of_its_type() {
    let ecs = reference();
    assert!(ecs.len() > 1500 && ecs.contains_key("threat.technique.subtechnique.id"));
    let alerter = Alerter::new(&Engine::new(&Config::default()).unwrap());
    let corpus = common::corpus();
    let (mut checked, mut kept_foreign, mut from_ecs_source) =
        (0, BTreeMap::<String, usize>::new(), 0);
    for case in &corpus {
        let at = &case.label;
        let mut out = Vec::new();
        assert!(alerter.write(
            Output::Ecs,
            &case.record,
            &case.verdict,
            common::RECEIVED_MS,
            &mut out
        ));
        let doc: Value = serde_json::from_slice(&out).unwrap();
        // the line written (verdict spliced in as the core serialises it) is the document
        // `Alerter::ecs` builds
        assert_eq!(
            Some(&doc),
            alerter
                .ecs(&case.record, &case.verdict, common::RECEIVED_MS)
                .as_ref(),
            "{at}"
        );
        let source: Option<Value> = serde_json::from_slice(&case.record).ok();
        from_ecs_source += source
            .as_ref()
            .is_some_and(|s| s.get("@timestamp").is_some() && s.get("process").is_some())
            as usize;
        let mut fields = Vec::new();
        leaves("", &doc, &mut fields);
        for (path, value) in fields {
            if path == "cadet" || path.starts_with("cadet.") {
                continue; // the verdict, a custom field set
            }
            let field = ecs.get(&path).or_else(|| {
                // under an object-typed field (labels.*): the ECS type of its values is keyword
                path.rmatch_indices('.')
                    .find_map(|(i, _)| ecs.get(&path[..i]).filter(|f| f.ty == "object"))
            });
            match field {
                Some(f) => {
                    let scalar = |v: &Value| {
                        if f.ty == "object" && !path.contains('.') {
                            v.is_object()
                        } else {
                            type_ok(
                                if ecs.contains_key(&path) {
                                    &f.ty
                                } else {
                                    "keyword"
                                },
                                v,
                            )
                        }
                    };
                    match &value {
                        Value::Array(items) => {
                            assert!(
                                f.array,
                                "{at}: {path} is an array, ECS has it single-valued"
                            );
                            assert!(
                                items.iter().all(scalar),
                                "{at}: {path} = {value} is not {}",
                                f.ty
                            );
                        }
                        v => {
                            // cadet writes ECS's array fields as arrays; a record's own single value is kept
                            let own =
                                source.as_ref().and_then(|s| source_value(s, &path)) == Some(v);
                            assert!(!f.array || own, "{at}: {path} must be an array");
                            assert!(scalar(v), "{at}: {path} = {v} is not {}", f.ty);
                        }
                    }
                    if !f.allowed.is_empty() {
                        let values: Vec<&Value> = match &value {
                            Value::Array(items) => items.iter().collect(),
                            v => vec![v],
                        };
                        for v in values {
                            assert!(
                                f.allowed.iter().any(|a| v == a),
                                "{at}: {path} = {v} is not an allowed value"
                            );
                        }
                    }
                    checked += 1;
                }
                None => {
                    // Not ECS: allowed only as the source record's own field, kept verbatim.
                    let own = source.as_ref().and_then(|s| source_value(s, &path));
                    assert_eq!(
                        own,
                        Some(&value),
                        "{at}: cadet wrote {path}, which is not an ECS field"
                    );
                    *kept_foreign.entry(path).or_default() += 1;
                }
            }
        }
    }
    eprintln!(
        "{} ECS alerts, {checked} fields checked against ECS {}; {from_ecs_source} from ECS records; \
         non-ECS fields kept from source records: {kept_foreign:?}",
        corpus.len(),
        cadet_alert::ecs::ECS_VERSION
    );
    assert!(corpus.len() > 150 && checked > corpus.len() * 20);
}

#[test]
fn alert_fields_say_what_the_verdict_says() {
    let engine = Engine::new(&Config::default()).unwrap();
    let alerter = Alerter::new(&engine);
    let (mut sub, mut k8s, mut kept, mut with_reference) = (0, 0, 0, 0);
    for case in common::corpus() {
        let at = &case.label;
        let v = &case.verdict;
        let doc = alerter.ecs(&case.record, v, common::RECEIVED_MS).unwrap();
        assert_eq!(doc["event"]["kind"], "alert", "{at}");
        assert_eq!(doc["event"]["risk_score"], f64::from(v.score), "{at}");
        let top = cadet_alert::primary(v).unwrap();
        assert_eq!(doc["rule"]["id"], top.id.as_str(), "{at}");
        assert_eq!(doc["rule"]["name"], top.title.as_str(), "{at}");
        assert_eq!(doc["rule"]["ruleset"], "cadet/cadet", "{at}");
        // the strongest rule's content: its description and its first reference
        let rule = engine.rules().iter().find(|r| r.id == top.id).unwrap();
        match rule.references.first() {
            Some(link) => {
                assert_eq!(doc["rule"]["reference"], link.as_str(), "{at}");
                with_reference += 1;
            }
            None => assert!(doc["rule"].get("reference").is_none(), "{at}"),
        }
        if !rule.description.is_empty() {
            assert_eq!(
                doc["rule"]["description"],
                rule.description.as_str(),
                "{at}"
            );
        }
        assert_eq!(doc["threat"]["framework"], "MITRE ATT&CK", "{at}");
        let techs = doc["threat"]["technique"]["id"].as_array().unwrap();
        for t in &v.techniques {
            let parent = t.split('.').next().unwrap();
            assert!(techs.iter().any(|x| x == parent), "{at}: {parent} missing");
            if t.contains('.') {
                let subs = doc["threat"]["technique"]["subtechnique"]["id"]
                    .as_array()
                    .unwrap();
                assert!(subs.iter().any(|x| x == t.as_str()), "{at}: {t} missing");
                sub += 1;
            }
        }
        assert_eq!(
            doc["threat"]["technique"]["name"].as_array().map(Vec::len),
            Some(techs.len()),
            "{at}: every technique has its name"
        );
        assert_eq!(doc["cadet"], serde_json::to_value(v).unwrap(), "{at}");
        assert_eq!(
            doc["message"].as_str().unwrap().contains("suppressed by"),
            v.suppressed_by.is_some(),
            "{at}"
        );
        if let Some(user) = doc["user"]["name"].as_str() {
            assert!(
                doc["related"]["user"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|u| u == user),
                "{at}"
            );
        }
        let source: Option<Value> = serde_json::from_slice(&case.record).ok();
        if let Some(src) = source
            .as_ref()
            .filter(|s| s.get("kind") == Some(&Value::from("Event")))
        {
            // a raw Kubernetes audit event: its user/namespace as ECS fields
            assert_eq!(doc["orchestrator"]["type"], "kubernetes", "{at}");
            assert_eq!(doc["user"]["name"], src["user"]["username"], "{at}");
            if let Some(ip) = src["sourceIPs"][0].as_str() {
                assert_eq!(doc["source"]["ip"], ip, "{at}");
            }
            if let Some(ns) = src["objectRef"]["namespace"].as_str() {
                assert_eq!(doc["orchestrator"]["namespace"], ns, "{at}");
            }
            assert!(
                doc["user"].get("username").is_none(),
                "{at}: audit fields are not copied"
            );
            k8s += 1;
        }
        if let Some(src) = source.as_ref().filter(|s| s["agent"]["type"] == "endpoint") {
            // an Elastic Endpoint record: its own ECS fields are kept as they are (cadet adds
            // what is missing, e.g. process.args_count)
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            leaves("", &doc["process"], &mut ours);
            leaves("", &src["process"], &mut theirs);
            assert!(theirs.iter().all(|f| ours.contains(f)), "{at}: {ours:?}");
            assert_eq!(doc["host"], src["host"], "{at}");
            assert_eq!(doc["@timestamp"], src["@timestamp"], "{at}");
            assert_eq!(doc["event"]["category"], src["event"]["category"], "{at}");
            kept += 1;
        }
    }
    eprintln!(
        "{sub} sub-techniques, {k8s} raw audit events, {kept} Elastic Endpoint records kept, \
         {with_reference} alerts with rule.reference"
    );
    assert!(sub > 0 && k8s > 0 && kept > 0 && with_reference > 0);
}
