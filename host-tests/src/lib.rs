//! host-tests: proves every cadet WebAssembly artifact gives the native verdict.
//!
//! - [`component`]: a wasmtime host for the WASI P2 component (`plugin-wasi`), with
//!   memory, fuel/epoch and stack limits, and a self-healing [`component::Detector`].
//! - [`fluentbit_host`]: Fluent Bit's `filter_wasm` caller emulated on wasmtime, for the
//!   Fluent Bit module (`plugin-fluentbit`): malloc, copies, the six-argument call, free.
//! - [`corpus`]: the records replayed (repository fixtures, `../shared/data`, hostile ones).
//! - [`parity`]: native `cadet_core::Engine::enrich` against the component, byte for byte.
//!
//! The build script builds the component and the Fluent Bit module once (nested cargo,
//! own target dir) and exports their paths as `CADET_COMPONENT_WASM` / `CADET_FLUENTBIT_WASM`.

pub mod bench_corpus;
pub mod component;
pub mod corpus;
pub mod fluentbit_host;
pub mod parity;
pub mod proxy_wasm_host;
