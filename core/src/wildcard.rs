//! Case-insensitive wildcard patterns: EQL's `*`/`?` and AQL `ILIKE`'s `%`/`_`.
//! Matching is iterative (greedy with one backtrack point per star), so it
//! runs in O(text × pattern) at worst, never exponentially.

use alloc::string::String;
use alloc::vec::Vec;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Lit(char),
    One,
    Any,
}

/// A compiled wildcard pattern (lower-cased).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wildcard {
    pieces: Vec<Piece>,
    indicator: String,
}

impl Wildcard {
    fn build(pattern: &str, any: char, one: char) -> Wildcard {
        let lower = pattern.to_lowercase();
        let pieces = lower
            .chars()
            .map(|c| if c == any { Piece::Any } else if c == one { Piece::One } else { Piece::Lit(c) })
            .collect();
        let indicator = pattern.trim_matches(|c| c == any).into();
        Wildcard { pieces, indicator }
    }

    /// EQL `:` wildcard: `*` any run, `?` one character.
    ///
    /// ```
    /// let w = cadet_core::wildcard::Wildcard::glob("*--PRIVILEGED*");
    /// assert!(w.matches("docker run --privileged alpine"));
    /// ```
    pub fn glob(pattern: &str) -> Wildcard {
        Wildcard::build(pattern, '*', '?')
    }

    /// AQL `ILIKE`: `%` any run, `_` one character.
    ///
    /// ```
    /// let w = cadet_core::wildcard::Wildcard::ilike("%nsenter%pid%1%");
    /// assert!(w.matches("NSENTER --pid --target 1"));
    /// assert!(!w.matches("nsenter --target 1 --pid")); // order matters, as in AQL
    /// assert!(cadet_core::wildcard::Wildcard::ilike("docker_exec").matches("DOCKER EXEC"));
    /// assert!(!cadet_core::wildcard::Wildcard::ilike("docker_exec").matches("docker  exec"));
    /// ```
    pub fn ilike(pattern: &str) -> Wildcard {
        Wildcard::build(pattern, '%', '_')
    }

    /// Matches `text` (any case).
    pub fn matches(&self, text: &str) -> bool {
        self.matches_folded(&text.to_lowercase())
    }

    /// Matches text that is already lower-cased.
    pub fn matches_folded(&self, text: &str) -> bool {
        let t: Vec<char> = text.chars().collect();
        let p = &self.pieces;
        let (mut ti, mut pi) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            match p.get(pi) {
                Some(Piece::Any) => {
                    star = Some((pi, ti));
                    pi += 1;
                }
                Some(Piece::One) => {
                    ti += 1;
                    pi += 1;
                }
                Some(Piece::Lit(c)) if *c == t[ti] => {
                    ti += 1;
                    pi += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        pi = sp + 1;
                        ti = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        p[pi..].iter().all(|x| *x == Piece::Any)
    }

    /// The pattern without its leading and trailing "any run" wildcards, for indicators.
    pub fn indicator(&self) -> String {
        self.indicator.clone()
    }
}
