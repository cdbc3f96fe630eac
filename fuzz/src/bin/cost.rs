//! Bounded cost (issue 15): per-byte cost of `Engine::enrich` for records of 300 B, 3 KB,
//! 30 KB and 300 KB and for worst-case near-match records, under every profile of the
//! embedded pack; and the memory of the first-seen state while streaming millions of
//! distinct users and source IPs.
//!
//! ```sh
//! cargo run --release --manifest-path fuzz/Cargo.toml --bin cost               # both tables
//! cargo run --release --manifest-path fuzz/Cargo.toml --bin cost -- --records 10000000 --capacity 100000
//! cargo run --release --manifest-path fuzz/Cargo.toml --bin cost -- corpus FILE   # slowest records of a file
//! ```
//! Only the hosts' public API is used (`Config { state_capacity, .. }`, `Engine::enrich`,
//! `Engine::export_state`). Heap figures come from a counting global allocator (live bytes
//! and peak), RSS from /proc/self/statm.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cadet_core::{Config, Engine};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new >= l.size() {
                let now = LIVE.fetch_add(new - l.size(), Ordering::Relaxed) + new - l.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(l.size() - new, Ordering::Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn rss_mb() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1 << 20) as f64
}

/// A typical matched process record (ECS, `docker run --privileged`) grown to about `size`
/// bytes with more `-e KEY=value` arguments: the argument analysis sees every one.
fn process_record(size: usize) -> Vec<u8> {
    let head = r#"{"@timestamp":"2026-11-23T10:00:00.000Z","event":{"kind":"event","category":["process"],"type":["start"]},"host":{"name":"node-7"},"user":{"name":"dev"},"process":{"pid":4242,"name":"docker","executable":"/usr/bin/docker","parent":{"name":"bash"},"args":["docker","run","--rm""#;
    let tail = r#","--privileged","-v","/:/host","alpine","sh"]}}"#;
    let mut r = String::from(head);
    let mut i = 0;
    while r.len() + tail.len() + 40 < size {
        r.push_str(&format!(r#","-e","APP_SETTING_{i:05}=value-{i:05}""#));
        i += 1;
    }
    r.push_str(tail);
    r.into_bytes()
}

/// A Kubernetes audit record grown with request-object labels (control-plane shape).
fn audit_record(size: usize) -> Vec<u8> {
    let head = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"b1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods","verb":"create","user":{"username":"dev"},"sourceIPs":["203.0.113.7"],"objectRef":{"resource":"pods","namespace":"default","name":"web"},"responseStatus":{"code":201},"requestObject":{"kind":"Pod","metadata":{"name":"web","labels":{"#;
    let tail = r#""app":"web"}},"spec":{"hostPID":true,"containers":[{"name":"web","image":"alpine","securityContext":{"privileged":true},"command":["sh","-c","sleep 3600"]}]}}}"#;
    let mut r = String::from(head);
    let mut i = 0;
    while r.len() + tail.len() + 40 < size {
        r.push_str(&format!(r#""team-{i:05}":"value-{i:05}","#));
        i += 1;
    }
    r.push_str(tail);
    r.into_bytes()
}

/// The worst case measured: a command line made of near-matches — every prefilter keyword,
/// flags that almost are the dangerous ones, paths that almost are host paths, `sh -c`
/// scripts that almost run a container tool — so the prefilter passes and every rule's
/// tests run on every argument and every script segment.
fn near_match_record(size: usize) -> Vec<u8> {
    let parts = [
        "docker",
        "--privileged=false",
        "-v",
        "/:/hos",
        "--cap-add=SYS_ADMI",
        "--pid=hos",
        "kubectl",
        "exe",
        "-it",
        "nsente",
        "--target=2",
        "chroo",
        "/hos",
        "curl",
        "http://169.254.169.25",
        "wget",
        "mount",
        "-t",
        "cgrou",
        "sh",
        "-c",
        "dockr run --privilegd; kubectl ex -- sh; crictl exe; nsenter -t 2",
        "--security-opt=seccomp=defaul",
        "/var/run/docker.soc",
        "10250",
        "2375",
        "podman",
        "ctr",
        "runc",
        "kubeletctl",
    ];
    let mut args: Vec<String> = vec!["docker".into(), "run".into()];
    let mut len = 200;
    let mut k = 0;
    while len < size {
        let p = parts[k % parts.len()];
        len += p.len() * 2 + 8;
        args.push(p.to_string());
        k += 1;
    }
    let quoted: Vec<String> = args
        .iter()
        .map(|a| format!("\"{}\"", a.replace('"', "\\\"")))
        .collect();
    let line = args.join(" ").replace('"', "\\\"");
    format!(
        r#"{{"event":{{"kind":"event","category":["process"],"type":["start"]}},"user":{{"name":"dev"}},"process":{{"name":"docker","args":[{}],"command_line":"{line}"}}}}"#,
        quoted.join(",")
    )
    .into_bytes()
}

/// Mean time of one `enrich` of `record` (repeats until about `budget` has passed).
fn time_enrich(engine: &mut Engine, record: &[u8], budget: Duration) -> Duration {
    let mut out = Vec::with_capacity(record.len() + 4096);
    engine.enrich(record, &mut out); // warm up
    let t = Instant::now();
    let mut n = 0u32;
    while t.elapsed() < budget || n < 3 {
        out.clear();
        engine.enrich(std::hint::black_box(record), &mut out);
        n += 1;
    }
    t.elapsed() / n
}

fn cost_table(budget: Duration) {
    let profiles: Vec<String> = {
        let e = Engine::new(&Config::default()).unwrap();
        e.pack().profiles.iter().map(|p| p.name.clone()).collect()
    };
    let mut engines: Vec<Engine> = profiles
        .iter()
        .map(|p| {
            Engine::new(&Config {
                profile: p.clone(),
                ..Config::default()
            })
            .unwrap()
        })
        .collect();
    println!("## Per-byte cost of Engine::enrich (ns per byte; mean of repeated runs, {budget:?} per cell)\n");
    print!("| record | bytes |");
    for p in &profiles {
        print!(" {p} ns/B |");
    }
    println!(" cadet µs/record | cadet matched |");
    print!("|---|---:|");
    for _ in &profiles {
        print!("---:|");
    }
    println!("---:|---|");
    let mut typical: Vec<(usize, f64)> = Vec::new();
    let mut rows: Vec<(&str, Vec<u8>)> = Vec::new();
    for size in [300, 3_000, 30_000, 300_000] {
        rows.push(("process (docker run, -e args)", process_record(size)));
    }
    for size in [3_000, 30_000, 300_000] {
        rows.push(("k8s audit (pod create, labels)", audit_record(size)));
    }
    for size in [300, 3_000, 30_000, 300_000] {
        rows.push(("worst case: near-matches", near_match_record(size)));
    }
    let mut worst_ratio: f64 = 0.0;
    for (name, record) in &rows {
        print!("| {name} | {} |", record.len());
        let mut cadet_us = 0.0;
        let mut cadet_nsb = 0.0;
        for (p, engine) in profiles.iter().zip(engines.iter_mut()) {
            let d = time_enrich(engine, record, budget);
            let nsb = d.as_nanos() as f64 / record.len() as f64;
            if p == "cadet" {
                cadet_us = d.as_nanos() as f64 / 1000.0;
                cadet_nsb = nsb;
            }
            print!(" {nsb:.1} |");
        }
        let matched = engines[0].score(record).matched;
        println!(" {cadet_us:.1} | {matched} |");
        if name.starts_with("process") {
            typical.push((record.len(), cadet_nsb));
        } else if name.starts_with("worst") {
            // Compare with the typical process record of the nearest size.
            if let Some((_, t)) = typical.iter().min_by_key(|(l, _)| l.abs_diff(record.len())) {
                worst_ratio = worst_ratio.max(cadet_nsb / t);
            }
        }
    }
    println!("\nworst case / typical process record of the same size, per byte (cadet profile): at most {worst_ratio:.1}x\n");
}

/// A pods/exec audit record by user `u{i}` from IP `ip(i)`: a match with the container_exec
/// flag, so the first-seen state learns one user key and one user+IP key per record.
fn exec_record(i: u64, out: &mut Vec<u8>) {
    out.clear();
    let ip = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    out.extend_from_slice(
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a{i}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/web/exec?command=sh&container=web&stdin=true&tty=true","verb":"create","user":{{"username":"user{i}"}},"sourceIPs":["{ip}"],"objectRef":{{"resource":"pods","namespace":"default","name":"web","subresource":"exec"}},"responseStatus":{{"code":101}},"requestReceivedTimestamp":"2026-11-23T10:00:00.000000Z"}}"#
        )
        .as_bytes(),
    );
}

fn state_table(records: u64, capacity: usize) {
    println!("## First-seen state and scored requests: {records} records, each a new user, source IP and auditID (pods/exec), state_capacity {capacity}, scored_requests {}\n", Config::default().scored_requests);
    let mut engine = Engine::new(&Config {
        state_capacity: capacity,
        ..Config::default()
    })
    .unwrap();
    let base = LIVE.load(Ordering::Relaxed);
    println!("| records streamed | live heap MB (engine + state) | peak heap MB | RSS MB | state entries | scored requests kept | records/s |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let mut rec = Vec::new();
    let mut out = Vec::new();
    let mut matched = 0u64;
    let t = Instant::now();
    let mut next = 10_000u64;
    for i in 0..records {
        exec_record(i, &mut rec);
        out.clear();
        matched += engine.enrich(&rec, &mut out).matched as u64;
        if i + 1 == next || i + 1 == records {
            let live = LIVE.load(Ordering::Relaxed).saturating_sub(base);
            let state = engine.export_state();
            let entries = state.matches("\"used\":").count();
            // Each request is scored at its one stage: `[auditID, fingerprint, stage]`.
            let scored = state.matches("\"ResponseComplete\"]").count();
            drop(state);
            println!(
                "| {} | {:.1} | {:.1} | {:.0} | {entries} | {scored} | {:.0} |",
                i + 1,
                live as f64 / (1 << 20) as f64,
                PEAK.load(Ordering::Relaxed) as f64 / (1 << 20) as f64,
                rss_mb(),
                (i + 1) as f64 / t.elapsed().as_secs_f64()
            );
            next = (next * 10).min(records);
            if next <= i + 1 {
                next = records;
            }
        }
    }
    println!("\nmatched {matched} of {records} records\n");
}

/// The slowest records of a corpus file (one record per line) under every profile: one
/// `enrich` each, the ten slowest printed with their cost per byte.
fn corpus_table(path: &str) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let names = std::fs::read_to_string(std::path::Path::new(path).with_extension("names"))
        .unwrap_or_default();
    let names: Vec<&str> = names.lines().collect();
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if bytes.ends_with(b"\n") {
        lines.pop();
    }
    let profiles: Vec<String> = Engine::new(&Config::default())
        .unwrap()
        .pack()
        .profiles
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let mut rows = Vec::new();
    let mut total = Duration::ZERO;
    for p in &profiles {
        let mut engine = Engine::new(&Config {
            profile: p.clone(),
            ..Config::default()
        })
        .unwrap();
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            out.clear();
            let t = Instant::now();
            engine.enrich(line, &mut out);
            let d = t.elapsed();
            total += d;
            rows.push((d, p.clone(), i, line.len()));
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    println!(
        "## {} records x {} profiles of {path}: {:.2} s in all; the ten slowest\n",
        lines.len(),
        profiles.len(),
        total.as_secs_f64()
    );
    println!("| profile | record | bytes | ms | ns/B |");
    println!("|---|---|---:|---:|---:|");
    for (d, p, i, len) in rows.iter().take(10) {
        let name = names.get(*i).copied().unwrap_or("?");
        println!(
            "| {p} | {name} | {len} | {:.1} | {:.1} |",
            d.as_secs_f64() * 1e3,
            d.as_nanos() as f64 / (*len).max(1) as f64
        );
    }
    println!();
}

fn main() {
    let mut records = 10_000_000u64;
    let mut capacity = 100_000usize; // the CLI's `scan --state` capacity (cli/src/main.rs)
    let mut budget = Duration::from_millis(300);
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--records" => {
                records = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--records N")
            }
            "--capacity" => {
                capacity = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--capacity N")
            }
            "--budget-ms" => {
                budget = Duration::from_millis(
                    args.next()
                        .and_then(|v| v.parse().ok())
                        .expect("--budget-ms N"),
                )
            }
            "cost" | "state" => only = Some(a),
            "corpus" => {
                corpus_table(&args.next().expect("corpus PATH"));
                return;
            }
            other => panic!(
                "unknown argument {other} (cost | state, --records N, --capacity N, --budget-ms N)"
            ),
        }
    }
    if only.as_deref() != Some("state") {
        cost_table(budget);
    }
    if only.as_deref() != Some("cost") {
        state_table(records, capacity);
    }
}
