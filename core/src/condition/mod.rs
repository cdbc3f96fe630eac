//! The condition language of rules: small, declarative, and expressible in VRL.
//!
//! ```text
//! expr   := or
//! or     := and ("or" and)*
//! and    := unary ("and" unary)*
//! unary  := "not" unary | "(" expr ")" | "true" | "false" | "$" MACRO | test
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
//! `matches` finds a case-sensitive regular expression anywhere. `$name` is a named
//! condition of the pack's `[macros]` table, expanded into the tree when the condition is
//! parsed (see [`Condition::parse_with`]).
//!
//! ```
//! use cadet_core::parts::condition::Condition;
//! let c = Condition::parse(r#"cmd.tool in ("docker", "podman") and cmd.privileged"#, &Default::default()).unwrap();
//! assert_eq!(c.fields(), ["cmd.tool", "cmd.privileged"]);
//! ```

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

pub(crate) mod alternation;
pub(crate) mod analysis;
mod eval;
mod parse;
mod syntax;

pub use alternation::LiteralAlternation;
pub(crate) use parse::{is_macro_name, macro_refs};
pub use syntax::*;
