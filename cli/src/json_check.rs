//! A streaming check that a line is one JSON object (RFC 8259 grammar), fed in pieces, for
//! lines too long to hold in memory (`long_line.rs`). Memory: one bit per nesting level, at
//! most [`MAX_DEPTH`] levels (8 MiB); a deeper line counts as not an object.
//!
//! It answers what `cadet_core::write_enriched` asks of a record before keeping its bytes:
//! after trimming ASCII whitespace, an object and nothing else. UTF-8 is checked apart (the
//! caller does); string escapes are checked for their grammar only (a lone surrogate escape
//! is grammar-valid), as serde_json's validation does.

/// Deepest nesting followed (levels); deeper lines are treated as not an object.
pub const MAX_DEPTH: usize = 1 << 26;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Leading whitespace; the first byte after it must be `{`.
    Start,
    /// A value is expected.
    Value,
    /// Just after `[`: a value or `]`.
    ArrayFirst,
    /// Just after `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// After a value inside a container: `,` or the closing bracket.
    After,
    /// Inside a string (a key when `true`).
    Str(bool),
    /// After a backslash in a string.
    Escape(bool),
    /// Inside `\uXXXX`: hex digits still expected.
    Unicode(bool, u8),
    /// Inside a number.
    Number(Num),
    /// Inside `true`/`false`/`null`: the bytes still expected.
    Literal(&'static [u8]),
    /// The top-level object is closed; only ASCII whitespace may follow.
    Done,
    /// Not a JSON object.
    Fail,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Num {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    Exp,
    ExpSign,
    ExpDigits,
}

impl Num {
    fn complete(self) -> bool {
        matches!(self, Num::Zero | Num::Int | Num::Frac | Num::ExpDigits)
    }
}

/// The check, fed piece by piece.
pub struct ObjectCheck {
    state: State,
    /// One bit per open container: 1 = object, 0 = array.
    stack: Vec<u64>,
    depth: usize,
    /// The top-level object has at least one member.
    has_members: bool,
}

impl Default for ObjectCheck {
    fn default() -> Self {
        ObjectCheck {
            state: State::Start,
            stack: Vec::new(),
            depth: 0,
            has_members: false,
        }
    }
}

fn json_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl ObjectCheck {
    /// Feeds the next piece of the line.
    pub fn feed(&mut self, piece: &[u8]) {
        for &b in piece {
            if self.state == State::Fail {
                return;
            }
            self.byte(b);
        }
    }

    /// `Some(has_members)` when the whole line was one JSON object, `None` otherwise.
    pub fn finish(&self) -> Option<bool> {
        (self.state == State::Done).then_some(self.has_members)
    }

    fn push(&mut self, object: bool) -> bool {
        if self.depth >= MAX_DEPTH {
            return false;
        }
        let (word, bit) = (self.depth / 64, self.depth % 64);
        if word == self.stack.len() {
            self.stack.push(0);
        }
        if object {
            self.stack[word] |= 1 << bit;
        } else {
            self.stack[word] &= !(1 << bit);
        }
        self.depth += 1;
        true
    }

    /// Whether the innermost open container is an object.
    fn in_object(&self) -> bool {
        let d = self.depth - 1;
        self.stack[d / 64] >> (d % 64) & 1 == 1
    }

    /// A value just ended.
    fn value_done(&mut self) {
        self.state = if self.depth == 0 {
            State::Done
        } else {
            State::After
        };
    }

    fn start_value(&mut self, b: u8) {
        self.state = match b {
            b'{' => {
                if !self.push(true) {
                    State::Fail
                } else {
                    State::ObjectFirst
                }
            }
            b'[' => {
                if !self.push(false) {
                    State::Fail
                } else {
                    State::ArrayFirst
                }
            }
            b'"' => State::Str(false),
            b'-' => State::Number(Num::Minus),
            b'0' => State::Number(Num::Zero),
            b'1'..=b'9' => State::Number(Num::Int),
            b't' => State::Literal(b"rue"),
            b'f' => State::Literal(b"alse"),
            b'n' => State::Literal(b"ull"),
            _ => State::Fail,
        };
    }

    fn close(&mut self, object: bool) {
        if self.depth == 0 || self.in_object() != object {
            self.state = State::Fail;
            return;
        }
        self.depth -= 1;
        self.value_done();
    }

    fn byte(&mut self, b: u8) {
        match self.state {
            State::Start => {
                if b.is_ascii_whitespace() {
                } else if b == b'{' {
                    self.start_value(b);
                } else {
                    self.state = State::Fail;
                }
            }
            State::Done => {
                if !b.is_ascii_whitespace() {
                    self.state = State::Fail;
                }
            }
            State::Fail => {}
            State::Value => {
                if !json_space(b) {
                    self.start_value(b);
                }
            }
            State::ArrayFirst => {
                if b == b']' {
                    self.close(false);
                } else if !json_space(b) {
                    self.start_value(b);
                }
            }
            State::ObjectFirst | State::Key => {
                if b == b'"' {
                    if self.depth == 1 {
                        self.has_members = true;
                    }
                    self.state = State::Str(true);
                } else if b == b'}' && self.state == State::ObjectFirst {
                    self.close(true);
                } else if !json_space(b) {
                    self.state = State::Fail;
                }
            }
            State::Colon => {
                if b == b':' {
                    self.state = State::Value;
                } else if !json_space(b) {
                    self.state = State::Fail;
                }
            }
            State::After => match b {
                b',' => {
                    self.state = if self.in_object() {
                        State::Key
                    } else {
                        State::Value
                    }
                }
                b'}' => self.close(true),
                b']' => self.close(false),
                _ if json_space(b) => {}
                _ => self.state = State::Fail,
            },
            State::Str(key) => match b {
                b'"' => {
                    if key {
                        self.state = State::Colon;
                    } else {
                        self.value_done();
                    }
                }
                b'\\' => self.state = State::Escape(key),
                0..=0x1f => self.state = State::Fail,
                _ => {}
            },
            State::Escape(key) => {
                self.state = match b {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => State::Str(key),
                    b'u' => State::Unicode(key, 4),
                    _ => State::Fail,
                }
            }
            State::Unicode(key, left) => {
                self.state = if !b.is_ascii_hexdigit() {
                    State::Fail
                } else if left == 1 {
                    State::Str(key)
                } else {
                    State::Unicode(key, left - 1)
                }
            }
            State::Literal(rest) => {
                if rest.first() != Some(&b) {
                    self.state = State::Fail;
                } else if rest.len() == 1 {
                    self.value_done();
                } else {
                    self.state = State::Literal(&rest[1..]);
                }
            }
            State::Number(n) => {
                let next = match (n, b) {
                    (Num::Minus, b'0') => Some(Num::Zero),
                    (Num::Minus, b'1'..=b'9') => Some(Num::Int),
                    (Num::Int, b'0'..=b'9') => Some(Num::Int),
                    (Num::Zero | Num::Int, b'.') => Some(Num::Dot),
                    (Num::Dot | Num::Frac, b'0'..=b'9') => Some(Num::Frac),
                    (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Some(Num::Exp),
                    (Num::Exp, b'+' | b'-') => Some(Num::ExpSign),
                    (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => Some(Num::ExpDigits),
                    _ => None,
                };
                match next {
                    Some(n) => self.state = State::Number(n),
                    None if n.complete() => {
                        // The number ended; `b` belongs to what follows it.
                        self.value_done();
                        self.byte(b);
                    }
                    None => self.state = State::Fail,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &[u8]) -> Option<bool> {
        let mut c = ObjectCheck::default();
        // Fed one byte at a time: every state must survive a piece boundary.
        for b in s {
            c.feed(std::slice::from_ref(b));
        }
        let whole = {
            let mut w = ObjectCheck::default();
            w.feed(s);
            w.finish()
        };
        assert_eq!(c.finish(), whole, "{}", String::from_utf8_lossy(s));
        whole
    }

    #[test]
    fn objects_and_not() {
        for (s, want) in [
            (&br#"{}"#[..], Some(false)),
            (b" \x0c{ } \r", Some(false)),
            (br#"{"a":1}"#, Some(true)),
            (
                br#"{"a":[1,-0.5e+3,true,false,null,"x\u00e9\ud800\n",{"b":{}}],"c":[]}"#,
                Some(true),
            ),
            (br#"{"a":1}}"#, None),
            (br#"{"a":1,}"#, None),
            (br#"{"a":01}"#, None),
            (br#"{"a":1.}"#, None),
            (br#"{"a":-}"#, None),
            (br#"{"a":1e}"#, None),
            (br#"{"a":tru}"#, None),
            (br#"{"a":truex}"#, None),
            (br#"{"a"}"#, None),
            (br#"{"a":[}"#, None),
            (br#"{"a":]}"#, None),
            (br#"{"a":"\x"}"#, None),
            (br#"{"a":"\u12g4"}"#, None),
            (b"{\"a\":\"\x01\"}", None),
            (b"{\"a\":1}\x0c", Some(true)),
            (b"{\"a\":\x0c1}", None),
            (br#"[1]"#, None),
            (br#""a""#, None),
            (br#"{"a":1"#, None),
            (b"", None),
            (br#"{"a":1} {"b":2}"#, None),
        ] {
            assert_eq!(check(s), want, "{}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn deep_nesting_any_depth() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(check(deep.as_bytes()), Some(true));
        let unclosed = format!("{{\"a\":{}", "[".repeat(100_000));
        assert_eq!(check(unclosed.as_bytes()), None);
    }
}
