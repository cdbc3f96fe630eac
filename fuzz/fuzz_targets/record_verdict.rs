//! Record → verdict under every profile of the embedded pack: `Engine::score` and
//! `Engine::enrich` on each line of the input; no panic, and every output line meets the
//! enrich contract (`cadet_fuzz::contract`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cadet_fuzz::with_engines(|engines| {
        for engine in engines {
            cadet_fuzz::enrich_and_check(engine, data);
        }
    });
});
