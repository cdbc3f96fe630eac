//! # cadet-playground
//!
//! The browser rule playground: cadet-core compiled to WebAssembly with
//! wasm-bindgen, plus a static page (`web/`) that calls it.
//!
//! [`Playground`] is plain Rust and does the work (split the pasted text into
//! records, build the engine for the pack and profile, score and enrich every
//! record); the `bindings` module (WebAssembly only) hands its typed results to
//! JavaScript with serde-wasm-bindgen. Nothing here panics on user input: a bad
//! record gets a verdict carrying `error`, a bad rule pack a structured
//! [`RuleError`].

use cadet_core::{Config, Engine, PackError, Verdict};
use serde::Serialize;

#[cfg(target_arch = "wasm32")]
mod bindings;

/// The file name rule errors carry for a pack edited in the page.
pub const EDITED_PACK_NAME: &str = "rules.toml";

/// Most records one call analyses; the rest are reported as skipped.
pub const MAX_RECORDS: usize = 5000;

/// Why a rule pack (or profile choice) cannot be used: where and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleError {
    /// The pack's name (`rules.toml` when edited, `<embedded>` for the default pack).
    pub file: String,
    /// The rule or profile the problem is in, when known.
    pub rule: Option<String>,
    /// 1-based line in the rules text, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// The whole error as the CLI prints it (`rules.toml:12: rule `x`: ...`).
    pub display: String,
}

impl From<&PackError> for RuleError {
    fn from(e: &PackError) -> Self {
        RuleError {
            file: e.file.clone(),
            rule: e.rule.clone(),
            line: e.line,
            message: e.message.clone(),
            display: e.to_string(),
        }
    }
}

/// A profile of the loaded pack, for the page's selector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProfileInfo {
    /// Name (`cadet`, `qradar-t1609`, ...).
    pub name: String,
    /// What the profile reproduces.
    pub description: String,
    /// Number of rules the profile evaluates.
    pub rules: usize,
    /// Lowest score that counts as a match.
    pub threshold: u32,
}

/// The result of analysing the records pane.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Analysis {
    /// The profile in force (as asked for).
    pub profile: String,
    /// 1-based line in the records text of each record (blank lines are not records).
    pub lines: Vec<usize>,
    /// One verdict per record, in order.
    pub verdicts: Vec<Verdict>,
    /// One enriched record per record: exactly what [`Engine::enrich`] writes.
    pub enriched: Vec<String>,
    /// How many matched.
    pub matched: usize,
    /// Records beyond [`MAX_RECORDS`] that were not analysed.
    pub skipped: usize,
    /// Rules of the active profile (0 when the pack failed to load).
    pub rule_count: usize,
    /// The threshold in force.
    pub threshold: u32,
    /// The rule pack or profile could not be used; no verdicts then.
    pub error: Option<RuleError>,
    /// What the page shows about each rule a verdict names, by rule id.
    pub rule_info: std::collections::BTreeMap<String, RuleInfo>,
}

/// A rule's content for the analyst: what it means, where it is documented, what routine
/// activity also matches it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// Longer explanation.
    pub description: String,
    /// URLs (ATT&CK, Kubernetes docs, the Falco or Sigma rule it corresponds to).
    pub references: Vec<String>,
    /// Legitimate activity that also matches.
    pub false_positives: Vec<String>,
}

/// The records of a pasted text: every line that is not blank, with its 1-based line number.
///
/// A trailing `\r` (Windows line ends) stays on the line; the engine trims it
/// like any surrounding whitespace, exactly as it does for a native host.
pub fn records(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
}

struct Loaded {
    rules: Option<String>,
    profile: String,
    engine: Result<Engine, PackError>,
}

/// Scores pasted records under an (optionally edited) rule pack and profile.
///
/// Keeps the engine of the last pack and profile, so typing in the records pane
/// does not re-parse the rules; its state (scored requests, first-seen) is emptied before
/// each analysis.
#[derive(Default)]
pub struct Playground {
    loaded: Option<Loaded>,
}

impl Playground {
    /// A playground with nothing loaded yet.
    pub fn new() -> Playground {
        Playground::default()
    }

    fn engine(&mut self, rules: Option<&str>, profile: &str) -> &mut Result<Engine, PackError> {
        let stale = match &self.loaded {
            Some(l) => l.rules.as_deref() != rules || l.profile != profile,
            None => true,
        };
        if stale {
            let config = Config {
                profile: profile.to_string(),
                rules: rules.map(str::to_string),
                rules_name: EDITED_PACK_NAME.to_string(),
                ..Config::default()
            };
            self.loaded = Some(Loaded {
                rules: rules.map(str::to_string),
                profile: profile.to_string(),
                engine: Engine::new(&config),
            });
        }
        &mut self.loaded.as_mut().expect("loaded above").engine
    }

    /// Checks a rule pack and profile without scoring anything.
    pub fn check(&mut self, rules: Option<&str>, profile: &str) -> Option<RuleError> {
        self.engine(rules, profile)
            .as_ref()
            .err()
            .map(RuleError::from)
    }

    /// Analyses `records_text` (JSON lines or raw lines) with `rules` (the default
    /// pack when `None`) under `profile`.
    pub fn analyze(&mut self, records_text: &str, rules: Option<&str>, profile: &str) -> Analysis {
        let mut analysis = Analysis {
            profile: profile.to_string(),
            ..Analysis::default()
        };
        let engine = match self.engine(rules, profile) {
            Ok(engine) => engine,
            Err(e) => {
                analysis.error = Some(RuleError::from(&*e));
                return analysis;
            }
        };
        // Every analysis starts from an empty state: the pane's records are scored as one
        // fresh log, however often they are re-analysed (the engine remembers scored requests).
        // An error only says the state is off.
        let _ = engine.import_state("{}");
        analysis.rule_count = engine.rules().len();
        analysis.threshold = engine.threshold();
        let mut out = Vec::new();
        for (n, (line, text)) in records(records_text).enumerate() {
            if n >= MAX_RECORDS {
                analysis.skipped += 1;
                continue;
            }
            out.clear();
            let verdict = engine.enrich(text.as_bytes(), &mut out);
            analysis.matched += verdict.matched as usize;
            analysis.lines.push(line);
            analysis.verdicts.push(verdict);
            analysis
                .enriched
                .push(String::from_utf8_lossy(&out).into_owned());
        }
        for id in analysis
            .verdicts
            .iter()
            .flat_map(|v| &v.rules)
            .map(|h| &h.id)
        {
            if analysis.rule_info.contains_key(id) {
                continue;
            }
            if let Some(r) = engine.rules().iter().find(|r| &r.id == id) {
                let info = RuleInfo {
                    description: r.description.clone(),
                    references: r.references.clone(),
                    false_positives: r.false_positives.clone(),
                };
                analysis.rule_info.insert(id.clone(), info);
            }
        }
        analysis
    }
}

impl Playground {
    /// The records of `records_text` in `output` (`cadet`, `ecs` or `ocsf`), one JSON line each,
    /// scored as [`Playground::analyze`] scores them (a fresh engine state): `cadet` gives the
    /// enriched record of every record (the `enriched` of the analysis), `ecs` / `ocsf` the
    /// alert document of each matched record — what `cadet scan --output ecs|ocsf` writes. The
    /// page reads no clock: a document is dated by its record's own timestamp, and a record
    /// with none by 0 (1970-01-01T00:00:00Z: unknown); ECS `event.created` / OCSF
    /// `metadata.processed_time` are the same time. An unknown output or a pack that does not
    /// load is an error.
    pub fn export(
        &mut self,
        records_text: &str,
        rules: Option<&str>,
        profile: &str,
        output: &str,
    ) -> Result<Vec<String>, String> {
        let output = cadet_alert::Output::parse(output)
            .ok_or_else(|| format!("unknown output `{output}` (cadet, ecs or ocsf)"))?;
        let engine = match self.engine(rules, profile) {
            Ok(engine) => engine,
            Err(e) => return Err(RuleError::from(&*e).display),
        };
        let _ = engine.import_state("{}");
        let alerter = cadet_alert::Alerter::new(engine);
        let mut lines = Vec::new();
        let mut out = Vec::new();
        for (_, text) in records(records_text).take(MAX_RECORDS) {
            out.clear();
            let record = text.as_bytes();
            let verdict = engine.score(record);
            let received_ms = record_time_ms(output, record);
            if alerter.write(output, record, &verdict, received_ms, &mut out) {
                lines.push(String::from_utf8_lossy(&out).into_owned());
            }
        }
        Ok(lines)
    }
}

/// The time an alert of `record` is dated by when the host has no clock: the record's own
/// timestamp (as `cadet-alert` reads it), else 0. Not needed for `cadet` output.
pub fn record_time_ms(output: cadet_alert::Output, record: &[u8]) -> i64 {
    if output == cadet_alert::Output::Cadet {
        return 0;
    }
    cadet_alert::Facts::read(record).time_ms.unwrap_or(0)
}

/// The VRL program for Vector's `remap` that gives `profile`'s verdicts for `rules`
/// (the default pack when `None`): every record enriched, or with `matches_only`
/// the others aborted (`drop_on_abort: true`). Errors as `rules.toml:…` text.
pub fn vrl(rules: Option<&str>, profile: &str, matches_only: bool) -> Result<String, String> {
    let mode = if matches_only {
        cadet_vrl::Mode::MatchesOnly
    } else {
        cadet_vrl::Mode::All
    };
    cadet_vrl::export_text(rules.map(|r| (EDITED_PACK_NAME, r)), profile, mode)
        .map_err(|e| e.to_string())
}

/// The profiles of a rule pack (the default pack when `None`).
pub fn profiles(rules: Option<&str>) -> Result<Vec<ProfileInfo>, RuleError> {
    let pack = cadet_core::Pack::parse(
        if rules.is_some() {
            EDITED_PACK_NAME
        } else {
            "<embedded>"
        },
        rules.unwrap_or(cadet_core::DEFAULT_PACK),
    )
    .map_err(|e| RuleError::from(&e))?;
    Ok(pack
        .profiles
        .iter()
        .map(|p| ProfileInfo {
            name: p.name.clone(),
            description: p.description.clone(),
            rules: pack.rules_of(&p.name).count(),
            threshold: p.threshold,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVILEGED: &str = r#"{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}"#;

    #[test]
    fn records_skip_blank_lines_and_keep_line_numbers() {
        let got: Vec<_> = records("a\n\n  \r\nb\r\n\nc").collect();
        assert_eq!(got, vec![(1, "a"), (4, "b\r"), (6, "c")]);
    }

    #[test]
    fn matched_rules_come_with_their_description_references_and_false_positives() {
        let a = Playground::new().analyze(PRIVILEGED, None, "cadet");
        let hit = &a.verdicts[0].rules[0].id;
        let info = &a.rule_info[hit];
        assert!(!info.description.is_empty(), "{hit}");
        assert!(info.references.iter().all(|u| u.starts_with("https://")));
        assert!(!info.references.is_empty() && !info.false_positives.is_empty());
        let ids: Vec<&String> = a.verdicts[0].rules.iter().map(|h| &h.id).collect();
        assert_eq!(a.rule_info.keys().collect::<Vec<_>>().len(), ids.len());
    }

    #[test]
    fn exports_are_the_enriched_records_or_the_native_alert_documents() {
        let text = format!("{PRIVILEGED}\n\ndocker ps\nkubectl exec -it web -- sh\n");
        let mut pg = Playground::new();
        let a = pg.analyze(&text, None, "cadet");
        assert_eq!(
            pg.export(&text, None, "cadet", "cadet").unwrap(),
            a.enriched
        );
        for name in ["ecs", "ocsf"] {
            let output = cadet_alert::Output::parse(name).unwrap();
            let mut engine = Engine::new(&Config::default()).unwrap();
            let alerter = cadet_alert::Alerter::new(&engine);
            let mut want = Vec::new();
            for (_, line) in records(&text) {
                let v = engine.score(line.as_bytes());
                let t = cadet_alert::Facts::read(line.as_bytes())
                    .time_ms
                    .unwrap_or(0);
                let mut out = Vec::new();
                if alerter.write(output, line.as_bytes(), &v, t, &mut out) {
                    want.push(String::from_utf8(out).unwrap());
                }
            }
            assert_eq!(want.len(), 2, "the privileged run and the exec line match");
            assert_eq!(pg.export(&text, None, "cadet", name).unwrap(), want);
        }
        assert!(pg
            .export(&text, None, "cadet", "cef")
            .unwrap_err()
            .contains("cef"));
        assert!(pg.export(&text, Some("[[rule]"), "cadet", "ecs").is_err());
    }

    #[test]
    fn enriched_output_is_the_engines() {
        let text = format!("{PRIVILEGED}\n\ndocker ps\nnot json at all\n{{\"broken\": \n");
        let mut pg = Playground::new();
        let a = pg.analyze(&text, None, "cadet");
        assert_eq!(a.error, None);
        assert_eq!(a.lines, vec![1, 3, 4, 5]);
        let mut engine = Engine::new(&Config::default()).unwrap();
        for (i, (_, line)) in records(&text).enumerate() {
            let mut out = Vec::new();
            let verdict = engine.enrich(line.as_bytes(), &mut out);
            assert_eq!(a.enriched[i].as_bytes(), &out[..]);
            assert_eq!(a.verdicts[i], verdict);
        }
    }

    #[test]
    fn broken_rules_give_a_located_error_not_a_panic() {
        let rules = format!(
            "{}\n[[rule]]\nid = \"x.broken\"\ntitle = \"t\"\nscore = 10\nwhen = 'cmd.tool == '\n",
            cadet_core::DEFAULT_PACK
        );
        let mut pg = Playground::new();
        let a = pg.analyze(PRIVILEGED, Some(&rules), "cadet");
        let e = a.error.expect("broken rule is an error");
        assert_eq!(e.rule.as_deref(), Some("x.broken"));
        assert_eq!(e.line, Some(rules.lines().count()));
        assert!(a.verdicts.is_empty());
        // The engine recovers as soon as the pack is fixed.
        let a = pg.analyze(PRIVILEGED, None, "cadet");
        assert_eq!(a.error, None);
        assert_eq!(a.verdicts.len(), 1);
    }

    #[test]
    fn unknown_profile_is_an_error() {
        let mut pg = Playground::new();
        let e = pg
            .analyze(PRIVILEGED, None, "no-such-profile")
            .error
            .unwrap();
        assert!(e.message.contains("unknown profile"), "{e:?}");
    }

    #[test]
    fn vrl_export_names_the_profile_and_reports_bad_packs() {
        let program = vrl(None, "qradar-t1609", false).unwrap();
        assert!(program.contains("qradar-t1609.privileged"));
        assert!(!program.contains("abort"));
        assert!(vrl(None, "qradar-t1609", true).unwrap().contains("abort"));
        let err = vrl(Some("[[rule]\n"), "cadet", false).unwrap_err();
        assert!(err.starts_with("rules.toml:"), "{err}");
        assert!(vrl(None, "no-such-profile", false)
            .unwrap_err()
            .contains("unknown profile"));
    }

    #[test]
    fn profiles_of_the_default_pack() {
        let names: Vec<String> = profiles(None)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        for want in ["cadet", "qradar-t1609", "elastic-t1609", "qradar-t1059-013"] {
            assert!(
                names.iter().any(|n| n == want),
                "{want} missing from {names:?}"
            );
        }
        assert!(profiles(Some("[[rule]]\nbroken")).is_err());
    }
}
