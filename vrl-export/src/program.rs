//! The VRL program being written: the emitter with its fresh variable names, and the
//! indentation the finished program gets.

use alloc::format;
use alloc::string::String;

/// Emits VRL with unique temporary names.
pub(crate) struct Out {
    pub code: String,
    n: usize,
}

impl Out {
    pub(crate) fn new() -> Out {
        Out {
            code: String::new(),
            n: 0,
        }
    }

    /// A fresh variable name.
    pub(crate) fn var(&mut self, stem: &str) -> String {
        self.n += 1;
        format!("{stem}_{}", self.n)
    }

    /// Restarts temporary names: code emitted after this does not read earlier temporaries.
    /// (Fewer distinct variables keep the VRL compiler's type state small.)
    pub(crate) fn reset(&mut self) {
        self.n = 0;
    }

    /// Appends lines (already indented by the caller's text).
    pub(crate) fn push(&mut self, text: &str) {
        self.code.push_str(text);
        if !text.ends_with('\n') {
            self.code.push('\n');
        }
    }
}

/// Re-indents the generated code by brace depth (2 spaces per level).
pub(crate) fn indent(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 4);
    let mut depth: usize = 0;
    for raw in code.lines() {
        let line = raw.trim();
        if line.is_empty() {
            out.push('\n');
            continue;
        }
        let (opens, closes, leading_close) = braces(line);
        let d = if leading_close {
            depth.saturating_sub(1)
        } else {
            depth
        };
        for _ in 0..d {
            out.push_str("  ");
        }
        out.push_str(line);
        out.push('\n');
        depth = (depth + opens).saturating_sub(closes);
    }
    out
}

/// Counts `{` and `}` outside string and regex literals and comments; says whether the line starts with `}`.
pub(crate) fn braces(line: &str) -> (usize, usize, bool) {
    let (mut opens, mut closes) = (0, 0);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '#' => break,
            '"' | '\'' => quote = Some(c),
            '{' => opens += 1,
            '}' => closes += 1,
            _ => {}
        }
    }
    (opens, closes, line.starts_with('}'))
}
