//! # cadet-core
//!
//! The detection core of cadet (Container Administration DETection): it reads one
//! log record at a time, normalises it, evaluates a rule pack under a profile and
//! returns a [`Verdict`]. It is `no_std` + `alloc`, does no I/O, reads no clock and
//! keeps no global state, so the same code runs natively, as a WASI component, as
//! a Fluent Bit filter, as a proxy-wasm filter and in a browser.
//!
//! ```
//! use cadet_core::{Config, Engine};
//!
//! let mut engine = Engine::new(&Config::default()).unwrap();
//! let line = br#"{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}"#;
//! let verdict = engine.score(line);
//! assert!(verdict.matched);
//! assert!(verdict.flags.privileged_container && verdict.flags.host_mount);
//!
//! let mut out = Vec::new();
//! engine.enrich(line, &mut out);
//! assert!(out.ends_with(b"}}"));
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod engine;
pub mod pack;
pub mod verdict;

pub use engine::{Config, Engine};
pub use pack::{PackError, DEFAULT_PACK};
pub use verdict::{Context, Flags, RuleHit, Severity, Triage, Verdict};
