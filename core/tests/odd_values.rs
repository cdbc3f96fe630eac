//! Every fixture record with each of its string values replaced by odd ones (empty, a lone
//! separator, a truncated method or URI, a huge value): the normalisers and the argument
//! analysis read them without panicking and without an error. The prefilter is off, so every
//! variant is parsed, normalised and evaluated.

mod common;

use cadet_core::{Config, Engine};
use serde_json::Value;

const ODD: &[&str] = &[
    "",
    ".",
    "/",
    "=",
    "?",
    "-",
    "\\",
    "v1",
    "io.k8s.core.v1",
    "/api/v1/namespaces/",
    "?command=",
    "sh -c",
    "docker exec",
    "kubectl exec --",
    "[",
    "\"",
];

/// Paths to every string leaf of `v`.
fn string_leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::String(_) => out.push(path.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                string_leaves(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                path.push(k.clone());
                string_leaves(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn leaf_mut<'v>(v: &'v mut Value, path: &[String]) -> &'v mut Value {
    path.iter().fold(v, |v, k| match v {
        Value::Array(items) => &mut items[k.parse::<usize>().unwrap()],
        Value::Object(map) => map.get_mut(k).unwrap(),
        _ => unreachable!(),
    })
}

#[test]
fn odd_string_values_never_panic_nor_error() {
    let files: Vec<_> = common::fixture_files()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    let mut engine = Engine::new(&Config {
        prefilter: false,
        ..Config::default()
    })
    .unwrap();
    let huge = "x".repeat(20_000);
    let mut tried = 0;
    for file in &files {
        for line in common::lines(file) {
            let Ok(record) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            let mut leaves = Vec::new();
            string_leaves(&record, &mut Vec::new(), &mut leaves);
            for leaf in &leaves {
                for odd in ODD.iter().copied().chain([huge.as_str()]) {
                    let mut changed = record.clone();
                    *leaf_mut(&mut changed, leaf) = Value::String(odd.to_string());
                    let text = changed.to_string();
                    let v = engine.score(text.as_bytes());
                    assert!(
                        v.error.is_none(),
                        "{}: {} = {odd:?}: {:?}",
                        file.display(),
                        leaf.join("."),
                        v.error
                    );
                    tried += 1;
                }
            }
        }
    }
    assert!(tried > 10_000, "only {tried} variants");
    println!("{tried} variants scored");
}
