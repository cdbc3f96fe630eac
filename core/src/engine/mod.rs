//! The engine: configuration in, verdicts and enriched records out. Hosts only call
//! [`Engine`]; everything below it is reached through it.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::event::{Event, Value};
use crate::pack::{Combine, Correlation, CorrelationKind, Pack, PackError, Profile, Rule};
use crate::text::json::Json;
use crate::verdict::{Flags, RuleHit, Triage, Verdict};

mod output;
pub(crate) mod rule_index;
pub(crate) mod scored_requests;
pub(crate) mod state;
pub(crate) mod triage;

pub use output::{trim, write_enriched, OutputMode, StreamedLine};

/// The command segment that suppressions, triage and the first-seen state read: the record's
/// first container-tool command (the VRL twin reads the same one).
const FIRST_SEGMENT: usize = 0;

/// Default capacity of the set of scored requests ([`Config::scored_requests`]).
pub const DEFAULT_SCORED_REQUESTS: usize = scored_requests::DEFAULT_CAPACITY;

/// Groups the correlation state keeps when [`Config::state_capacity`] is 0.
pub const DEFAULT_CORRELATION_CAPACITY: usize = 4096;

/// Largest record cadet scores (bytes); a larger one passes with `cadet.error`.
pub const MAX_RECORD_LEN: usize = 4 << 20;

/// How an [`Engine`] is set up. Hosts fill this from their own configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Profile name: `cadet` (default), `qradar-t1609`, `elastic-t1609`, `qradar-t1059-013`.
    pub profile: String,
    /// A rule pack (TOML text) replacing the embedded default pack.
    pub rules: Option<String>,
    /// Name of the rule pack for error messages (a file name).
    pub rules_name: String,
    /// Overrides the profile's match threshold.
    pub threshold: Option<u32>,
    /// Capacity of the first-seen detector state (0 turns it off). Also the number of groups
    /// the correlation state keeps (least recently used dropped first) when the profile has
    /// correlations; that state is on whenever it has, with
    /// [`DEFAULT_CORRELATION_CAPACITY`] groups when this is 0.
    pub state_capacity: usize,
    /// Capacity of the set of recently scored requests (default 4096, about 150 bytes each
    /// once full; 0 turns it off). With it, a request whose records share an audit ID
    /// (`auditID`; GKE `operation.id`) is matched once, at the first stage the log holds; a
    /// later record of it is not matched and names that stage in `duplicate_of_stage`.
    /// Independent of the first-seen state; saved and restored with it
    /// ([`Engine::export_state`]). Off, every stage of a long-running request is scored and
    /// its verdict names the `stage`, for a downstream system to deduplicate by `auditID`.
    pub scored_requests: usize,
    /// Use the profile's byte-level prefilter (on by default; off only to check it or measure it).
    pub prefilter: bool,
    /// Extra `[[suppress]]` entries (TOML text) layered on top of the pack's own.
    pub suppressions: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            profile: String::from("cadet"),
            rules: None,
            rules_name: String::from("<embedded>"),
            threshold: None,
            state_capacity: 0,
            scored_requests: scored_requests::DEFAULT_CAPACITY,
            prefilter: true,
            suppressions: None,
        }
    }
}

/// A configured detector. `Send` but not `Sync`: the set of scored requests, the correlation
/// state and the optional first-seen state are updated per record (and the prefilter keeps a
/// scratch buffer). To score on several threads, give each thread its own engine for
/// [`Engine::prepare`] and finish on one ([`Engine::finish`]).
#[derive(Debug)]
pub struct Engine {
    pack: Pack,
    profile: Profile,
    rules: Vec<Rule>,
    /// The JSON of this profile's not-matched verdict (the same bytes for every non-match).
    not_matched_json: String,
    /// Which rules can hold for an event, by kind and key-field values.
    index: rule_index::RuleIndex,
    /// Reused list of the rules to evaluate for one event.
    candidates: Vec<usize>,
    threshold: u32,
    prefilter: Option<crate::prefilter::Prefilter>,
    state: Option<state::DetectorState>,
    /// The active profile's correlations, in pack order.
    correlations: Vec<Correlation>,
    /// Their bounded state (groups' record times and values); on when there are any.
    correlation_state: Option<state::DetectorState>,
    /// Requests already scored (audit IDs), so that each is matched once.
    scored: Option<scored_requests::ScoredRequests>,
    /// Whether the last record scored parsed as a JSON object (`None`: not parsed).
    last_object: Option<bool>,
}

impl Engine {
    /// Builds an engine; a bad rule pack or unknown profile is an error naming the file, rule and problem.
    pub fn new(config: &Config) -> Result<Engine, PackError> {
        let (name, text) = match &config.rules {
            Some(text) => (config.rules_name.as_str(), text.as_str()),
            None => ("<embedded>", crate::pack::DEFAULT_PACK),
        };
        let mut pack = Pack::parse(name, text)?;
        if let Some(extra) = &config.suppressions {
            pack.add_suppressions("<suppressions>", extra)?;
        }
        let Some(profile) = pack.profile(&config.profile).cloned() else {
            let known: Vec<&str> = pack.profiles.iter().map(|p| p.name.as_str()).collect();
            return Err(PackError {
                file: name.to_string(),
                rule: None,
                line: None,
                message: alloc::format!(
                    "unknown profile `{}` (known: {})",
                    config.profile,
                    known.join(", ")
                ),
            });
        };
        let rules: Vec<Rule> = pack.rules_of(&profile.name).cloned().collect();
        let correlations: Vec<Correlation> = pack.correlations_of(&profile.name).cloned().collect();
        let correlation_state = (!correlations.is_empty()).then(|| {
            state::DetectorState::new(match config.state_capacity {
                0 => DEFAULT_CORRELATION_CAPACITY,
                n => n,
            })
        });
        let prefilter = match (&profile.prefilter, config.prefilter) {
            (Some(words), true) => Some(
                crate::prefilter::Prefilter::with_gated(
                    words,
                    &profile.prefilter_control_plane,
                    crate::source::control_plane::MARKERS,
                )
                .map_err(|message| PackError {
                    file: name.to_string(),
                    rule: None,
                    line: None,
                    message: alloc::format!("profile `{}`: {message}", profile.name),
                })?,
            ),
            _ => None,
        };
        let state =
            (config.state_capacity > 0).then(|| state::DetectorState::new(config.state_capacity));
        let whens: Vec<&crate::condition::Condition> = rules.iter().map(|r| &r.when).collect();
        let index = rule_index::RuleIndex::new(&whens);
        let not_matched_json = Verdict::not_matched(&profile.name).to_json();
        Ok(Engine {
            not_matched_json,
            threshold: config.threshold.unwrap_or(profile.threshold),
            pack,
            profile,
            rules,
            index,
            candidates: Vec::new(),
            prefilter,
            state,
            correlations,
            correlation_state,
            scored: (config.scored_requests > 0)
                .then(|| scored_requests::ScoredRequests::new(config.scored_requests)),
            last_object: None,
        })
    }

    /// The active profile's name.
    pub fn profile(&self) -> &str {
        &self.profile.name
    }

    /// The active profile.
    pub fn profile_def(&self) -> &Profile {
        &self.profile
    }

    /// The loaded pack.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// The rules of the active profile, in evaluation order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The match threshold in force.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// True when the prefilter proves the record cannot match (no keyword of the profile in it).
    pub fn rejects(&self, record: &[u8]) -> bool {
        match &self.prefilter {
            Some(p) => !p.may_match(record),
            None => false,
        }
    }

    /// Scores one record (a JSON object or a raw text line).
    pub fn score(&mut self, record: &[u8]) -> Verdict {
        let (read, object) = self.read(record);
        self.last_object = object;
        match read {
            Read::Done(verdict) => verdict,
            Read::Json(doc) => match crate::source::normalise(&doc) {
                Some(ev) => self.evaluate(&ev),
                None => Verdict::not_matched(&self.profile.name),
            },
            Read::Text(text) => match crate::source::normalise_text(&text) {
                Some(ev) => self.evaluate(&ev),
                None => Verdict::not_matched(&self.profile.name),
            },
        }
    }

    /// The steps every record takes before its event exists, which read no state: trim,
    /// prefilter, size check, JSON parse. Also whether the record parsed as a JSON object
    /// (what [`Engine::write`] needs to know; `None`: not parsed, or not readable).
    fn read<'a>(&self, record: &'a [u8]) -> (Read<'a>, Option<bool>) {
        let record = trim(record);
        if self.rejects(record) {
            return (Read::Done(Verdict::not_matched(&self.profile.name)), None);
        }
        if record.len() > MAX_RECORD_LEN {
            let message = alloc::format!("record larger than {MAX_RECORD_LEN} bytes");
            return (Read::Done(self.error(message)), None);
        }
        if record.first() != Some(&b'{') {
            return (Read::Text(String::from_utf8_lossy(record)), None);
        }
        match Json::parse(record) {
            Ok(doc) if doc.is_object() => (Read::Json(doc), Some(true)),
            Ok(_) => (
                Read::Done(Verdict::not_matched(&self.profile.name)),
                Some(false),
            ),
            // What cadet cannot read (too deep, a number out of range, a lone surrogate)
            // may still be grammar-valid JSON: the writer checks.
            Err(e) => (Read::Done(self.error(e.0)), None),
        }
    }

    /// The stateless part of [`Engine::score`], for a host that scores on several threads:
    /// everything up to the rules' answers (trim, prefilter, size check, parse, normalise,
    /// profile gate, rule evaluation), reading and changing no state. Pass the result to
    /// [`Engine::finish`] of the engine that keeps the state, records in input order; the
    /// verdict is then exactly the one [`Engine::score`] gives.
    ///
    /// Most records need no state ([`Prepared::verdict`] is set): rejected by the prefilter,
    /// unreadable, not a candidate, and — unless the first-seen state or correlations are on
    /// — every record without a request identity, matched or not. A record with an audit ID
    /// needs the set of scored requests (an earlier stage may have matched; a match is
    /// remembered): [`Engine::finish`] looks it up. With the first-seen state or correlations
    /// on, a record some rule hits reads and changes that state, so [`Engine::finish`] scores
    /// it again (re-parsing it).
    ///
    /// The preparing engine may be another engine than the finishing one, built from an
    /// equal [`Config`] (an engine is `Send` but not `Sync`: one per thread).
    ///
    /// ```
    /// use cadet_core::{Config, Engine};
    /// let config = Config::default();
    /// let preparer = Engine::new(&config).unwrap();
    /// let mut finisher = Engine::new(&config).unwrap();
    /// let lines: [&[u8]; 2] = [
    ///     br#"{"process":{"name":"ls","args":["ls"]}}"#,
    ///     br#"{"process":{"name":"docker","args":["docker","run","--privileged","alpine"]}}"#,
    /// ];
    /// let prepared: Vec<_> = lines.iter().map(|l| preparer.prepare(l)).collect();
    /// // No audit ID, no first-seen state: both verdicts are final already.
    /// assert!(prepared.iter().all(|p| p.verdict().is_some()));
    /// let verdicts: Vec<_> = lines.iter().zip(prepared).map(|(l, p)| finisher.finish(l, p)).collect();
    /// assert!(!verdicts[0].matched && verdicts[1].matched);
    /// ```
    pub fn prepare(&self, record: &[u8]) -> Prepared {
        let (read, object) = self.read(record);
        let step = match read {
            Read::Done(verdict) => Step::Done(verdict.into()),
            Read::Json(doc) => match crate::source::normalise(&doc) {
                Some(ev) => self.prepare_event(&ev),
                None => Step::Done(Verdict::not_matched(&self.profile.name).into()),
            },
            Read::Text(text) => match crate::source::normalise_text(&text) {
                Some(ev) => self.prepare_event(&ev),
                None => Step::Done(Verdict::not_matched(&self.profile.name).into()),
            },
        };
        Prepared { step, object }
    }

    /// [`Engine::prepare`] on a normalised event: the gate and the rules, as
    /// [`Engine::evaluate`] runs them before it reads any state.
    fn prepare_event(&self, ev: &Event<'_>) -> Step {
        if !self.passes_gate(ev) {
            return Step::Done(Verdict::not_matched(&self.profile.name).into());
        }
        let mut candidates = Vec::new();
        if self.state.is_none() && self.correlation_state.is_none() {
            // No state but the set of scored requests: the verdict is the rules' own, unless
            // the request was scored before (the ordered step looks it up, and remembers it
            // when this verdict is a match).
            let (verdict, _) = self.judge(ev, &mut candidates, None, None);
            return match self.request_key(ev) {
                Some(key) => Step::Request {
                    verdict: verdict.into(),
                    key,
                },
                None => Step::Done(verdict.into()),
            };
        }
        // First-seen or correlation state: a record some rule hits reads and changes it, so
        // the ordered step scores it; one no rule hits changes nothing.
        self.index.candidates(ev, &mut candidates);
        let mut indicators = Vec::new();
        let any_hit = candidates.iter().any(|&i| {
            let rule = &self.rules[i];
            (0..ev.segments.len()).any(|segment| rule.when.eval(ev, segment, &mut indicators))
        });
        if any_hit {
            return Step::Score;
        }
        match self.request_key(ev) {
            Some(key) => Step::Request {
                verdict: Verdict::not_matched(&self.profile.name).into(),
                key,
            },
            None => Step::Done(Verdict::not_matched(&self.profile.name).into()),
        }
    }

    /// The ordered step after [`Engine::prepare`]: call it on the engine that keeps the
    /// state, with the records in input order (every record, also those whose
    /// [`Prepared::verdict`] is already set, so that [`Engine::enrich`]'s bookkeeping and the
    /// order stay those of [`Engine::score`]). Returns the verdict [`Engine::score`] gives
    /// `record` at this point of the stream. `record` must be the bytes that were prepared.
    pub fn finish(&mut self, record: &[u8], prepared: Prepared) -> Verdict {
        match prepared.step {
            Step::Done(verdict) => {
                self.last_object = prepared.object;
                *verdict
            }
            Step::Request { verdict, key } => {
                self.last_object = prepared.object;
                let Some(scored) = &mut self.scored else {
                    return *verdict;
                };
                if let Some(stage) = scored.scored_at(&key) {
                    let stage = String::from(stage);
                    return self.duplicate(&stage);
                }
                if verdict.matched {
                    scored.remember(key, verdict.stage.as_deref());
                }
                *verdict
            }
            // Rules hit: state decides (scored set, correlations, first-seen); scored as one.
            Step::Score => self.score(record),
        }
    }

    fn error(&self, message: String) -> Verdict {
        Verdict {
            error: Some(message),
            ..Verdict::not_matched(&self.profile.name)
        }
    }

    /// Scores `record` and appends it to `out`, enriched with `"cadet": <verdict>`, as one
    /// line of JSON (no newline); returns the verdict.
    ///
    /// A JSON object keeps its bytes and gains the key before its closing brace; any other
    /// line — raw text, or JSON that does not parse as an object — becomes
    /// `{"message": "<line>", "cadet": ...}` (plus `message_base64` with the exact bytes when
    /// the line is not valid UTF-8), so every output line is a valid JSON object.
    pub fn enrich(&mut self, record: &[u8], out: &mut Vec<u8>) -> Verdict {
        let verdict = self.score(record);
        self.write(record, &verdict, out);
        verdict
    }

    /// [`Engine::enrich`] under an [`OutputMode`]: with [`OutputMode::MatchesOnly`] a record
    /// that did not match writes nothing. Returns the verdict either way.
    pub fn enrich_as(&mut self, record: &[u8], mode: OutputMode, out: &mut Vec<u8>) -> Verdict {
        let verdict = self.score(record);
        if mode == OutputMode::All || verdict.matched {
            self.write(record, &verdict, out);
        }
        verdict
    }

    /// Writes `record` enriched with `verdict` (the cached JSON for a plain non-match).
    fn write(&self, record: &[u8], verdict: &Verdict, out: &mut Vec<u8>) {
        if verdict.matched || verdict.error.is_some() || verdict.duplicate_of_stage.is_some() {
            output::write_checked(record, &verdict.to_json(), self.last_object, out);
        } else {
            output::write_checked(record, &self.not_matched_json, self.last_object, out);
        }
    }

    /// True when the profile has no gate or the event passes it.
    fn passes_gate(&self, ev: &Event<'_>) -> bool {
        match &self.profile.gate {
            Some(gate) => gate.eval(ev, FIRST_SEGMENT, &mut Vec::new()),
            None => true,
        }
    }

    /// The event's request identity for the set of scored requests (`None` when the set is
    /// off or the event has no audit ID).
    fn request_key(&self, ev: &Event<'_>) -> Option<scored_requests::RequestKey> {
        match &self.scored {
            Some(_) if ev.control_plane.audit_id.is_some() => {
                scored_requests::RequestKey::of(&ev.control_plane)
            }
            _ => None,
        }
    }

    /// The verdict of a later record of a request already matched at `stage`.
    fn duplicate(&self, stage: &str) -> Verdict {
        Verdict {
            duplicate_of_stage: Some(String::from(stage)),
            ..Verdict::not_matched(&self.profile.name)
        }
    }

    /// Evaluates the active profile's rules on a normalised event.
    pub fn evaluate(&mut self, ev: &Event<'_>) -> Verdict {
        if !self.passes_gate(ev) {
            return Verdict::not_matched(&self.profile.name);
        }
        // A request already scored (an earlier stage of it matched) is not matched again.
        let key = self.request_key(ev);
        if let (Some(scored), Some(key)) = (&self.scored, &key) {
            if let Some(stage) = scored.scored_at(key) {
                return self.duplicate(stage);
            }
        }
        let mut candidates = core::mem::take(&mut self.candidates);
        let mut correlation_state = self.correlation_state.take();
        let mut state = self.state.take();
        let (verdict, fed) = self.judge(
            ev,
            &mut candidates,
            correlation_state.as_mut(),
            state.as_mut(),
        );
        self.candidates = candidates;
        self.correlation_state = correlation_state;
        self.state = state;
        // A matched request is remembered; so is one a correlation counted (a request counts
        // once in a correlation: its later stages, the same auditID, are duplicates even when
        // this one does not match on its own).
        if let (true, Some(scored), Some(key)) = (verdict.matched || fed, &mut self.scored, key) {
            scored.remember(key, ev.control_plane.stage.as_deref());
        }
        verdict
    }

    /// The rules, correlations, first-seen state, suppression and triage on an event that
    /// passed the gate and is no duplicate: its verdict, and whether a correlation counted it.
    /// Reads and changes only the states it is given (none: the verdict of a record that
    /// depends on no state but the set of scored requests, which the caller consults).
    fn judge(
        &self,
        ev: &Event<'_>,
        candidates: &mut Vec<usize>,
        correlation_state: Option<&mut state::DetectorState>,
        first_seen: Option<&mut state::DetectorState>,
    ) -> (Verdict, bool) {
        let name = &self.profile.name;
        let mut hits: Vec<&Rule> = Vec::new();
        let mut indicators: Vec<String> = Vec::new();
        // A rule hits when any container-tool command of the record (a shell script
        // may hold several) satisfies it; indicators come from the first that does.
        self.index.candidates(ev, candidates);
        for &i in candidates.iter() {
            let rule = &self.rules[i];
            let hit =
                (0..ev.segments.len()).any(|segment| rule.when.eval(ev, segment, &mut indicators));
            if hit {
                hits.push(rule);
                if self.profile.combine == Combine::First {
                    break;
                }
            }
        }
        let ids: Vec<&str> = hits.iter().map(|r| r.id.as_str()).collect();
        // With correlations, suppression is decided first: a suppressed match feeds none.
        let mut suppressed_by: Option<Option<String>> = None;
        let mut fired: Vec<&Correlation> = Vec::new();
        let mut fed = false;
        if let (Some(cstate), false) = (correlation_state, hits.is_empty()) {
            let s = suppression(&self.pack, ev, &ids);
            if s.is_none() {
                (fired, fed) = correlate(&self.correlations, cstate, ev, &hits, &mut indicators);
            }
            suppressed_by = Some(s);
        }
        let mut score = match self.profile.combine {
            Combine::Max => hits
                .iter()
                .map(|r| r.score)
                .chain(fired.iter().map(|c| c.score))
                .max()
                .unwrap_or(0)
                .min(100),
            Combine::First => hits.iter().map(|r| r.score).max().unwrap_or(0).min(100),
            Combine::Sum => hits
                .iter()
                .map(|r| r.score)
                .chain(fired.iter().map(|c| c.score))
                .sum(),
        };
        let context = match first_seen {
            Some(state) if !hits.is_empty() => state.observe(ev, FIRST_SEGMENT, &hits),
            _ => None,
        };
        if let Some(ctx) = &context {
            score = (score + state::boost(ctx)).min(100);
        }
        if hits.is_empty() || score < self.threshold || score == 0 {
            return (Verdict::not_matched(name), fed);
        }
        let mut flags = Flags::default();
        let mut techniques: Vec<String> = Vec::new();
        let mut steps: Vec<String> = Vec::new();
        for r in &hits {
            r.flags.iter().for_each(|f| {
                flags.set(f);
            });
            techniques.extend(r.techniques.iter().cloned());
            steps.extend(r.steps.iter().cloned());
        }
        for c in &fired {
            techniques.extend(c.techniques.iter().cloned());
        }
        techniques.sort();
        techniques.dedup();
        let mut seen: Vec<String> = Vec::new();
        indicators.retain(|i| {
            let new = !seen.contains(i);
            if new {
                seen.push(i.clone());
            }
            new
        });
        let mut severity = self
            .profile
            .fixed_severity
            .unwrap_or_else(|| self.profile.bands.severity(score));
        let suppressed_by = match suppressed_by {
            Some(s) => s,
            None => suppression(&self.pack, ev, &ids),
        };
        if suppressed_by.is_some() {
            severity = severity.lowered();
        }
        let triage = self
            .profile
            .triage
            .then(|| triage::assess(ev, FIRST_SEGMENT, &flags, context.as_ref(), steps));
        let stage = ev.control_plane.stage.as_deref();
        let verdict = Verdict {
            profile: name.clone(),
            matched: true,
            score,
            severity,
            techniques,
            rules: hits
                .iter()
                .map(|r| RuleHit {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    score: r.score,
                })
                .chain(fired.iter().map(|c| RuleHit {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    score: c.score,
                }))
                .collect(),
            flags,
            indicators,
            source: Some(String::from(ev.source)),
            stage: stage.map(String::from),
            duplicate_of_stage: None,
            denied: ev.control_plane.denied,
            owner: ev.owner(),
            context,
            suppressed_by,
            triage: triage.filter(|t: &Triage| !t.escalate.is_empty() || !t.steps.is_empty()),
            error: None,
        };
        (verdict, fed)
    }

    /// The engine's state as JSON, for a host to keep across restarts: the first-seen state's
    /// fields (when it is on) and, under `scored_requests`, the set of scored requests (when
    /// it is on); `{}` when both are off.
    pub fn export_state(&self) -> String {
        let mut obj = match self.state.as_ref().map(|s| s.to_value()) {
            Some(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        if let Some(scored) = &self.scored {
            obj.insert(String::from("scored_requests"), scored.to_value());
        }
        if let Some(c) = &self.correlation_state {
            obj.insert(String::from("correlations"), c.to_value());
        }
        serde_json::to_string(&serde_json::Value::Object(obj)).unwrap_or_default()
    }

    /// Restores state saved by [`Engine::export_state`] (or by an older cadet, whose state
    /// holds the first-seen fields only). Each part the engine keeps is replaced by the saved
    /// one (empty when the file has none); a part the engine does not keep is ignored. An
    /// error when both parts are off or the JSON is not a state; the engine is unchanged then.
    pub fn import_state(&mut self, json: &str) -> Result<(), String> {
        if self.state.is_none() && self.scored.is_none() && self.correlation_state.is_none() {
            return Err(String::from(
                "the detector state is off (state_capacity and scored_requests are 0, no correlations)",
            ));
        }
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| alloc::format!("bad detector state: {e}"))?;
        let serde_json::Value::Object(mut obj) = value else {
            return Err(String::from("bad detector state: not a JSON object"));
        };
        let saved_scored = obj.remove("scored_requests");
        let saved_correlations = obj.remove("correlations");
        let mut correlation_state = self.correlation_state.clone();
        if let Some(c) = &mut correlation_state {
            match saved_correlations {
                Some(v) => c.load_value(v)?,
                None => *c = state::DetectorState::new(c.capacity()),
            }
        }
        let mut scored = self.scored.clone();
        if let Some(set) = &mut scored {
            match &saved_scored {
                Some(v) => set.load_value(v)?,
                None => set.load_value(&serde_json::Value::Array(Vec::new()))?,
            }
        }
        let mut state = self.state.clone();
        if let Some(s) = &mut state {
            if obj.is_empty() {
                *s = state::DetectorState::new(s.capacity());
            } else {
                s.load_value(serde_json::Value::Object(obj))?;
            }
        }
        self.scored = scored;
        self.state = state;
        self.correlation_state = correlation_state;
        Ok(())
    }
}

/// A record read as far as no state is needed: its verdict, or its parsed form. Short-lived,
/// on the stack (boxing the verdict would cost a rejected record an allocation).
#[allow(clippy::large_enum_variant)]
enum Read<'a> {
    /// Rejected, too large, not an object or unreadable: the verdict.
    Done(Verdict),
    /// A JSON object.
    Json(Json<'a>),
    /// A raw text line (invalid UTF-8 replaced).
    Text(alloc::borrow::Cow<'a, str>),
}

/// What [`Engine::prepare`] found out about one record, without any state: either its final
/// verdict, or what [`Engine::finish`] still has to do in input order. Owned and small (no
/// borrow of the record), so a host can prepare on one thread and finish on another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    step: Step,
    /// Whether the record parsed as a JSON object (as [`Engine::score`] notes it).
    object: Option<bool>,
}

/// What is left to do for a prepared record.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// No state can change this verdict (boxed: a batch holds many prepared records).
    Done(alloc::boxed::Box<Verdict>),
    /// The verdict unless the scored set holds this request (then a duplicate); a matched
    /// one is remembered in the set.
    Request {
        /// The verdict the rules give, with no earlier record of the request.
        verdict: alloc::boxed::Box<Verdict>,
        /// The request's identity.
        key: scored_requests::RequestKey,
    },
    /// Some rule hits: [`Engine::finish`] scores the record (state decides the verdict).
    Score,
}

impl Prepared {
    /// The record's verdict when no state can change it: [`Engine::finish`] returns exactly
    /// this one (a host may write the record out before finishing it). `None` when the verdict
    /// depends on the records before this one.
    pub fn verdict(&self) -> Option<&Verdict> {
        match &self.step {
            Step::Done(verdict) => Some(verdict),
            Step::Request { .. } | Step::Score => None,
        }
    }
}

/// The name of the first suppression that applies to a verdict of the rules `ids`.
fn suppression(pack: &Pack, ev: &Event<'_>, ids: &[&str]) -> Option<String> {
    pack.suppressions
        .iter()
        .find(|s| s.matches(ev, FIRST_SEGMENT, ids))
        .map(|s| s.name.clone())
}

/// A field's value as one text, as Sigma's correlations read it (`None`: absent or a list).
fn scalar(v: Value<'_>) -> Option<String> {
    match v {
        Value::Str(s) => Some(String::from(s)),
        Value::Int(n) => Some(n.to_string()),
        Value::Bool(b) => Some(String::from(if b { "true" } else { "false" })),
        Value::Missing | Value::List(_) => None,
    }
}

/// Feeds a record whose base-rule matches are `hits` (not suppressed) to every correlation
/// over one of them, and returns those whose condition now holds and whether any correlation
/// counted the record. A record without
/// `event.time` feeds none. Each correlation counts the record once, whatever number of its
/// base rules it matched. The group key is `c␟<id>` then, per `group_by` field, `␟` and the
/// value's length and value (`-` when the record has none: such records form their own
/// group, as in Sigma).
fn correlate<'c>(
    correlations: &'c [Correlation],
    cstate: &mut state::DetectorState,
    ev: &Event<'_>,
    hits: &[&Rule],
    indicators: &mut Vec<String>,
) -> (Vec<&'c Correlation>, bool) {
    let mut fired = Vec::new();
    let mut fed = false;
    let Value::Int(now) = ev.field("event.time", FIRST_SEGMENT) else {
        return (fired, fed);
    };
    for c in correlations {
        if !c.rules.iter().any(|id| hits.iter().any(|h| &h.id == id)) {
            continue;
        }
        fed = true;
        let mut key = alloc::format!("c\u{1f}{}", c.id);
        let mut group = Vec::new();
        for f in &c.group_by {
            match scalar(ev.field(f, FIRST_SEGMENT)) {
                Some(v) => {
                    key.push_str(&alloc::format!("\u{1f}{}:{v}", v.len()));
                    group.push(alloc::format!("{f}={v}"));
                }
                None => key.push_str("\u{1f}-"),
            }
        }
        let value = c
            .value_field
            .as_deref()
            .and_then(|f| scalar(ev.field(f, FIRST_SEGMENT)));
        let count = cstate.correlate(c, key, now, value.as_deref());
        if c.holds(count) {
            let what = match (c.kind, &c.value_field) {
                (CorrelationKind::ValueCount, Some(f)) => alloc::format!("distinct {f}"),
                _ => String::from("records"),
            };
            let by = if group.is_empty() {
                String::new()
            } else {
                alloc::format!(" by {}", group.join(", "))
            };
            indicators.push(alloc::format!(
                "{}: {count} {what}{by} within {}s",
                c.id,
                c.timespan
            ));
            fired.push(c);
        }
    }
    (fired, fed)
}
