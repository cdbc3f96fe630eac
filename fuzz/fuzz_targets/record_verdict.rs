//! Record → verdict under every profile of the embedded pack: `Engine::score` and
//! `Engine::enrich` on each line of the input; no panic, and every output line meets the
//! enrich contract (`cadet_fuzz::contract`).
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static ENGINES: OnceLock<Mutex<Vec<cadet_core::Engine>>> = OnceLock::new();
    let mut engines = ENGINES
        .get_or_init(|| Mutex::new(cadet_fuzz::engines()))
        .lock()
        .unwrap();
    for engine in engines.iter_mut() {
        cadet_fuzz::enrich_and_check(engine, data);
    }
});
