//! The shell-line splitters behind `sh -c "…"`, sudo/shell-history lines and the kubelet
//! `cmd=`: POSIX and Windows splitting, the commands of a line (operators, `$(…)`, backticks),
//! then argument analysis of every command found.
#![no_main]

use std::borrow::Cow;

use cadet_fuzz::internal::{
    analyse_all, analyse_line, shell_split, split_commands, split_windows, MAX_SHELL_COMMANDS,
    MAX_SHELL_DEPTH,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    let words = shell_split(&line);
    // Splitting never makes text up: the words hold at most the line's characters.
    assert!(words.iter().map(|w| w.len()).sum::<usize>() <= line.len() * 2 + words.len());
    let argv: Vec<Cow<'_, str>> = words.iter().map(|w| Cow::Borrowed(w.as_str())).collect();
    let _ = analyse_all(&argv);
    // The commands of the line: bounded in number, and in text (each character is kept at
    // most once per level of substitution around it, plus once as a word).
    let commands = split_commands(&line);
    assert!(commands.len() <= MAX_SHELL_COMMANDS);
    let chars: usize = commands.iter().flatten().map(|w| w.len()).sum();
    assert!(chars <= (line.len() + 2) * (MAX_SHELL_DEPTH + 2));
    let _ = analyse_line(&line);
    let win = split_windows(&line);
    let argv: Vec<Cow<'_, str>> = win.iter().map(|w| Cow::Borrowed(w.as_str())).collect();
    let _ = analyse_all(&argv);
});
