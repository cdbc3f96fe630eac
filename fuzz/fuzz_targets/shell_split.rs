//! The shell-line splitter behind `sh -c "…"`, sudo/shell-history lines and the kubelet
//! `cmd=`: POSIX and Windows splitting, then argument analysis of every command found.
#![no_main]

use std::borrow::Cow;

use cadet_fuzz::internal::{analyse_all, shell_split, split_windows};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    let words = shell_split(&line);
    // Splitting never makes text up: the words hold at most the line's characters.
    assert!(words.iter().map(|w| w.len()).sum::<usize>() <= line.len() * 2 + words.len());
    let argv: Vec<Cow<'_, str>> = words.iter().map(|w| Cow::Borrowed(w.as_str())).collect();
    let _ = analyse_all(&argv);
    let win = split_windows(&line);
    let argv: Vec<Cow<'_, str>> = win.iter().map(|w| Cow::Borrowed(w.as_str())).collect();
    let _ = analyse_all(&argv);
});
