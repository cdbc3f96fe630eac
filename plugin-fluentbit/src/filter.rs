//! The filter itself, independent of the Wasm ABI: settings in, NUL-terminated records out.

use std::io;
use std::string::{String, ToString};
use std::vec::Vec;

use cadet_alert::Alerter;
use cadet_core::{Config, Engine, PackError, Verdict, MAX_PACK_LEN};

use crate::settings::{Mode, Output, Settings, SETTINGS_PATHS};

/// What [`Filter::process`] hands back to Fluent Bit: the bytes to return, NUL included.
/// A lone NUL is the empty string, which Fluent Bit reads as "drop this record".
pub const DROP: &[u8] = b"\0";

/// Output buffers larger than this are given back after the record that needed them.
const KEEP_CAPACITY: usize = 256 * 1024;

/// One configured filter: the engine, the mode, the output and the reused output buffer.
#[derive(Debug)]
pub struct Filter {
    engine: Engine,
    mode: Mode,
    output: Output,
    /// The alert renderer (`ecs`/`ocsf` outputs only).
    alerter: Option<Alerter>,
    out: Vec<u8>,
}

/// How the filter was set up, for the one-time report and for `cadet_status`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// The settings file that was read, if any.
    pub settings_path: Option<String>,
    /// Why the settings were not used (cadet then runs with the defaults).
    pub error: Option<String>,
    /// The profile in force.
    pub profile: String,
    /// The mode in force.
    pub mode: &'static str,
    /// The output in force (`cadet`, `ecs` or `ocsf`).
    pub output: &'static str,
}

impl Status {
    /// One line for stderr, or `None` when there is nothing to report.
    pub fn report(&self) -> Option<String> {
        let error = self.error.as_ref()?;
        Some(format!(
            "cadet: {}: {error}; running with defaults (profile {}, mode {})",
            self.settings_path.as_deref().unwrap_or("settings"),
            self.profile,
            self.mode
        ))
    }

    /// Compact JSON (`{"settings":..,"error":..,"profile":..,"mode":..,"output":..}`).
    pub fn to_json(&self) -> String {
        let mut s = String::from("{\"settings\":");
        push_json_opt(&mut s, self.settings_path.as_deref());
        s.push_str(",\"error\":");
        push_json_opt(&mut s, self.error.as_deref());
        s.push_str(",\"profile\":");
        push_json_str(&mut s, &self.profile);
        s.push_str(",\"mode\":");
        push_json_str(&mut s, self.mode);
        s.push_str(",\"output\":");
        push_json_str(&mut s, self.output);
        s.push('}');
        s
    }
}

/// Settings the host fixes regardless of the settings file (the exported function's name).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Forced {
    /// Profile chosen by the entry point.
    pub profile: Option<&'static str>,
    /// Mode chosen by the entry point.
    pub mode: Option<Mode>,
}

/// The error the core gives for a rule pack named `path` over [`MAX_PACK_LEN`] bytes
/// (`<path>: rule pack larger than 1048576 bytes`), for a file refused before it is read.
fn oversize_pack(path: &str) -> PackError {
    PackError {
        file: path.to_string(),
        rule: None,
        line: None,
        message: format!("rule pack larger than {MAX_PACK_LEN} bytes"),
    }
}

impl Filter {
    /// Builds the filter: reads the first settings file that exists through `read`
    /// (`Ok(None)` = no such file), applies `forced`, and on any problem falls back to the defaults
    /// (with `forced` still applied) and says why in [`Status::error`].
    pub fn load(
        forced: Forced,
        read: &mut dyn FnMut(&str) -> io::Result<Option<String>>,
    ) -> (Filter, Status) {
        let mut status = Status::default();
        let mut settings = Settings::default();
        let mut rules: Option<(String, String)> = None;
        let loaded = (|| -> Result<(), String> {
            for path in SETTINGS_PATHS {
                if let Some(text) = read(path).map_err(|e| {
                    status.settings_path = Some(path.to_string());
                    format!("cannot read: {e}")
                })? {
                    status.settings_path = Some(path.to_string());
                    settings = Settings::parse(&text)?;
                    break;
                }
            }
            if let Some(path) = &settings.rules {
                match read(path) {
                    Ok(Some(text)) => rules = Some((path.clone(), text)),
                    Ok(None) => {
                        return Err(format!(
                            "rule pack {path} not found (is its folder in Accessible_Paths?)"
                        ))
                    }
                    // Refused before it was read whole (crate::bounded): the core's own error
                    // for a pack over its limit, as if the text had reached it.
                    Err(e) if e.kind() == io::ErrorKind::FileTooLarge => {
                        return Err(oversize_pack(path).to_string())
                    }
                    Err(e) => return Err(format!("cannot read rule pack {path}: {e}")),
                }
            }
            Ok(())
        })();
        if let Err(e) = loaded {
            status.error = Some(e);
            settings = Settings::default();
            rules = None;
        }
        let config = |settings: &Settings, rules: Option<(String, String)>| {
            let mut c = Config::default();
            if let Some(p) = forced
                .profile
                .map(str::to_string)
                .or_else(|| settings.profile.clone())
            {
                c.profile = p;
            }
            c.threshold = settings.threshold;
            c.state_capacity = settings.state_capacity.unwrap_or(c.state_capacity);
            c.scored_requests = settings.scored_requests.unwrap_or(c.scored_requests);
            if let Some((name, text)) = rules {
                c.rules_name = name;
                c.rules = Some(text);
            }
            c
        };
        let engine = match Engine::new(&config(&settings, rules)) {
            Ok(engine) => engine,
            Err(e) => {
                status.error = Some(e.to_string());
                settings = Settings::default();
                match Engine::new(&config(&Settings::default(), None)) {
                    Ok(engine) => engine,
                    // The embedded pack always loads (core tests it); the forced profile is one of its own.
                    Err(e) => panic!("embedded rule pack does not load: {e}"),
                }
            }
        };
        let mode = forced.mode.or(settings.mode).unwrap_or(Mode::All);
        let output = settings.output.unwrap_or_default();
        status.profile = engine.profile().to_string();
        status.mode = mode.as_str();
        status.output = output.as_str();
        (Filter::with_output(engine, mode, output), status)
    }

    /// A filter from an engine and a mode, no settings file involved (output `cadet`).
    pub fn new(engine: Engine, mode: Mode) -> Filter {
        Filter::with_output(engine, mode, Output::Cadet)
    }

    /// A filter from an engine, a mode and an output, no settings file involved.
    pub fn with_output(engine: Engine, mode: Mode, output: Output) -> Filter {
        let alerter = (output != Output::Cadet).then(|| Alerter::new(&engine));
        Filter {
            engine,
            mode,
            output,
            alerter,
            out: Vec::with_capacity(4096),
        }
    }

    /// The mode in force.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The output in force.
    pub fn output(&self) -> Output {
        self.output
    }

    /// [`Filter::process_at`] for a record Fluent Bit timed at the Unix epoch (for tests and
    /// callers without a time).
    pub fn process(&mut self, record: &[u8]) -> &[u8] {
        self.process_at(record, 0)
    }

    /// Processes one record that Fluent Bit timed at `time_ms` (milliseconds since the Unix
    /// epoch: the record's timestamp in the chunk, the `time_sec`/`time_nsec` arguments).
    ///
    /// Output `cadet`: the enriched record, or [`DROP`] when the mode is matches-only and the
    /// record did not match. Output `ecs`/`ocsf`: the alert document of a matched record,
    /// exactly what `cadet scan --output ecs|ocsf` writes for it (the record's own timestamp
    /// when it has one, `time_ms` otherwise and as ECS `event.created` / OCSF
    /// `metadata.processed_time`), or [`DROP`] for any record that did not match, whatever the
    /// mode. The returned bytes are NUL-terminated and live in a buffer owned by the filter,
    /// reused by the next call.
    pub fn process_at(&mut self, record: &[u8], time_ms: i64) -> &[u8] {
        if self.out.capacity() > KEEP_CAPACITY {
            self.out = Vec::with_capacity(4096);
        }
        self.out.clear();
        if let Some(alerter) = &self.alerter {
            let verdict = self.engine.score(record);
            if !alerter.write(self.output, record, &verdict, time_ms, &mut self.out) {
                return DROP;
            }
            finish_c_string(&mut self.out);
            return &self.out;
        }
        let verdict = self.engine.enrich_as(record, self.mode, &mut self.out);
        if self.mode == Mode::MatchesOnly && !verdict.matched {
            return DROP;
        }
        finish_c_string(&mut self.out);
        &self.out
    }

    /// The record Fluent Bit failed to copy in (its allocation failed): a JSON object that says so,
    /// so the loss is visible downstream instead of silent.
    pub fn undelivered(&mut self, record_len: usize) -> &[u8] {
        let mut v = Verdict::not_matched(self.engine.profile());
        v.error = Some(format!("record of {record_len} bytes not delivered: Fluent Bit could not copy it into the module"));
        self.out.clear();
        self.out.extend_from_slice(b"{\"cadet\":");
        self.out.extend_from_slice(v.to_json().as_bytes());
        self.out.push(b'}');
        finish_c_string(&mut self.out);
        &self.out
    }
}

/// Fluent Bit reads the result with `strlen`: a raw NUL inside would cut the record and make it
/// invalid JSON (dropped). Raw NULs are never valid JSON, so write them as the `\u0000` escape.
fn finish_c_string(out: &mut Vec<u8>) {
    if out.contains(&0) {
        let mut escaped = Vec::with_capacity(out.len() + 16);
        for &b in out.iter() {
            if b == 0 {
                escaped.extend_from_slice(b"\\u0000");
            } else {
                escaped.push(b);
            }
        }
        *out = escaped;
    }
    out.push(0);
}

fn push_json_opt(s: &mut String, v: Option<&str>) {
    match v {
        Some(v) => push_json_str(s, v),
        None => s.push_str("null"),
    }
}

/// `v` as a JSON string literal, written by the core's one JSON string writer.
fn push_json_str(s: &mut String, v: &str) {
    let mut out = Vec::new();
    cadet_core::write_json_string(&mut out, v);
    s.push_str(std::str::from_utf8(&out).unwrap_or("null"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn files(list: &[(&str, &str)]) -> impl FnMut(&str) -> io::Result<Option<String>> {
        let map: HashMap<String, String> = list
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |p| Ok(map.get(p).cloned())
    }

    fn native(profile: &str, record: &[u8]) -> Vec<u8> {
        let mut e = Engine::new(&Config {
            profile: profile.into(),
            ..Config::default()
        })
        .unwrap();
        let mut out = Vec::new();
        e.enrich(record, &mut out);
        out
    }

    #[test]
    fn no_settings_file_means_defaults() {
        let (mut f, status) = Filter::load(Forced::default(), &mut files(&[]));
        assert_eq!(
            status,
            Status {
                settings_path: None,
                error: None,
                profile: "cadet".into(),
                mode: "all",
                output: "cadet",
            }
        );
        let rec = br#"{"message":"hello"}"#;
        let mut want = native("cadet", rec);
        want.push(0);
        assert_eq!(f.process(rec), &want[..]);
    }

    #[test]
    fn settings_file_is_read_and_forced_profile_wins() {
        let mut fs = files(&[(
            "/etc/cadet/cadet.toml",
            "profile = \"elastic-t1609\"\nmode = \"matches-only\"\n",
        )]);
        let (f, status) = Filter::load(Forced::default(), &mut fs);
        assert_eq!(status.error, None);
        assert_eq!(
            status.settings_path.as_deref(),
            Some("/etc/cadet/cadet.toml")
        );
        assert_eq!(
            (status.profile.as_str(), status.mode),
            ("elastic-t1609", "matches-only")
        );
        assert_eq!(f.mode(), Mode::MatchesOnly);
        let forced = Forced {
            profile: Some("qradar-t1609"),
            mode: Some(Mode::All),
        };
        let (_, status) = Filter::load(forced, &mut fs);
        assert_eq!(
            (status.profile.as_str(), status.mode),
            ("qradar-t1609", "all")
        );
    }

    #[test]
    fn bad_settings_fall_back_to_defaults_and_say_why() {
        for (text, needle) in [
            ("mode = \"sometimes\"", "mode"),
            (
                "profile = \"no-such-profile\"\nmode = \"matches-only\"",
                "no-such-profile",
            ),
            ("rules = \"/etc/cadet/missing.toml\"", "missing.toml"),
            ("threshold = [", "cadet.toml"),
        ] {
            let (f, status) = Filter::load(Forced::default(), &mut files(&[("cadet.toml", text)]));
            let err = status
                .error
                .clone()
                .unwrap_or_else(|| panic!("{text}: no error"));
            let report = status.report().unwrap();
            assert!(
                err.contains(needle) || report.contains(needle),
                "{text}: {report}"
            );
            assert_eq!(
                (status.profile.as_str(), f.mode()),
                ("cadet", Mode::All),
                "{text}"
            );
        }
    }

    #[test]
    fn a_pack_file_refused_for_its_size_gives_the_cores_error() {
        let path = "/etc/cadet/big.toml";
        let mut read = |p: &str| -> io::Result<Option<String>> {
            match p {
                "cadet.toml" => Ok(Some(format!("rules = {path:?}\n"))),
                p if p == path => Err(crate::bounded::too_large(MAX_PACK_LEN)),
                _ => Ok(None),
            }
        };
        let (f, status) = Filter::load(Forced::default(), &mut read);
        // What the core says when the whole text reaches it.
        let text = format!("# {}\n", "x".repeat(MAX_PACK_LEN));
        let native = Engine::new(&Config {
            rules: Some(text),
            rules_name: path.into(),
            ..Config::default()
        })
        .unwrap_err()
        .to_string();
        assert_eq!(status.error.as_deref(), Some(native.as_str()));
        assert_eq!((status.profile.as_str(), f.mode()), ("cadet", Mode::All));
    }

    #[test]
    fn unreadable_settings_is_an_error_not_a_silent_default() {
        let mut read =
            |_: &str| -> io::Result<Option<String>> { Err(io::Error::other("permission denied")) };
        let (_, status) = Filter::load(Forced::default(), &mut read);
        assert!(status.report().unwrap().contains("permission denied"));
    }

    #[test]
    fn matches_only_drops_non_matches_with_empty_string() {
        let engine = Engine::new(&Config::default()).unwrap();
        let mut f = Filter::new(engine, Mode::MatchesOnly);
        let mut e = Engine::new(&Config::default()).unwrap();
        for rec in [&br#"{"message":"hello"}"#[..], br#"{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}"#] {
            let matched = e.score(rec).matched;
            let got = f.process(rec).to_vec();
            if matched {
                let mut want = native("cadet", rec);
                want.push(0);
                assert_eq!(got, want);
            } else {
                assert_eq!(got, DROP);
            }
        }
    }

    #[test]
    fn alert_outputs_write_what_cadet_alert_writes_and_drop_the_rest() {
        let attack = br#"{"process":{"pid":7,"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}"#;
        let benign = br#"{"message":"hello"}"#;
        for name in ["ecs", "ocsf"] {
            let mut fs = files(&[("cadet.toml", &format!("output = \"{name}\"\n"))]);
            let (mut f, status) = Filter::load(Forced::default(), &mut fs);
            assert_eq!((status.error, status.output), (None, name));
            let output = Output::parse(name).unwrap();
            assert_eq!(f.output(), output);
            let mut e = Engine::new(&Config::default()).unwrap();
            let alerter = Alerter::new(&e);
            let mut want = Vec::new();
            assert!(alerter.write(
                output,
                attack,
                &e.score(attack),
                1_700_000_000_123,
                &mut want
            ));
            want.push(0);
            assert_eq!(f.process_at(attack, 1_700_000_000_123), &want[..], "{name}");
            assert_eq!(f.process_at(benign, 1_700_000_000_123), DROP, "{name}");
        }
    }

    #[test]
    fn output_never_contains_an_inner_nul() {
        let mut out = b"{\"a\":\"x\0y\"}".to_vec();
        finish_c_string(&mut out);
        assert_eq!(out, b"{\"a\":\"x\\u0000y\"}\0");
    }

    #[test]
    fn status_json_is_escaped() {
        let s = Status {
            settings_path: Some("a\"b".into()),
            error: None,
            profile: "cadet".into(),
            mode: "all",
            output: "ecs",
        };
        assert_eq!(
            s.to_json(),
            r#"{"settings":"a\"b","error":null,"profile":"cadet","mode":"all","output":"ecs"}"#
        );
    }
}
