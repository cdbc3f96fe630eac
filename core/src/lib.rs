//! # cadet-core
//!
//! The detection core of cadet (Container Administration DETection): it reads one
//! log record at a time, normalises it, evaluates a rule pack under a profile and
//! returns a [`Verdict`]. It is `no_std` + `alloc`, does no I/O, reads no clock and
//! keeps no global state, so the same code runs natively, as a WASI component, as
//! a Fluent Bit filter and in a browser.
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
//!
//! Pipeline: [`engine::Engine::score`] → prefilter (bytes) → [`json::Json`] (borrowed parse)
//! → [`source::normalise`] (one normaliser per log source) → [`command::analyse`] and
//! [`payload::Payload`] (argument-aware analysis) → rules ([`pack`], [`condition`]) →
//! [`Verdict`].
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod bigram_searcher;
pub mod command;
pub mod condition;
pub mod engine;
pub mod event;
pub mod fields;
pub mod json;
pub mod pack;
pub mod payload;
pub mod prefilter;
pub mod rule_index;
pub mod shell;
pub mod source;
pub mod state;
pub mod suppress;
pub mod triage;
pub mod verdict;
pub mod wildcard;

pub use engine::{Config, Engine};
pub use pack::{PackError, DEFAULT_PACK};
pub use verdict::{Context, Flags, RuleHit, Severity, Triage, Verdict};
