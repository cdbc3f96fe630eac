//! `vrl-bench [SECONDS]`: records per second of the generated VRL program under the `vrl`
//! crate (the engine of Vector's `remap`) next to native cadet, on the parity corpus: all
//! records, the process records, and the control-plane and daemon records (Kubernetes audit
//! and its cloud wrappers, docker daemon, kubelet). Build with `--release`. The VRL side gets
//! events already decoded (Vector's json codec does that before the transform); the native
//! side parses each line itself.

use std::time::{Duration, Instant};

use cadet_core::{Config, Engine};
use cadet_vector_tests::{corpus, event_of, is_api_record, Value, Vrl, PROFILES};

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
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let budget = Duration::from_secs_f64(secs);
    let lines: Vec<String> = corpus()
        .into_iter()
        .map(|r| r.line)
        .filter(|l| event_of(l).is_some())
        .collect();
    let (api, process): (Vec<String>, Vec<String>) =
        lines.iter().cloned().partition(|l| is_api_record(l));
    let sets = [
        ("all", &lines),
        ("process", &process),
        ("control-plane/daemon", &api),
    ];
    println!(
        "corpus: {} records (fixtures and public samples): {} process, {} control-plane/daemon\n",
        lines.len(),
        process.len(),
        api.len()
    );
    println!("| profile | compile (s) | records | native cadet (records/s) | VRL under vrl 0.38 (records/s) | native / VRL |");
    println!("|---|---:|---|---:|---:|---:|");
    for profile in PROFILES {
        let source = cadet_vrl::export_text(None, profile, cadet_vrl::Mode::All).expect("export");
        let t = Instant::now();
        let (vrl, _) = Vrl::compile(&source).expect("compiles");
        let compile = t.elapsed().as_secs_f64();
        let mut engine = Engine::new(&Config {
            profile: profile.to_string(),
            scored_requests: 0,
            ..Config::default()
        })
        .expect("engine");
        for (name, set) in sets {
            let events: Vec<Value> = set
                .iter()
                .filter_map(|l| event_of(l))
                .map(Value::from)
                .collect();
            let native = rate(budget, set.len(), || {
                for l in set.iter() {
                    std::hint::black_box(engine.score(l.as_bytes()));
                }
            });
            let vrl_rate = rate(budget, events.len(), || {
                for e in &events {
                    std::hint::black_box(vrl.run_value(e.clone()));
                }
            });
            let c = if name == "all" {
                format!("{compile:.1}")
            } else {
                String::new()
            };
            println!(
                "| {profile} | {c} | {name} ({}) | {native:.0} | {vrl_rate:.0} | {:.0}x |",
                set.len(),
                native / vrl_rate
            );
        }
    }
}
