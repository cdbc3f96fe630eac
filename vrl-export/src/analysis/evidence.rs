//! Evidence of a command's facts (core `analysis::evidence`).

use alloc::format;
use alloc::string::String;

use crate::text::string;

/// Mirrors core `analysis::evidence::note`.
pub(crate) fn note(field: &str, token: &str) -> String {
    format!("c_ev = push(c_ev, [{}, {token}])", string(field))
}
