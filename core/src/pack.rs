//! Rule packs: rules, lists and profiles as data (TOML).

use alloc::string::String;
use core::fmt;

/// The rule pack compiled into cadet: process and Kubernetes rules plus the four profiles.
pub const DEFAULT_PACK: &str = "";

/// A rule pack that cannot be used, with where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackError {
    /// The pack's name (a file name, or `<embedded>`).
    pub file: String,
    /// The rule (or profile) the problem is in, when known.
    pub rule: Option<String>,
    /// 1-based line in the pack text, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, ": rule `{rule}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PackError {}
