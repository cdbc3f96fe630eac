//! `cadet-bench prefilter-lab`: how fast aho-corasick answers "does this record hold a keyword of
//! the cadet profile?" with different builds of the searcher (to explain the prefilter's cost).

use std::hint::black_box;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use cadet_core::{Config, Engine};

use crate::corpus::Generator;
use crate::{fixtures_dir, thread_cpu_time, SEED};

pub fn run(records: usize) {
    let (lines, _) = Generator::new(SEED, &fixtures_dir()).lines(records);
    let lower: Vec<Vec<u8>> = lines.iter().map(|l| l.to_ascii_lowercase().into_bytes()).collect();
    let engine = Engine::new(&Config::default()).unwrap();
    let words: Vec<String> = engine.profile_def().prefilter.clone().unwrap_or_default().iter().map(|w| w.to_ascii_lowercase()).collect();
    let tools: Vec<String> = words.iter().take_while(|w| w.as_str() != "exec").cloned().collect();
    let build = |words: &[String], kind: Option<AhoCorasickKind>, mk: MatchKind| AhoCorasick::builder().match_kind(mk).kind(kind).build(words).unwrap();
    let variants: Vec<(String, AhoCorasick)> = vec![
        (format!("as core: {} keywords, LeftmostFirst, kind auto", words.len()), build(&words, None, MatchKind::LeftmostFirst)),
        (format!("{} keywords, LeftmostFirst, DFA", words.len()), build(&words, Some(AhoCorasickKind::DFA), MatchKind::LeftmostFirst)),
        (format!("{} keywords, Standard, DFA", words.len()), build(&words, Some(AhoCorasickKind::DFA), MatchKind::Standard)),
        (format!("{} process/payload keywords only (before \"exec\"), LeftmostFirst, kind auto", tools.len()), build(&tools, None, MatchKind::LeftmostFirst)),
        (format!("{} process/payload keywords only, DFA", tools.len()), build(&tools, Some(AhoCorasickKind::DFA), MatchKind::LeftmostFirst)),
    ];
    println!("prefilter lab: {records} records, pre-lower-cased; is_match per record, thread CPU time, best of 5\n");
    println!("| searcher | kind chosen | records/s | MB/s | records with a keyword |");
    println!("|---|---|---:|---:|---:|");
    let bytes: usize = lower.iter().map(|l| l.len()).sum();
    for (name, ac) in &variants {
        let mut best = f64::MAX;
        let mut hits = 0;
        for _ in 0..6 {
            let t = thread_cpu_time();
            hits = lower.iter().filter(|l| ac.is_match(black_box(&l[..]))).count();
            best = best.min((thread_cpu_time() - t).as_secs_f64());
        }
        println!("| {name} | {:?} | {:.2}M | {:.0} | {:.1} % |", ac.kind(), records as f64 / best / 1e6, bytes as f64 / best / 1e6, 100.0 * hits as f64 / records as f64);
    }
    let mut best = f64::MAX;
    let mut buf = Vec::with_capacity(4096);
    for _ in 0..6 {
        let t = thread_cpu_time();
        for l in &lines {
            buf.clear();
            buf.extend(l.as_bytes().iter().map(u8::to_ascii_lowercase));
            black_box(&buf);
        }
        best = best.min((thread_cpu_time() - t).as_secs_f64());
    }
    println!("| (lower-casing copy alone, as the core does per 4 KiB chunk) | - | {:.2}M | {:.0} | - |", records as f64 / best / 1e6, bytes as f64 / best / 1e6);
}
