//! `cadet-bench mix`: the issue-17 yardstick. Every figure on the realistic node mix
//! ([`crate::realistic`]) and on the easy mix ([`crate::corpus`]) in the same run, each beside its
//! target:
//! - native engine (`Engine::score`, `Engine::enrich`) and the whole `cadet scan` process
//!   (records/s of CPU, µs/record), against sonic-rs's `Value` parse and rsigma-eval (20 rules);
//! - candidates share (records the prefilter lets through) and matched share;
//! - heap allocations per record (a counting global allocator), split by rejected and candidate;
//! - µs/record per record class;
//! - per-record cost at 300 B / 3 KB / 30 KB / 300 KB, rejected and candidate.
//!
//! Timing is thread CPU time (the machine is shared); the cases of one mix run in interleaved
//! rounds, so a burst of load elsewhere slows one round of every case alike, and each case's
//! median round is reported.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cadet_core::{Config, Engine};

use crate::corpus::Generator;
use crate::realistic::{sized, Realistic};
use crate::{arg_value, fixtures_dir, machine, sigma, sigma_dir, thread_cpu_time, SEED};

/// A global allocator that counts calls and bytes, then defers to the system allocator.
pub struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

/// (allocation calls, bytes) so far.
fn alloc_counts() -> (u64, u64) {
    (
        ALLOCS.load(Ordering::Relaxed),
        ALLOC_BYTES.load(Ordering::Relaxed),
    )
}

/// One mix: its records and a class label per record.
struct Mix {
    name: &'static str,
    lines: Vec<String>,
    classes: Vec<&'static str>,
}

impl Mix {
    fn bytes(&self) -> usize {
        self.lines.iter().map(String::len).sum()
    }
}

/// Everything measured on one mix.
#[derive(Default)]
struct Figures {
    records: usize,
    avg_bytes: f64,
    /// case name → median µs/record (thread CPU)
    cases: BTreeMap<&'static str, f64>,
    scan_all_us: Option<f64>,
    scan_matches_us: Option<f64>,
    candidates: f64,
    matched: f64,
    allocs: [(f64, f64); 3],
    classes: Vec<(&'static str, f64, f64, f64, f64)>,
}

const SCORE: &str = "cadet Engine::score";
const ENRICH: &str = "cadet Engine::enrich (reused Vec)";
const SONIC: &str = "sonic-rs parse to Value";
const RSIGMA: &str = "rsigma-eval (20 rules) incl. serde_json parse";

/// Runs the mix report.
pub fn run(args: &[String]) {
    let records: usize = arg_value(args, "--records")
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let runs: usize = arg_value(args, "--runs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let cadet_bin = find_cadet(args);

    let mut real = Realistic::new(SEED, &fixtures_dir());
    let attack_records = real.attack_records();
    let (lines, classes) = real.lines(records);
    let realistic = Mix {
        name: "realistic",
        lines,
        classes: classes.iter().map(|c| c.name()).collect(),
    };
    let mut easy_gen = Generator::new(SEED, &fixtures_dir());
    let (lines, kinds) = easy_gen.lines(records);
    let easy = Mix {
        name: "easy",
        lines,
        classes: kinds.iter().map(|k| k.name()).collect(),
    };

    println!(
        "cadet-bench mix: issue-17 figures on the realistic node mix and the easy mix, same run"
    );
    println!("machine: {}", machine());
    println!("records per mix: {records}, seed {SEED:#x}; {runs} timed rounds after 1 warm-up, cases interleaved; thread CPU time, median round");
    println!("realistic mix: 70 % process starts (40 % of them container tooling / containerised), 20 % k8s audit (85 % control plane), 10 % attacks ({attack_records} fixture records)");
    println!(
        "cadet binary: {}",
        cadet_bin
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(
                || "not found (cargo build --release -p cadet-cli); scan rows skipped".into()
            )
    );
    println!();

    let (sigma_engine, sigma_rules) = sigma::engine(&sigma_dir());
    assert_eq!(sigma_rules, 20, "the rsigma baseline is 20 rules");
    let mut figures = Vec::new();
    for mix in [&realistic, &easy] {
        let mut f = measure(mix, runs, &sigma_engine);
        if let Some(bin) = &cadet_bin {
            f.scan_all_us = scan_process(bin, mix, true);
            f.scan_matches_us = scan_process(bin, mix, false);
        }
        figures.push(f);
    }

    print_main(&figures);
    for (mix, f) in [&realistic, &easy].iter().zip(&figures) {
        println!("\n{} mix, by record class (Engine::score):\n", mix.name);
        println!("| class | share | avg bytes | candidates | µs/record |");
        println!("|---|---:|---:|---:|---:|");
        for (name, share, bytes, cand, us) in &f.classes {
            println!(
                "| {name} | {:.1} % | {bytes:.0} | {:.1} % | {us:.2} |",
                share * 100.0,
                cand * 100.0
            );
        }
    }
    sizes(runs);
}

pub fn find_cadet(args: &[String]) -> Option<PathBuf> {
    if let Some(p) = arg_value(args, "--cadet") {
        return Some(PathBuf::from(p));
    }
    let mut candidates = Vec::new();
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(t).join("release/cadet"));
    }
    if let Ok(me) = std::env::current_exe() {
        candidates.push(me.with_file_name("cadet"));
    }
    candidates.into_iter().find(|p| p.is_file())
}

fn measure(mix: &Mix, runs: usize, sigma_engine: &rsigma_eval::Engine) -> Figures {
    let n = mix.lines.len();
    let mut f = Figures {
        records: n,
        avg_bytes: mix.bytes() as f64 / n as f64,
        ..Figures::default()
    };
    let mut score = Engine::new(&Config::default()).unwrap();
    let mut enrich = Engine::new(&Config::default()).unwrap();
    let mut out = Vec::with_capacity(1 << 16);

    // Candidates, matches, allocations (one untimed pass).
    let probe = Engine::new(&Config::default()).unwrap();
    let rejected: Vec<bool> = mix
        .lines
        .iter()
        .map(|l| probe.rejects(l.as_bytes()))
        .collect();
    let mut acc = [(0u64, 0u64, 0u64); 3]; // (records, allocs, bytes) for all, rejected, candidates
    let mut matched = 0usize;
    for (l, &rej) in mix.lines.iter().zip(&rejected) {
        let (a0, b0) = alloc_counts();
        let v = score.score(l.as_bytes());
        let (a1, b1) = alloc_counts();
        matched += v.matched as usize;
        drop(v);
        for i in [0, if rej { 1 } else { 2 }] {
            acc[i].0 += 1;
            acc[i].1 += a1 - a0;
            acc[i].2 += b1 - b0;
        }
    }
    f.candidates = rejected.iter().filter(|r| !**r).count() as f64 / n as f64;
    f.matched = matched as f64 / n as f64;
    for (slot, a) in f.allocs.iter_mut().zip(&acc) {
        let r = a.0.max(1) as f64;
        *slot = (a.1 as f64 / r, a.2 as f64 / r);
    }

    // Interleaved timed rounds.
    type Run<'a> = Box<dyn FnMut(&[u8]) -> bool + 'a>;
    let mut cases: Vec<(&'static str, Run, Vec<Duration>)> = vec![
        (SCORE, Box::new(|l| score.score(l).matched), Vec::new()),
        (
            ENRICH,
            Box::new(|l| {
                out.clear();
                let m = enrich.enrich(l, &mut out).matched;
                black_box(&out);
                m
            }),
            Vec::new(),
        ),
        (
            SONIC,
            Box::new(|l| sonic_rs::from_slice::<sonic_rs::Value>(l).is_err()),
            Vec::new(),
        ),
        (
            RSIGMA,
            Box::new(|l| match serde_json::from_slice::<serde_json::Value>(l) {
                Ok(v) => !sigma_engine
                    .evaluate(&rsigma_eval::JsonEvent::borrow(&v))
                    .is_empty(),
                Err(_) => false,
            }),
            Vec::new(),
        ),
    ];
    for round in 0..=runs {
        for (_, run, times) in cases.iter_mut() {
            let start = thread_cpu_time();
            for l in &mix.lines {
                black_box(run(black_box(l.as_bytes())));
            }
            if round > 0 {
                times.push(thread_cpu_time() - start);
            }
        }
    }
    for (name, _, times) in cases.iter_mut() {
        times.sort();
        f.cases
            .insert(name, times[times.len() / 2].as_secs_f64() * 1e6 / n as f64);
    }
    drop(cases);

    // By class.
    let mut names: Vec<&'static str> = mix.classes.clone();
    names.sort();
    names.dedup();
    for name in names {
        let set: Vec<(&String, bool)> = mix
            .lines
            .iter()
            .zip(&mix.classes)
            .zip(&rejected)
            .filter(|((_, c), _)| **c == name)
            .map(|((l, _), r)| (l, *r))
            .collect();
        let bytes = set.iter().map(|(l, _)| l.len()).sum::<usize>() as f64 / set.len() as f64;
        let cand = set.iter().filter(|(_, r)| !r).count() as f64 / set.len() as f64;
        let mut times = Vec::new();
        for round in 0..=runs {
            let start = thread_cpu_time();
            for (l, _) in &set {
                black_box(score.score(black_box(l.as_bytes())));
            }
            if round > 0 {
                times.push(thread_cpu_time() - start);
            }
        }
        times.sort();
        let us = times[times.len() / 2].as_secs_f64() * 1e6 / set.len() as f64;
        f.classes
            .push((name, set.len() as f64 / n as f64, bytes, cand, us));
    }
    f.classes.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap());
    f
}

/// CPU µs per record of a whole `cadet scan` process over the mix (best of 3; user + system time
/// of the child from `wait4`).
fn scan_process(bin: &PathBuf, mix: &Mix, all: bool) -> Option<f64> {
    let path = std::env::temp_dir().join(format!(
        "cadet-bench-mix-{}-{}.jsonl",
        mix.name,
        std::process::id()
    ));
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).ok()?);
        for l in &mix.lines {
            w.write_all(l.as_bytes()).ok()?;
            w.write_all(b"\n").ok()?;
        }
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        let mut cmd = std::process::Command::new(bin);
        // One core: these rows compare per-core costs (bench `scale` measures --threads N).
        cmd.arg("scan").arg("--threads").arg("1");
        if all {
            cmd.arg("--all");
        }
        cmd.arg(&path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let child = cmd.spawn().ok()?;
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        std::mem::forget(child);
        if r != pid {
            return None;
        }
        let cpu = usage.ru_utime.tv_sec as f64
            + usage.ru_utime.tv_usec as f64 / 1e6
            + usage.ru_stime.tv_sec as f64
            + usage.ru_stime.tv_usec as f64 / 1e6;
        best = best.min(cpu);
    }
    let _ = std::fs::remove_file(&path);
    Some(best * 1e6 / mix.lines.len() as f64)
}

fn rate(us: f64) -> String {
    let r = 1e6 / us;
    if r >= 1e6 {
        format!("{:.2}M/s", r / 1e6)
    } else {
        format!("{:.0}k/s", r / 1e3)
    }
}

fn print_main(f: &[Figures]) {
    let (r, e) = (&f[0], &f[1]);
    println!("| figure | realistic mix | easy mix | target (issue 17, realistic mix) |");
    println!("|---|---:|---:|---|");
    println!(
        "| records, avg bytes | {}, {:.0} B | {}, {:.0} B | |",
        r.records, r.avg_bytes, e.records, e.avg_bytes
    );
    println!(
        "| candidates (prefilter passes) | {:.1} % | {:.1} % | |",
        r.candidates * 100.0,
        e.candidates * 100.0
    );
    println!(
        "| matched (verdict) | {:.1} % | {:.1} % | |",
        r.matched * 100.0,
        e.matched * 100.0
    );
    for name in [SCORE, ENRICH, SONIC, RSIGMA] {
        let (a, b) = (r.cases[name], e.cases[name]);
        println!(
            "| {name}: records/s, µs/record | {} , {a:.2} µs | {} , {b:.2} µs | |",
            rate(a),
            rate(b)
        );
    }
    let scan = |x: Option<f64>| {
        x.map(|u| format!("{} , {u:.2} µs", rate(u)))
            .unwrap_or_else(|| "-".into())
    };
    println!(
        "| `cadet scan --all` whole process (CPU) | {} | {} | |",
        scan(r.scan_all_us),
        scan(e.scan_all_us)
    );
    println!(
        "| `cadet scan` (matches only) whole process (CPU) | {} | {} | |",
        scan(r.scan_matches_us),
        scan(e.scan_matches_us)
    );
    let ratio = |fig: &Figures, num: f64, den: &str| fig.cases[den] / num;
    let row = |label: &str, rv: Option<f64>, ev: Option<f64>, target: &str| {
        let s = |v: Option<f64>| v.map(|v| format!("{v:.2}×")).unwrap_or_else(|| "-".into());
        let verdict = match (
            rv,
            target
                .split('≥')
                .nth(1)
                .and_then(|t| t.trim().trim_end_matches('×').parse::<f64>().ok()),
        ) {
            (Some(v), Some(t)) => {
                if v >= t {
                    " — met"
                } else {
                    " — **missed**"
                }
            }
            _ => "",
        };
        println!("| {label} | {} | {} | {target}{verdict} |", s(rv), s(ev));
    };
    row(
        "engine (score) ÷ sonic-rs parse",
        Some(ratio(r, r.cases[SCORE], SONIC)),
        Some(ratio(e, e.cases[SCORE], SONIC)),
        "≥ 1.0×",
    );
    row(
        "`cadet scan --all` process ÷ sonic-rs parse",
        r.scan_all_us.map(|u| ratio(r, u, SONIC)),
        e.scan_all_us.map(|u| ratio(e, u, SONIC)),
        "≥ 1.0×",
    );
    row(
        "engine (score) ÷ rsigma-eval",
        Some(ratio(r, r.cases[SCORE], RSIGMA)),
        Some(ratio(e, e.cases[SCORE], RSIGMA)),
        "≥ 5×",
    );
    row(
        "`cadet scan --all` process ÷ rsigma-eval",
        r.scan_all_us.map(|u| ratio(r, u, RSIGMA)),
        e.scan_all_us.map(|u| ratio(e, u, RSIGMA)),
        "≥ 5×",
    );
    for (i, label) in ["all records", "rejected records", "candidates"]
        .iter()
        .enumerate()
    {
        println!(
            "| heap allocations per record (score), {label}: calls, bytes | {:.1}, {:.0} B | {:.1}, {:.0} B | {} |",
            r.allocs[i].0,
            r.allocs[i].1,
            e.allocs[i].0,
            e.allocs[i].1,
            if i == 1 { "0 (no allocation on the hot path of a rejected record)" } else { "" }
        );
    }
}

/// Per-record cost by size: a rejected and a candidate record of about 300 B, 3 KB, 30 KB, 300 KB.
fn sizes(runs: usize) {
    println!("\nper-record cost by size (Engine::score, thread CPU, median of {runs}); target: linear in size (ns/byte flat)\n");
    println!("| size | rejected: bytes, µs/record, ns/byte, allocs | candidate: bytes, µs/record, ns/byte, allocs | sonic-rs parse of the candidate: µs, ns/byte |");
    println!("|---:|---|---|---|");
    let mut engine = Engine::new(&Config::default()).unwrap();
    for size in [300usize, 3_000, 30_000, 300_000] {
        let (rej, cand) = sized(size);
        let note = |r: &str, want_rejected: bool| {
            if engine.rejects(r.as_bytes()) == want_rejected {
                ""
            } else if want_rejected {
                " (not rejected!)"
            } else {
                " (rejected!)"
            }
        };
        let (rn, cn) = (note(&rej, true), note(&cand, false));
        let cell = |rec: &str, f: &mut dyn FnMut(&[u8])| -> (f64, f64) {
            let reps = (20_000_000 / rec.len()).clamp(20, 100_000);
            let (a0, _) = alloc_counts();
            f(rec.as_bytes());
            let allocs = (alloc_counts().0 - a0) as f64;
            let mut times = Vec::new();
            for round in 0..=runs {
                let start = thread_cpu_time();
                for _ in 0..reps {
                    f(black_box(rec.as_bytes()));
                }
                if round > 0 {
                    times.push(thread_cpu_time() - start);
                }
            }
            times.sort();
            (
                times[times.len() / 2].as_secs_f64() * 1e6 / reps as f64,
                allocs,
            )
        };
        let (ru, ra) = cell(&rej, &mut |l| {
            black_box(engine.score(l));
        });
        let (cu, ca) = cell(&cand, &mut |l| {
            black_box(engine.score(l));
        });
        let (su, _) = cell(&cand, &mut |l| {
            black_box(sonic_rs::from_slice::<sonic_rs::Value>(l).is_ok());
        });
        println!(
            "| {size} B | {} B{rn}, {ru:.2} µs, {:.2} ns/B, {ra:.0} | {} B{cn}, {cu:.2} µs, {:.2} ns/B, {ca:.0} | {su:.2} µs, {:.2} ns/B |",
            rej.len(),
            ru * 1e3 / rej.len() as f64,
            cand.len(),
            cu * 1e3 / cand.len() as f64,
            su * 1e3 / cand.len() as f64
        );
    }
}
