//! `vrl-bench [SECONDS]`: records per second of the generated VRL program under the `vrl`
//! crate (the engine of Vector's `remap`) next to native cadet, on the parity corpus (all
//! records, the process records, and the control-plane and daemon records: Kubernetes audit
//! and its cloud wrappers, docker daemon, kubelet) and on issue 17's realistic node mix
//! (`bench/src/realistic.rs`). Build with `--release`.
//!
//! Two VRL columns: the program alone on events already decoded (Vector's json codec does that
//! before the transform), and the program with the line's JSON decode and encode around it,
//! next to a trivial remap (`.cadet = {"matched": false}`) with the same decode and encode:
//! issue 17's target is the cadet program at half the trivial remap's rate or more. The native
//! side parses each line itself.

#[allow(dead_code)]
#[path = "../../../bench/src/realistic.rs"]
mod realistic;

use std::path::Path;
use std::time::{Duration, Instant};

use cadet_core::{Config, Engine};
use cadet_vector_tests::{corpus, event_of, is_api_record, Value, Vrl, PROFILES};

/// The trivial remap the cadet program is measured against: one constant field added.
const TRIVIAL_REMAP: &str = ".cadet = {\"matched\": false}";
/// Records of the realistic mix (the bench's seed).
const REALISTIC_RECORDS: usize = 5_000;
const SEED: u64 = 0x00CA_DE75;
/// Issue 17: the cadet program at half the trivial remap's rate, JSON I/O on both sides.
const TARGET: f64 = 0.5;

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
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/fixtures");
    let (realistic, _) = realistic::Realistic::new(SEED, &fixtures).lines(REALISTIC_RECORDS);
    let sets = [
        ("all", &lines),
        ("process", &process),
        ("control-plane/daemon", &api),
        ("realistic mix", &realistic),
    ];
    println!(
        "corpus: {} records (fixtures and public samples): {} process, {} control-plane/daemon; \
         realistic node mix: {} records (seed {SEED:#x})\n",
        lines.len(),
        process.len(),
        api.len(),
        realistic.len()
    );
    let (trivial, _) = Vrl::compile(TRIVIAL_REMAP).expect("the trivial remap compiles");
    let trivial_rates: Vec<f64> = sets
        .iter()
        .map(|(_, set)| {
            rate(budget, set.len(), || {
                for l in set.iter() {
                    std::hint::black_box(trivial.run_line(l));
                }
            })
        })
        .collect();
    println!("| profile | compile (s) | records | native cadet (records/s) | VRL under vrl 0.38 (records/s) | native / VRL | VRL with JSON decode + encode | trivial remap, same I/O | VRL / trivial (target >= {TARGET}) |");
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
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
        for ((name, set), trivial_rate) in sets.iter().zip(&trivial_rates) {
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
            let with_io = rate(budget, set.len(), || {
                for l in set.iter() {
                    std::hint::black_box(vrl.run_line(l));
                }
            });
            let c = if *name == "all" {
                format!("{compile:.1}")
            } else {
                String::new()
            };
            println!(
                "| {profile} | {c} | {name} ({}) | {native:.0} | {vrl_rate:.0} | {:.0}x | {with_io:.0} | {trivial_rate:.0} | {:.3} |",
                set.len(),
                native / vrl_rate,
                with_io / trivial_rate
            );
        }
    }
}
