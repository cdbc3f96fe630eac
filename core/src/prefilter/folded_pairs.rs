//! The WebAssembly prefilter search: keywords found ASCII-case-insensitively in the record as it
//! is (no lower-cased copy), through a table of case-folded byte pairs read every other position.
//!
//! A byte pair is folded by setting bit 5 of both bytes (`b | 0x20`), which maps `A`–`Z` onto
//! `a`–`z` (and merges a few other bytes: a superset, never a miss). Each keyword is anchored at two
//! adjacent pairs of its own (the rarest such window, by the byte frequencies of
//! [`crate::prefilter::bigram_searcher`]); a keyword of three bytes or more then always has one of
//! its two anchor pairs at an even position of the haystack, so only every other position is looked
//! up: one 16-bit load, one `or` and one load from a 64 KiB byte table per two bytes of record.
//! Where a marked pair occurs, the keywords anchored there are compared exactly
//! (`eq_ignore_ascii_case`). Without SIMD (WebAssembly as Fluent Bit's interpreter runs it) this
//! is several times cheaper than lower-casing the record and walking every pair.
//!
//! The haystack is the record led by a space (a keyword such as `" ctr"` also matches at the very
//! start of a record), the same haystack the other strategies search. The same table marks every
//! pair holding a backslash, so the search also says whether the record has one (the escape check
//! of [`crate::prefilter::Prefilter`] is skipped without it).

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::prefilter::bigram_searcher::pair_cost;

/// Table bit: some keyword is anchored at this folded pair.
const ANCHOR: u8 = 1;
/// Table bit: the pair holds a byte that folds like a backslash (`\` or `|`).
const BACKSLASH: u8 = 2;

/// Folds a byte for the table (`A`–`Z` to `a`–`z`; other bytes may merge with a neighbour).
#[inline(always)]
fn fold(b: u8) -> u8 {
    b | 0x20
}

/// Keywords searched ASCII-case-insensitively through a folded byte-pair table.
#[derive(Clone, Debug)]
pub(crate) struct FoldedPairs {
    /// Per folded pair (`first | second << 8`): [`ANCHOR`] and [`BACKSLASH`] bits.
    table: Box<[u8; 65536]>,
    /// (folded pair, offset of the pair in the keyword, keyword), sorted by pair.
    anchors: Vec<(u16, usize, usize)>,
    /// The keywords, lower-cased.
    keywords: Vec<Vec<u8>>,
    /// Per keyword: its class bits.
    classes: Vec<u8>,
    /// 2 when every keyword has three bytes or more (two anchor pairs), else 1.
    stride: usize,
}

/// What a search found: the union of the keyword classes, and whether the haystack has a
/// backslash (only known for certain when the search ran to the end).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Found {
    pub classes: u8,
    pub backslash: bool,
}

impl FoldedPairs {
    /// Builds the table for lower-cased `keywords` with their class bits; `None` when a keyword
    /// is shorter than two bytes.
    pub(crate) fn new(keywords: &[(&[u8], u8)]) -> Option<FoldedPairs> {
        if keywords.iter().any(|(k, _)| k.len() < 2) {
            return None;
        }
        let stride = if keywords.iter().all(|(k, _)| k.len() >= 3) {
            2
        } else {
            1
        };
        let mut table: Box<[u8; 65536]> =
            alloc::vec![0u8; 65536].into_boxed_slice().try_into().ok()?;
        let index = |a: u8, b: u8| usize::from(fold(a)) | usize::from(fold(b)) << 8;
        for x in 0..=255u8 {
            if fold(x) == fold(b'\\') {
                for y in 0..=255u8 {
                    table[index(x, y)] |= BACKSLASH;
                    table[index(y, x)] |= BACKSLASH;
                }
            }
        }
        let mut anchors = Vec::new();
        for (k, (kw, _)) in keywords.iter().enumerate() {
            // `stride` adjacent pairs, the window of least summed cost.
            let windows = kw.len() - stride;
            let offset = (0..windows)
                .min_by_key(|&i| {
                    let cost: u32 = (i..i + stride).map(|o| pair_cost(kw[o], kw[o + 1])).sum();
                    (cost, i)
                })
                .unwrap_or(0);
            for o in offset..offset + stride {
                let pair = index(kw[o], kw[o + 1]);
                table[pair] |= ANCHOR;
                anchors.push((pair as u16, o, k));
            }
        }
        anchors.sort_unstable();
        anchors.dedup();
        Some(FoldedPairs {
            table,
            anchors,
            keywords: keywords.iter().map(|(k, _)| k.to_vec()).collect(),
            classes: keywords.iter().map(|(_, c)| *c).collect(),
            stride,
        })
    }

    /// Searches `record` led by a space; stops as soon as `enough` holds for the classes found.
    pub(crate) fn search(&self, record: &[u8], enough: &dyn Fn(u8) -> bool) -> Found {
        let mut found = Found::default();
        let t = &*self.table;
        // Position -1 of the record is the leading space: the pair (' ', record[0]).
        if let Some(&first) = record.first() {
            let bits = t[usize::from(b' ') | usize::from(fold(first)) << 8];
            found.backslash |= bits & BACKSLASH != 0;
            if bits & ANCHOR != 0 && self.verify(record, -1, &mut found.classes, enough) {
                return found;
            }
        }
        let n = record.len();
        // Record position i holds the pair (record[i], record[i + 1]); with stride 2 the
        // positions looked up are -1, 1, 3, ... (even positions of the space-led haystack).
        let mut i = self.stride - 1;
        if self.stride == 2 {
            // Eight pairs (sixteen bytes) per step, one branch.
            while i + 17 <= n {
                let w = &record[i..i + 17];
                let p = |k: usize| usize::from(u16::from_le_bytes([w[k], w[k + 1]]) | 0x2020);
                let bits = t[p(0)]
                    | t[p(2)]
                    | t[p(4)]
                    | t[p(6)]
                    | t[p(8)]
                    | t[p(10)]
                    | t[p(12)]
                    | t[p(14)];
                if bits != 0 {
                    found.backslash |= bits & BACKSLASH != 0;
                    if bits & ANCHOR != 0 {
                        for k in (0..16).step_by(2) {
                            if t[p(k)] & ANCHOR != 0
                                && self.verify(record, (i + k) as isize, &mut found.classes, enough)
                            {
                                return found;
                            }
                        }
                    }
                }
                i += 16;
            }
        }
        while i + 2 <= n {
            let bits = t[usize::from(u16::from_le_bytes([record[i], record[i + 1]]) | 0x2020)];
            found.backslash |= bits & BACKSLASH != 0;
            if bits & ANCHOR != 0 && self.verify(record, i as isize, &mut found.classes, enough) {
                return found;
            }
            i += self.stride;
        }
        // With stride 2 the last byte may sit in no pair looked up: check it for a backslash.
        if let Some(&last) = record.last() {
            found.backslash |= fold(last) == fold(b'\\');
        }
        found
    }

    /// Compares the keywords anchored at the pair at record position `at` (-1: the leading
    /// space and the first byte); true once `enough` holds.
    #[inline(never)]
    fn verify(
        &self,
        record: &[u8],
        at: isize,
        found: &mut u8,
        enough: &dyn Fn(u8) -> bool,
    ) -> bool {
        let (a, b) = match at {
            -1 => (b' ', record[0]),
            _ => (record[at as usize], record[at as usize + 1]),
        };
        let pair = (u16::from(fold(a)) | u16::from(fold(b)) << 8) as usize as u16;
        let first = self.anchors.partition_point(|x| x.0 < pair);
        for &(p, offset, k) in &self.anchors[first..] {
            if p != pair {
                break;
            }
            let class = self.classes[k];
            if *found & class == class {
                continue;
            }
            let start = at - offset as isize;
            let kw = &self.keywords[k];
            let hit = match start {
                -1 => {
                    kw[0] == b' '
                        && record.len() >= kw.len() - 1
                        && record[..kw.len() - 1].eq_ignore_ascii_case(&kw[1..])
                }
                s if s >= 0 => {
                    let s = s as usize;
                    record.len() >= s + kw.len() && record[s..s + kw.len()].eq_ignore_ascii_case(kw)
                }
                _ => false,
            };
            if hit {
                *found |= class;
                if enough(*found) {
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(words: &[&str], hay: &[u8]) -> bool {
        let mut led = alloc::vec![b' '];
        led.extend(hay.iter().map(|b| b.to_ascii_lowercase()));
        words
            .iter()
            .any(|w| led.windows(w.len()).any(|x| x == w.as_bytes()))
    }

    #[test]
    fn finds_keywords_at_every_position_and_case_and_nothing_else() {
        for words in [
            &["docker", " ctr", "lxc", "10250", "/dev/tcp", "k9s"][..],
            &["ab", "docker", " c"][..],
        ] {
            let classed: Vec<(&[u8], u8)> = words.iter().map(|w| (w.as_bytes(), 1)).collect();
            let s = FoldedPairs::new(&classed).unwrap();
            for w in words {
                for pad in 0..40 {
                    for upper in [false, true] {
                        let mut hay = alloc::vec![b'x'; pad];
                        hay.extend(
                            w.bytes()
                                .map(|b| if upper { b.to_ascii_uppercase() } else { b }),
                        );
                        hay.extend(core::iter::repeat_n(b'y', pad % 7));
                        let want = naive(words, &hay);
                        assert_eq!(s.search(&hay, &|_| true).classes != 0, want, "{w} at {pad}");
                        let cut = &hay[pad.min(hay.len())..][1..];
                        assert_eq!(
                            s.search(cut, &|_| true).classes != 0,
                            naive(words, cut),
                            "{w} cut at {pad}"
                        );
                    }
                }
            }
            assert_eq!(s.search(b"", &|_| true), Found::default());
        }
        assert!(FoldedPairs::new(&[(b"x", 1)]).is_none());
    }

    #[test]
    fn reports_a_backslash_anywhere() {
        let s = FoldedPairs::new(&[(b"docker", 1)]).unwrap();
        for n in 0..40 {
            let mut hay = alloc::vec![b'a'; n];
            assert!(!s.search(&hay, &|_| false).backslash);
            hay.push(b'\\');
            hay.extend(core::iter::repeat_n(b'b', n % 5));
            assert!(s.search(&hay, &|_| false).backslash, "at {n}");
        }
    }
}
