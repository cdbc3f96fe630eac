//! What a person reads: the stderr summary, the progress bar and the verdict table.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use cadet_core::{Severity, Verdict};
use indicatif::{ProgressBar, ProgressStyle};

/// Counts for the end-of-run summary.
pub struct Summary {
    profile: String,
    records: u64,
    bytes: u64,
    errors: u64,
    pub too_long: u64,
    /// Later records of requests already matched (`duplicate_of_stage`).
    duplicates: u64,
    by_severity: BTreeMap<Severity, u64>,
    by_rule: BTreeMap<String, u64>,
}

impl Summary {
    pub fn new(profile: &str) -> Self {
        Summary {
            profile: profile.into(),
            records: 0,
            bytes: 0,
            errors: 0,
            too_long: 0,
            duplicates: 0,
            by_severity: BTreeMap::new(),
            by_rule: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, v: &Verdict, len: usize) {
        self.records += 1;
        self.bytes += len as u64 + 1;
        self.errors += v.error.is_some() as u64;
        self.duplicates += v.duplicate_of_stage.is_some() as u64;
        if v.matched {
            *self.by_severity.entry(v.severity).or_default() += 1;
            // The record's strongest rule (first of the highest score, in pack order).
            if let Some(top) = v
                .rules
                .iter()
                .reduce(|a, b| if b.score > a.score { b } else { a })
            {
                *self.by_rule.entry(top.id.clone()).or_default() += 1;
            }
        }
    }

    /// Adds the counts of `other` (a worker's, for its part of the records).
    pub fn merge(&mut self, other: &Summary) {
        self.records += other.records;
        self.bytes += other.bytes;
        self.errors += other.errors;
        self.too_long += other.too_long;
        self.duplicates += other.duplicates;
        for (severity, n) in &other.by_severity {
            *self.by_severity.entry(*severity).or_default() += n;
        }
        for (rule, n) in &other.by_rule {
            *self.by_rule.entry(rule.clone()).or_default() += n;
        }
    }

    /// Back to no records (the profile stays).
    pub fn clear(&mut self) {
        *self = Summary::new(&self.profile);
    }

    pub fn print(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let matched: u64 = self.by_severity.values().sum();
        let mut err = io::stderr().lock();
        let _ = writeln!(
            err,
            "\ncadet: {} records, {} matched (profile {})",
            self.records, matched, self.profile
        );
        if self.duplicates > 0 {
            let _ = writeln!(
                err,
                "  {} later stages of requests already matched (not matched again: duplicate_of_stage)",
                self.duplicates
            );
        }
        let sev: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter_map(|s| {
                self.by_severity
                    .get(s)
                    .map(|n| format!("{} {n}", s.as_str()))
            })
            .collect();
        if !sev.is_empty() {
            let _ = writeln!(err, "  by severity: {}", sev.join(", "));
        }
        let mut top: Vec<(&String, &u64)> = self.by_rule.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (id, n) in top.iter().take(5) {
            let _ = writeln!(err, "  {n:>8}  {id}");
        }
        if self.errors > 0 {
            let _ = writeln!(
                err,
                "  {} records could not be read (passed on with cadet.error)",
                self.errors
            );
        }
        if self.too_long > 0 {
            let _ = writeln!(
                err,
                "  {} records over the line limit passed on unscored",
                self.too_long
            );
        }
        // A rate over less than a second of work mostly measures start-up: print it only
        // for longer runs, and say what the time covers.
        let build = if cfg!(debug_assertions) {
            " — debug build; use --release to measure speed"
        } else {
            ""
        };
        if secs >= 1.0 {
            let _ = writeln!(
                err,
                "  {:.0} records/s, {:.1} MB/s over {secs:.1} s of reading, scoring and writing (rule pack loading not included){build}",
                self.records as f64 / secs,
                self.bytes as f64 / secs / 1e6,
            );
        } else {
            let _ = writeln!(
                err,
                "  scored in {secs:.3} s (a rate is printed for runs of 1 s or more; bench/ measures throughput){build}"
            );
        }
    }
}

/// A byte-count progress bar over the input files, when stderr is a terminal.
pub fn progress(terminal: bool, files: &[PathBuf]) -> Option<ProgressBar> {
    if !terminal {
        return None;
    }
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let bar = if total > 0 {
        ProgressBar::new(total)
    } else {
        ProgressBar::new_spinner()
    };
    let style = if total > 0 {
        "{spinner} {bytes}/{total_bytes} {bar:30} {bytes_per_sec} eta {eta}"
    } else {
        "{spinner} {bytes} read, {bytes_per_sec}"
    };
    bar.set_style(
        ProgressStyle::with_template(style).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// Verdicts laid out as a table.
#[derive(Default)]
pub struct Table {
    rows: Vec<[String; 6]>,
    /// Extra columns (name, one value per row), shown before RECORD.
    extra: Vec<(String, Vec<String>)>,
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A one-line description of what the record is about.
fn what(record: &[u8]) -> String {
    let text = String::from_utf8_lossy(record);
    let v: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => return text.trim().to_string(),
    };
    let pick = |paths: &[&str]| {
        paths.iter().find_map(|p| {
            v.pointer(p).and_then(|x| match x {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Array(a) => Some(
                    a.iter()
                        .filter_map(|e| e.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                _ => None,
            })
        })
    };
    pick(&[
        "/process/command_line",
        "/process/args",
        "/CommandLine",
        "/Command",
        "/payload",
        "/process",
        "/winlog/event_data/CommandLine",
        "/EXECVE/ARGV",
        "/event/exec/args",
        "/requestURI",
        "/protoPayload/resourceName",
        "/message",
        "/log",
    ])
    .unwrap_or_else(|| text.trim().to_string())
}

impl Table {
    pub fn new() -> Self {
        Table::default()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn push(&mut self, record: &[u8], v: &Verdict) {
        let top = v
            .rules
            .iter()
            .reduce(|a, b| if b.score > a.score { b } else { a });
        let top = top
            .map(|r| r.id.trim_start_matches("cadet.").to_string())
            .unwrap_or_else(|| "-".into());
        let flags: Vec<&str> = [
            (v.flags.privileged_container, "priv"),
            (v.flags.host_mount, "mount"),
            (v.flags.container_exec, "exec"),
            (v.flags.secrets_access, "secrets"),
            (v.flags.escape, "escape"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
        let severity = if v.error.is_some() {
            "error".to_string()
        } else {
            v.severity.as_str().to_string()
        };
        self.rows.push([
            severity,
            v.score.to_string(),
            if v.techniques.is_empty() {
                "-".into()
            } else {
                v.techniques.join(",")
            },
            if flags.is_empty() {
                "-".into()
            } else {
                flags.join(",")
            },
            short(&top, 34),
            short(&what(record), 70),
        ]);
    }

    /// Adds a column shown before RECORD (one value per row already pushed).
    pub fn add_column(&mut self, name: &str, values: Vec<String>) {
        self.extra.push((name.to_string(), values));
    }

    pub fn print(&self, out: &mut impl Write) -> io::Result<()> {
        let mut head: Vec<String> = ["SEVERITY", "SCORE", "TECHNIQUES", "FLAGS", "TOP RULE"]
            .map(String::from)
            .to_vec();
        head.extend(self.extra.iter().map(|(n, _)| n.clone()));
        head.push("RECORD".into());
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut row = r[..5].to_vec();
                row.extend(
                    self.extra
                        .iter()
                        .map(|(_, vals)| vals.get(i).cloned().unwrap_or_default()),
                );
                row.push(r[5].clone());
                row
            })
            .collect();
        let mut width: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (w, cell) in width.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let last = head.len() - 1;
        let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
            let mut s = String::new();
            for (i, (cell, w)) in cells.iter().zip(&width).enumerate() {
                let w = *w;
                if i == last {
                    s.push_str(cell);
                } else if i == 1 || i >= 5 {
                    s.push_str(&format!("{cell:>w$}  "));
                } else {
                    s.push_str(&format!("{cell:<w$}  "));
                }
            }
            writeln!(out, "{}", s.trim_end())
        };
        line(out, &head)?;
        for row in &rows {
            line(out, row)?;
        }
        Ok(())
    }
}

/// One rule in full, as `cadet rules ID` prints it: title, score, techniques, flags, the
/// description, references, false positives and the condition as written.
pub fn rule_card(r: &cadet_core::Rule) -> String {
    let mut s = format!("{} — {}\n", r.id, r.title);
    s.push_str(&format!("  score       {}\n", r.score));
    if !r.techniques.is_empty() {
        s.push_str(&format!("  techniques  {}\n", r.techniques.join(", ")));
    }
    if !r.flags.is_empty() {
        s.push_str(&format!("  flags       {}\n", r.flags.join(", ")));
    }
    if !r.description.is_empty() {
        s.push_str(&format!("\n  {}\n", r.description));
    }
    let list = |s: &mut String, name: &str, items: &[String]| {
        if !items.is_empty() {
            s.push_str(&format!("\n  {name}:\n"));
            for i in items {
                s.push_str(&format!("    - {i}\n"));
            }
        }
    };
    list(&mut s, "references", &r.references);
    list(&mut s, "false positives", &r.false_positives);
    s.push_str("\n  when:\n");
    for line in r.when_text.trim().lines() {
        s.push_str(&format!("    {line}\n"));
    }
    s
}
