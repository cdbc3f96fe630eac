//! `cadet-bench scale`: whole-process throughput of `cadet scan --threads N` on the realistic
//! node mix and the easy mix (issue 17's "scale" target).
//!
//! Each case is a whole `cadet scan [--all] --threads N <file> > /dev/null` process on the
//! same generated file; rounds interleave the thread counts so that the machine's load hits
//! them alike. Reported per case: the median wall-clock records/s (what scale-out buys), its
//! ratio to `--threads 1`, CPU time per record (user + system from `wait4`: what the threads
//! cost in total) and CPU ÷ wall (the cores the process got: on a machine shared with other
//! work this, not the thread count, bounds the gain; peak memory: `cadet-bench memory`). The outputs of every thread count are checked byte for byte
//! against `--threads 1` once per mix first. The load average is printed before and after,
//! since on a shared machine it decides what a second thread can get.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::corpus::Generator;
use crate::realistic::Realistic;
use crate::{arg_value, fixtures_dir, SEED};

/// One measured process.
struct Run {
    wall: f64,
    cpu: f64,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn run_scan(bin: &Path, input: &Path, threads: usize, all: bool, stdout: Stdio) -> Run {
    let mut cmd = Command::new(bin);
    cmd.arg("scan").arg("--threads").arg(threads.to_string());
    if all {
        cmd.arg("--all");
    }
    cmd.arg(input).stdout(stdout).stderr(Stdio::null());
    let start = Instant::now();
    let child = cmd.spawn().expect("spawn cadet");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    std::mem::forget(child); // reaped by wait4
    assert!(rc == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    let cpu = usage.ru_utime.tv_sec as f64
        + usage.ru_utime.tv_usec as f64 / 1e6
        + usage.ru_stime.tv_sec as f64
        + usage.ru_stime.tv_usec as f64 / 1e6;
    Run { wall, cpu }
}

/// The output of one scan, for the byte-for-byte check.
fn output_of(bin: &Path, input: &Path, threads: usize, all: bool) -> Vec<u8> {
    let mut cmd = Command::new(bin);
    cmd.arg("scan").arg("--threads").arg(threads.to_string());
    if all {
        cmd.arg("--all");
    }
    let out = cmd
        .arg(input)
        .stderr(Stdio::null())
        .output()
        .expect("cadet");
    assert!(out.status.success());
    out.stdout
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Runs the scaling report: `scale [--records N] [--runs R] [--threads 1,2] [--cadet PATH]`.
pub fn run(args: &[String], cadet: Option<PathBuf>) {
    let Some(bin) = cadet else {
        eprintln!("cadet-bench scale: no cadet binary (cargo build --release -p cadet-cli, or --cadet PATH)");
        std::process::exit(2);
    };
    let records: usize = arg_value(args, "--records")
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = arg_value(args, "--runs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let threads: Vec<usize> = arg_value(args, "--threads")
        .unwrap_or_else(|| "1,2".into())
        .split(',')
        .filter_map(|t| t.trim().parse().ok())
        .filter(|&t| t > 0)
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // The mixes go to files and leave this process's memory before any cadet starts: a
    // child's peak RSS (`ru_maxrss`) starts from the parent's at fork.
    let mut files = Vec::new();
    for name in ["realistic", "easy"] {
        let lines = match name {
            "realistic" => Realistic::new(SEED, &fixtures_dir()).lines(records).0,
            _ => Generator::new(SEED, &fixtures_dir()).lines(records).0,
        };
        let path = std::env::temp_dir().join(format!(
            "cadet-bench-scale-{name}-{}.jsonl",
            std::process::id()
        ));
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for l in &lines {
            w.write_all(l.as_bytes()).unwrap();
            w.write_all(b"\n").unwrap();
        }
        w.flush().unwrap();
        files.push((name, path, lines.len()));
    }

    println!("cadet-bench scale: whole `cadet scan --threads N` processes, wall clock");
    println!(
        "machine: {} ({cores} cores seen by the process)",
        crate::machine()
    );
    println!("cadet binary: {}", bin.display());
    println!("records per mix: {records}, seed {SEED:#x}; {runs} rounds, thread counts interleaved; median round");
    println!("load average before: {}", load_average());
    println!();
    println!("| mix | command | threads | records/s (wall, median) | × --threads 1 | CPU µs/record | CPU ÷ wall |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (name, path, n) in &files {
        let (name, path, n) = (*name, path.as_path(), *n as f64);
        for all in [true, false] {
            let reference = output_of(&bin, path, 1, all);
            for &t in threads.iter().filter(|&&t| t != 1) {
                assert!(
                    output_of(&bin, path, t, all) == reference,
                    "{name}: --threads {t} output differs from --threads 1"
                );
            }
            let mut measured: Vec<Vec<Run>> = threads.iter().map(|_| Vec::new()).collect();
            for _ in 0..runs {
                for (i, &t) in threads.iter().enumerate() {
                    measured[i].push(run_scan(&bin, path, t, all, Stdio::null()));
                }
            }
            let rate = |runs: &[Run]| n / median(runs.iter().map(|r| r.wall).collect());
            let base = threads
                .iter()
                .position(|&t| t == 1)
                .map(|i| rate(&measured[i]));
            for (i, &t) in threads.iter().enumerate() {
                let r = rate(&measured[i]);
                let cpu_us = median(measured[i].iter().map(|r| r.cpu).collect()) * 1e6 / n;
                let busy = median(measured[i].iter().map(|r| r.cpu / r.wall).collect());
                println!(
                    "| {name} | `cadet scan{}` | {t} | {:.0}k/s | {} | {cpu_us:.2} | {busy:.2} |",
                    if all { " --all" } else { "" },
                    r / 1e3,
                    base.map_or("-".into(), |b| format!("{:.2}×", r / b)),
                );
            }
        }
        let _ = std::fs::remove_file(path);
    }
    println!();
    println!("outputs of every thread count: byte-identical to --threads 1 (checked above)");
    println!("load average after: {}", load_average());
}
