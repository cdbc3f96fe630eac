//! Benchmark: native records/s, component records/s (one call per record, and
//! `enrich-batch` of 256), per-call overhead, instantiate time and component size, on one
//! mixed corpus in one run. Run it in release:
//!
//! ```text
//! cargo run --release -p host-tests --bin wasi-bench [-- --records 20000 --seconds 2 --component FILE.wasm]
//! ```

use std::time::{Duration, Instant};

use cadet_core::{Config as CoreConfig, Engine};
use host_tests::bench_corpus;
use host_tests::component::{config, Budget, ComponentHost, Instance, Limits};

fn main() {
    let mut records = 20_000usize;
    let mut seconds = 2.0f64;
    let mut component = std::path::PathBuf::from(host_tests::component::COMPONENT_WASM);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--records" => records = args.next().and_then(|v| v.parse().ok()).expect("--records N"),
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).expect("--seconds S"),
            "--component" => component = args.next().expect("--component FILE.wasm").into(),
            _ => {}
        }
    }
    let min = Duration::from_secs_f64(seconds);
    let corpus = bench_corpus::mixed(records);
    let bytes: usize = corpus.iter().map(String::len).sum();
    let mut native = Engine::new(&CoreConfig::default()).unwrap();
    let matched = corpus.iter().filter(|r| native.score(r.as_bytes()).matched).count();
    println!(
        "corpus: {} records, {:.0} bytes average, {} matched by the cadet profile ({:.1} %)",
        corpus.len(),
        bytes as f64 / corpus.len() as f64,
        matched,
        100.0 * matched as f64 / corpus.len() as f64
    );

    // Native.
    let mut out = Vec::with_capacity(4096);
    let native_rate = rate(min, corpus.len(), || {
        for r in &corpus {
            out.clear();
            std::hint::black_box(native.enrich(r.as_bytes(), &mut out));
        }
    });

    let mut rows = vec![("native cadet_core::Engine::enrich".to_string(), native_rate)];
    let mut host_info = None;
    for (label, budget) in [
        ("epoch deadline", Budget::Deadline(Duration::from_secs(1))),
        ("fuel", Budget::FuelPerRecord(10_000_000_000)),
        ("no CPU limit", Budget::Unlimited),
    ] {
        let limits = Limits { budget, ..Limits::default() };
        let host = ComponentHost::from_file(&component, limits).expect("component");
        let mut inst = host.instantiate().unwrap();
        inst.configure(&config("cadet")).unwrap().unwrap();
        let per_call = rate(min, corpus.len(), || {
            for r in &corpus {
                std::hint::black_box(inst.enrich(r).unwrap());
            }
        });
        let batches: Vec<Vec<String>> = corpus.chunks(256).map(<[String]>::to_vec).collect();
        let batched = rate(min, corpus.len(), || {
            for b in &batches {
                std::hint::black_box(inst.enrich_batch(b).unwrap());
            }
        });
        // Overhead of one call beyond the work: an empty call, and per-call minus batched.
        let empty = rate(min, 10_000, || {
            for _ in 0..10_000 {
                std::hint::black_box(inst.profile().unwrap());
            }
        });
        rows.push((format!("component enrich, 1 call/record ({label})"), per_call));
        rows.push((format!("component enrich-batch 256 ({label})"), batched));
        println!(
            "[{label}] call overhead: per-call minus batched = {:.2} µs/record; empty call (profile()) = {:.2} µs",
            1e6 / per_call - 1e6 / batched,
            1e6 / empty
        );
        if host_info.is_none() {
            host_info = Some((host.compile_time, instantiate_time(&host), host.wasm_size));
        }
    }

    println!();
    println!("{:<52} | {:>12} | {:>9} | {:>8}", "path", "records/s", "µs/record", "vs native");
    println!("{}", "-".repeat(90));
    for (label, r) in &rows {
        println!("{:<52} | {:>12.0} | {:>9.2} | {:>7.0} %", label, r, 1e6 / r, 100.0 * r / native_rate);
    }
    let (compile, (inst, configure), size) = host_info.unwrap();
    println!();
    println!("component size: {size} bytes ({:.0} KiB)", size as f64 / 1024.0);
    println!("compile (Component::new, Cranelift): {:.0} ms", compile.as_secs_f64() * 1e3);
    println!("instantiate (InstancePre::instantiate, fresh store): {:.1} µs", inst.as_secs_f64() * 1e6);
    println!("first call (builds the engine: parses the embedded rule pack): {:.2} ms", configure.as_secs_f64() * 1e3);
}

/// Records per second of `run` (which handles `n` records), repeated for at least `min`.
fn rate(min: Duration, n: usize, mut run: impl FnMut()) -> f64 {
    run(); // warm-up
    let started = Instant::now();
    let mut rounds = 0u64;
    while started.elapsed() < min || rounds < 3 {
        run();
        rounds += 1;
    }
    (rounds as f64 * n as f64) / started.elapsed().as_secs_f64()
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
