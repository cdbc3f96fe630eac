//! A borrowed JSON document: strings point into the record where they can
//! (no escapes), objects are small vectors searched linearly.
//!
//! Parsing is bounded: [`Json::parse`] refuses records nested deeper than
//! [`MAX_DEPTH`] before recursing, so a hostile record cannot exhaust a small
//! WebAssembly stack.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Deepest nesting of objects and arrays cadet reads.
pub const MAX_DEPTH: usize = 64;

/// One JSON value, borrowing from the record text.
#[derive(Clone, Debug, PartialEq)]
pub enum Json<'a> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number that fits an `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string (borrowed unless it had escapes).
    Str(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object, keys in record order.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// Why a record could not be read as JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError(pub String);

impl JsonError {
    /// The record was refused for its nesting depth alone: it may still be valid JSON.
    pub fn is_too_deep(&self) -> bool {
        self.0.starts_with("record nested deeper")
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

static NULL: Json<'static> = Json::Null;

impl<'a> Json<'a> {
    /// Parses one JSON text. Depth is checked on the bytes first, without recursion.
    ///
    /// ```
    /// use cadet_core::parts::text::Json;
    /// let doc = Json::parse(br#"{"process":{"name":"docker"}}"#).unwrap();
    /// assert_eq!(doc.path(&["process", "name"]).as_str(), Some("docker"));
    /// ```
    pub fn parse(text: &'a [u8]) -> Result<Json<'a>, JsonError> {
        // Fewer opening brackets in all than the limit cannot nest deeper (SIMD count);
        // otherwise look at their order.
        let openings = memchr::memchr2_iter(b'{', b'[', text)
            .take(MAX_DEPTH + 1)
            .count();
        if openings > MAX_DEPTH && nesting_depth(text) > MAX_DEPTH {
            return Err(JsonError(alloc::format!(
                "record nested deeper than {MAX_DEPTH} levels"
            )));
        }
        serde_json::from_slice(text).map_err(|e| JsonError(alloc::format!("invalid JSON: {e}")))
    }

    /// The member `key` of an object (`Null` when absent or not an object).
    pub fn get(&self, key: &str) -> &Json<'a> {
        match self {
            Json::Object(members) => members
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Follows a path of object keys.
    pub fn path(&self, keys: &[&str]) -> &Json<'a> {
        keys.iter().fold(self, |v, k| v.get(k))
    }

    /// A dotted lookup that also accepts flattened keys: `get_dotted("process.name")` finds
    /// `{"process":{"name":..}}` and `{"process.name":..}`.
    pub fn get_dotted(&self, dotted: &str) -> &Json<'a> {
        let flat = self.get(dotted);
        if !flat.is_null() {
            return flat;
        }
        match dotted.split_once('.') {
            Some((head, rest)) => self.get(head).get_dotted(rest),
            None => &NULL,
        }
    }

    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A string, or a number/bool written as text (many exporters quote numbers, some don't).
    pub fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Json::Str(s) => Some(Cow::Borrowed(s)),
            Json::Int(i) => Some(Cow::Owned(alloc::format!("{i}"))),
            Json::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            _ => None,
        }
    }

    /// An integer, or a string holding one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Int(i) => Some(*i),
            Json::Float(f) if *f == (*f as i64) as f64 => Some(*f as i64),
            Json::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A bool, or the strings `"true"`/`"false"`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            Json::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Json::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> &[Json<'a>] {
        match self {
            Json::Array(items) => items,
            _ => &[],
        }
    }

    /// The members, if this is an object.
    pub fn members(&self) -> &[(Cow<'a, str>, Json<'a>)] {
        match self {
            Json::Object(m) => m,
            _ => &[],
        }
    }

    /// True for an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }
}

/// Deepest nesting of `{`/`[` in a JSON text, ignoring brackets inside strings.
/// Linear, no recursion.
pub fn nesting_depth(text: &[u8]) -> usize {
    let (mut depth, mut max, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for &b in text {
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

impl<'de: 'a, 'a> Deserialize<'de> for Json<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Json::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v)
            .map(Json::Int)
            .unwrap_or(Json::Float(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Json::Float(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(String::from(v))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(8).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
        while let Some(key) = map.next_key::<KeyCow<'de>>()? {
            let value = map.next_value()?;
            members.push((key.0, value));
        }
        Ok(Json::Object(members))
    }
}

/// An object key that borrows when it can.
struct KeyCow<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for KeyCow<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyCow<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyCow(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyCow(Cow::Owned(String::from(v))))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Writes `s` as a JSON string literal (with quotes) onto `out`.
pub fn write_json_string(out: &mut Vec<u8>, s: &str) {
    // serde_json's escaping, so every build writes the same bytes.
    let encoded = serde_json::to_string(s).unwrap_or_default();
    out.extend_from_slice(encoded.as_bytes());
}

// ----------------------------------------------------------------- helpers shared by the readers

/// A JSON string (or number/bool as text) with the record's lifetime: borrowed when the
/// record had no escapes, copied otherwise.
pub fn text<'a>(j: &Json<'a>) -> Option<Cow<'a, str>> {
    match j {
        Json::Str(Cow::Borrowed(s)) => Some(Cow::Borrowed(s)),
        Json::Str(Cow::Owned(s)) => Some(Cow::Owned(s.clone())),
        Json::Int(i) => Some(Cow::Owned(alloc::format!("{i}"))),
        Json::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// A non-empty string of the record.
pub fn nonempty<'a>(j: &Json<'a>) -> Option<Cow<'a, str>> {
    text(j).filter(|s| !s.is_empty())
}
