//! Parity: the component's `enrich`, `enrich-batch` and `enrich-bytes` against the native
//! `cadet_core::Engine::enrich`, byte for byte, record by record.

use cadet_core::{Config as CoreConfig, Engine};

use crate::component::{config, ComponentHost, Outcome};
use crate::corpus::FixtureSet;

/// The batch size `enrich-batch` is called with.
pub const BATCH: usize = 256;

/// Every profile of the embedded rule pack, in pack order.
pub fn profiles() -> Vec<String> {
    let engine = Engine::new(&CoreConfig::default()).expect("embedded pack");
    engine
        .pack()
        .profiles
        .iter()
        .map(|p| p.name.clone())
        .collect()
}

/// One record whose outputs differ.
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// Index of the record in its set.
    pub index: usize,
    /// `enrich`, `enrich-batch` or `enrich-bytes`.
    pub call: &'static str,
    /// The native bytes.
    pub native: Vec<u8>,
    /// What the component gave (or the trap).
    pub component: String,
}

/// Parity of one profile on one fixture set.
#[derive(Clone, Debug)]
pub struct Row {
    pub profile: String,
    pub set: String,
    /// Records in the set.
    pub records: usize,
    /// Records the native engine matched.
    pub matched: usize,
    /// Records valid as UTF-8 (the `string` calls take only those).
    pub utf8: usize,
    /// Records whose `enrich` output was byte-identical to native.
    pub same_enrich: usize,
    /// Records whose `enrich-batch` output was byte-identical to native.
    pub same_batch: usize,
    /// Records whose `enrich-bytes` output was byte-identical to native.
    pub same_bytes: usize,
    /// Traps (each recovered by re-instantiating).
    pub traps: usize,
    pub mismatches: Vec<Mismatch>,
}

impl Row {
    /// Every call gave the native bytes for every record.
    pub fn identical(&self) -> bool {
        self.same_enrich == self.utf8
            && self.same_batch == self.utf8
            && self.same_bytes == self.records
            && self.traps == 0
    }
}

/// The native enriched bytes and whether the record matched.
pub fn native_enrich(engine: &mut Engine, record: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let matched = engine.enrich(record, &mut out).matched;
    (out, matched)
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Enriched(b) => String::from_utf8_lossy(b).into_owned(),
        Outcome::Dropped => String::from("<dropped>"),
        Outcome::Trapped { trap, .. } => format!("<trap: {trap}>"),
    }
}

/// Replays `set` under `profile` natively and through the component's three calls.
pub fn compare(host: &ComponentHost, profile: &str, set: &FixtureSet) -> Row {
    let mut native = Engine::new(&CoreConfig {
        profile: profile.to_string(),
        ..CoreConfig::default()
    })
    .unwrap_or_else(|e| panic!("native engine for {profile}: {e}"));
    let mut detector = host
        .detector(config(profile))
        .unwrap_or_else(|e| panic!("component for {profile}: {e}"));
    let mut row = Row {
        profile: profile.to_string(),
        set: set.name.clone(),
        records: set.records.len(),
        matched: 0,
        utf8: 0,
        same_enrich: 0,
        same_batch: 0,
        same_bytes: 0,
        traps: 0,
        mismatches: Vec::new(),
    };
    let expected: Vec<Vec<u8>> = set
        .records
        .iter()
        .map(|r| {
            let (out, matched) = native_enrich(&mut native, r);
            row.matched += matched as usize;
            out
        })
        .collect();

    // Each call replays the set from the start on a fresh engine (`restart`), as the native
    // engine did once: a record whose request (audit ID) an earlier record matched is a
    // duplicate in both, whatever the call.
    // enrich-bytes: every record.
    for (i, record) in set.records.iter().enumerate() {
        let got = detector.enrich(record);
        if got == Outcome::Enriched(expected[i].clone()) {
            row.same_bytes += 1;
        } else {
            row.mismatches.push(Mismatch {
                index: i,
                call: "enrich-bytes",
                native: expected[i].clone(),
                component: describe(&got),
            });
        }
    }

    // enrich and enrich-batch: the records that are valid UTF-8.
    let text: Vec<(usize, String)> = set
        .records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| std::str::from_utf8(r).ok().map(|s| (i, s.to_string())))
        .collect();
    row.utf8 = text.len();
    detector.restart();
    for (i, record) in &text {
        let got = match detector.instance().enrich(record) {
            Ok(Some(s)) => Outcome::Enriched(s.into_bytes()),
            Ok(None) => Outcome::Dropped,
            Err(trap) => {
                // Recover through the detector so the next record gets a live instance.
                detector.enrich(b"{}");
                Outcome::Trapped {
                    record: record.clone().into_bytes(),
                    trap: crate::component::trap_message(&trap),
                }
            }
        };
        if got == Outcome::Enriched(expected[*i].clone()) {
            row.same_enrich += 1;
        } else {
            row.mismatches.push(Mismatch {
                index: *i,
                call: "enrich",
                native: expected[*i].clone(),
                component: describe(&got),
            });
        }
    }
    detector.restart();
    for chunk in text.chunks(BATCH) {
        let batch: Vec<String> = chunk.iter().map(|(_, s)| s.clone()).collect();
        let outs = detector.enrich_batch(&batch);
        for ((i, _), got) in chunk.iter().zip(&outs) {
            if *got == Outcome::Enriched(expected[*i].clone()) {
                row.same_batch += 1;
            } else {
                row.mismatches.push(Mismatch {
                    index: *i,
                    call: "enrich-batch",
                    native: expected[*i].clone(),
                    component: describe(got),
                });
            }
        }
    }
    row.traps = detector.traps.len();
    row
}

/// Runs every profile over every set.
pub fn compare_all(host: &ComponentHost, profiles: &[String], sets: &[FixtureSet]) -> Vec<Row> {
    profiles
        .iter()
        .flat_map(|p| sets.iter().map(move |s| compare(host, p, s)))
        .collect()
}

/// The parity table: profile × fixture set × records × identical.
pub fn table(rows: &[Row]) -> String {
    let set_w = rows.iter().map(|r| r.set.len()).max().unwrap_or(0).max(11);
    let prof_w = rows
        .iter()
        .map(|r| r.profile.len())
        .max()
        .unwrap_or(0)
        .max(7);
    let mut out = format!(
        "{:<prof_w$} | {:<set_w$} | {:>7} | {:>7} | {:>7} | {:>7} | {:>7} | {:>9}\n",
        "profile", "fixture set", "records", "matched", "enrich", "batch", "bytes", "identical"
    );
    out.push_str(&format!("{}\n", "-".repeat(prof_w + set_w + 70)));
    for r in rows {
        out.push_str(&format!(
            "{:<prof_w$} | {:<set_w$} | {:>7} | {:>7} | {:>7} | {:>7} | {:>7} | {:>9}\n",
            r.profile,
            r.set,
            r.records,
            r.matched,
            format!("{}/{}", r.same_enrich, r.utf8),
            format!("{}/{}", r.same_batch, r.utf8),
            format!("{}/{}", r.same_bytes, r.records),
            if r.identical() { "yes" } else { "NO" }
        ));
    }
    let total: usize = rows.iter().map(|r| r.records).sum();
    let bad: usize = rows.iter().filter(|r| !r.identical()).count();
    out.push_str(&format!(
        "{} rows, {} record replays per call, {} rows differ\n",
        rows.len(),
        total,
        bad
    ));
    out
}

/// The first few mismatches, for a failure message.
pub fn explain(rows: &[Row], limit: usize) -> String {
    let mut out = String::new();
    for r in rows {
        for m in r.mismatches.iter().take(limit) {
            out.push_str(&format!(
                "[{} / {} #{} via {}]\n  native:    {}\n  component: {}\n",
                r.profile,
                r.set,
                m.index,
                m.call,
                String::from_utf8_lossy(&m.native)
                    .chars()
                    .take(400)
                    .collect::<String>(),
                m.component.chars().take(400).collect::<String>()
            ));
        }
    }
    out
}
