//! The condition text read into a [`Condition`]: lexer, recursive-descent parser, and the
//! patterns compiled once per rule.

use super::*;
use crate::fields;
use crate::fields::{FieldKind, FieldRef};
use crate::text::wildcard::Wildcard;

impl Condition {
    /// Parses a condition; field names are checked against [`crate::fields`].
    pub fn parse(text: &str, lists: &Lists) -> Result<Condition, ConditionError> {
        Condition::parse_with(text, lists, &Macros::new())
    }

    /// Parses a condition that may use the named conditions `macros` (`$name`): each
    /// reference becomes a copy of the macro's tree (an `and` inside an `and`, or an `or`
    /// inside an `or`, is merged into it), so the result is the tree of the same condition
    /// written out in full. Refused past [`MAX_EXPANDED_NODES`] nodes or
    /// [`MAX_EXPANDED_DEPTH`] levels once expanded.
    ///
    /// ```
    /// use cadet_core::parts::condition::{Condition, Macros};
    /// let lists = Default::default();
    /// let mut macros = Macros::new();
    /// macros.insert("live".into(), Condition::parse("not k8s.denied and not k8s.status_code >= 400", &lists).unwrap());
    /// let c = Condition::parse_with("k8s.subresource == \"exec\" and $live", &lists, &macros).unwrap();
    /// assert_eq!(c.fields(), ["k8s.subresource", "k8s.denied", "k8s.status_code"]);
    /// let e = Condition::parse_with("$nope", &lists, &macros).unwrap_err();
    /// assert_eq!(e.message, "unknown macro `$nope`");
    /// ```
    pub fn parse_with(
        text: &str,
        lists: &Lists,
        macros: &Macros,
    ) -> Result<Condition, ConditionError> {
        if text.len() > MAX_CONDITION_LEN {
            return Err(ConditionError {
                offset: 0,
                message: alloc::format!("condition longer than {MAX_CONDITION_LEN} characters"),
            });
        }
        let toks = lex(text)?;
        let mut p = Parser {
            toks,
            pos: 0,
            end: text.len(),
            lists,
            macros,
            depth: 0,
            nodes: 0,
            bare_macro: false,
        };
        let c = p.or()?;
        if p.pos < p.toks.len() {
            return p.err("expected `and`, `or` or the end of the condition");
        }
        if c.depth() > MAX_EXPANDED_DEPTH {
            return Err(ConditionError {
                offset: 0,
                message: alloc::format!(
                    "condition nested deeper than {MAX_EXPANDED_DEPTH} levels once its macros are expanded"
                ),
            });
        }
        Ok(c)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Word(String),
    Str(String),
    Int(i64),
    Sym(&'static str),
    ListRef(String),
    MacroRef(String),
}

/// The macro names `text` refers to (`$name`), in order; empty when it does not lex.
pub fn macro_refs(text: &str) -> Vec<String> {
    lex(text)
        .map(|toks| {
            toks.into_iter()
                .filter_map(|(_, t)| match t {
                    Tok::MacroRef(m) => Some(m),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// True when `name` can be written after `$` (letters, digits, `_`, `-`).
pub fn is_macro_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub fn lex(text: &str) -> Result<Vec<(usize, Tok)>, ConditionError> {
    let err = |offset, message: &str| ConditionError {
        offset,
        message: message.to_string(),
    };
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' | b')' | b',' | b'[' | b']' => {
                let s = match c {
                    b'(' | b'[' => "(",
                    b')' | b']' => ")",
                    _ => ",",
                };
                out.push((start, Tok::Sym(s)));
                i += 1;
            }
            b'=' | b'!' | b'<' | b'>' => {
                let two = text.get(i..i + 2).unwrap_or("");
                let sym = match two {
                    "==" => "==",
                    "!=" => "!=",
                    ">=" => ">=",
                    "<=" => "<=",
                    _ if c == b'<' => "<",
                    _ if c == b'>' => ">",
                    _ => return Err(err(start, "expected `==` or `!=`")),
                };
                i += sym.len();
                out.push((start, Tok::Sym(sym)));
            }
            b'"' | b'\'' => {
                let quote = c;
                i += 1;
                let mut s = String::new();
                let mut closed = false;
                while i < bytes.len() {
                    let ch = text[i..].chars().next().unwrap_or('\0');
                    if ch as u32 == quote as u32 {
                        i += 1;
                        closed = true;
                        break;
                    }
                    if ch == '\\' {
                        let next = text[i + 1..].chars().next();
                        match next {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some(n @ ('\\' | '"' | '\'')) => s.push(n),
                            Some(n) => {
                                s.push('\\');
                                s.push(n);
                            }
                            None => return Err(err(i, "unfinished escape")),
                        }
                        i += 1 + next.map(char::len_utf8).unwrap_or(0);
                        continue;
                    }
                    s.push(ch);
                    i += ch.len_utf8();
                }
                if !closed {
                    return Err(err(start, "unterminated string"));
                }
                out.push((start, Tok::Str(s)));
            }
            b'@' => {
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-')
                {
                    i += 1;
                }
                if i == start + 1 {
                    return Err(err(start, "expected a list name after `@`"));
                }
                out.push((start, Tok::ListRef(text[start + 1..i].to_string())));
            }
            b'$' => {
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-')
                {
                    i += 1;
                }
                if i == start + 1 {
                    return Err(err(start, "expected a macro name after `$`"));
                }
                out.push((start, Tok::MacroRef(text[start + 1..i].to_string())));
            }
            b'-' | b'0'..=b'9' => {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                let n = text[start..i]
                    .parse()
                    .map_err(|_| err(start, "bad number"))?;
                out.push((start, Tok::Int(n)));
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.' | b'-'))
                {
                    i += 1;
                }
                out.push((start, Tok::Word(text[start..i].to_string())));
            }
            _ => return Err(err(start, "unexpected character")),
        }
    }
    Ok(out)
}

pub struct Parser<'l> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    lists: &'l Lists,
    macros: &'l Macros,
    depth: usize,
    /// Nodes copied in from macros so far (bounded by [`MAX_EXPANDED_NODES`]).
    nodes: usize,
    /// The last `unary` was a bare macro reference (its `and`/`or` may be merged).
    bare_macro: bool,
}

impl<'l> Parser<'l> {
    pub fn offset(&self) -> usize {
        self.toks.get(self.pos).map(|(o, _)| *o).unwrap_or(self.end)
    }
    pub fn err<T>(&self, message: impl Into<String>) -> Result<T, ConditionError> {
        Err(ConditionError {
            offset: self.offset(),
            message: message.into(),
        })
    }
    pub fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    pub fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|(_, t)| t.clone());
        self.pos += 1;
        t
    }
    pub fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    pub fn or(&mut self) -> Result<Condition, ConditionError> {
        let mut items = Vec::new();
        loop {
            let c = self.and()?;
            match c {
                Condition::Or(inner) if self.bare_macro => items.extend(inner),
                c => items.push(c),
            }
            if !self.is_word("or") {
                break;
            }
            self.pos += 1;
        }
        self.bare_macro = false;
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Condition::False)
        } else {
            Condition::Or(items)
        })
    }

    pub fn and(&mut self) -> Result<Condition, ConditionError> {
        let mut items = Vec::new();
        let mut last_bare;
        loop {
            let c = self.unary()?;
            last_bare = self.bare_macro;
            match c {
                Condition::And(inner) if self.bare_macro => items.extend(inner),
                c => items.push(c),
            }
            if !self.is_word("and") {
                break;
            }
            self.pos += 1;
        }
        // One item: the caller (`or`) may merge it if it is a bare macro's `or`.
        self.bare_macro = last_bare && items.len() == 1;
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Condition::False)
        } else {
            Condition::And(items)
        })
    }

    pub fn unary(&mut self) -> Result<Condition, ConditionError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.err(alloc::format!(
                "condition nested deeper than {MAX_NESTING} levels"
            ));
        }
        let mut bare_macro = false;
        let result = match self.peek() {
            Some(Tok::MacroRef(name)) => {
                let name = name.clone();
                bare_macro = true;
                self.expand(&name)
            }
            Some(Tok::Word(w)) if w == "not" => {
                self.pos += 1;
                Ok(Condition::Not(Box::new(self.unary()?)))
            }
            Some(Tok::Sym("(")) => {
                self.pos += 1;
                let inner = self.or()?;
                if self.next() != Some(Tok::Sym(")")) {
                    self.pos -= 1;
                    return self.err("expected `)`");
                }
                Ok(inner)
            }
            Some(Tok::Word(w)) if w == "true" => {
                self.pos += 1;
                Ok(Condition::True)
            }
            Some(Tok::Word(w)) if w == "false" => {
                self.pos += 1;
                Ok(Condition::False)
            }
            Some(Tok::Word(_)) => self.test(),
            _ => self.err("expected a field, `not`, `(` or a `$macro`"),
        };
        self.bare_macro = bare_macro;
        self.depth -= 1;
        result
    }

    /// A copy of macro `name`'s tree, within the expansion bounds.
    fn expand(&mut self, name: &str) -> Result<Condition, ConditionError> {
        let Some(c) = self.macros.get(name) else {
            return self.err(alloc::format!("unknown macro `${name}`"));
        };
        self.nodes += c.size();
        if self.nodes > MAX_EXPANDED_NODES {
            return self.err(alloc::format!(
                "condition larger than {MAX_EXPANDED_NODES} nodes once its macros are expanded"
            ));
        }
        if self.depth + c.depth() > MAX_EXPANDED_DEPTH {
            return self.err(alloc::format!(
                "condition nested deeper than {MAX_EXPANDED_DEPTH} levels once its macros are expanded"
            ));
        }
        let c = c.clone();
        self.pos += 1;
        Ok(c)
    }

    pub fn test(&mut self) -> Result<Condition, ConditionError> {
        let at = self.offset();
        let Some(Tok::Word(field)) = self.next() else {
            return self.err("expected a field");
        };
        let Some(kind) = fields::kind_of(&field) else {
            return Err(ConditionError {
                offset: at,
                message: alloc::format!("unknown field `{field}`"),
            });
        };
        let op = match self.peek() {
            Some(Tok::Word(w)) if w == "exists" => {
                self.pos += 1;
                return Ok(Condition::Exists(FieldRef::new(&field)));
            }
            Some(Tok::Word(w)) => Op::parse(w),
            Some(Tok::Sym(s)) => Op::parse(s),
            _ => None,
        };
        let Some(op) = op else {
            return Ok(Condition::Truthy(FieldRef::new(&field)));
        };
        let op_at = self.offset();
        self.pos += 1;
        let values = self.values()?;
        let numeric = matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le);
        if numeric && kind != FieldKind::Int {
            return Err(ConditionError {
                offset: op_at,
                message: alloc::format!(
                    "`{}` needs a number field; `{field}` is not one",
                    op.as_str()
                ),
            });
        }
        if op.is_pattern() && matches!(kind, FieldKind::Bool | FieldKind::Int) {
            return Err(ConditionError {
                offset: op_at,
                message: alloc::format!(
                    "`{}` needs a text field; `{field}` is not one",
                    op.as_str()
                ),
            });
        }
        let mut patterns = Vec::with_capacity(values.len());
        for v in &values {
            patterns.push(compile(op, v).map_err(|m| ConditionError {
                offset: op_at,
                message: m,
            })?);
        }
        Ok(Condition::Test {
            field: FieldRef::new(&field),
            op,
            values,
            patterns,
        })
    }

    pub fn values(&mut self) -> Result<Vec<Literal>, ConditionError> {
        let mut out = Vec::new();
        if self.peek() == Some(&Tok::Sym("(")) {
            self.pos += 1;
            loop {
                self.value(&mut out)?;
                // After every value (a `@list` adds many), so the last one counts too.
                if out.len() > MAX_LIST_LEN {
                    return self.err(alloc::format!("list longer than {MAX_LIST_LEN} values"));
                }
                match self.next() {
                    Some(Tok::Sym(",")) => {
                        if self.peek() == Some(&Tok::Sym(")")) {
                            self.pos += 1;
                            break;
                        }
                    }
                    Some(Tok::Sym(")")) => break,
                    _ => {
                        self.pos -= 1;
                        return self.err("expected `,` or `)` in a list");
                    }
                }
            }
        } else {
            self.value(&mut out)?;
        }
        Ok(out)
    }

    pub fn value(&mut self, out: &mut Vec<Literal>) -> Result<(), ConditionError> {
        match self.next() {
            Some(Tok::Str(s)) => out.push(Literal::Str(s)),
            Some(Tok::Int(i)) => out.push(Literal::Int(i)),
            Some(Tok::Word(w)) if w == "true" => out.push(Literal::Bool(true)),
            Some(Tok::Word(w)) if w == "false" => out.push(Literal::Bool(false)),
            Some(Tok::ListRef(name)) => match self.lists.get(&name) {
                Some(items) => out.extend(items.iter().cloned().map(Literal::Str)),
                None => {
                    self.pos -= 1;
                    return self.err(alloc::format!("unknown list `@{name}`"));
                }
            },
            _ => {
                self.pos -= 1;
                return self.err("expected a value (string, number, true/false or @list)");
            }
        }
        Ok(())
    }
}

pub fn compile(op: Op, v: &Literal) -> Result<Pattern, String> {
    let text = v.text();
    Ok(match op {
        Op::Glob => Pattern::Wildcard(Wildcard::glob(&text)),
        Op::ILike => Pattern::Wildcard(Wildcard::ilike(&text)),
        Op::IEq | Op::IContains | Op::IStartsWith | Op::IEndsWith => {
            Pattern::Text(text.to_lowercase())
        }
        Op::Matches | Op::IMatches => compile_regex(op, &text)?,
        _ => Pattern::Text(text),
    })
}

#[cfg(feature = "std")]
pub fn compile_regex(op: Op, text: &str) -> Result<Pattern, String> {
    let source = if op == Op::IMatches {
        alloc::format!("^(?:{text})$")
    } else {
        text.to_string()
    };
    let regex = regex_lite::RegexBuilder::new(&source)
        .case_insensitive(op == Op::IMatches)
        .size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .map_err(|e| alloc::format!("bad regular expression: {e}"))?;
    // `imatches '.*(a|b).*'`: the same answer from one scan (see `alternation`).
    let alternation = match op {
        Op::IMatches => super::alternation::LiteralAlternation::parse(text),
        _ => None,
    };
    Ok(match alternation {
        Some(a) => Pattern::Alternation(Box::new(a), regex),
        None => Pattern::Regex(regex),
    })
}

#[cfg(not(feature = "std"))]
pub fn compile_regex(_: Op, _: &str) -> Result<Pattern, String> {
    Err(String::from(
        "regular expressions need cadet-core's `std` feature",
    ))
}
