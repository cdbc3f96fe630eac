//! The pack's named conditions (`[macros]`): each parsed once, in dependency order, with
//! cycles, unknown names and over-long chains refused before any rule is read.
//!
//! ```toml
//! [macros]
//! live = '''not k8s.decision == "forbid" and not k8s.status_code >= 400'''
//! k8s_write = '''event.kind == "k8s_audit" and k8s.verb in @k8s_write_verbs and $live'''
//! ```
//!
//! A rule writes `$live`; the parsed rule holds the macro's tree in its place (see
//! [`Condition::parse_with`]), so evaluation, the rule index and the VRL compiler never see
//! a macro.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use toml::Spanned;

use crate::condition::{is_macro_name, macro_refs, Condition, Lists, Macros, MAX_MACRO_CHAIN};

/// Most macros in one pack.
pub const MAX_MACROS: usize = 256;

/// A macro that cannot be used: the byte offset into the pack text (of the macro's value,
/// or inside it) and what is wrong, naming the macro.
pub(crate) struct MacroError {
    /// Byte offset of the macro's value in the pack text.
    pub span_start: usize,
    /// The macro's text (to place an offset inside it).
    pub value: String,
    /// Offset inside the value, when the problem is at one place in it.
    pub offset: usize,
    /// What is wrong (names the macro).
    pub message: String,
}

/// Parses every macro of `raw` against `lists`: a macro's own macros first, so each is
/// parsed once and expanded where used.
pub(crate) fn compile(
    raw: &BTreeMap<String, Spanned<String>>,
    lists: &Lists,
) -> Result<Macros, MacroError> {
    let mut done = Macros::new();
    let mut levels = BTreeMap::new();
    if let Some((_, v)) = raw.iter().nth(MAX_MACROS) {
        return Err(MacroError {
            span_start: v.span().start,
            value: v.get_ref().clone(),
            offset: 0,
            message: alloc::format!("more than {MAX_MACROS} macros"),
        });
    }
    for name in raw.keys() {
        let mut chain = Vec::new();
        resolve(name, raw, lists, &mut done, &mut levels, &mut chain)?;
    }
    Ok(done)
}

/// Parses macro `name` into `done` after the macros it uses; `levels` holds each parsed
/// macro's longest chain of macros (1: it uses none), `chain` the path of macros being
/// resolved (a name already on it is a cycle).
fn resolve<'r>(
    name: &'r str,
    raw: &'r BTreeMap<String, Spanned<String>>,
    lists: &Lists,
    done: &mut Macros,
    levels: &mut BTreeMap<&'r str, usize>,
    chain: &mut Vec<&'r str>,
) -> Result<(), MacroError> {
    if done.contains_key(name) {
        return Ok(());
    }
    let Some((key, value)) = raw.get_key_value(name) else {
        return Ok(()); // reported by the macro that uses it, with its place
    };
    let at = |offset: usize, message: String| MacroError {
        span_start: value.span().start,
        value: value.get_ref().clone(),
        offset,
        message,
    };
    if !is_macro_name(name) {
        return Err(at(
            0,
            alloc::format!("macro name `{name}`: use letters, digits, `_` and `-`"),
        ));
    }
    if let Some(first) = chain.iter().position(|m| *m == name) {
        let mut path: Vec<String> = chain[first..]
            .iter()
            .map(|m| alloc::format!("${m}"))
            .collect();
        path.push(alloc::format!("${name}"));
        return Err(at(
            0,
            alloc::format!(
                "macro `${}` uses itself: {}",
                chain[first],
                path.join(" → ")
            ),
        ));
    }
    chain.push(key.as_str());
    let mut level = 1;
    for used in macro_refs(value.get_ref()) {
        if let Some((used, _)) = raw.get_key_value(used.as_str()) {
            resolve(used.as_str(), raw, lists, done, levels, chain)?;
            level = level.max(1 + levels.get(used.as_str()).copied().unwrap_or(0));
        }
    }
    chain.pop();
    if level > MAX_MACRO_CHAIN {
        return Err(at(
            0,
            alloc::format!(
                "macro `${name}`: macros used through more than {MAX_MACRO_CHAIN} other macros"
            ),
        ));
    }
    levels.insert(key.as_str(), level);
    let c = Condition::parse_with(value.get_ref(), lists, done)
        .map_err(|e| at(e.offset, alloc::format!("macro `${name}`: {}", e.message)))?;
    done.insert(key.clone(), c);
    Ok(())
}
