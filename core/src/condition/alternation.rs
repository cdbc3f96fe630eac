//! `imatches '.*(lit|lit|…).*'` answered by a scan instead of the regex engine.
//!
//! AQL's `IMATCHES` matches the whole value, so a rule that looks for any of a few words in a
//! command line is written `.*(docker exec|kubectl exec|…).*` (all five rules and the profile
//! filter of `qradar-t1059-013` are). regex-lite runs that as a Pike VM with capture slots: a
//! few hundred states stepped over every byte, about 40 ns a byte natively and enough wasm
//! instructions on a 4 MB command line to exhaust a component's fuel. The answer needs none of
//! that: [`LiteralAlternation::find`] gives exactly what the regex gives, capture included,
//! with one backward pass over the bytes.
//!
//! What the regex `^(?:.*(A1|…|An).*)$` (case-insensitive, as [`super::parse::compile_regex`]
//! builds it) answers, when every `Ai` is a non-empty literal of printable ASCII:
//! - `.` matches any character but `\n`, and the match spans the whole value, so a value
//!   holding a `\n` never matches (no `Ai` holds one);
//! - otherwise it matches when some `Ai` occurs, ASCII case ignored (regex-lite's
//!   case-insensitivity is ASCII only);
//! - the capture: the first `.*` is greedy, so the highest start position where some `Ai`
//!   occurs, and there the first `Ai` in written order that occurs (leftmost-first
//!   alternation). Every `Ai` is ASCII, so that position is a character boundary.
//!
//! A pattern of any other shape keeps the regex (see [`LiteralAlternation::parse`]); the
//! regex is compiled in every case, so size limits and error messages do not change.

use alloc::string::String;
use alloc::vec::Vec;

/// The literals of an `imatches` pattern of the form `.*(A1|…|An).*`, in written order.
#[derive(Clone, Debug)]
pub struct LiteralAlternation {
    /// Each literal, lower-cased (ASCII).
    literals: Vec<Vec<u8>>,
    /// `first[b]`: some literal starts with byte `b` (either case).
    first: [bool; 256],
    /// The shortest literal's length.
    shortest: usize,
}

/// Characters with a meaning in a regex outside a class: not a literal unescaped, and the
/// only characters the parser accepts escaped.
const META: &[u8] = b"\\.+*?()|[]{}^$";

impl LiteralAlternation {
    /// The literals of `pattern` (the `imatches` value as written, before it is anchored), when
    /// it is exactly `.*(` literals separated by `|` `).*`; each literal printable ASCII with
    /// the regex meta characters escaped, and at least one character long. `None` otherwise.
    pub fn parse(pattern: &str) -> Option<LiteralAlternation> {
        let inner = pattern.strip_prefix(".*(")?.strip_suffix(").*")?;
        let mut literals = Vec::new();
        let mut current = Vec::new();
        let mut bytes = inner.bytes();
        while let Some(b) = bytes.next() {
            match b {
                b'|' => literals.push(core::mem::take(&mut current)),
                b'\\' => {
                    let escaped = bytes.next()?;
                    if !META.contains(&escaped) {
                        return None;
                    }
                    current.push(escaped);
                }
                b' '..=b'~' if !META.contains(&b) => current.push(b),
                _ => return None,
            }
        }
        literals.push(current);
        if literals.iter().any(Vec::is_empty) {
            return None;
        }
        let mut first = [false; 256];
        for l in &mut literals {
            l.make_ascii_lowercase();
            first[usize::from(l[0])] = true;
            first[usize::from(l[0].to_ascii_uppercase())] = true;
        }
        let shortest = literals.iter().map(Vec::len).min()?;
        Some(LiteralAlternation {
            literals,
            first,
            shortest,
        })
    }

    /// What the anchored case-insensitive regex gives for `s`: `None` when it does not match,
    /// else the text of its capture group (the literal as it appears in `s`).
    pub fn find<'s>(&self, s: &'s str) -> Option<&'s str> {
        let b = s.as_bytes();
        if b.len() < self.shortest || b.contains(&b'\n') {
            return None;
        }
        for at in (0..=b.len() - self.shortest).rev() {
            if !self.first[usize::from(b[at])] {
                continue;
            }
            let rest = &b[at..];
            for l in &self.literals {
                if rest.len() >= l.len() && rest[..l.len()].eq_ignore_ascii_case(l) {
                    // ASCII literal: `at` and `at + len` are character boundaries.
                    return s.get(at..at + l.len());
                }
            }
        }
        None
    }

    /// The literals, lower-cased, in written order.
    pub fn literals(&self) -> impl Iterator<Item = String> + '_ {
        self.literals
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec;

    fn regex(pattern: &str) -> regex_lite::Regex {
        regex_lite::RegexBuilder::new(&format!("^(?:{pattern})$"))
            .case_insensitive(true)
            .build()
            .unwrap()
    }

    /// The regex's answer, as `text_any` reads it.
    fn by_regex<'s>(re: &regex_lite::Regex, s: &'s str) -> Option<&'s str> {
        re.captures(s)
            .map(|c| c.get(1).or_else(|| c.get(0)).map_or("", |m| m.as_str()))
    }

    #[test]
    fn only_the_literal_alternation_shape_is_taken() {
        for p in [
            ".*(docker|kubectl).*",
            ".*(-v /:/host|-v /var/run/docker\\.sock).*",
            ".*(nsenter).*",
            ".*(a\\|b|c\\(d\\)).*",
        ] {
            assert!(LiteralAlternation::parse(p).is_some(), "{p}");
        }
        for p in [
            "docker",
            ".*docker.*",
            ".*(docker|).*",
            ".*(dock.r).*",
            ".*(docker|kube(ctl)).*",
            ".*(docker)",
            "(docker).*",
            ".*(\\d+).*",
            ".*(docker\\n).*",
            ".*(dócker).*",
            ".*(a\tb).*",
            ".*(a[b]).*",
            ".*(?i:docker).*",
            ".*(docker).*|x",
        ] {
            assert!(LiteralAlternation::parse(p).is_none(), "{p}");
        }
    }

    #[test]
    fn the_literals_are_the_written_ones() {
        let a = LiteralAlternation::parse(".*(Docker\\.sock|get SECRETS).*").unwrap();
        assert_eq!(
            a.literals().collect::<Vec<_>>(),
            ["docker.sock", "get secrets"]
        );
    }

    /// The differential test: on every subject the scan gives the regex's answer, capture
    /// included.
    #[test]
    fn same_answer_and_capture_as_the_regex() {
        let patterns = [
            ".*(docker exec|docker run|docker pull|docker build|kubectl exec|kubectl run|kubectl apply|kubectl get secrets|crictl exec|ctr run|--privileged|--net=host|-v /:/host|docker\\.sock).*",
            ".*(docker|kubectl|crictl|ctr|podman|nerdctl).*",
            ".*(--privileged|--cap-add=SYS_ADMIN|--net=host|--pid=host).*",
            ".*(-v /:/host|-v /etc:/|-v /var/run/docker\\.sock).*",
            ".*(get secrets|get configmaps).*",
            ".*(nsenter|chroot /host).*",
            // Overlapping literals: which one the capture names depends on order and position.
            ".*(ab|abc|b|bc|c).*",
            ".*(abc|ab|bc|b).*",
            ".*(aa|a).*",
            ".*(a\\.b|a\\*|\\(x\\)).*",
        ];
        let pieces = [
            "",
            "docker",
            "DOCKER",
            "Docker Run",
            "docker run",
            "dockerrun",
            "kubectl",
            "KubeCtl get secrets",
            "ctr",
            "ct",
            "r",
            " ",
            "--privileged",
            "--PRIVILEGED",
            "--net=host",
            "-v /:/host",
            "-v /etc:/",
            "docker.sock",
            "dockerXsock",
            "\n",
            "\r",
            "\t",
            "é",
            "ß",
            "日本",
            "\u{212a}",
            "K",
            "ab",
            "abc",
            "bc",
            "b",
            "c",
            "a",
            "aa",
            "a.b",
            "a*",
            "(x)",
            "x",
            "nsenter",
            "chroot /host",
            "get configmaps",
            "crictl exec",
            "podman",
            "nerdctl",
            "--pid=host",
            "--cap-add=sys_admin",
        ];
        // Every subject of up to three pieces, and a deterministic sample of longer ones.
        let mut subjects: Vec<String> = vec![String::new()];
        for a in pieces {
            for b in pieces {
                subjects.push(format!("{a}{b}"));
                for c in ["", " ", "docker", "ab", "\n", "é", "x"] {
                    subjects.push(format!("{a}{c}{b}"));
                }
            }
        }
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..(seed % 12) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            subjects.push(s);
        }
        for p in patterns {
            let fast = LiteralAlternation::parse(p).unwrap_or_else(|| panic!("{p}"));
            let re = regex(p);
            for s in &subjects {
                assert_eq!(
                    fast.find(s),
                    by_regex(&re, s),
                    "pattern {p:?}, subject {s:?}"
                );
            }
        }
    }

    #[test]
    fn a_long_command_line_is_one_pass() {
        let a = LiteralAlternation::parse(".*(docker run|--privileged).*").unwrap();
        let mut line = "docker run".to_string();
        for _ in 0..100_000 {
            line.push_str(" a");
        }
        line.push_str(" --privileged alpine");
        assert_eq!(a.find(&line), Some("--privileged"));
        assert_eq!(
            a.find(&line),
            by_regex(&regex(".*(docker run|--privileged).*"), &line)
        );
        line.push('\n');
        assert_eq!(a.find(&line), None);
    }
}
