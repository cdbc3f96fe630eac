//! Sigma detections to cadet conditions: exact, or refused with the feature that is missing.

use std::collections::HashMap;
use std::fmt;

use rsigma_parser::value::{SpecialChar, StringPart};
use rsigma_parser::{
    ConditionExpr, Detection, DetectionItem, Detections, Modifier, Quantifier, SelectorPattern,
    SigmaString, SigmaValue,
};

use crate::pipeline::{Fidelity, FieldMap, Kind, Pipeline};

/// A Sigma feature the conversion cannot express exactly in cadet's condition language.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feature {
    /// Keyword search over the whole record (`keywords:` lists, field-less values).
    Keywords,
    /// A field the pipeline has no cadet field for.
    UnmappedField(String),
    /// No pipeline covers the rule's `logsource`.
    UncoveredLogSource(String),
    /// The rule does not test the part of the log source cadet reads (pipeline requirement).
    OutsideCoverage(String),
    /// The `cidr` modifier.
    Cidr,
    /// `wide`, `utf16`, `utf16be`: cadet fields are UTF-8 text.
    Utf16,
    /// `expand` placeholders.
    Expand,
    /// `fieldref`: comparing two fields.
    FieldRef,
    /// `minute`, `hour`, ... timestamp parts.
    TimestampPart,
    /// A numeric comparison (`gt` ...) on a text field, or a float value.
    NumericCompare(String),
    /// A pattern (wildcard, contains, ...) on a numeric or boolean field.
    PatternOnNonText(String),
    /// A value type the field cannot hold (a boolean on a text field, a float ...).
    ValueType(String),
    /// An empty-string value: cadet's normalised fields drop empty values.
    EmptyValue(String),
    /// A case-sensitive test of a field cadet stores lower-cased.
    CaseSensitiveOnLowered(String),
    /// A regular expression cadet's engine (regex-lite) does not accept.
    Regex(String),
    /// A modifier combination the Sigma specification forbids or leaves undefined.
    Modifiers(String),
    /// `N of ...` with N > 1 over too many selections to expand.
    CountQuantifier(String),
    /// A condition that references an unknown identifier or selects none.
    BadCondition(String),
    /// An rsigma extension beyond the Sigma specification (array blocks, nested conditions).
    Extension(String),
    /// Correlation rules (need engine state).
    Correlation(String),
    /// A Sigma filter that `[[suppress]]` cannot express.
    Filter(String),
    /// The converted rule exceeds a limit of cadet's rule packs.
    TooLarge(String),
    /// The YAML could not be parsed as Sigma.
    Parse(String),
}

impl Feature {
    /// A short stable name of the feature (for tables and tests).
    pub fn name(&self) -> &'static str {
        match self {
            Feature::Keywords => "keywords",
            Feature::UnmappedField(_) => "unmapped-field",
            Feature::UncoveredLogSource(_) => "uncovered-logsource",
            Feature::OutsideCoverage(_) => "outside-coverage",
            Feature::Cidr => "cidr",
            Feature::Utf16 => "utf16",
            Feature::Expand => "expand",
            Feature::FieldRef => "fieldref",
            Feature::TimestampPart => "timestamp-part",
            Feature::NumericCompare(_) => "numeric-compare",
            Feature::PatternOnNonText(_) => "pattern-on-non-text",
            Feature::ValueType(_) => "value-type",
            Feature::EmptyValue(_) => "empty-value",
            Feature::CaseSensitiveOnLowered(_) => "case-sensitive-on-lowered",
            Feature::Regex(_) => "regex",
            Feature::Modifiers(_) => "modifiers",
            Feature::CountQuantifier(_) => "count-quantifier",
            Feature::BadCondition(_) => "bad-condition",
            Feature::Extension(_) => "extension",
            Feature::Correlation(_) => "correlation",
            Feature::Filter(_) => "filter",
            Feature::TooLarge(_) => "too-large",
            Feature::Parse(_) => "parse",
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Feature::Keywords => write!(
                f,
                "keyword search over the whole record: cadet conditions test named fields only"
            ),
            Feature::UnmappedField(s) => write!(f, "field {s}"),
            Feature::UncoveredLogSource(s) => write!(f, "no pipeline covers logsource {s}"),
            Feature::OutsideCoverage(s) => write!(f, "{s}"),
            Feature::Cidr => write!(
                f,
                "modifier `cidr`: cadet conditions have no address-range operator"
            ),
            Feature::Utf16 => write!(f, "modifiers `wide`/`utf16`: cadet fields are UTF-8 text"),
            Feature::Expand => write!(f, "modifier `expand`: placeholders are not supported"),
            Feature::FieldRef => write!(
                f,
                "modifier `fieldref`: cadet conditions compare a field with literals only"
            ),
            Feature::TimestampPart => write!(
                f,
                "timestamp-part modifiers (`minute`, `hour`, ...): not supported"
            ),
            Feature::NumericCompare(s)
            | Feature::PatternOnNonText(s)
            | Feature::ValueType(s)
            | Feature::EmptyValue(s)
            | Feature::CaseSensitiveOnLowered(s)
            | Feature::Regex(s)
            | Feature::Modifiers(s)
            | Feature::CountQuantifier(s)
            | Feature::BadCondition(s)
            | Feature::Extension(s)
            | Feature::Correlation(s)
            | Feature::Filter(s)
            | Feature::TooLarge(s)
            | Feature::Parse(s) => write!(f, "{s}"),
        }
    }
}

/// A cadet condition under construction.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    /// Always true.
    True,
    /// Always false.
    False,
    /// All hold.
    And(Vec<Cond>),
    /// Any holds.
    Or(Vec<Cond>),
    /// Does not hold.
    Not(Box<Cond>),
    /// One test, as cadet condition text.
    Atom(String),
    /// A whole condition as text (always parenthesised when combined).
    Group(String),
    /// `field op "v1"` or `field op ("v1", "v2", ...)` (any of the string values).
    Test {
        /// The cadet field.
        field: String,
        /// The operator.
        op: &'static str,
        /// The string values (unquoted).
        values: Vec<String>,
    },
}

impl Cond {
    fn and(items: Vec<Cond>) -> Cond {
        let mut out = Vec::new();
        for c in items {
            match c {
                Cond::True => {}
                Cond::False => return Cond::False,
                Cond::And(inner) => out.extend(inner),
                c => out.push(c),
            }
        }
        match out.len() {
            0 => Cond::True,
            1 => out.pop().unwrap_or(Cond::True),
            _ => Cond::And(out),
        }
    }

    fn or(items: Vec<Cond>) -> Cond {
        let mut out = Vec::new();
        for c in items {
            match c {
                Cond::False => {}
                Cond::True => return Cond::True,
                Cond::Or(inner) => out.extend(inner),
                c => out.push(c),
            }
        }
        match out.len() {
            0 => Cond::False,
            1 => out.pop().unwrap_or(Cond::False),
            _ => Cond::Or(out),
        }
    }

    fn not(c: Cond) -> Cond {
        match c {
            Cond::True => Cond::False,
            Cond::False => Cond::True,
            Cond::Not(inner) => *inner,
            c => Cond::Not(Box::new(c)),
        }
    }

    /// The condition as cadet condition text, all values inline.
    pub fn render(&self) -> String {
        self.render_with(&mut |_| None)
    }

    /// The condition as cadet condition text; `list` may take a long value list and return the
    /// name of the pack `[lists]` entry that holds it (written `@name`).
    pub fn render_with(&self, list: &mut dyn FnMut(&[String]) -> Option<String>) -> String {
        match self {
            Cond::True => "true".into(),
            Cond::False => "false".into(),
            Cond::Atom(a) | Cond::Group(a) => a.clone(),
            Cond::Test { field, op, values } => match values.as_slice() {
                [one] => format!("{field} {op} {}", quote(one)),
                many => match list(many) {
                    Some(name) => format!("{field} {op} @{name}"),
                    None => format!(
                        "{field} {op} ({})",
                        many.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ")
                    ),
                },
            },
            Cond::Not(c) => format!("not {}", c.render_operand(list)),
            Cond::And(items) => items
                .iter()
                .map(|c| c.render_operand(list))
                .collect::<Vec<_>>()
                .join(" and "),
            Cond::Or(items) => items
                .iter()
                .map(|c| c.render_operand(list))
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }

    fn render_operand(&self, list: &mut dyn FnMut(&[String]) -> Option<String>) -> String {
        match self {
            Cond::And(_) | Cond::Or(_) | Cond::Group(_) => {
                format!("({})", self.render_with(list))
            }
            _ => self.render_with(list),
        }
    }

    /// Merges the string tests of an OR on the same field and operator into one test with a
    /// value list (`f ieq ("a", "b")` means any of them in cadet).
    fn merge_any(items: Vec<Cond>) -> Vec<Cond> {
        let mut out: Vec<Cond> = Vec::new();
        for c in items {
            if let Cond::Test { field, op, values } = &c {
                let same = out.iter_mut().find(
                    |o| matches!(o, Cond::Test { field: f, op: p, .. } if f == field && p == op),
                );
                if let Some(Cond::Test { values: v, .. }) = same {
                    v.extend(values.iter().cloned());
                    continue;
                }
            }
            out.push(c);
        }
        out
    }
}

/// A string literal of the cadet condition language.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn atom(field: &str, op: &'static str, value: &str) -> Cond {
    Cond::Test {
        field: field.to_string(),
        op,
        values: vec![value.to_string()],
    }
}

/// What a string test compares: the whole value, a prefix, a suffix or a substring.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Whole,
    Prefix,
    Suffix,
    Substring,
}

/// The modifiers of one detection item, checked.
struct Mods {
    anchor: Anchor,
    all: bool,
    cased: bool,
    re: bool,
    re_flags: String,
    exists: bool,
    windash: bool,
    base64: bool,
    base64offset: bool,
    numeric: Option<&'static str>,
    neq: bool,
}

fn mods(list: &[Modifier]) -> Result<Mods, Feature> {
    let mut m = Mods {
        anchor: Anchor::Whole,
        all: false,
        cased: false,
        re: false,
        re_flags: String::new(),
        exists: false,
        windash: false,
        base64: false,
        base64offset: false,
        numeric: None,
        neq: false,
    };
    let mut operators = Vec::new();
    for md in list {
        match md {
            Modifier::Contains => {
                m.anchor = Anchor::Substring;
                operators.push("contains")
            }
            Modifier::StartsWith => {
                m.anchor = Anchor::Prefix;
                operators.push("startswith")
            }
            Modifier::EndsWith => {
                m.anchor = Anchor::Suffix;
                operators.push("endswith")
            }
            Modifier::All => m.all = true,
            Modifier::Cased => m.cased = true,
            Modifier::Re => {
                m.re = true;
                operators.push("re")
            }
            Modifier::IgnoreCase => m.re_flags.push('i'),
            Modifier::Multiline => m.re_flags.push('m'),
            Modifier::DotAll => m.re_flags.push('s'),
            Modifier::Exists => {
                m.exists = true;
                operators.push("exists")
            }
            Modifier::WindAsh => m.windash = true,
            Modifier::Base64 => m.base64 = true,
            Modifier::Base64Offset => m.base64offset = true,
            Modifier::Gt | Modifier::Gte | Modifier::Lt | Modifier::Lte => {
                m.numeric = Some(match md {
                    Modifier::Gt => ">",
                    Modifier::Gte => ">=",
                    Modifier::Lt => "<",
                    _ => "<=",
                });
                operators.push("gt/gte/lt/lte")
            }
            Modifier::Neq => m.neq = true,
            Modifier::Cidr => return Err(Feature::Cidr),
            Modifier::Wide | Modifier::Utf16 | Modifier::Utf16be => return Err(Feature::Utf16),
            Modifier::Expand => return Err(Feature::Expand),
            Modifier::FieldRef => return Err(Feature::FieldRef),
            Modifier::Minute
            | Modifier::Hour
            | Modifier::Day
            | Modifier::Week
            | Modifier::Month
            | Modifier::Year => return Err(Feature::TimestampPart),
        }
    }
    let bad = |s: String| Err(Feature::Modifiers(s));
    if operators.len() > 1 {
        return bad(format!(
            "conflicting modifiers |{}: at most one operator per field",
            operators.join(", |")
        ));
    }
    if !m.re && !m.re_flags.is_empty() {
        return bad("regex flags |i, |m, |s need |re".into());
    }
    let transform = m.windash || m.base64 || m.base64offset;
    if transform && (m.re || m.exists || m.numeric.is_some()) {
        return bad("value transformations (windash, base64) apply to string matches only".into());
    }
    if m.base64 && m.base64offset {
        return bad("|base64 and |base64offset exclude each other".into());
    }
    if (m.base64 || m.base64offset) && m.windash {
        return bad("|windash with |base64 is not supported".into());
    }
    Ok(m)
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The three `base64offset` patterns (pySigma's definition): the part of the encoding of the
/// value at byte offsets 0, 1 and 2 that does not depend on the bytes around it.
pub fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END_TRIM: [usize; 3] = [0, 3, 2];
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut padded = vec![b' '; offset];
        padded.extend_from_slice(bytes);
        let enc = base64(&padded);
        let end = enc.len() - END_TRIM[(bytes.len() + offset) % 3];
        if START[offset] < end {
            out.push(enc[START[offset]..end].to_string());
        }
    }
    out
}

/// The Sigma string's text with wildcards written as `*`/`?`, when no literal `*`/`?` remains.
fn glob_text(s: &SigmaString) -> Option<String> {
    let mut out = String::new();
    for p in &s.parts {
        match p {
            StringPart::Plain(t) => {
                if t.contains(['*', '?']) {
                    return None;
                }
                out.push_str(t);
            }
            StringPart::Special(SpecialChar::WildcardMulti) => out.push('*'),
            StringPart::Special(SpecialChar::WildcardSingle) => out.push('?'),
        }
    }
    Some(out)
}

/// The Sigma string as a regex body (wildcards `.*`/`.`; `-` as any dash with windash).
fn regex_body(s: &SigmaString, windash: bool) -> String {
    let mut out = String::new();
    for p in &s.parts {
        match p {
            StringPart::Plain(t) => {
                if windash {
                    for (i, piece) in t.split('-').enumerate() {
                        if i > 0 {
                            out.push_str("[-/\u{2013}\u{2014}\u{2015}]");
                        }
                        out.push_str(&regex_lite::escape(piece));
                    }
                } else {
                    out.push_str(&regex_lite::escape(t));
                }
            }
            StringPart::Special(SpecialChar::WildcardMulti) => out.push_str(".*"),
            StringPart::Special(SpecialChar::WildcardSingle) => out.push('.'),
        }
    }
    out
}

fn anchored(body: &str, anchor: Anchor, ci: bool) -> String {
    let (pre, post) = match anchor {
        Anchor::Whole => ("^", "$"),
        Anchor::Prefix => ("^", ""),
        Anchor::Suffix => ("", "$"),
        Anchor::Substring => ("", ""),
    };
    let flags = if ci { "(?is)" } else { "(?s)" };
    format!("{flags}{pre}(?:{body}){post}")
}

fn check_regex(re: &str) -> Result<(), Feature> {
    regex_lite::Regex::new(re).map(|_| ()).map_err(|e| {
        Feature::Regex(format!(
            "regular expression `{re}` is not accepted by cadet's engine (regex-lite): {e}"
        ))
    })
}

/// A plain (wildcard-free) string test.
fn plain_test(field: &str, text: &str, anchor: Anchor, ci: bool) -> Cond {
    let op = match (anchor, ci) {
        (Anchor::Whole, true) => "ieq",
        (Anchor::Whole, false) => "==",
        (Anchor::Prefix, true) => "istartswith",
        (Anchor::Prefix, false) => "startswith",
        (Anchor::Suffix, true) => "iendswith",
        (Anchor::Suffix, false) => "endswith",
        (Anchor::Substring, true) => "icontains",
        (Anchor::Substring, false) => "contains",
    };
    atom(field, op, text)
}

/// One string value on a text or list field.
fn string_value(
    f: &FieldMap,
    s: &SigmaString,
    m: &Mods,
    sigma_field: &str,
) -> Result<Cond, Feature> {
    let ci = !m.cased;
    let field = f.cadet.as_str();
    if m.base64 || m.base64offset {
        if !s.is_plain() {
            return Err(Feature::Modifiers(format!(
                "{sigma_field}: wildcards in a |base64 value"
            )));
        }
        let plain = s.as_plain().unwrap_or_default();
        if m.base64 {
            return Ok(plain_test(field, &base64(plain.as_bytes()), m.anchor, ci));
        }
        return Ok(Cond::or(
            base64_offsets(plain.as_bytes())
                .iter()
                .map(|p| plain_test(field, p, Anchor::Substring, ci))
                .collect(),
        ));
    }
    if m.windash {
        if !s.is_plain() {
            return Err(Feature::Modifiers(format!(
                "{sigma_field}: wildcards in a |windash value (engines disagree on them)"
            )));
        }
        let re = anchored(&regex_body(s, true), m.anchor, ci);
        check_regex(&re)?;
        return Ok(atom(field, "matches", &re));
    }
    if let Some(plain) = s.as_plain() {
        if plain.is_empty() {
            return Err(Feature::EmptyValue(format!(
                "{sigma_field}: an empty-string value (cadet's normalised fields drop empty values)"
            )));
        }
        return Ok(plain_test(field, &plain, m.anchor, ci));
    }
    // Wildcards: a glob when case-insensitive and free of literal `*`/`?`, else a regex.
    if ci {
        if let Some(g) = glob_text(s) {
            let g = match m.anchor {
                Anchor::Whole => g,
                Anchor::Prefix => format!("{g}*"),
                Anchor::Suffix => format!("*{g}"),
                Anchor::Substring => format!("*{g}*"),
            };
            return Ok(atom(field, "glob", &g));
        }
    }
    let re = anchored(&regex_body(s, false), m.anchor, ci);
    check_regex(&re)?;
    Ok(atom(field, "matches", &re))
}

fn is_int_text(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// One value of a detection item.
fn value(f: &FieldMap, v: &SigmaValue, m: &Mods, sigma_field: &str) -> Result<Cond, Feature> {
    let field = f.cadet.as_str();
    if let SigmaValue::Null = v {
        return Ok(Cond::not(Cond::Atom(format!("{field} exists"))));
    }
    if let Some(op) = m.numeric {
        if f.kind != Kind::Int {
            return Err(Feature::NumericCompare(format!(
                "{sigma_field}: numeric comparison on a text field (`{field}`)"
            )));
        }
        let n = match v {
            SigmaValue::Integer(n) => *n,
            SigmaValue::String(s) => {
                s.as_plain().and_then(|p| is_int_text(&p)).ok_or_else(|| {
                    Feature::NumericCompare(format!("{sigma_field}: `{s}` is not a whole number"))
                })?
            }
            _ => {
                return Err(Feature::NumericCompare(format!(
                    "{sigma_field}: only whole numbers can be compared (cadet has no floats)"
                )))
            }
        };
        return Ok(Cond::Atom(format!("{field} {op} {n}")));
    }
    if m.re {
        let SigmaValue::String(s) = v else {
            return Err(Feature::ValueType(format!(
                "{sigma_field}: |re needs a string"
            )));
        };
        if matches!(f.kind, Kind::Int | Kind::Bool) {
            return Err(Feature::PatternOnNonText(format!(
                "{sigma_field}: |re on the non-text field `{field}`"
            )));
        }
        // `SigmaString::new` keeps `\x` escapes other than `\*`, `\?`, `\\` as written;
        // the regex is the value as written.
        let body = s.original.clone();
        let lower_ok = m.re_flags.contains('i');
        if f.fidelity == Fidelity::Lower && !lower_ok {
            return Err(Feature::CaseSensitiveOnLowered(format!(
                "{sigma_field}: a case-sensitive |re on `{field}`, which cadet stores lower-cased"
            )));
        }
        let mut flags = m.re_flags.clone();
        flags.retain(|c| "ims".contains(c));
        let re = if flags.is_empty() {
            body
        } else {
            format!("(?{flags}){body}")
        };
        check_regex(&re)?;
        return Ok(atom(field, "matches", &re));
    }
    if m.cased && f.fidelity == Fidelity::Lower {
        return Err(Feature::CaseSensitiveOnLowered(format!(
            "{sigma_field}: a |cased test on `{field}`, which cadet stores lower-cased"
        )));
    }
    match f.kind {
        Kind::Int => match v {
            SigmaValue::Integer(n) if m.anchor == Anchor::Whole => {
                Ok(Cond::Atom(format!("{field} == {n}")))
            }
            SigmaValue::String(s)
                if m.anchor == Anchor::Whole && !m.windash && !m.base64 && !m.base64offset =>
            {
                match s.as_plain() {
                    Some(p) => match is_int_text(&p) {
                        Some(n) => Ok(Cond::Atom(format!("{field} == {n}"))),
                        // A text that is no number never equals the number's text.
                        None if !p.is_empty() => Ok(atom(field, "ieq", &p)),
                        None => Err(Feature::EmptyValue(format!(
                            "{sigma_field}: an empty-string value"
                        ))),
                    },
                    None => Err(Feature::PatternOnNonText(format!(
                        "{sigma_field}: a wildcard on the number field `{field}`"
                    ))),
                }
            }
            SigmaValue::Integer(_) | SigmaValue::String(_) => {
                Err(Feature::PatternOnNonText(format!(
                    "{sigma_field}: a substring or encoded match on the number field `{field}`"
                )))
            }
            _ => Err(Feature::ValueType(format!(
                "{sigma_field}: `{v}` on the number field `{field}`"
            ))),
        },
        Kind::Bool => {
            let b = match v {
                SigmaValue::Bool(b) => Some(*b),
                SigmaValue::String(s) => {
                    match s.as_plain().map(|p| p.to_ascii_lowercase()).as_deref() {
                        Some("true") => Some(true),
                        Some("false") => Some(false),
                        _ => None,
                    }
                }
                _ => None,
            };
            match b {
                Some(b)
                    if m.anchor == Anchor::Whole && !m.windash && !m.base64 && !m.base64offset =>
                {
                    Ok(Cond::Atom(format!("{field} == {b}")))
                }
                _ => Err(Feature::PatternOnNonText(format!(
                    "{sigma_field}: only true/false can be tested on the boolean `{field}`"
                ))),
            }
        }
        Kind::Str | Kind::List => match v {
            SigmaValue::String(s) => string_value(f, s, m, sigma_field),
            SigmaValue::Integer(n) => {
                string_value(f, &SigmaString::from_raw(&n.to_string()), m, sigma_field)
            }
            SigmaValue::Float(_) | SigmaValue::Bool(_) => Err(Feature::ValueType(format!(
                "{sigma_field}: `{v}` on the text field `{field}`"
            ))),
            SigmaValue::Null => unreachable_null(),
        },
    }
}

fn unreachable_null() -> Result<Cond, Feature> {
    // Null is handled before the match on the field kind.
    Ok(Cond::False)
}

/// Context of one rule's conversion.
pub struct Ctx<'p> {
    /// The pipeline in use.
    pub pipeline: &'p Pipeline,
    /// Sigma fields tested, with the string values tested on them (for coverage checks).
    pub tested: Vec<(String, Vec<String>)>,
}

/// The refusal for a Sigma field the pipeline does not map (with the pipeline's note, if any).
pub fn unmapped(p: &Pipeline, name: &str) -> Feature {
    let mut msg = format!("`{name}` has no cadet field in pipeline `{}`", p.name);
    if let Some(note) = p.notes.get(name) {
        msg.push_str(": ");
        msg.push_str(note);
    }
    Feature::UnmappedField(msg)
}

fn item(ctx: &mut Ctx<'_>, it: &DetectionItem) -> Result<Cond, Feature> {
    let Some(name) = &it.field.name else {
        return Err(Feature::Keywords);
    };
    let Some(f) = ctx.pipeline.fields.get(name) else {
        return Err(unmapped(ctx.pipeline, name));
    };
    let f = f.clone();
    let m = mods(&it.field.modifiers)?;
    ctx.tested.push((
        name.clone(),
        it.values
            .iter()
            .filter_map(|v| match v {
                SigmaValue::String(s) => Some(s.original.clone()),
                _ => None,
            })
            .collect(),
    ));
    if m.exists {
        let want = match it.values.first() {
            Some(SigmaValue::Bool(b)) => *b,
            Some(SigmaValue::String(s)) => {
                !matches!(s.as_plain().as_deref(), Some("false") | Some("no"))
            }
            _ => true,
        };
        if f.kind == Kind::Bool {
            return Err(Feature::ValueType(format!(
                "{name}|exists on the boolean `{}` (cadet sets it to false when absent)",
                f.cadet
            )));
        }
        let c = Cond::Atom(format!("{} exists", f.cadet));
        return Ok(if want { c } else { Cond::not(c) });
    }
    if it.values.is_empty() {
        return Err(Feature::BadCondition(format!("{name}: no value")));
    }
    if m.all && it.values.len() < 2 {
        return Err(Feature::Modifiers(format!(
            "{name}|all needs more than one value"
        )));
    }
    let mut tests = Vec::new();
    for v in &it.values {
        tests.push(value(&f, v, &m, name)?);
    }
    let c = if m.all {
        Cond::and(tests)
    } else {
        Cond::or(Cond::merge_any(tests))
    };
    Ok(if m.neq { Cond::not(c) } else { c })
}

fn detection(ctx: &mut Ctx<'_>, d: &Detection) -> Result<Cond, Feature> {
    match d {
        Detection::AllOf(items) => {
            if items.is_empty() {
                return Err(Feature::BadCondition("an empty selection".into()));
            }
            let mut out = Vec::new();
            for it in items {
                out.push(item(ctx, it)?);
            }
            Ok(Cond::and(out))
        }
        Detection::AnyOf(ds) => {
            let mut out = Vec::new();
            for d in ds {
                out.push(detection(ctx, d)?);
            }
            Ok(Cond::or(out))
        }
        Detection::And(ds) => {
            let mut out = Vec::new();
            for d in ds {
                out.push(detection(ctx, d)?);
            }
            Ok(Cond::and(out))
        }
        Detection::Keywords(_) => Err(Feature::Keywords),
        Detection::ArrayMatch { field, .. } => Err(Feature::Extension(format!(
            "array block on `{field}` (an rsigma extension)"
        ))),
        Detection::Conditional { .. } => Err(Feature::Extension(
            "a nested detection with its own condition (an rsigma extension)".into(),
        )),
    }
}

/// `X*` patterns of `1 of X*`.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) if !prefix.contains('*') => name.starts_with(prefix),
        _ => {
            // General glob (rare): `*` anywhere.
            let parts: Vec<&str> = pattern.split('*').collect();
            let mut rest = name;
            for (i, p) in parts.iter().enumerate() {
                if i == 0 {
                    match rest.strip_prefix(p) {
                        Some(r) => rest = r,
                        None => return false,
                    }
                } else if i == parts.len() - 1 {
                    return p.is_empty() || rest.ends_with(p);
                } else {
                    match rest.find(p) {
                        Some(at) => rest = &rest[at + p.len()..],
                        None => return false,
                    }
                }
            }
            rest.is_empty()
        }
    }
}

const MAX_COMBINATIONS: usize = 64;

fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    fn rec(start: usize, n: usize, k: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if out.len() > MAX_COMBINATIONS {
            return;
        }
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..n {
            cur.push(i);
            rec(i + 1, n, k, cur, out);
            cur.pop();
        }
    }
    rec(0, n, k, &mut cur, &mut out);
    out
}

fn condition(
    ctx: &mut Ctx<'_>,
    e: &ConditionExpr,
    named: &HashMap<String, Detection>,
    cache: &mut HashMap<String, Cond>,
) -> Result<Cond, Feature> {
    let mut get = |ctx: &mut Ctx<'_>, name: &str| -> Result<Cond, Feature> {
        if let Some(c) = cache.get(name) {
            return Ok(c.clone());
        }
        let d = named.get(name).ok_or_else(|| {
            Feature::BadCondition(format!(
                "the condition names `{name}`, which is not defined"
            ))
        })?;
        let c = detection(ctx, d)?;
        cache.insert(name.to_string(), c.clone());
        Ok(c)
    };
    match e {
        ConditionExpr::Identifier(name) => get(ctx, name),
        ConditionExpr::And(xs) => {
            let mut out = Vec::new();
            for x in xs {
                out.push(condition(ctx, x, named, cache)?);
            }
            Ok(Cond::and(out))
        }
        ConditionExpr::Or(xs) => {
            let mut out = Vec::new();
            for x in xs {
                out.push(condition(ctx, x, named, cache)?);
            }
            Ok(Cond::or(out))
        }
        ConditionExpr::Not(x) => Ok(Cond::not(condition(ctx, x, named, cache)?)),
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let mut names: Vec<&String> = named
                .keys()
                .filter(|n| match pattern {
                    // `them` leaves out identifiers beginning with `_` (Sigma 2.0).
                    SelectorPattern::Them => !n.starts_with('_'),
                    SelectorPattern::Pattern(p) => pattern_matches(p, n),
                })
                .collect();
            names.sort();
            if names.is_empty() {
                return Err(Feature::BadCondition(format!(
                    "`{quantifier} of {pattern}` selects no detection"
                )));
            }
            let mut conds = Vec::new();
            for n in &names {
                conds.push(get(ctx, n)?);
            }
            match quantifier {
                Quantifier::Any => Ok(Cond::or(conds)),
                Quantifier::All => Ok(Cond::and(conds)),
                Quantifier::Count(k) => {
                    let k = *k as usize;
                    if k == 0 {
                        return Ok(Cond::True);
                    }
                    if k == 1 {
                        return Ok(Cond::or(conds));
                    }
                    if k > conds.len() {
                        return Ok(Cond::False);
                    }
                    let combos = combinations(conds.len(), k);
                    if combos.len() > MAX_COMBINATIONS {
                        return Err(Feature::CountQuantifier(format!(
                            "`{k} of {pattern}` over {} selections: more than {MAX_COMBINATIONS} combinations",
                            conds.len()
                        )));
                    }
                    Ok(Cond::or(
                        combos
                            .into_iter()
                            .map(|c| Cond::and(c.into_iter().map(|i| conds[i].clone()).collect()))
                            .collect(),
                    ))
                }
            }
        }
    }
}

/// Converts a rule's detections: the conditions (a list means any of them).
pub fn detections(ctx: &mut Ctx<'_>, d: &Detections) -> Result<Cond, Feature> {
    if d.conditions.is_empty() {
        return Err(Feature::BadCondition("no condition".into()));
    }
    if d.timeframe.is_some() {
        return Err(Feature::Correlation(
            "`timeframe` (Sigma 1 aggregation window): needs engine state".into(),
        ));
    }
    let mut cache = HashMap::new();
    let mut out = Vec::new();
    for c in &d.conditions {
        out.push(condition(ctx, c, &d.named, &mut cache)?);
    }
    Ok(Cond::or(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn base64offset_gives_three_stable_middles() {
        // pySigma's documented example: "/bin/bash" at offsets 0, 1, 2.
        let p = base64_offsets(b"/bin/bash");
        assert_eq!(p, ["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]);
    }

    #[test]
    fn selector_patterns() {
        assert!(pattern_matches("selection_*", "selection_a"));
        assert!(!pattern_matches("selection_*", "filter"));
        assert!(pattern_matches("*_x", "a_x"));
        assert!(!pattern_matches("*_x", "a_y"));
    }

    #[test]
    fn quoting_escapes_backslashes_and_quotes() {
        assert_eq!(quote(r#"C:\a"b"#), r#""C:\\a\"b""#);
    }
}
