//! The optional settings file (`cadet.toml`): profile, mode, threshold, rule pack, state size,
//! output.
//!
//! ```toml
//! profile = "qradar-t1609"      # cadet | qradar-t1609 | elastic-t1609 | qradar-t1059-013
//! mode = "matches-only"         # all (default) | matches-only
//! threshold = 40                # overrides the profile's threshold
//! rules = "/etc/cadet/rules.toml"   # a rule pack replacing the embedded one (path inside the sandbox)
//! state_capacity = 4096         # first-seen detector state (0 = off)
//! scored_requests = 4096        # recently matched requests (audit IDs) remembered (default 4096, 0 = off)
//! output = "ocsf"               # cadet (default) | ecs | ocsf: what a record becomes
//! ```
//! Every key is optional. An unknown key, a wrong type or an unknown mode is an error: the host
//! reports it once and runs with the defaults rather than half of a configuration.

use std::string::{String, ToString};

/// Where the module looks for its settings, in order. Fluent Bit exposes a directory to the module
/// only when it is listed in `Accessible_Paths` (default `.`, Fluent Bit's working directory).
pub const SETTINGS_PATHS: [&str; 2] = ["/etc/cadet/cadet.toml", "cadet.toml"];

/// What to do with records that did not match: the core's [`cadet_core::OutputMode`]
/// (`all`, the default, or `matches-only`).
pub use cadet_core::OutputMode as Mode;

/// What a record becomes: the enriched record (`cadet`, the default), an ECS alert document
/// (`ecs`) or an OCSF Detection Finding (`ocsf`), as `cadet scan --output` writes them.
pub use cadet_alert::Output;

/// The parsed settings file. `None` means "the default".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// Profile name.
    pub profile: Option<String>,
    /// Pass everything or matches only.
    pub mode: Option<Mode>,
    /// Threshold override.
    pub threshold: Option<u32>,
    /// Path of a rule pack file (read by the caller, inside the sandbox).
    pub rules: Option<String>,
    /// First-seen state capacity.
    pub state_capacity: Option<usize>,
    /// Capacity of the set of scored requests (`None`: the core's default, 4096).
    pub scored_requests: Option<usize>,
    /// What a record becomes (`None`: `cadet`).
    pub output: Option<Output>,
}

impl Settings {
    /// Parses the settings file text; the error names the key and the problem.
    pub fn parse(text: &str) -> Result<Settings, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| one_line(&e.to_string()))?;
        let mut s = Settings::default();
        for (key, value) in &table {
            match key.as_str() {
                "profile" => s.profile = Some(string(key, value)?),
                "mode" => {
                    let m = string(key, value)?;
                    s.mode = Some(Mode::parse(&m).ok_or_else(|| {
                        format!("`mode` must be \"all\" or \"matches-only\", not {m:?}")
                    })?);
                }
                "threshold" => s.threshold = Some(integer(key, value, u32::MAX as i64)? as u32),
                "rules" => s.rules = Some(string(key, value)?),
                "state_capacity" => s.state_capacity = Some(integer(key, value, 1 << 24)? as usize),
                "scored_requests" => {
                    s.scored_requests = Some(integer(key, value, 1 << 24)? as usize)
                }
                "output" => {
                    let o = string(key, value)?;
                    s.output = Some(Output::parse(&o).ok_or_else(|| {
                        format!("`output` must be \"cadet\", \"ecs\" or \"ocsf\", not {o:?}")
                    })?);
                }
                other => {
                    return Err(format!(
                        "unknown key `{other}` (known: profile, mode, threshold, rules, state_capacity, scored_requests, output)"
                    ))
                }
            }
        }
        Ok(s)
    }
}

fn string(key: &str, value: &toml::Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("`{key}` must be a string"))
}

fn integer(key: &str, value: &toml::Value, max: i64) -> Result<i64, String> {
    match value.as_integer() {
        Some(n) if (0..=max).contains(&n) => Ok(n),
        Some(n) => Err(format!("`{key}` = {n} is out of range (0..={max})")),
        None => Err(format!("`{key}` must be an integer")),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_file() {
        let s = Settings::parse(
            "profile = \"qradar-t1609\"\nmode = \"matches-only\"\nthreshold = 40\nrules = \"/etc/cadet/r.toml\"\nstate_capacity = 16\nscored_requests = 0\noutput = \"OCSF\"\n",
        )
        .unwrap();
        assert_eq!(s.profile.as_deref(), Some("qradar-t1609"));
        assert_eq!(s.mode, Some(Mode::MatchesOnly));
        assert_eq!(s.threshold, Some(40));
        assert_eq!(s.rules.as_deref(), Some("/etc/cadet/r.toml"));
        assert_eq!(s.state_capacity, Some(16));
        assert_eq!(s.scored_requests, Some(0));
        assert_eq!(s.output, Some(Output::Ocsf));
    }

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(Settings::parse("# nothing\n").unwrap(), Settings::default());
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(Settings::parse("output = \"cef\"")
            .unwrap_err()
            .contains("`output` must be"));
        assert!(Settings::parse("mode = \"some\"")
            .unwrap_err()
            .contains("mode"));
        assert!(Settings::parse("threshold = -1")
            .unwrap_err()
            .contains("out of range"));
        assert!(Settings::parse("threshold = \"40\"")
            .unwrap_err()
            .contains("integer"));
        assert!(Settings::parse("profil = \"cadet\"")
            .unwrap_err()
            .contains("unknown key `profil`"));
        assert!(!Settings::parse("profile = ").unwrap_err().contains('\n'));
    }
}
