//! # cadet-core
//!
//! The detection core of cadet (Container Administration DETection): it reads one
//! log record at a time, normalises it, evaluates a rule pack under a profile and
//! returns a [`Verdict`]. It is `no_std` + `alloc`, does no I/O, reads no clock and
//! keeps no global state, so the same code runs natively, as a WASI component, as
//! a Fluent Bit filter, as an Envoy filter and in a browser.
//!
//! ```
//! use cadet_core::{Config, Engine};
//!
//! let mut engine = Engine::new(&Config::default()).unwrap();
//! let line = br#"{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}"#;
//! let mut out = Vec::new();
//! let verdict = engine.enrich(line, &mut out);
//! assert!(verdict.matched);
//! assert!(verdict.flags.privileged_container && verdict.flags.host_mount);
//! assert!(out.ends_with(b"}}"));
//! ```
//!
//! Hosts use the items re-exported here: [`Engine`] with its [`Config`], [`Verdict`],
//! [`OutputMode`], the [`Pack`] and its [`Profile`]s and [`Rule`]s, and the [`fields`] list.
//! The building blocks below them (normalisers, argument analysis, the condition language)
//! are private; what the VRL generator, benchmarks, fuzz targets and tests read of them is
//! re-exported, documented, in [`parts`].
//!
//! Layers, each using only those before it (a test checks it): `text` (words, JSON, time) →
//! `prefilter` (bytes) → `analysis` (command lines) → `event` (the normalised record) →
//! `source` (one normaliser per log source) → `fields` (what rules read) → `condition` →
//! `pack` → `engine`; `verdict` is a leaf every layer may use. See ARCHITECTURE.md.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, rustdoc::broken_intra_doc_links)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod analysis;
mod condition;
mod engine;
mod event;
pub mod fields;
mod pack;
mod prefilter;
mod source;
mod text;
mod verdict;

pub mod parts;

pub use engine::StreamedLine;
pub use engine::{
    write_enriched, Config, Engine, OutputMode, Prepared, DEFAULT_CORRELATION_CAPACITY,
    DEFAULT_SCORED_REQUESTS, MAX_RECORD_LEN,
};
pub use pack::{
    Combine, Compare, Correlation, CorrelationKind, Pack, PackError, Profile, Rule, DEFAULT_PACK,
    MAX_PACK_LEN,
};
pub use text::json::write_json_string;
pub use verdict::{Context, Flags, Owner, RuleHit, Severity, Triage, Verdict};
