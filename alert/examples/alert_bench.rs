//! Alert rendering cost: every matched fixture record scored, then rendered as ECS / OCSF,
//! best of 5 rounds. `cargo run --release -p cadet-alert --example alert_bench`
use std::time::{Duration, Instant};

use cadet_alert::{Alerter, Output};
use cadet_core::{Config, Engine};

fn fixture_lines() -> Vec<Vec<u8>> {
    fn walk(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("jsonl" | "log")
            ) {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                out.extend(
                    text.lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(|l| l.as_bytes().to_vec()),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/fixtures"),
        &mut out,
    );
    out
}

fn best(rounds: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            let n = f();
            (t.elapsed(), n)
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let mut engine = Engine::new(&Config::default()).expect("embedded pack");
    let alerter = Alerter::new(&engine);
    let matched: Vec<Vec<u8>> = fixture_lines()
        .into_iter()
        .filter(|r| engine.score(r).matched)
        .collect();
    let verdicts: Vec<_> = matched.iter().map(|r| engine.score(r)).collect();
    let reps = 50;
    println!(
        "{} matched fixture records x {reps}, best of 5 rounds",
        matched.len()
    );
    println!("| what | per alert | alerts/s | bytes per alert |");
    println!("|---|---:|---:|---:|");
    let (t, _) = best(5, || {
        let mut n = 0;
        for _ in 0..reps {
            for r in &matched {
                n += engine.score(r).matched as usize;
            }
        }
        n
    });
    let per = t.as_secs_f64() / (reps * matched.len()) as f64;
    println!(
        "| score only (for scale) | {:.2} µs | {:.0} | |",
        per * 1e6,
        1.0 / per
    );
    let (t, _) = best(5, || {
        let mut n = 0;
        for _ in 0..reps {
            for r in &matched {
                n += cadet_alert::Facts::read(r).kind.len();
            }
        }
        n
    });
    let per = t.as_secs_f64() / (reps * matched.len()) as f64;
    println!(
        "| of which: reading the record's facts again (`Facts::read`) | {:.2} µs | {:.0} | |",
        per * 1e6,
        1.0 / per
    );
    for output in [Output::Cadet, Output::Ecs, Output::Ocsf] {
        let mut buf = Vec::new();
        let (t, bytes) = best(5, || {
            let mut bytes = 0;
            for _ in 0..reps {
                for (r, v) in matched.iter().zip(&verdicts) {
                    buf.clear();
                    alerter.write(output, r, v, 1_795_000_000_000, &mut buf);
                    bytes += buf.len();
                }
            }
            bytes
        });
        let n = reps * matched.len();
        let per = t.as_secs_f64() / n as f64;
        println!(
            "| render `{}` | {:.2} µs | {:.0} | {} |",
            output.as_str(),
            per * 1e6,
            1.0 / per,
            bytes / n
        );
    }
}
