//! The shared hostile corpus (`scripts/hostile-corpus`, issue 15) through the Envoy filter
//! (`plugin-envoy`, wasm32-wasip1) under the proxy-wasm host of `host_tests::proxy_wasm_host`,
//! in block mode (`block_at: high`, fail open): every record as the body of a `POST` to the
//! pods API, and every record up to Envoy's default header limit (60 KiB) as a `user-agent`
//! header value and as the `:path`, raw bytes as given (NUL, CR, invalid UTF-8 included; the
//! filter reads header and body bytes lossily). For every request: no trap, no hang, no call
//! Envoy refuses; forwarded xor answered; answered (403) exactly when the native verdict of the
//! same request says block; forwarded with the native verdict's `x-cadet-score`,
//! `-severity`, `-rules` headers, or `x-cadet-error` when the native verdict is an error.
//!
//! `cargo test -p host-tests --test hostile_envoy -- --nocapture` prints the table.

#[path = "../../fuzz/src/contract.rs"]
mod contract;

use std::path::Path;

use cadet_core::{Config, Engine, Severity, Verdict};
use host_tests::proxy_wasm_host::{Options, Outcome, Request, Vm};
use wasmtime::{Engine as WasmEngine, Module};

/// Envoy's default `max_request_headers_kb` (60 KiB): larger headers never reach a filter.
const HEADER_LIMIT: usize = 60 * 1024;

/// The filter's default `max_body_bytes` (1 MiB): it scores that much of a larger body.
const MAX_BODY: usize = 1024 * 1024;

const AUTHORITY: &str = "api.k8s.corp.example";
const SOURCE: &str = "10.20.4.11:51234";

#[derive(Clone, Copy, Debug)]
enum Shape {
    Body,
    Header,
    Path,
}

fn json_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).unwrap();
}

/// The request and the JSON line the filter scores for it (`plugin-envoy`'s
/// `Stream::record`: `auditID`, `method`, `path`, the recorded headers in order, the body read
/// lossily, `body_truncated`, `source_address`).
fn request(shape: Shape, line: &[u8], id: &str) -> (Request, Vec<u8>) {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (method, path) = match shape {
        Shape::Path => ("GET", line.to_vec()),
        _ => ("POST", b"/api/v1/namespaces/default/pods".to_vec()),
    };
    let mut headers: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b":method".to_vec(), method.as_bytes().to_vec()),
        (b":path".to_vec(), path.clone()),
        (b":scheme".to_vec(), b"https".to_vec()),
        (b":authority".to_vec(), AUTHORITY.as_bytes().to_vec()),
        (b"x-request-id".to_vec(), id.as_bytes().to_vec()),
    ];
    if let Shape::Header = shape {
        headers.push((b"user-agent".to_vec(), line.to_vec()));
    }
    let body = match shape {
        Shape::Body => line.to_vec(),
        _ => Vec::new(),
    };
    let mut record = Vec::new();
    record.extend_from_slice(b"{\"auditID\":");
    json_str(&mut record, id);
    record.extend_from_slice(b",\"method\":");
    json_str(&mut record, method);
    record.extend_from_slice(b",\"path\":");
    json_str(&mut record, &lossy(&path));
    record.extend_from_slice(b",\"headers\":{\":authority\":");
    json_str(&mut record, AUTHORITY);
    if let Shape::Header = shape {
        record.extend_from_slice(b",\"user-agent\":");
        json_str(&mut record, &lossy(line));
    }
    record.push(b'}');
    let scored = &body[..body.len().min(MAX_BODY)];
    if !scored.is_empty() {
        record.extend_from_slice(b",\"body\":");
        json_str(&mut record, &lossy(scored));
    }
    if body.len() > MAX_BODY {
        record.extend_from_slice(b",\"body_truncated\":true");
    }
    record.extend_from_slice(b",\"source_address\":");
    json_str(&mut record, SOURCE);
    record.push(b'}');
    let req = Request {
        headers,
        body: if body.is_empty() {
            Vec::new()
        } else {
            body.chunks(16 * 1024).map(<[u8]>::to_vec).collect()
        },
        source_address: SOURCE.into(),
    };
    (req, record)
}

/// What the filter did differently from what the native verdict says, if anything.
fn judge(out: &Outcome, want: &Verdict) -> Result<&'static str, String> {
    if let Some(t) = &out.trap {
        return Err(format!("trap: {t}"));
    }
    if out.hung {
        return Err("hung".into());
    }
    if !out.bad_argument_calls.is_empty() {
        return Err(format!("calls Envoy refuses: {:?}", out.bad_argument_calls));
    }
    if out.upstream.is_some() == out.local_reply.is_some() {
        return Err("not exactly one of forwarded and answered".into());
    }
    let block = want.error.is_none() && want.matched && want.severity >= Severity::High;
    if block {
        return match (&out.local_reply, out.local_reply_by) {
            (Some(r), Some("filter")) if r.status == 403 => Ok("blocked"),
            _ => Err(format!(
                "native says block, the filter did not: {:?}",
                out.local_reply
            )),
        };
    }
    if let Some(r) = &out.local_reply {
        return Err(format!(
            "answered {} by {:?} although native says pass",
            r.status, out.local_reply_by
        ));
    }
    if let Some(err) = &want.error {
        let got = out.upstream_header("x-cadet-error");
        let short: String = err.chars().take(200).collect();
        return if got.as_deref() == Some(short.as_str()) {
            Ok("error, passed")
        } else {
            Err(format!("x-cadet-error {got:?}, native error {err:?}"))
        };
    }
    let rules = want
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let got = (
        out.upstream_header("x-cadet-score"),
        out.upstream_header("x-cadet-severity"),
        out.upstream_header("x-cadet-rules").unwrap_or_default(),
    );
    let expected = (
        Some(want.score.to_string()),
        Some(want.severity.as_str().to_string()),
        rules,
    );
    if got != expected {
        return Err(format!("tags {got:?}, native {expected:?}"));
    }
    Ok(if want.matched {
        "tagged, matched"
    } else {
        "tagged"
    })
}

#[test]
fn hostile_corpus_through_the_envoy_filter_equals_native() {
    let (bytes, names) =
        contract::hostile_corpus(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-corpus"));
    let records = contract::lines(&bytes);
    let wasm = WasmEngine::default();
    let module = Module::from_file(&wasm, env!("CADET_ENVOY_WASM")).expect("load the filter");
    let mut vm = Vm::start(
        &wasm,
        &module,
        Options {
            plugin_config: br#"{"mode":"block","block_at":"high"}"#.to_vec(),
            ..Options::default()
        },
    )
    .expect("start the VM");
    assert!(
        vm.configured,
        "configuration refused: {:?}",
        vm.startup_logs
    );
    let mut native = Engine::new(&Config {
        scored_requests: 0,
        ..Config::default()
    })
    .unwrap();
    let mut failures = Vec::new();
    println!(
        "{:<8} | {:>8} | {:>7} | {:>6} | {:>13} | {:>8}",
        "shape", "requests", "blocked", "tagged", "error, passed", "breaches"
    );
    let mut n = 0;
    for shape in [Shape::Body, Shape::Header, Shape::Path] {
        let (mut requests, mut blocked, mut tagged, mut errors) = (0, 0, 0, 0);
        let before = failures.len();
        for (line, name) in records.iter().zip(&names) {
            if !matches!(shape, Shape::Body) && line.len() > HEADER_LIMIT {
                continue;
            }
            n += 1;
            requests += 1;
            let id = format!("hostile-{n}");
            let (req, record) = request(shape, line, &id);
            let want = native.score(&record);
            let out = vm.request(&req);
            match judge(&out, &want) {
                Ok("blocked") => blocked += 1,
                Ok("error, passed") => errors += 1,
                Ok(_) => tagged += 1,
                Err(e) => failures.push(format!("{shape:?} | {name}: {e}")),
            }
        }
        println!(
            "{:<8} | {requests:>8} | {blocked:>7} | {tagged:>6} | {errors:>13} | {:>8}",
            format!("{shape:?}"),
            failures.len() - before
        );
        assert!(requests > 0);
    }
    assert!(
        vm.unexpected_calls().is_empty(),
        "{:?}",
        vm.unexpected_calls()
    );
    assert!(
        failures.is_empty(),
        "{} breaches:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
