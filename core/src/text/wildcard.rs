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

/// How a pattern can be matched without the general algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// No wildcard at all: equality.
    Exact(String),
    /// `*lit*`
    Contains(String),
    /// `lit*`
    Prefix(String),
    /// `*lit`
    Suffix(String),
    /// Anything else.
    General,
}

/// A compiled wildcard pattern (lower-cased).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wildcard {
    pieces: Vec<Piece>,
    shape: Shape,
    /// The pattern is ASCII, so ASCII text can be matched byte by byte.
    ascii: bool,
    indicator: String,
}

impl Wildcard {
    fn build(pattern: &str, any: char, one: char) -> Wildcard {
        let lower = pattern.to_lowercase();
        let pieces = lower
            .chars()
            .map(|c| {
                if c == any {
                    Piece::Any
                } else if c == one {
                    Piece::One
                } else {
                    Piece::Lit(c)
                }
            })
            .collect();
        let indicator = pattern.trim_matches(|c| c == any).into();
        let lits: String = lower.chars().filter(|&c| c != any).collect();
        let anys = lower.chars().filter(|&c| c == any).count();
        let inner_any = lower.trim_matches(any).contains(any);
        let shape = if lower.contains(one) || inner_any || anys > 2 {
            Shape::General
        } else {
            match (
                lower.starts_with(any),
                lower.ends_with(any) && lower.len() > 1,
                anys,
            ) {
                (false, false, 0) => Shape::Exact(lits),
                (true, true, _) => Shape::Contains(lits),
                (false, true, 1) => Shape::Prefix(lits),
                (true, false, 1) => Shape::Suffix(lits),
                _ => Shape::General,
            }
        };
        Wildcard {
            ascii: lower.is_ascii(),
            pieces,
            shape,
            indicator,
        }
    }

    /// EQL `:` wildcard: `*` any run, `?` one character.
    ///
    /// ```
    /// let w = cadet_core::parts::text::Wildcard::glob("*--PRIVILEGED*");
    /// assert!(w.matches("docker run --privileged alpine"));
    /// ```
    pub fn glob(pattern: &str) -> Wildcard {
        Wildcard::build(pattern, '*', '?')
    }

    /// AQL `ILIKE`: `%` any run, `_` one character.
    ///
    /// ```
    /// let w = cadet_core::parts::text::Wildcard::ilike("%nsenter%pid%1%");
    /// assert!(w.matches("NSENTER --pid --target 1"));
    /// assert!(!w.matches("nsenter --target 1 --pid")); // order matters, as in AQL
    /// assert!(cadet_core::parts::text::Wildcard::ilike("docker_exec").matches("DOCKER EXEC"));
    /// assert!(!cadet_core::parts::text::Wildcard::ilike("docker_exec").matches("docker  exec"));
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
        match &self.shape {
            Shape::Exact(l) => return text == l,
            Shape::Contains(l) => return text.contains(l.as_str()),
            Shape::Prefix(l) => return text.starts_with(l.as_str()),
            Shape::Suffix(l) => return text.ends_with(l.as_str()),
            Shape::General => {}
        }
        if self.ascii && text.is_ascii() {
            return self.matches_units(text.as_bytes(), |b, c| *b as char == c);
        }
        let chars: Vec<char> = text.chars().collect();
        self.matches_units(&chars, |a, c| *a == c)
    }

    /// Greedy matching with one backtrack point per `*` over characters (or ASCII bytes).
    fn matches_units<T>(&self, t: &[T], eq: impl Fn(&T, char) -> bool) -> bool {
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
                Some(Piece::Lit(c)) if eq(&t[ti], *c) => {
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

#[cfg(test)]
mod tests {
    use super::Wildcard;

    #[test]
    fn shapes_and_general_agree() {
        let texts = [
            "",
            "a",
            "docker",
            "docker exec -it",
            "xdocker",
            "dockerx",
            "Ünïcödé docker",
            "nsenter --pid --target 1",
            "d_cker",
            "%",
        ];
        for pat in [
            "docker",
            "*docker*",
            "docker*",
            "*docker",
            "*",
            "**",
            "*d?cker*",
            "d*r",
            "?",
            "*nsenter*pid*1*",
            "*ü*",
            "ünï*",
        ] {
            let w = Wildcard::glob(pat);
            let general = Wildcard {
                shape: super::Shape::General,
                ..w.clone()
            };
            for t in texts {
                let t = t.to_lowercase();
                assert_eq!(
                    w.matches_folded(&t),
                    general.matches_folded(&t),
                    "{pat} on {t}"
                );
            }
        }
        assert!(Wildcard::ilike("%docker%").matches("run DOCKER now"));
        assert!(
            Wildcard::ilike("d_cker").matches("DOCKER")
                && !Wildcard::ilike("d_cker").matches("dcker")
        );
    }
}
