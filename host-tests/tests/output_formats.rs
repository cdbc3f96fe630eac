//! `cadet scan --output ecs|ocsf` in every host: the WASI component (`set-output`), the Fluent Bit
//! module (`output = "ecs" | "ocsf"` in its settings file) and the Envoy filter (`"output"` in its
//! plugin configuration) write, for every fixture record and profile, byte for byte the document
//! `cadet_alert::Alerter::write` — what `cadet scan --output X` writes — gives natively.
//!
//! The CLI dates a document by the record's own timestamp and, for ECS `event.created` / OCSF
//! `metadata.processed_time` (and records with no time of their own), by its clock when it read
//! the record. No host reads a clock: the component takes the time from the record (or from
//! `set-received-time`), the Fluent Bit module from the record's Fluent Bit timestamp (the
//! `time_sec`/`time_nsec` arguments), the Envoy filter from the request's `request.time`
//! property. The native side here is given the same time, so the bytes must be equal.

use std::path::{Path, PathBuf};

use cadet_alert::{Alerter, Facts, Output as AlertOutput};
use cadet_core::{Config, Engine};
use host_tests::component::{config, ComponentHost, Instance, Output};
use host_tests::corpus::{self, FixtureSet};
use host_tests::parity;
use host_tests::proxy_wasm_host::{self as pw, level, Options, Request, Vm};
use serde_json::Value;

const OUTPUTS: [(AlertOutput, Output); 2] = [
    (AlertOutput::Ecs, Output::Ecs),
    (AlertOutput::Ocsf, Output::Ocsf),
];

/// The native document (`None`: nothing written, the record did not match).
fn native(
    engine: &mut Engine,
    alerter: &Alerter,
    output: AlertOutput,
    record: &[u8],
    received_ms: Option<i64>,
) -> Option<Vec<u8>> {
    let verdict = engine.score(record);
    // The component's rule without a received time: the record's own time, else 0.
    let received = received_ms.unwrap_or_else(|| Facts::read(record).time_ms.unwrap_or(0));
    let mut out = Vec::new();
    alerter
        .write(output, record, &verdict, received, &mut out)
        .then_some(out)
}

fn native_engine(profile: &str) -> Engine {
    Engine::new(&Config {
        profile: profile.to_string(),
        ..Config::default()
    })
    .unwrap()
}

/// Counts of one (profile, output) replay.
#[derive(Default, Debug)]
struct Tally {
    records: usize,
    documents: usize,
    same: usize,
    first_difference: Option<String>,
}

impl Tally {
    fn check(&mut self, what: &str, want: &Option<Vec<u8>>, got: &Option<Vec<u8>>) {
        self.records += 1;
        self.documents += want.is_some() as usize;
        if want == got {
            self.same += 1;
        } else if self.first_difference.is_none() {
            let show = |o: &Option<Vec<u8>>| {
                o.as_ref()
                    .map_or("<none>".into(), |b| String::from_utf8_lossy(b).into_owned())
            };
            self.first_difference = Some(format!(
                "{what}\n native: {}\n   host: {}",
                show(want),
                show(got)
            ));
        }
    }
}

fn fresh(host: &ComponentHost, profile: &str, output: Output, received: Option<i64>) -> Instance {
    let mut i = host.instantiate().expect("instantiate");
    i.configure(&config(profile)).unwrap().unwrap();
    i.set_output(output).unwrap();
    if received.is_some() {
        i.set_received_time(received).unwrap();
    }
    i
}

/// One profile and output over every set, through `enrich-bytes` (every record), `enrich` and
/// `enrich-batch` (the UTF-8 records), each on its own fresh instance against its own fresh
/// native engine (the engines remember scored requests).
fn component_replay(
    host: &ComponentHost,
    profile: &str,
    (alert, output): (AlertOutput, Output),
    received: Option<i64>,
    sets: &[FixtureSet],
) -> [Tally; 3] {
    let mut tallies = [Tally::default(), Tally::default(), Tally::default()];
    let records: Vec<&Vec<u8>> = sets.iter().flat_map(|s| &s.records).collect();
    let text: Vec<String> = records
        .iter()
        .filter_map(|r| std::str::from_utf8(r).ok().map(str::to_string))
        .collect();

    let mut engine = native_engine(profile);
    let alerter = Alerter::new(&engine);
    let mut inst = fresh(host, profile, output, received);
    for r in &records {
        let want = native(&mut engine, &alerter, alert, r, received);
        let got = inst.enrich_bytes(r).expect("enrich-bytes trapped");
        tallies[0].check(&String::from_utf8_lossy(r), &want, &got);
    }

    let mut engine = native_engine(profile);
    let want: Vec<Option<Vec<u8>>> = text
        .iter()
        .map(|r| native(&mut engine, &alerter, alert, r.as_bytes(), received))
        .collect();
    let mut inst = fresh(host, profile, output, received);
    for (r, want) in text.iter().zip(&want) {
        let got = inst
            .enrich(r)
            .expect("enrich trapped")
            .map(String::into_bytes);
        tallies[1].check(r, want, &got);
    }
    let mut inst = fresh(host, profile, output, received);
    for (chunk, want) in text.chunks(parity::BATCH).zip(want.chunks(parity::BATCH)) {
        let got = inst.enrich_batch(chunk).expect("enrich-batch trapped");
        assert_eq!(got.len(), chunk.len());
        for ((r, want), got) in chunk.iter().zip(want).zip(got) {
            tallies[2].check(r, want, &got.map(String::into_bytes));
        }
    }
    tallies
}

#[test]
fn the_component_writes_the_native_ecs_and_ocsf_documents_for_every_fixture() {
    let host = ComponentHost::new(Default::default()).expect("component");
    let sets = corpus::all_sets();
    let mut report = Vec::new();
    for profile in parity::profiles() {
        for pair in OUTPUTS {
            let tallies = component_replay(&host, &profile, pair, None, &sets);
            for (call, t) in ["enrich-bytes", "enrich", "enrich-batch"]
                .iter()
                .zip(&tallies)
            {
                report.push(format!(
                    "{profile:>17} {:>4} {call:>12}: {} records, {} documents, {} identical",
                    pair.0.as_str(),
                    t.records,
                    t.documents,
                    t.same
                ));
                assert!(
                    t.first_difference.is_none(),
                    "{profile} {} {call}: {}",
                    pair.0.as_str(),
                    t.first_difference.as_deref().unwrap_or("")
                );
                assert!(t.documents > 0, "{profile} {call}: no alerts at all");
            }
        }
    }
    println!("{}", report.join("\n"));
}

#[test]
fn a_received_time_set_by_the_host_dates_the_documents_as_natively() {
    let host = ComponentHost::new(Default::default()).expect("component");
    let sets = corpus::all_sets();
    let received = Some(1_795_000_000_123);
    for pair in OUTPUTS {
        let tallies = component_replay(&host, "cadet", pair, received, &sets);
        for t in &tallies {
            assert!(t.first_difference.is_none(), "{:?}", t.first_difference);
            assert!(t.documents > 0);
        }
    }
    // And the time is there: a raw text line with no time of its own is dated by it.
    let mut i = fresh(&host, "cadet", Output::Ocsf, received);
    let doc: Value =
        serde_json::from_str(&i.enrich("kubectl exec -it web -- sh").unwrap().unwrap()).unwrap();
    assert_eq!(doc["time"], 1_795_000_000_123_i64);
    assert_eq!(doc["metadata"]["processed_time"], 1_795_000_000_123_i64);
    // Unset again: the record's own time (none here: 0).
    i.set_received_time(None).unwrap();
    let doc: Value =
        serde_json::from_str(&i.enrich("kubectl exec -it web -- sh").unwrap().unwrap()).unwrap();
    assert_eq!(doc["time"], 0);
}

#[test]
fn the_component_output_is_kept_across_configure_and_cadet_is_the_default() {
    let host = ComponentHost::new(Default::default()).expect("component");
    let attack = r#"{"@timestamp":"2026-11-20T10:15:03.000Z","user":{"name":"alice"},"process":{"pid":6,"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}"#;
    let mut i = host.instantiate().unwrap();
    let mut engine = native_engine("cadet");
    let (enriched, _) = parity::native_enrich(&mut engine, attack.as_bytes());
    assert_eq!(i.enrich(attack).unwrap().unwrap().into_bytes(), enriched);
    i.set_output(Output::Ecs).unwrap();
    i.configure(&config("qradar-t1609")).unwrap().unwrap();
    let doc: Value = serde_json::from_str(&i.enrich(attack).unwrap().unwrap()).unwrap();
    assert_eq!(doc["event"]["kind"], "alert");
    assert_eq!(doc["rule"]["ruleset"], "cadet/qradar-t1609");
    assert_eq!(doc["@timestamp"], "2026-11-20T10:15:03.000Z");
    // matches-only or not, a record that did not match writes nothing
    assert_eq!(i.enrich(r#"{"message":"hello"}"#).unwrap(), None);
    i.set_output(Output::Cadet).unwrap();
    assert!(i
        .enrich(r#"{"message":"hello"}"#)
        .unwrap()
        .unwrap()
        .contains("\"cadet\":"));
}

// ---------------------------------------------------------------------------------------------
// Fluent Bit: the wasm32-wasip1 module reading `cadet.toml`, called as flb_wasm.c calls it.

/// The time arguments Fluent Bit passes (the record's timestamp in its chunk).
const FB_TIME: (u32, u32) = (1_700_000_000, 123_456_789);

fn fluentbit_wasip1() -> PathBuf {
    // The same scratch target dir as tests/fluentbit.rs, so the module is built once.
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fluentbit-wasip1");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args([
            "build",
            "-p",
            "cadet-plugin-fluentbit",
            "--target",
            "wasm32-wasip1",
            "--profile",
            "wasm-release",
        ])
        .env("CARGO_TARGET_DIR", &target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo");
    assert!(status.success(), "building the wasm32-wasip1 module failed");
    target_dir.join("wasm32-wasip1/wasm-release/cadet_plugin_fluentbit.wasm")
}

struct FluentBit {
    store: wasmtime::Store<wasmtime_wasi::p1::WasiP1Ctx>,
    memory: wasmtime::Memory,
    malloc: wasmtime::TypedFunc<u32, u32>,
    free: wasmtime::TypedFunc<u32, ()>,
    filter: wasmtime::TypedFunc<(u32, u32, u32, u32, u32, u32), u32>,
}

impl FluentBit {
    /// `cadet_filter` with `dir` preopened as `.` (`Accessible_Paths .`), holding `cadet.toml`.
    fn new(engine: &wasmtime::Engine, module: &wasmtime::Module, dir: &Path) -> FluentBit {
        let mut b = wasmtime_wasi::WasiCtxBuilder::new();
        b.preopened_dir(dir, ".", wasmtime_wasi::FsPerms::ReadOnly)
            .unwrap();
        let mut linker = wasmtime::Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(
            &mut linker,
            |c: &mut wasmtime_wasi::p1::WasiP1Ctx| c,
        )
        .unwrap();
        let mut store = wasmtime::Store::new(engine, b.build_p1());
        let instance = linker.instantiate(&mut store, module).unwrap();
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ()).unwrap();
        }
        FluentBit {
            memory: instance.get_memory(&mut store, "memory").unwrap(),
            malloc: instance.get_typed_func(&mut store, "malloc").unwrap(),
            free: instance.get_typed_func(&mut store, "free").unwrap(),
            filter: instance.get_typed_func(&mut store, "cadet_filter").unwrap(),
            store,
        }
    }

    fn dup(&mut self, bytes: &[u8]) -> u32 {
        let mut b = bytes.to_vec();
        b.push(0);
        let ptr = self.malloc.call(&mut self.store, b.len() as u32).unwrap();
        self.memory
            .write(&mut self.store, ptr as usize, &b)
            .unwrap();
        ptr
    }

    /// The string the module returns for `record` (empty: drop).
    fn call(&mut self, record: &[u8]) -> Vec<u8> {
        let tag = self.dup(b"kube.audit");
        let rec = self.dup(record);
        let ptr = self
            .filter
            .call(
                &mut self.store,
                (tag, 10, FB_TIME.0, FB_TIME.1, rec, record.len() as u32),
            )
            .expect("the module trapped");
        let data = self.memory.data(&self.store);
        let tail = &data[ptr as usize..];
        let out = tail[..tail.iter().position(|&b| b == 0).unwrap()].to_vec();
        self.free.call(&mut self.store, tag).unwrap();
        self.free.call(&mut self.store, rec).unwrap();
        out
    }
}

#[test]
fn the_fluent_bit_module_writes_the_native_ecs_and_ocsf_documents_for_every_fixture() {
    let mut c = wasmtime::Config::new();
    c.max_wasm_stack(1 << 20);
    let engine = wasmtime::Engine::new(&c).unwrap();
    let module = wasmtime::Module::from_file(&engine, fluentbit_wasip1()).unwrap();
    // Fluent Bit hands over strlen(record) bytes: a record is cut at its first NUL.
    let records: Vec<Vec<u8>> = corpus::all_sets()
        .iter()
        .flat_map(|s| &s.records)
        .map(|r| r[..r.iter().position(|&b| b == 0).unwrap_or(r.len())].to_vec())
        .collect();
    let received = i64::from(FB_TIME.0) * 1000 + i64::from(FB_TIME.1 / 1_000_000);
    let mut report = Vec::new();
    for profile in parity::profiles() {
        for (alert, _) in OUTPUTS {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("fluentbit-output-{profile}-{}", alert.as_str()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("cadet.toml"),
                format!("profile = \"{profile}\"\noutput = \"{}\"\n", alert.as_str()),
            )
            .unwrap();
            let mut fb = FluentBit::new(&engine, &module, &dir);
            let mut native_engine = native_engine(&profile);
            let alerter = Alerter::new(&native_engine);
            let mut t = Tally::default();
            for r in &records {
                let want = native(&mut native_engine, &alerter, alert, r, Some(received));
                let got = fb.call(r);
                let got = (!got.is_empty()).then_some(got);
                t.check(&String::from_utf8_lossy(r), &want, &got);
            }
            report.push(format!(
                "{profile:>17} {:>4}: {} records, {} documents, {} identical",
                alert.as_str(),
                t.records,
                t.documents,
                t.same
            ));
            assert!(
                t.first_difference.is_none(),
                "{profile} {}: {}",
                alert.as_str(),
                t.first_difference.unwrap()
            );
            assert!(t.documents > 0);
        }
    }
    println!("{}", report.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Envoy: the filter's log line of a matched request.

mod envoy {
    use super::*;
    use cadet_plugin_envoy::filter::{Host, Next, Settings, Stream};

    /// The filter's logic natively, fed the request the proxy-wasm host feeds the .wasm.
    struct Fake {
        headers: Vec<(String, Vec<u8>)>,
        body: Vec<u8>,
        source: String,
        logs: Vec<(bool, String)>,
    }

    impl Host for Fake {
        fn request_headers(&mut self) -> Vec<(String, Vec<u8>)> {
            self.headers.clone()
        }
        fn set_request_header(&mut self, _: &str, _: Option<&str>) {}
        fn request_body(&mut self, max: usize) -> Vec<u8> {
            self.body[..max.min(self.body.len())].to_vec()
        }
        fn source_address(&mut self) -> Option<Vec<u8>> {
            Some(self.source.clone().into_bytes())
        }
        fn local_reply(&mut self, _: u32, _: &[(&str, &str)], _: &[u8]) {}
        fn log(&mut self, warn: bool, line: &str) {
            self.logs.push((warn, line.to_string()));
        }
        fn request_time_ms(&mut self) -> Option<i64> {
            Some(pw::REQUEST_TIME_NS.div_euclid(1_000_000))
        }
    }

    /// A fixture line (`core/fixtures/http_request`) as the request a client sends.
    fn request_of(line: &str) -> Request {
        let mut v: Value = serde_json::from_str(line).unwrap();
        v.as_object_mut().unwrap().remove("_expect");
        let mut headers: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (b":method".to_vec(), v["method"].as_str().unwrap().into()),
            (b":path".to_vec(), v["path"].as_str().unwrap().into()),
            (b":scheme".to_vec(), b"https".to_vec()),
        ];
        for (k, val) in v["headers"].as_object().unwrap() {
            let values: Vec<&str> = match val {
                Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
                x => vec![x.as_str().unwrap()],
            };
            for one in values {
                headers.push((k.as_bytes().to_vec(), one.as_bytes().to_vec()));
            }
        }
        headers.push((
            b"x-request-id".to_vec(),
            v["auditID"].as_str().unwrap().into(),
        ));
        let body: Vec<u8> = v
            .get("body")
            .and_then(|b| b.as_str())
            .map(|b| b.as_bytes().to_vec())
            .unwrap_or_default();
        Request {
            headers,
            body: body.chunks(16 * 1024).map(|c| c.to_vec()).collect(),
            source_address: v["source_address"].as_str().unwrap_or("").to_string(),
        }
    }

    /// The native filter's record and log lines for `req`.
    fn native_flow(s: &mut Settings, n: u64, req: &Request) -> (Vec<u8>, Vec<(bool, String)>) {
        let body = req.body.concat();
        let mut fake = Fake {
            headers: req
                .headers
                .iter()
                .map(|(k, v)| (String::from_utf8_lossy(k).to_ascii_lowercase(), v.clone()))
                .collect(),
            body: body.clone(),
            source: req.source_address.clone(),
            logs: Vec::new(),
        };
        let mut stream = Stream::new(n);
        let eos = body.is_empty() && !req.is_upgrade();
        let next = stream.on_request_headers(s, &mut fake, eos);
        // The body: read to decide after a pause, read as it streams in `log` mode, ignored
        // once decided (the callback then only continues).
        if next == Next::Pause || !body.is_empty() {
            stream.on_request_body(s, &mut fake, body.len(), true);
        }
        stream.on_log(s, &mut fake);
        (stream.record(), fake.logs)
    }

    #[test]
    fn the_envoy_filter_logs_the_native_ecs_and_ocsf_documents_for_every_fixture_request() {
        let wasm = wasmtime::Engine::default();
        let module = wasmtime::Module::from_file(&wasm, env!("CADET_ENVOY_WASM")).unwrap();
        let dir = corpus::repo_root().join("core/fixtures/http_request");
        let mut lines = Vec::new();
        for file in ["apiserver.attack.jsonl", "apiserver.benign.jsonl"] {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            lines.extend(
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string),
            );
        }
        let received = pw::REQUEST_TIME_NS.div_euclid(1_000_000);
        for mode in ["tag", "block", "log"] {
            for (alert, _) in OUTPUTS {
                let config = serde_json::json!({"mode": mode, "output": alert.as_str()});
                let mut vm = Vm::start(
                    &wasm,
                    &module,
                    Options {
                        plugin_config: config.to_string().into_bytes(),
                        ..Options::default()
                    },
                )
                .unwrap();
                assert!(vm.configured, "{config}: {:?}", vm.startup_logs);
                let mut settings = Settings::parse(config.to_string().as_bytes()).unwrap();
                let mut native_engine = native_engine("cadet");
                let alerter = Alerter::new(&native_engine);
                let (mut documents, mut requests) = (0, 0);
                for (n, line) in lines.iter().enumerate() {
                    let req = request_of(line);
                    let out = vm.request(&req);
                    assert!(out.trap.is_none(), "{line}: {:?}", out.trap);
                    let (record, native_logs) = native_flow(&mut settings, n as u64 + 1, &req);
                    let logged: Vec<&String> = out
                        .logs
                        .iter()
                        .filter(|(l, _)| *l == level::INFO)
                        .map(|(_, s)| s)
                        .collect();
                    let native_info: Vec<&String> = native_logs
                        .iter()
                        .filter(|(warn, _)| !warn)
                        .map(|(_, s)| s)
                        .collect();
                    assert_eq!(logged, native_info, "{mode} {}: {line}", alert.as_str());
                    // The line is the document cadet_alert writes for the request's record.
                    let want = native(&mut native_engine, &alerter, alert, &record, Some(received));
                    let want: Vec<String> = want
                        .into_iter()
                        .map(|b| String::from_utf8(b).unwrap())
                        .collect();
                    assert_eq!(
                        logged,
                        want.iter().collect::<Vec<_>>(),
                        "{mode} {}: {line}",
                        alert.as_str()
                    );
                    documents += want.len();
                    requests += 1;
                }
                assert!(
                    documents >= 19,
                    "{mode}: {documents} of {requests} requests"
                );
                println!(
                    "envoy {mode:>5} {:>4}: {requests} requests, {documents} documents identical",
                    alert.as_str()
                );
            }
        }
    }

    #[test]
    fn an_unknown_envoy_output_is_refused() {
        let e = Settings::parse(br#"{"output":"cef"}"#).err().unwrap();
        assert!(e.contains("output `cef`"), "{e}");
        let s = Settings::parse(br#"{"output":"OCSF"}"#).ok().unwrap();
        assert_eq!(s.output, AlertOutput::Ocsf);
    }
}
