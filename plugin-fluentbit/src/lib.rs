//! # cadet-plugin-fluentbit
//!
//! cadet as a Fluent Bit `filter_wasm` module. Every record comes back enriched with the
//! `"cadet"` verdict object, byte-identical to the native engine's output; in matches-only mode
//! the records that did not match are dropped on purpose. Nothing else is ever dropped: records
//! cadet cannot read come back unchanged with `cadet.error`.
//!
//! The Wasm exports (filter functions, `malloc`, `free`, `cadet_status`) live in `abi` and are
//! compiled only for wasm32; [`filter`], [`settings`] and [`bounded`] (the size-limited file
//! read) are plain Rust, tested natively.

pub mod bounded;
pub mod filter;
pub mod settings;

#[cfg(target_arch = "wasm32")]
mod abi;

pub use filter::{Filter, Forced, Status, DROP};
pub use settings::{Mode, Settings, SETTINGS_PATHS};
