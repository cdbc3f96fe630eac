//! `cadet-bench memory`: peak resident memory of the streaming CLI (`cadet scan --all > /dev/null`)
//! as the input grows, read from the kernel's accounting of the child (wait4 rusage `ru_maxrss`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::corpus::Generator;
use crate::{arg_value, fixtures_dir, repo_root, SEED};

enum Input {
    /// `n` generated records piped into stdin while cadet runs.
    Lines(usize),
    /// A generated file of about `mb` MB redirected to stdin.
    File(usize),
    /// One record of `mb` MB (longer than the CLI's line limit).
    OneLine(usize),
}

struct Outcome {
    bytes: u64,
    /// Lines of a generated file (0 otherwise).
    lines: u64,
    secs: f64,
    max_rss_kib: i64,
    status: i32,
}

fn find_cadet(args: &[String]) -> PathBuf {
    if let Some(p) = arg_value(args, "--cadet") {
        return PathBuf::from(p);
    }
    let mut candidates = Vec::new();
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(t).join("release/cadet"));
    }
    // This binary usually sits next to cadet (same target dir).
    if let Ok(me) = std::env::current_exe() {
        candidates.push(me.with_file_name("cadet"));
    }
    candidates.push(repo_root().join("target/release/cadet"));
    candidates.into_iter().find(|p| p.is_file()).unwrap_or_else(|| {
        eprintln!("cadet-bench memory: no cadet binary found; build it with `cargo build --release -p cadet-cli` (same CARGO_TARGET_DIR) or pass --cadet PATH");
        std::process::exit(2)
    })
}

fn write_lines(gen: &mut Generator, n: usize, out: &mut impl Write) -> std::io::Result<u64> {
    let mut s = String::with_capacity(1024);
    let mut bytes = 0u64;
    for _ in 0..n {
        s.clear();
        gen.record(&mut s);
        s.push('\n');
        bytes += s.len() as u64;
        out.write_all(s.as_bytes())?;
    }
    out.flush()?;
    Ok(bytes)
}

fn run_cadet(cadet: &PathBuf, extra: &[&str], input: &Input, tmp: &std::path::Path) -> Outcome {
    let mut cmd = Command::new(cadet);
    cmd.arg("scan")
        .arg("--all")
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut file_bytes = 0;
    let mut file_lines = 0u64;
    match input {
        Input::File(mb) => {
            let path = tmp.join(format!("cadet-bench-{mb}MB.jsonl"));
            {
                let mut gen = Generator::new(SEED, &fixtures_dir());
                let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).unwrap());
                let mut s = String::new();
                let mut written = 0;
                while written < mb * 1_000_000 {
                    s.clear();
                    gen.record(&mut s);
                    s.push('\n');
                    written += s.len();
                    file_lines += 1;
                    w.write_all(s.as_bytes()).unwrap();
                }
                w.flush().unwrap();
            }
            file_bytes = std::fs::metadata(&path).unwrap().len();
            cmd.stdin(File::open(&path).unwrap());
        }
        _ => {
            cmd.stdin(Stdio::piped());
        }
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn cadet");
    let pid = child.id() as libc::pid_t;
    let feeder = child.stdin.take().map(|stdin| {
        let one_line_mb = match input {
            Input::OneLine(mb) => *mb,
            _ => 0,
        };
        let input = match input {
            Input::Lines(n) => Some(*n),
            _ => None,
        };
        std::thread::spawn(move || {
            let mut w = BufWriter::with_capacity(1 << 16, stdin);
            if let Some(n) = input {
                let mut gen = Generator::new(SEED, &fixtures_dir());
                write_lines(&mut gen, n, &mut w).unwrap_or(0)
            } else {
                let chunk = vec![b'a'; 1 << 20];
                let mut bytes = 0u64;
                let _ = w.write_all(b"{\"message\":\"");
                for _ in 0..one_line_mb {
                    let _ = w.write_all(&chunk);
                    bytes += chunk.len() as u64;
                }
                let _ = w.write_all(b"\"}\n");
                let _ = w.flush();
                bytes + 15
            }
        })
    });
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4 failed");
    let secs = start.elapsed().as_secs_f64();
    let bytes = feeder.map(|h| h.join().unwrap()).unwrap_or(file_bytes);
    std::mem::forget(child); // reaped by wait4 above
    Outcome {
        bytes,
        lines: file_lines,
        secs,
        max_rss_kib: usage.ru_maxrss,
        status: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
    }
}

pub fn run(args: &[String]) {
    let cadet = find_cadet(args);
    let big_mb: usize = arg_value(args, "--big-mb")
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let tmp = std::env::temp_dir();
    println!("cadet-bench memory: peak RSS of `{} scan --all < input > /dev/null` (kernel ru_maxrss of the child; default --threads: every core)", cadet.display());
    println!("machine: {}\n", crate::machine());
    let cases: Vec<(String, Vec<&str>, Input)> = vec![
        ("10^3 lines (piped)".into(), vec![], Input::Lines(1_000)),
        ("10^4 lines (piped)".into(), vec![], Input::Lines(10_000)),
        ("10^5 lines (piped)".into(), vec![], Input::Lines(100_000)),
        ("10^6 lines (piped)".into(), vec![], Input::Lines(1_000_000)),
        (
            format!("{big_mb} MB file (< file)"),
            vec![],
            Input::File(big_mb),
        ),
        (
            format!("one {big_mb} MB line (over the 8 MiB line limit)"),
            vec![],
            Input::OneLine(big_mb),
        ),
        (
            "10^6 lines, --threads 1".into(),
            vec!["--threads", "1"],
            Input::Lines(1_000_000),
        ),
        (
            "10^6 lines, --threads 4".into(),
            vec!["--threads", "4"],
            Input::Lines(1_000_000),
        ),
        (
            "10^6 lines, --first-seen (state on)".into(),
            vec!["--first-seen"],
            Input::Lines(1_000_000),
        ),
    ];
    println!("| input | bytes | max RSS | wall time | lines/s (MB/s) | exit |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, extra, input) in &cases {
        let o = run_cadet(&cadet, extra, input, &tmp);
        let lines = match input {
            Input::Lines(n) => Some(*n as f64),
            Input::File(_) => Some(o.lines as f64),
            Input::OneLine(_) => None,
        };
        let rate = match (lines, input) {
            (Some(n), _) => format!(
                "{:.0}k ({:.0})",
                n / o.secs / 1e3,
                o.bytes as f64 / 1e6 / o.secs
            ),
            (None, _) => format!("- ({:.0})", o.bytes as f64 / 1e6 / o.secs),
        };
        println!(
            "| {name} | {:.1} MB | {:.1} MiB | {:.2} s | {rate} | {} |",
            o.bytes as f64 / 1e6,
            o.max_rss_kib as f64 / 1024.0,
            o.secs,
            o.status
        );
    }
    let _ = std::fs::remove_file(tmp.join(format!("cadet-bench-{big_mb}MB.jsonl")));
}
