//! A cursor over a command's arguments that reads flags in every spelling
//! (`--flag=value`, `--flag value`, `-itd`, `--privileged=true`).

use super::*;

/// Splits `--flag=value` into its parts.
pub fn split_eq(word: &str) -> (&str, Option<&str>) {
    match word.split_once('=') {
        Some((f, v)) if f.starts_with("--") => (f, Some(v)),
        _ => (word, None),
    }
}

/// A cursor over arguments that knows which flags take values.
pub struct Flags<'s, 'a> {
    pub args: &'s [Cow<'a, str>],
    pub pos: usize,
}

/// One parsed option.
pub struct Opt<'a> {
    /// Canonical flag (`--volume`, `-v`).
    pub flag: String,
    /// Its value, if it takes one.
    pub value: Option<Cow<'a, str>>,
    /// The option as written (`-v /:/host`, `--privileged`).
    pub written: String,
}

impl<'s, 'a> Flags<'s, 'a> {
    pub fn new(args: &'s [Cow<'a, str>]) -> Self {
        Flags { args, pos: 0 }
    }

    pub fn peek(&self) -> Option<&'s Cow<'a, str>> {
        self.args.get(self.pos)
    }

    pub fn rest(&self) -> &'s [Cow<'a, str>] {
        &self.args[self.pos.min(self.args.len())..]
    }

    /// Reads options until the first positional or `--` (left in place).
    /// `takes_value(flag)` says whether a flag consumes the next word; short
    /// clusters (`-itd`, `-v/:/host`) are expanded letter by letter.
    pub fn options(&mut self, takes_value: &dyn Fn(&str) -> bool, mut each: impl FnMut(Opt<'a>)) {
        while let Some(word) = self.args.get(self.pos) {
            if word == "--" || !word.starts_with('-') || word.len() == 1 {
                return;
            }
            self.pos += 1;
            if word.starts_with("--") {
                let (flag, inline) = split_eq(word);
                if let Some(v) = inline {
                    each(Opt {
                        flag: flag.to_string(),
                        value: Some(sub_cow(word, flag.len() + 1, v)),
                        written: word.to_string(),
                    });
                } else if takes_value(flag) {
                    let value = self.args.get(self.pos).cloned();
                    self.pos += 1;
                    let written = match &value {
                        Some(v) => alloc::format!("{flag} {v}"),
                        None => flag.to_string(),
                    };
                    each(Opt {
                        flag: flag.to_string(),
                        value,
                        written,
                    });
                } else {
                    each(Opt {
                        flag: flag.to_string(),
                        value: None,
                        written: word.to_string(),
                    });
                }
                continue;
            }
            // Short cluster.
            let letters: Vec<(usize, char)> = word.char_indices().skip(1).collect();
            for (k, &(at, c)) in letters.iter().enumerate() {
                let flag = alloc::format!("-{c}");
                if takes_value(&flag) {
                    let attached = &word[at + c.len_utf8()..];
                    let attached = attached.strip_prefix('=').unwrap_or(attached);
                    let value = if !attached.is_empty() {
                        Some(Cow::Owned(attached.to_string()))
                    } else {
                        let v = self.args.get(self.pos).cloned();
                        self.pos += 1;
                        v
                    };
                    let written = match (&value, attached.is_empty()) {
                        (Some(v), true) => alloc::format!("{flag} {v}"),
                        _ => alloc::format!("{flag}{attached}"),
                    };
                    each(Opt {
                        flag,
                        value,
                        written,
                    });
                    break;
                }
                let _ = k;
                each(Opt {
                    flag,
                    value: None,
                    written: word.to_string(),
                });
            }
        }
    }

    /// The next positional word (skipping nothing).
    pub fn positional(&mut self) -> Option<&'s Cow<'a, str>> {
        let w = self.args.get(self.pos)?;
        self.pos += 1;
        Some(w)
    }
}

pub fn sub_cow<'a>(whole: &Cow<'a, str>, start: usize, fallback: &str) -> Cow<'a, str> {
    match whole {
        Cow::Borrowed(s) => Cow::Borrowed(&s[start..]),
        Cow::Owned(_) => Cow::Owned(fallback.to_string()),
    }
}

pub fn truthy(value: &Option<Cow<'_, str>>) -> bool {
    match value.as_deref() {
        None => true,
        Some(v) => !matches!(v.to_ascii_lowercase().as_str(), "false" | "0" | "no"),
    }
}
