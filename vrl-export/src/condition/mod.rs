//! Rule conditions (core `condition`) compiled to VRL.

pub(crate) mod eval;
