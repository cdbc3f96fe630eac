//! The tokens that established a fact, kept for a verdict's indicators.

/// Records `token` as evidence for `field` (once): the values a verdict's indicators show.
pub fn note(
    evidence: &mut alloc::vec::Vec<(&'static str, alloc::string::String)>,
    field: &'static str,
    token: impl Into<alloc::string::String>,
) {
    let token = token.into();
    if !evidence.iter().any(|(f, t)| *f == field && *t == token) {
        evidence.push((field, token));
    }
}
