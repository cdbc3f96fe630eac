//! The parsed form of a condition: operators, literals, compiled patterns.

use super::*;
use crate::fields::FieldRef;
use crate::text::wildcard::Wildcard;

/// Longest condition text accepted.
pub const MAX_CONDITION_LEN: usize = 8192;

/// Deepest nesting of parentheses / `not` accepted.
pub const MAX_NESTING: usize = 32;

/// Most values in one list.
pub const MAX_LIST_LEN: usize = 1024;

/// Most nodes (tests, `and`, `or`, `not`) of one condition once its macros are expanded.
pub const MAX_EXPANDED_NODES: usize = 4096;

/// Deepest condition tree accepted once macros are expanded (a macro used inside
/// parentheses adds its own depth to theirs).
pub const MAX_EXPANDED_DEPTH: usize = 2 * MAX_NESTING;

/// Longest chain of macros using macros (`$a` uses `$b` uses `$c` ...).
pub const MAX_MACRO_CHAIN: usize = 16;

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

    pub(crate) fn parse(word: &str) -> Option<Op> {
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
    pub(crate) fn text(&self) -> String {
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
    /// An `imatches` regular expression of the form `.*(A|B|…).*` with literal alternatives,
    /// answered by a scan that gives the regex's answer and capture ([`LiteralAlternation`]);
    /// the compiled regex is kept, checked at load like any other.
    #[cfg(feature = "std")]
    Alternation(Box<LiteralAlternation>, regex_lite::Regex),
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

/// Named conditions (`$live`) a condition may use, each already parsed with its own macros
/// expanded: a reference is replaced by a copy of the tree, so nothing that reads a parsed
/// condition ever sees a macro.
pub type Macros = BTreeMap<String, Condition>;

impl Condition {
    /// The fields the condition reads, in order of first use.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    /// Nodes of the tree (every test, `and`, `or`, `not`, `true` and `false` counts one).
    pub fn size(&self) -> usize {
        match self {
            Condition::And(items) | Condition::Or(items) => {
                1 + items.iter().map(Condition::size).sum::<usize>()
            }
            Condition::Not(c) => 1 + c.size(),
            _ => 1,
        }
    }

    /// Depth of the tree (a single test is 1).
    pub fn depth(&self) -> usize {
        match self {
            Condition::And(items) | Condition::Or(items) => {
                1 + items.iter().map(Condition::depth).max().unwrap_or(0)
            }
            Condition::Not(c) => 1 + c.depth(),
            _ => 1,
        }
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
}
