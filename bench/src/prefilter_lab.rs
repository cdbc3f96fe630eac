//! `cadet-bench prefilter-lab`: how fast aho-corasick answers "does this record hold a keyword of
//! the cadet profile?" with different builds of the searcher (to explain the prefilter's cost).

use std::hint::black_box;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use cadet_core::{Config, Engine};

use crate::corpus::Generator;
use crate::{fixtures_dir, thread_cpu_time, SEED};

pub fn run(records: usize) {
    let (lines, _) = Generator::new(SEED, &fixtures_dir()).lines(records);
    let lower: Vec<Vec<u8>> = lines
        .iter()
        .map(|l| l.to_ascii_lowercase().into_bytes())
        .collect();
    let engine = Engine::new(&Config::default()).unwrap();
    let words: Vec<String> = engine
        .profile_def()
        .prefilter
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let tools: Vec<String> = words
        .iter()
        .take_while(|w| w.as_str() != "exec")
        .cloned()
        .collect();
    let build = |words: &[String], kind: Option<AhoCorasickKind>, mk: MatchKind| {
        AhoCorasick::builder()
            .match_kind(mk)
            .kind(kind)
            .build(words)
            .unwrap()
    };
    let variants: Vec<(String, AhoCorasick)> = vec![
        (
            format!(
                "as core: {} keywords, LeftmostFirst, kind auto",
                words.len()
            ),
            build(&words, None, MatchKind::LeftmostFirst),
        ),
        (
            format!("{} keywords, LeftmostFirst, DFA", words.len()),
            build(&words, Some(AhoCorasickKind::DFA), MatchKind::LeftmostFirst),
        ),
        (
            format!("{} keywords, Standard, DFA", words.len()),
            build(&words, Some(AhoCorasickKind::DFA), MatchKind::Standard),
        ),
        (
            format!(
                "{} process/payload keywords only (before \"exec\"), LeftmostFirst, kind auto",
                tools.len()
            ),
            build(&tools, None, MatchKind::LeftmostFirst),
        ),
        (
            format!("{} process/payload keywords only, DFA", tools.len()),
            build(&tools, Some(AhoCorasickKind::DFA), MatchKind::LeftmostFirst),
        ),
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
            hits = lower
                .iter()
                .filter(|l| ac.is_match(black_box(&l[..])))
                .count();
            best = best.min((thread_cpu_time() - t).as_secs_f64());
        }
        println!(
            "| {name} | {:?} | {:.2}M | {:.0} | {:.1} % |",
            ac.kind(),
            records as f64 / best / 1e6,
            bytes as f64 / best / 1e6,
            100.0 * hits as f64 / records as f64
        );
    }
    let time = |name: &str, f: &mut dyn FnMut(&[u8]) -> bool| {
        let mut best = f64::MAX;
        let mut hits = 0;
        for _ in 0..6 {
            let t = thread_cpu_time();
            hits = lines.iter().filter(|l| f(black_box(l.as_bytes()))).count();
            best = best.min((thread_cpu_time() - t).as_secs_f64());
        }
        println!(
            "| {name} | - | {:.2}M | {:.0} | {:.1} % |",
            records as f64 / best / 1e6,
            bytes as f64 / best / 1e6,
            100.0 * hits as f64 / records as f64
        );
    };
    time(
        "(memchr for a byte absent from the records: memory read floor)",
        &mut |l| memchr_absent(l),
    );
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let lower_into = |buf: &mut Vec<u8>, l: &[u8]| {
        buf.clear();
        buf.resize(l.len(), 0);
        for (d, s) in buf.iter_mut().zip(l) {
            *d = s.to_ascii_lowercase();
        }
    };
    time(
        "(lower-casing copy, as the core does now: resize + zip)",
        &mut |l| {
            lower_into(&mut buf, l);
            buf.len() == 7
        },
    );
    let ac = |w: &[String]| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(w)
            .unwrap()
    };
    let markers: Vec<String> = cadet_core::parts::source::MARKERS
        .iter()
        .map(|m| m.to_string())
        .collect();
    let gated: Vec<String> = engine
        .profile_def()
        .prefilter_control_plane
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let (kw, mk) = (ac(&words), ac(&markers));
    let gs: Vec<AhoCorasick> = gated.chunks(64).map(ac).collect();
    time(
        &format!("(lower copy + the {} keywords)", words.len()),
        &mut |l| {
            lower_into(&mut buf, l);
            kw.is_match(&buf[..])
        },
    );
    time(
        &format!("(lower copy + the {} markers)", markers.len()),
        &mut |l| {
            lower_into(&mut buf, l);
            mk.is_match(&buf[..])
        },
    );
    time(
        &format!(
            "(lower copy + the {} gated keywords, {} searchers)",
            gated.len(),
            gs.len()
        ),
        &mut |l| {
            lower_into(&mut buf, l);
            gs.iter().any(|s| s.is_match(&buf[..]))
        },
    );
    {
        use cadet_core::parts::prefilter::{Prefilter, Strategy};
        let p = engine.profile_def();
        let markers = cadet_core::parts::source::MARKERS;
        let words = p.prefilter.clone().unwrap_or_default();
        for strategy in [
            Strategy::LowerChunks,
            Strategy::LowerChunksBigrams,
            Strategy::CaseInsensitiveDfa,
        ] {
            let pf =
                Prefilter::with_strategy(&words, &p.prefilter_control_plane, markers, strategy)
                    .unwrap();
            time(
                &format!("(whole prefilter, strategy {strategy:?})"),
                &mut |l| pf.may_match(l),
            );
        }
    }
    {
        use cadet_core::parts::prefilter::BigramSearcher;
        let mut pairs = vec![0u32; 65536];
        for l in lines.iter().take(20000) {
            let b = l.to_ascii_lowercase().into_bytes();
            for w in b.windows(2) {
                pairs[(w[0] as usize) << 8 | w[1] as usize] += 1;
            }
        }
        let classed: Vec<(&[u8], u8)> = words
            .iter()
            .map(|w| (w.as_bytes(), 1u8))
            .chain(markers.iter().map(|w| (w.as_bytes(), 2u8)))
            .chain(gated.iter().map(|w| (w.as_bytes(), 4u8)))
            .collect();
        let heuristic = BigramSearcher::with_classes(&classed).unwrap();
        let measured =
            BigramSearcher::with_pair_cost(&classed, &|a, b| pairs[(a as usize) << 8 | b as usize])
                .unwrap();
        let decides = |f: u8| f & 1 != 0 || f & 6 == 6;
        time(
            "(lower copy + one byte-pair table, all 132 literals, anchors by fixed estimate)",
            &mut |l| {
                lower_into(&mut buf, l);
                let f = heuristic.classes_in(&buf, &decides);
                decides(f)
            },
        );
        time(
            "(lower copy + one byte-pair table, all 132 literals, anchors by corpus pair counts)",
            &mut |l| {
                lower_into(&mut buf, l);
                let f = measured.classes_in(&buf, &decides);
                decides(f)
            },
        );
        let none = BigramSearcher::new(&["\x01\x02"]).unwrap();
        time(
            "(lower copy + byte-pair table with one absent pair: the loop alone)",
            &mut |l| {
                lower_into(&mut buf, l);
                none.is_match(&buf)
            },
        );
    }
    let few = ac(&["docker".to_string(), "kubectl".to_string()]);
    time("(lower copy + 2 keywords)", &mut |l| {
        lower_into(&mut buf, l);
        few.is_match(&buf[..])
    });
    // Stage costs on the records the prefilter lets through.
    let cands: Vec<&String> = lines
        .iter()
        .filter(|l| !engine.rejects(l.as_bytes()))
        .collect();
    let api: Vec<&String> = cands
        .iter()
        .copied()
        .filter(|l| l.contains("k8s.io"))
        .collect();
    let other: Vec<&String> = cands
        .iter()
        .copied()
        .filter(|l| !l.contains("k8s.io"))
        .collect();
    let mut eng = Engine::new(&Config::default()).unwrap();
    println!("\n| stage, on the records the prefilter passes | records | cost |\n|---|---:|---:|");
    for (label, set) in [("k8s audit candidates", &api), ("other candidates", &other)] {
        let stage = |name: &str, f: &mut dyn FnMut(&[u8])| {
            let mut best = f64::MAX;
            for _ in 0..6 {
                let t = thread_cpu_time();
                for l in set.iter() {
                    f(black_box(l.as_bytes()));
                }
                best = best.min((thread_cpu_time() - t).as_secs_f64());
            }
            println!(
                "| {label}: {name} | {} | {:.2} µs/record |",
                set.len(),
                best * 1e6 / set.len() as f64
            );
        };
        stage("Json::parse", &mut |l| {
            black_box(cadet_core::parts::text::Json::parse(l).ok());
        });
        stage("parse + normalise", &mut |l| {
            let d = cadet_core::parts::text::Json::parse(l).unwrap();
            black_box(cadet_core::parts::source::normalise(&d).map(|e| e.kind));
        });
        stage("score (prefilter included)", &mut |l| {
            black_box(eng.score(l));
        });
    }
}

fn memchr_absent(l: &[u8]) -> bool {
    memchr_crate::memchr(0x01, l).is_some()
}

/// Scores only the records the prefilter lets through, 20 times (for a profiler).
pub fn candidates(records: usize) {
    let (lines, _) = Generator::new(SEED, &fixtures_dir()).lines(records);
    let mut engine = Engine::new(&Config::default()).unwrap();
    let cands: Vec<&String> = lines
        .iter()
        .filter(|l| !engine.rejects(l.as_bytes()))
        .collect();
    let t = thread_cpu_time();
    let mut matched = 0;
    for _ in 0..20 {
        for l in &cands {
            matched += engine.score(black_box(l.as_bytes())).matched as usize;
        }
    }
    let dt = thread_cpu_time() - t;
    println!(
        "{} candidates x 20: {:.2} µs per candidate, {matched} matched",
        cands.len(),
        dt.as_secs_f64() * 1e6 / (20 * cands.len()) as f64
    );
}
