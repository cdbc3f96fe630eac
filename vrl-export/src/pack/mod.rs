//! What the pack adds to the verdict (core `pack`).

pub(crate) mod suppress;
