//! `vrl-bench [SECONDS]`: records per second of the generated VRL program under the `vrl`
//! crate (the engine of Vector's `remap`) next to native cadet, on the parity corpus.
//! Build with `--release`. The VRL side gets events already decoded (Vector's json codec does
//! that before the transform); the native side parses each line itself.

use std::time::{Duration, Instant};

use cadet_core::{Config, Engine};
use cadet_vector_tests::{corpus, event_of, Value, Vrl, NOT_YET_IN_VRL, PROFILES};

fn rate(budget: Duration, n: usize, mut once: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut done = 0usize;
    while start.elapsed() < budget {
        once();
        done += n;
    }
    done as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let secs: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let budget = Duration::from_secs_f64(secs);
    let mut probe = Engine::new(&Config::default()).expect("engine");
    // The process-side corpus: records the generated program reads (API-source records are left out).
    let lines: Vec<String> = corpus()
        .into_iter()
        .map(|r| r.line)
        .filter(|l| {
            let v = serde_json::to_value(probe.score(l.as_bytes())).unwrap_or_default();
            !v["source"].as_str().map(|s| NOT_YET_IN_VRL.contains(&s)).unwrap_or(false)
        })
        .filter(|l| event_of(l).is_some())
        .collect();
    let events: Vec<Value> = lines.iter().filter_map(|l| event_of(l)).map(Value::from).collect();
    println!("corpus: {} records (fixtures and public samples, process sources)\n", lines.len());
    println!("| profile | compile (s) | native cadet (records/s) | VRL under vrl 0.38 (records/s) | native / VRL |");
    println!("|---|---:|---:|---:|---:|");
    for profile in PROFILES {
        let source = cadet_vrl::export_text(None, profile, cadet_vrl::Mode::Enrich).expect("export");
        let t = Instant::now();
        let (vrl, _) = Vrl::compile(&source).expect("compiles");
        let compile = t.elapsed().as_secs_f64();
        let mut engine = Engine::new(&Config { profile: profile.to_string(), ..Config::default() }).expect("engine");
        let native = rate(budget, lines.len(), || {
            for l in &lines {
                std::hint::black_box(engine.score(l.as_bytes()));
            }
        });
        let vrl_rate = rate(budget, events.len(), || {
            for e in &events {
                std::hint::black_box(vrl.run_value(e.clone()));
            }
        });
        println!("| {profile} | {compile:.1} | {native:.0} | {vrl_rate:.0} | {:.0}x |", native / vrl_rate);
    }
}
