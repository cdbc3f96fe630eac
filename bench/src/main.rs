//! cadet-bench: native throughput of cadet-core against sonic-rs / serde_json parsing and the
//! rsigma-eval Sigma engine on one core, and the memory bound of the streaming CLI.
//!
//! ```text
//! cargo run --release -p cadet-bench                      # throughput table (default 100000 records, 5 runs)
//! cargo run --release -p cadet-bench -- --records 200000 --runs 7
//! cargo run --release -p cadet-bench -- memory [--cadet target/release/cadet]
//! cargo run --release -p cadet-bench -- corpus 100000 > corpus.jsonl
//! cargo run --release -p cadet-bench -- mix [--records 50000 --runs 5]   # issue 17: realistic + easy mix
//! cargo run --release -p cadet-bench -- corpus 100000 --realistic > realistic.jsonl
//! cargo run --release -p cadet-bench -- scale [--records 100000 --runs 5 --threads 1,2]   # cadet scan --threads N
//! ```

mod corpus;
mod memory;
mod mix;
mod prefilter_lab;
mod realistic;
mod scale;
mod sigma;

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cadet_core::{Config, Engine};
use corpus::{Generator, Kind};

const SEED: u64 = 0x00CA_DE75;

/// Counts heap allocations (calls and bytes) for the allocations-per-record figures of `mix`.
#[global_allocator]
static ALLOCATOR: mix::Counting = mix::Counting;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn fixtures_dir() -> PathBuf {
    repo_root().join("core/fixtures")
}

fn sigma_dir() -> PathBuf {
    std::env::var_os("CADET_SIGMA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/sigma"))
}

fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("memory") => memory::run(&args[1..]),
        Some("mix") => mix::run(&args[1..]),
        Some("scale") => scale::run(&args[1..], mix::find_cadet(&args[1..])),
        Some("candidates") => prefilter_lab::candidates(
            arg_value(&args, "--records")
                .and_then(|s| s.parse().ok())
                .unwrap_or(100_000),
        ),
        Some("prefilter-lab") => prefilter_lab::run(
            arg_value(&args, "--records")
                .and_then(|s| s.parse().ok())
                .unwrap_or(100_000),
        ),
        Some("corpus") => {
            let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
            let mut gen = Generator::new(SEED, &fixtures_dir());
            let mut real = realistic::Realistic::new(SEED, &fixtures_dir());
            let is_real = args.iter().any(|a| a == "--realistic");
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let mut s = String::new();
            for _ in 0..n {
                s.clear();
                if is_real {
                    real.record(&mut s);
                } else {
                    gen.record(&mut s);
                }
                s.push('\n');
                out.write_all(s.as_bytes()).unwrap();
            }
        }
        Some("-h") | Some("--help") => {
            println!("usage: cadet-bench [--records N] [--runs N] [--only SUBSTRING]\n       cadet-bench memory [--cadet PATH] [--big-mb N]\n       cadet-bench prefilter-lab [--records N]\n       cadet-bench corpus N [--realistic]\n       cadet-bench mix [--records N] [--runs N] [--cadet PATH]");
        }
        _ => throughput(&args),
    }
}

/// CPU time of this thread: the engines run on one thread, and on a shared machine the thread's own
/// CPU time is not inflated by other processes taking the core (wall time is printed alongside).
pub fn thread_cpu_time() -> Duration {
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpu}, {cores} cores, Linux {}, {rustc}", kernel.trim())
}

/// One benchmarked case: called once per record, says whether it matched.
type RunFn<'a> = Box<dyn FnMut(&[u8]) -> bool + 'a>;

struct Case<'a> {
    name: String,
    run: RunFn<'a>,
}

struct Row {
    name: String,
    median: Duration,
    best: Duration,
    wall: Duration,
    matched: usize,
}

fn throughput(args: &[String]) {
    let records: usize = arg_value(args, "--records")
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = arg_value(args, "--runs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let only = arg_value(args, "--only");

    let mut gen = Generator::new(SEED, &fixtures_dir());
    let fixture_records = gen.fixture_records();
    let (lines, kinds) = gen.lines(records);
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let mb = bytes as f64 / 1e6;

    println!("cadet-bench: native throughput, one thread (one core)");
    println!("machine: {}", machine());
    println!(
        "corpus: {records} records, {:.1} MB, average {:.0} bytes/record, seed {SEED:#x}",
        mb,
        bytes as f64 / records as f64
    );
    for kind in Kind::ALL {
        let (n, b) = kinds
            .iter()
            .zip(&lines)
            .filter(|(k, _)| **k == kind)
            .fold((0usize, 0usize), |(n, b), (_, l)| (n + 1, b + l.len()));
        println!(
            "  {:<28} {:>5.1} %  avg {:>4.0} B",
            kind.name(),
            100.0 * n as f64 / records as f64,
            b as f64 / n.max(1) as f64
        );
    }
    println!("  (container administration = {fixture_records} records of core/fixtures/**/*.jsonl without _expect, and Kubernetes pods/exec audit events)");
    println!("timing: 1 warm-up pass, then {runs} timed passes over the whole corpus; records/s and MB/s from the median pass's thread CPU time (best pass in brackets; wall-clock median in the last column)\n");

    prefilter_report(&lines, &kinds);

    // Engines.
    let profiles = ["cadet", "qradar-t1609", "elastic-t1609", "qradar-t1059-013"];
    let mut engines: Vec<Engine> = profiles
        .iter()
        .map(|p| {
            Engine::new(&Config {
                profile: p.to_string(),
                ..Config::default()
            })
            .unwrap()
        })
        .collect();
    let prefilter_only = Engine::new(&Config::default()).unwrap();
    let mut no_prefilter = Engine::new(&Config {
        prefilter: false,
        ..Config::default()
    })
    .unwrap();
    let mut enrich_engine = Engine::new(&Config::default()).unwrap();
    let mut enrich_out: Vec<u8> = Vec::with_capacity(1 << 16);
    let (sigma_engine, sigma_rules) = sigma::engine(&sigma_dir());
    let parsed: Vec<serde_json::Value> = if only
        .as_deref()
        .is_none_or(|o| "rsigma-eval evaluate only (pre-parsed events)".contains(o))
    {
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    } else {
        Vec::new()
    };
    let mut parsed_iter = 0usize;

    let mut cases: Vec<Case> = Vec::new();
    let (first, rest) = engines.split_first_mut().unwrap();
    cases.push(Case {
        name: "cadet score (profile cadet)".into(),
        run: Box::new(|l| first.score(l).matched),
    });
    cases.push(Case {
        name: "cadet enrich into reused Vec (cadet)".into(),
        run: Box::new(|l| {
            enrich_out.clear();
            let m = enrich_engine.enrich(l, &mut enrich_out).matched;
            black_box(&enrich_out);
            m
        }),
    });
    cases.push(Case {
        name: "cadet prefilter alone (Engine::rejects, cadet)".into(),
        run: Box::new(|l| !prefilter_only.rejects(l)),
    });
    cases.push(Case {
        name: "cadet score, prefilter off".into(),
        run: Box::new(|l| no_prefilter.score(l).matched),
    });
    for (engine, name) in rest.iter_mut().zip(&profiles[1..]) {
        cases.push(Case {
            name: format!("cadet score (profile {name})"),
            run: Box::new(move |l| engine.score(l).matched),
        });
    }
    cases.push(Case {
        name: "sonic-rs parse to sonic_rs::Value".into(),
        run: Box::new(|l| sonic_rs::from_slice::<sonic_rs::Value>(l).is_err()),
    });
    cases.push(Case {
        name: "serde_json parse to serde_json::Value".into(),
        run: Box::new(|l| serde_json::from_slice::<serde_json::Value>(l).is_err()),
    });
    let se = &sigma_engine;
    cases.push(Case {
        name: format!("rsigma-eval 0.23 ({sigma_rules} rules) incl. serde_json parse"),
        run: Box::new(move |l| {
            let v: serde_json::Value = serde_json::from_slice(l).unwrap();
            !se.evaluate(&rsigma_eval::JsonEvent::borrow(&v)).is_empty()
        }),
    });
    if !parsed.is_empty() {
        let parsed = &parsed;
        cases.push(Case {
            name: "rsigma-eval evaluate only (pre-parsed events)".into(),
            run: Box::new(move |_| {
                let v = &parsed[parsed_iter % parsed.len()];
                parsed_iter += 1;
                !se.evaluate(&rsigma_eval::JsonEvent::borrow(v)).is_empty()
            }),
        });
    }

    let mut rows: Vec<Row> = Vec::new();
    for case in cases.iter_mut() {
        if let Some(o) = &only {
            if !case.name.contains(o.as_str()) {
                continue;
            }
        }
        let mut times = Vec::with_capacity(runs);
        let mut walls = Vec::with_capacity(runs);
        let mut matched = 0;
        for pass in 0..=runs {
            let wall = Instant::now();
            let start = thread_cpu_time();
            let mut m = 0usize;
            for line in &lines {
                m += (case.run)(black_box(line.as_bytes())) as usize;
            }
            let t = thread_cpu_time() - start;
            if pass > 0 {
                times.push(t);
                walls.push(wall.elapsed());
            }
            matched = m;
        }
        times.sort();
        walls.sort();
        let row = Row {
            name: case.name.clone(),
            median: times[times.len() / 2],
            best: times[0],
            wall: walls[walls.len() / 2],
            matched,
        };
        eprintln!(
            "  measured {:<48} {:>10.0} rec/s",
            row.name,
            records as f64 / row.median.as_secs_f64()
        );
        rows.push(row);
    }
    drop(cases);

    let cadet = rows
        .iter()
        .find(|r| r.name.starts_with("cadet score (profile cadet)"))
        .map(|r| records as f64 / r.median.as_secs_f64());
    println!(
        "\n| engine | records/s (best) | MB/s | cadet is x faster | matched | wall records/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        let rps = records as f64 / r.median.as_secs_f64();
        let best = records as f64 / r.best.as_secs_f64();
        let ratio = cadet
            .map(|c| format!("{:.2}", c / rps))
            .unwrap_or_else(|| "-".into());
        let matched = if r.name.contains("prefilter alone") {
            format!("{} pass", r.matched)
        } else if r.name.starts_with("sonic") || r.name.starts_with("serde") {
            "-".to_string()
        } else {
            r.matched.to_string()
        };
        println!(
            "| {} | {} ({}) | {:.0} | {} | {} | {} |",
            r.name,
            fmt_rate(rps),
            fmt_rate(best),
            mb / r.median.as_secs_f64(),
            ratio,
            matched,
            fmt_rate(records as f64 / r.wall.as_secs_f64())
        );
    }
    println!("\n'matched' = records with a verdict (cadet) or at least one Sigma rule hit (rsigma). 'cadet is x faster' = cadet score (profile cadet) records/s divided by the row's.");
}

fn fmt_rate(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.2}M", r / 1e6)
    } else {
        format!("{:.0}k", r / 1e3)
    }
}

/// How many records each profile's prefilter rejects, per kind, and which keyword lets benign records through.
fn prefilter_report(lines: &[String], kinds: &[Kind]) {
    println!("prefilter: records rejected before any parsing (per profile and record kind)\n");
    print!("| profile |");
    for k in Kind::ALL {
        print!(" {} |", k.name());
    }
    println!(" all |");
    println!("|---|---:|---:|---:|---:|---:|");
    for profile in ["cadet", "qradar-t1609", "elastic-t1609", "qradar-t1059-013"] {
        let engine = Engine::new(&Config {
            profile: profile.into(),
            ..Config::default()
        })
        .unwrap();
        print!("| {profile} |");
        let mut total = 0;
        for k in Kind::ALL {
            let (n, rej) = lines
                .iter()
                .zip(kinds)
                .filter(|(_, kk)| **kk == k)
                .fold((0, 0), |(n, r), (l, _)| {
                    (n + 1, r + engine.rejects(l.as_bytes()) as usize)
                });
            total += rej;
            print!(" {:.1} % |", 100.0 * rej as f64 / n.max(1) as f64);
        }
        println!(
            " {:.1} % ({total}) |",
            100.0 * total as f64 / lines.len() as f64
        );
    }
    // Which keyword of the cadet profile passes benign records on.
    let engine = Engine::new(&Config::default()).unwrap();
    let mut words = engine.profile_def().prefilter.clone().unwrap_or_default();
    words.push("\\u".into());
    let ac = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&words)
        .unwrap();
    let mut counts: Vec<(usize, &str)> = words.iter().map(|w| (0usize, w.as_str())).collect();
    let mut benign = 0;
    for (l, k) in lines.iter().zip(kinds) {
        if *k == Kind::ContainerAdmin {
            continue;
        }
        benign += 1;
        if let Some(m) = ac.find(l.as_bytes()) {
            counts[m.pattern().as_usize()].0 += 1;
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.0));
    let top: Vec<String> = counts
        .iter()
        .filter(|c| c.0 > 0)
        .map(|(n, w)| format!("`{w}` {:.1} %", 100.0 * *n as f64 / benign as f64))
        .collect();
    println!("\ncadet-profile keywords that let benign records through (first keyword found, share of benign records): {}\n", top.join(", "));
}
