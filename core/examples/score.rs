//! Scores JSON lines from stdin and prints each verdict: `cargo run -p cadet-core --example score < events.jsonl`.
use std::io::BufRead;

fn main() {
    let profile = std::env::args().nth(1).unwrap_or_else(|| "cadet".into());
    let config = cadet_core::Config {
        profile,
        ..Default::default()
    };
    let mut engine = cadet_core::Engine::new(&config).unwrap_or_else(|e| panic!("{e}"));
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("read stdin");
        println!("{}", engine.score(line.as_bytes()).to_json());
    }
}
