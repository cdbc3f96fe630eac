//! Benchmark: native records/s against the component's (one call per record, `enrich-batch`
//! of 256) under each CPU budget a host can set (epoch deadline,
//! fuel, none), per-call overhead, instantiate time and component size, on one mixed
//! corpus in one run. Run it in release:
//!
//! ```text
//! cargo run --release -p host-tests --bin wasi-bench [-- --records 20000 --seconds 12 --component FILE.wasm]
//! cargo run --release -p host-tests --bin wasi-bench -- --component a.wasm --component b.wasm   # builds side by side
//! ```
//!
//! The machine may be shared: every path runs one pass over the corpus per round, the rounds
//! interleave all paths, and the table shows each path's best pass (and the median), so a
//! burst of load elsewhere slows one pass of every path alike instead of one path's whole
//! measurement.

use std::time::{Duration, Instant};

use cadet_core::{Config as CoreConfig, Engine};
use host_tests::bench_corpus;
use host_tests::component::{config, Budget, ComponentHost, Instance, Limits};

/// One measured path: a pass over its records per call of `run`.
struct Path<'a> {
    label: String,
    records: usize,
    run: Box<dyn FnMut() + 'a>,
    passes: Vec<Duration>,
}

impl Path<'_> {
    /// Best and median µs per record.
    fn per_record(&self) -> (f64, f64) {
        let mut p = self.passes.clone();
        p.sort();
        let us = |d: Duration| d.as_secs_f64() * 1e6 / self.records as f64;
        (us(p[0]), us(p[p.len() / 2]))
    }
}

fn main() {
    let mut records = 20_000usize;
    let mut seconds = 12.0f64;
    let mut components: Vec<std::path::PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--records" => {
                records = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--records N")
            }
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--seconds S")
            }
            "--component" => components.push(args.next().expect("--component FILE.wasm").into()),
            other => {
                panic!("unknown argument {other} (--records N, --seconds S, --component FILE.wasm)")
            }
        }
    }
    let corpus = bench_corpus::mixed(records);
    let bytes: usize = corpus.iter().map(String::len).sum();
    let mut native_engine = Engine::new(&CoreConfig::default()).unwrap();
    let matched = corpus
        .iter()
        .filter(|r| native_engine.score(r.as_bytes()).matched)
        .count();
    let (rejected, read): (Vec<String>, Vec<String>) = corpus
        .iter()
        .cloned()
        .partition(|r| native_engine.rejects(r.as_bytes()));
    println!(
        "corpus: {} records, {:.0} bytes average, {} matched by the cadet profile ({:.1} %), {} rejected by the prefilter ({:.1} %)",
        corpus.len(),
        bytes as f64 / corpus.len() as f64,
        matched,
        100.0 * matched as f64 / corpus.len() as f64,
        rejected.len(),
        100.0 * rejected.len() as f64 / corpus.len() as f64,
    );

    if components.len() > 1 {
        compare(&components, &corpus, seconds);
        return;
    }
    let component = components
        .pop()
        .unwrap_or_else(|| host_tests::component::COMPONENT_WASM.into());
    let budgets = [
        ("epoch deadline", Budget::Deadline(Duration::from_secs(1))),
        ("fuel", Budget::FuelPerRecord(10_000_000_000)),
        ("no CPU limit", Budget::Unlimited),
    ];
    let hosts: Vec<(&str, ComponentHost)> = budgets
        .iter()
        .map(|&(label, budget)| {
            (
                label,
                ComponentHost::from_file(
                    &component,
                    Limits {
                        budget,
                        ..Limits::default()
                    },
                )
                .expect("component"),
            )
        })
        .collect();
    let ready = |host: &ComponentHost| -> Instance {
        let mut inst = host.instantiate().unwrap();
        inst.configure(&config("cadet")).unwrap().unwrap();
        inst
    };

    let mut paths: Vec<Path> = Vec::new();
    fn path<'a>(label: String, records: usize, run: Box<dyn FnMut() + 'a>) -> Path<'a> {
        Path {
            label,
            records,
            run,
            passes: Vec::new(),
        }
    }
    paths.push(path(
        "native cadet_core::Engine::enrich".into(),
        corpus.len(),
        native(&corpus),
    ));
    for (label, host) in &hosts {
        let mut inst = ready(host);
        let per_call: Box<dyn FnMut()> = Box::new({
            let corpus = corpus.clone();
            move || {
                for r in &corpus {
                    std::hint::black_box(inst.enrich(r).unwrap());
                }
            }
        });
        paths.push(path(
            format!("component enrich, 1 call/record ({label})"),
            corpus.len(),
            per_call,
        ));
        paths.push(path(
            format!("component enrich-batch 256 ({label})"),
            corpus.len(),
            batch(ready(host), &corpus),
        ));
    }
    // Where the time goes: records the prefilter rejects, and records that are read.
    let epoch = &hosts[0].1;
    let split = paths.len();
    for (part, set) in [("rejected", &rejected), ("read", &read)] {
        paths.push(path(
            format!("native, {part} records"),
            set.len(),
            native(set),
        ));
        paths.push(path(
            format!("enrich-batch 256 (epoch), {part} records"),
            set.len(),
            batch(ready(epoch), set),
        ));
    }

    // Warm up, then interleaved rounds.
    for p in &mut paths {
        (p.run)();
    }
    let started = Instant::now();
    let mut rounds = 0;
    while started.elapsed().as_secs_f64() < seconds || rounds < 3 {
        for p in &mut paths {
            let t = Instant::now();
            (p.run)();
            p.passes.push(t.elapsed());
        }
        rounds += 1;
    }

    let (native_best, native_median) = paths[0].per_record();
    println!("{rounds} interleaved rounds; best pass of each path (median in brackets)");
    println!();
    let header = |first: &str| {
        println!(
            "{:<52} | {:>10} | {:>17} | {:>9}",
            first, "records/s", "µs/record", "vs native"
        );
        println!("{}", "-".repeat(98));
    };
    header("path");
    let row = |p: &Path, reference: (f64, f64)| {
        let (best, median) = p.per_record();
        println!(
            "{:<52} | {:>10.0} | {:>6.2} ({:>6.2}) | {:>4.0} % ({:>3.0} %)",
            p.label,
            1e6 / best,
            best,
            median,
            100.0 * reference.0 / best,
            100.0 * reference.1 / median
        );
    };
    for p in &paths[..split] {
        row(p, (native_best, native_median));
    }
    println!();
    header("the same, split by the native prefilter's answer");
    for group in paths[split..].chunks(2) {
        let reference = group[0].per_record();
        for p in group {
            row(p, reference);
        }
    }
    drop(paths);

    println!();
    for (label, host) in &hosts {
        // Overhead of one call beyond the work: an empty call (`profile()`).
        let mut inst = ready(host);
        let n = 20_000;
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            for _ in 0..n {
                std::hint::black_box(inst.profile().unwrap());
            }
            best = best.min(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        }
        println!("[{label}] empty call (profile()): {best:.2} µs");
    }
    let host = &hosts[0].1;
    let (inst, configure) = instantiate_time(host);
    println!(
        "component size: {} bytes ({:.0} KiB)",
        host.wasm_size,
        host.wasm_size as f64 / 1024.0
    );
    println!(
        "compile (Component::new, Cranelift): {:.0} ms",
        host.compile_time.as_secs_f64() * 1e3
    );
    println!(
        "instantiate (InstancePre::instantiate, fresh store): {:.1} µs",
        inst.as_secs_f64() * 1e6
    );
    println!(
        "first call (builds the engine: parses the embedded rule pack): {:.2} ms",
        configure.as_secs_f64() * 1e3
    );
}

/// Several builds of the component side by side: `enrich-batch` 256 under an epoch deadline
/// against native, in interleaved rounds (best pass and median).
fn compare(components: &[std::path::PathBuf], corpus: &[String], seconds: f64) {
    let budget = Budget::Deadline(Duration::from_secs(1));
    type Run<'a> = Box<dyn FnMut() + 'a>;
    let mut paths: Vec<(String, Run, Vec<Duration>)> =
        vec![("native".into(), native(corpus), Vec::new())];
    for c in components {
        let host = ComponentHost::from_file(
            c,
            Limits {
                budget,
                ..Limits::default()
            },
        )
        .expect("component");
        let mut inst = host.instantiate().unwrap();
        inst.configure(&config("cadet")).unwrap().unwrap();
        let label = format!(
            "{} ({} bytes)",
            c.file_name().unwrap().to_string_lossy(),
            host.wasm_size
        );
        paths.push((label, batch(inst, corpus), Vec::new()));
    }
    let started = Instant::now();
    let mut rounds = 0;
    while started.elapsed().as_secs_f64() < seconds || rounds < 3 {
        for (_, run, passes) in &mut paths {
            let t = Instant::now();
            run();
            if rounds > 0 {
                passes.push(t.elapsed());
            }
        }
        rounds += 1;
    }
    let stats = |p: &[Duration]| {
        let mut p = p.to_vec();
        p.sort();
        let us = |d: Duration| d.as_secs_f64() * 1e6 / corpus.len() as f64;
        (us(p[0]), us(p[p.len() / 2]))
    };
    let reference = stats(&paths[0].2);
    println!(
        "{} rounds; enrich-batch 256, epoch deadline; best pass (median)",
        rounds - 1
    );
    for (label, _, passes) in &paths {
        let (best, median) = stats(passes);
        println!(
            "{label:<48} {best:6.2} ({median:6.2}) µs/record  {:4.0} % ({:3.0} %)",
            100.0 * reference.0 / best,
            100.0 * reference.1 / median
        );
    }
}

/// One pass of the native engine over `set`.
fn native(set: &[String]) -> Box<dyn FnMut() + '_> {
    let mut engine = Engine::new(&CoreConfig::default()).unwrap();
    let mut out = Vec::with_capacity(4096);
    Box::new(move || {
        for r in set {
            out.clear();
            std::hint::black_box(engine.enrich(r.as_bytes(), &mut out));
        }
    })
}

/// One pass over `set` with `enrich-batch`, 256 records per call.
fn batch(mut inst: Instance, set: &[String]) -> Box<dyn FnMut()> {
    let batches: Vec<Vec<String>> = set.chunks(256).map(<[String]>::to_vec).collect();
    Box::new(move || {
        for b in &batches {
            std::hint::black_box(inst.enrich_batch(b).unwrap());
        }
    })
}

/// Mean time of a fresh instantiation, and of the first `configure` on it.
fn instantiate_time(host: &ComponentHost) -> (Duration, Duration) {
    let n = 200u32;
    let mut inst_total = Duration::ZERO;
    let mut conf_total = Duration::ZERO;
    for _ in 0..n {
        let t = Instant::now();
        let mut inst: Instance = host.instantiate().unwrap();
        inst_total += t.elapsed();
        let t = Instant::now();
        inst.configure(&config("cadet")).unwrap().unwrap();
        conf_total += t.elapsed();
    }
    (inst_total / n, conf_total / n)
}
