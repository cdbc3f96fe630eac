//! The condition language of rules: small, declarative, and expressible in VRL.
//!
//! ```text
//! expr   := or
//! or     := and ("or" and)*
//! and    := unary ("and" unary)*
//! unary  := "not" unary | "(" expr ")" | "true" | "false" | test
//! test   := FIELD                         -- true / non-empty / non-zero
//!         | FIELD "exists"
//!         | FIELD OP value
//! value  := STRING | INT | "true" | "false" | "@" LIST | "(" value ("," value)* ")"
//! OP     := "==" | "!=" | "in" | "ieq" | "contains" | "icontains" | "startswith"
//!         | "istartswith" | "endswith" | "iendswith" | "glob" | "ilike"
//!         | "matches" | "imatches" | ">" | ">=" | "<" | "<="
//! ```
//! A list value means "any of"; a list field means "any element". `glob` is
//! EQL's `:` (case-insensitive, `*` any run, `?` one character); `ilike` is AQL
//! `ILIKE` (case-insensitive, `%` any run, `_` one character); `imatches` is AQL
//! `IMATCHES` (case-insensitive regular expression matching the whole string);
//! `matches` finds a case-sensitive regular expression anywhere.
//!
//! ```
//! use cadet_core::condition::Condition;
//! let c = Condition::parse(r#"cmd.tool in ("docker", "podman") and cmd.privileged"#, &Default::default()).unwrap();
//! assert_eq!(c.fields(), ["cmd.tool", "cmd.privileged"]);
//! ```

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::event::{Event, Value};
use crate::fields::{self, FieldKind, FieldRef};
use crate::wildcard::Wildcard;

/// Longest condition text accepted.
pub const MAX_CONDITION_LEN: usize = 8192;
/// Deepest nesting of parentheses / `not` accepted.
pub const MAX_NESTING: usize = 32;
/// Most values in one list.
pub const MAX_LIST_LEN: usize = 1024;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `==` case-sensitive equality (numbers, bools, strings).
    Eq,
    /// `!=` not equal (true when the field is missing).
    Ne,
    /// `in` case-sensitive equality with any value (EQL `in`).
    In,
    /// `ieq` case-insensitive equality.
    IEq,
    /// `contains` case-sensitive substring.
    Contains,
    /// `icontains` case-insensitive substring.
    IContains,
    /// `startswith` case-sensitive prefix.
    StartsWith,
    /// `istartswith` case-insensitive prefix.
    IStartsWith,
    /// `endswith` case-sensitive suffix.
    EndsWith,
    /// `iendswith` case-insensitive suffix.
    IEndsWith,
    /// `glob` case-insensitive `*`/`?` wildcard over the whole value (EQL `:`).
    Glob,
    /// `ilike` case-insensitive `%`/`_` wildcard over the whole value (AQL `ILIKE`).
    ILike,
    /// `matches` regular expression found anywhere, case-sensitive.
    Matches,
    /// `imatches` case-insensitive regular expression matching the whole value (AQL `IMATCHES`).
    IMatches,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl Op {
    /// The operator as written in conditions.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::In => "in",
            Op::IEq => "ieq",
            Op::Contains => "contains",
            Op::IContains => "icontains",
            Op::StartsWith => "startswith",
            Op::IStartsWith => "istartswith",
            Op::EndsWith => "endswith",
            Op::IEndsWith => "iendswith",
            Op::Glob => "glob",
            Op::ILike => "ilike",
            Op::Matches => "matches",
            Op::IMatches => "imatches",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    fn parse(word: &str) -> Option<Op> {
        Some(match word {
            "==" => Op::Eq,
            "!=" => Op::Ne,
            "in" => Op::In,
            "ieq" => Op::IEq,
            "contains" => Op::Contains,
            "icontains" => Op::IContains,
            "startswith" => Op::StartsWith,
            "istartswith" => Op::IStartsWith,
            "endswith" => Op::EndsWith,
            "iendswith" => Op::IEndsWith,
            "glob" => Op::Glob,
            "ilike" => Op::ILike,
            "matches" => Op::Matches,
            "imatches" => Op::IMatches,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "<" => Op::Lt,
            "<=" => Op::Le,
            _ => return None,
        })
    }

    /// True for operators whose matched pattern is reported as an indicator.
    pub fn is_pattern(self) -> bool {
        matches!(
            self,
            Op::Contains
                | Op::IContains
                | Op::StartsWith
                | Op::IStartsWith
                | Op::EndsWith
                | Op::IEndsWith
                | Op::Glob
                | Op::ILike
                | Op::Matches
                | Op::IMatches
        )
    }
}

/// A literal value in a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    /// A string.
    Str(String),
    /// A whole number.
    Int(i64),
    /// true / false.
    Bool(bool),
}

impl Literal {
    fn text(&self) -> String {
        match self {
            Literal::Str(s) => s.clone(),
            Literal::Int(i) => alloc::format!("{i}"),
            Literal::Bool(b) => String::from(if *b { "true" } else { "false" }),
        }
    }
}

/// A compiled pattern for one literal.
#[derive(Clone, Debug)]
pub enum Pattern {
    /// Compared as text (lower-cased already for the case-insensitive operators).
    Text(String),
    /// A wildcard pattern (`glob`, `ilike`).
    Wildcard(Wildcard),
    /// A regular expression (`matches`, `imatches`).
    #[cfg(feature = "std")]
    Regex(regex_lite::Regex),
}

/// A parsed condition.
#[derive(Clone, Debug)]
pub enum Condition {
    /// Always true.
    True,
    /// Always false.
    False,
    /// All hold.
    And(Vec<Condition>),
    /// Any holds.
    Or(Vec<Condition>),
    /// Does not hold.
    Not(Box<Condition>),
    /// The field is present.
    Exists(FieldRef),
    /// The field is true / non-empty / non-zero.
    Truthy(FieldRef),
    /// `field op values`.
    Test {
        /// The field (its name, resolved to its reader).
        field: FieldRef,
        /// Operator.
        op: Op,
        /// The literals, as written.
        values: Vec<Literal>,
        /// The literals, compiled.
        patterns: Vec<Pattern>,
    },
}

/// A condition that could not be parsed: what and where (byte offset into the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionError {
    /// Byte offset into the condition text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.offset + 1)
    }
}

/// Named lists (`@shells`) a condition may use.
pub type Lists = BTreeMap<String, Vec<String>>;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Int(i64),
    Sym(&'static str),
    ListRef(String),
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, ConditionError> {
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

struct Parser<'l> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    lists: &'l Lists,
    depth: usize,
}

impl<'l> Parser<'l> {
    fn offset(&self) -> usize {
        self.toks.get(self.pos).map(|(o, _)| *o).unwrap_or(self.end)
    }
    fn err<T>(&self, message: impl Into<String>) -> Result<T, ConditionError> {
        Err(ConditionError {
            offset: self.offset(),
            message: message.into(),
        })
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|(_, t)| t.clone());
        self.pos += 1;
        t
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn or(&mut self) -> Result<Condition, ConditionError> {
        let mut items = alloc::vec![self.and()?];
        while self.is_word("or") {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Condition::False)
        } else {
            Condition::Or(items)
        })
    }

    fn and(&mut self) -> Result<Condition, ConditionError> {
        let mut items = alloc::vec![self.unary()?];
        while self.is_word("and") {
            self.pos += 1;
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Condition::False)
        } else {
            Condition::And(items)
        })
    }

    fn unary(&mut self) -> Result<Condition, ConditionError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.err(alloc::format!(
                "condition nested deeper than {MAX_NESTING} levels"
            ));
        }
        let result = match self.peek() {
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
            _ => self.err("expected a field, `not` or `(`"),
        };
        self.depth -= 1;
        result
    }

    fn test(&mut self) -> Result<Condition, ConditionError> {
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

    fn values(&mut self) -> Result<Vec<Literal>, ConditionError> {
        let mut out = Vec::new();
        if self.peek() == Some(&Tok::Sym("(")) {
            self.pos += 1;
            loop {
                self.value(&mut out)?;
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
                if out.len() > MAX_LIST_LEN {
                    return self.err(alloc::format!("list longer than {MAX_LIST_LEN} values"));
                }
            }
        } else {
            self.value(&mut out)?;
        }
        Ok(out)
    }

    fn value(&mut self, out: &mut Vec<Literal>) -> Result<(), ConditionError> {
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

fn compile(op: Op, v: &Literal) -> Result<Pattern, String> {
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
fn compile_regex(op: Op, text: &str) -> Result<Pattern, String> {
    let source = if op == Op::IMatches {
        alloc::format!("^(?:{text})$")
    } else {
        text.to_string()
    };
    regex_lite::RegexBuilder::new(&source)
        .case_insensitive(op == Op::IMatches)
        .size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .map(Pattern::Regex)
        .map_err(|e| alloc::format!("bad regular expression: {e}"))
}

#[cfg(not(feature = "std"))]
fn compile_regex(_: Op, _: &str) -> Result<Pattern, String> {
    Err(String::from(
        "regular expressions need cadet-core's `std` feature",
    ))
}

impl Condition {
    /// Parses a condition; field names are checked against [`crate::fields`].
    pub fn parse(text: &str, lists: &Lists) -> Result<Condition, ConditionError> {
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
            depth: 0,
        };
        let c = p.or()?;
        if p.pos < p.toks.len() {
            return p.err("expected `and`, `or` or the end of the condition");
        }
        Ok(c)
    }

    /// The fields the condition reads, in order of first use.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    fn collect_fields<'s>(&'s self, out: &mut Vec<&'s str>) {
        match self {
            Condition::And(items) | Condition::Or(items) => {
                items.iter().for_each(|c| c.collect_fields(out))
            }
            Condition::Not(c) => c.collect_fields(out),
            Condition::Exists(f) | Condition::Truthy(f) | Condition::Test { field: f, .. } => {
                if !out.contains(&f.as_str()) {
                    out.push(f.as_str());
                }
            }
            Condition::True | Condition::False => {}
        }
    }

    /// Evaluates against `ev`; on success the indicators of the matching parts are appended.
    pub fn eval(&self, ev: &Event<'_>, indicators: &mut Vec<String>) -> bool {
        let mark = indicators.len();
        let ok = match self {
            Condition::True => true,
            Condition::False => false,
            Condition::And(items) => items.iter().all(|c| c.eval(ev, indicators)),
            Condition::Or(items) => items.iter().any(|c| c.eval(ev, indicators)),
            Condition::Not(c) => !c.eval(ev, &mut Vec::new()),
            Condition::Exists(f) => !matches!(f.read(ev), Value::Missing),
            Condition::Truthy(f) => {
                let ok = match f.read(ev) {
                    Value::Missing => false,
                    Value::Bool(b) => b,
                    Value::Int(i) => i != 0,
                    Value::Str(s) => !s.is_empty(),
                    Value::List(l) => !l.is_empty(),
                };
                if ok {
                    indicators.extend(ev.evidence(f).map(String::from));
                }
                ok
            }
            Condition::Test {
                field,
                op,
                values,
                patterns,
            } => {
                let ok = test(field.read(ev), *op, values, patterns, indicators);
                if ok && !op.is_pattern() && *op != Op::Ne {
                    indicators.extend(ev.evidence(field).map(String::from));
                }
                ok
            }
        };
        if !ok {
            indicators.truncate(mark);
        }
        ok
    }
}

fn test(
    value: Value<'_>,
    op: Op,
    values: &[Literal],
    patterns: &[Pattern],
    indicators: &mut Vec<String>,
) -> bool {
    match value {
        Value::Missing => op == Op::Ne,
        Value::Bool(b) => {
            let hit = values.iter().any(|v| *v == Literal::Bool(b));
            if op == Op::Ne {
                !hit
            } else {
                hit
            }
        }
        Value::Int(i) => {
            let nums = values.iter().filter_map(|v| match v {
                Literal::Int(n) => Some(*n),
                Literal::Str(s) => s.parse().ok(),
                Literal::Bool(_) => None,
            });
            let mut nums = nums;
            match op {
                Op::Eq | Op::In => nums.any(|n| n == i),
                Op::Ne => !nums.any(|n| n == i),
                Op::Gt => nums.any(|n| i > n),
                Op::Ge => nums.any(|n| i >= n),
                Op::Lt => nums.any(|n| i < n),
                Op::Le => nums.any(|n| i <= n),
                _ => {
                    let text = alloc::format!("{i}");
                    text_any(&text, op, values, patterns, indicators)
                }
            }
        }
        Value::Str(s) => {
            if op == Op::Ne {
                return !text_any(s, Op::Eq, values, patterns, &mut Vec::new());
            }
            text_any(s, op, values, patterns, indicators)
        }
        Value::List(items) => {
            if op == Op::Ne {
                return !items
                    .iter()
                    .any(|s| text_any(s, Op::Eq, values, patterns, &mut Vec::new()));
            }
            items
                .iter()
                .any(|s| text_any(s, op, values, patterns, indicators))
        }
    }
}

/// Does text `s` satisfy `op` with any of the values? Pushes the indicator of the first hit.
fn text_any(
    s: &str,
    op: Op,
    values: &[Literal],
    patterns: &[Pattern],
    indicators: &mut Vec<String>,
) -> bool {
    let folded;
    let subject: &str = if matches!(
        op,
        Op::IEq | Op::IContains | Op::IStartsWith | Op::IEndsWith | Op::Glob | Op::ILike
    ) && !(s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()))
    {
        folded = s.to_lowercase();
        &folded
    } else {
        s
    };
    for (v, p) in values.iter().zip(patterns) {
        let hit: Option<String> = match (op, p) {
            (Op::Eq | Op::In | Op::IEq, Pattern::Text(t)) => (subject == t).then(String::new),
            (Op::Contains | Op::IContains, Pattern::Text(t)) => {
                subject.contains(t.as_str()).then(|| v.text())
            }
            (Op::StartsWith | Op::IStartsWith, Pattern::Text(t)) => {
                subject.starts_with(t.as_str()).then(|| v.text())
            }
            (Op::EndsWith | Op::IEndsWith, Pattern::Text(t)) => {
                subject.ends_with(t.as_str()).then(|| v.text())
            }
            (_, Pattern::Wildcard(w)) => w.matches_folded(subject).then(|| w.indicator()),
            #[cfg(feature = "std")]
            (_, Pattern::Regex(re)) => re.captures(subject).map(|c| {
                c.get(1)
                    .or_else(|| c.get(0))
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default()
            }),
            _ => None,
        };
        if let Some(ind) = hit {
            if op.is_pattern() && !ind.is_empty() {
                indicators.push(ind);
            }
            return true;
        }
    }
    false
}
