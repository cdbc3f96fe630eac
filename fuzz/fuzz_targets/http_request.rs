//! The HTTP-request reader of the Envoy source (`core/src/source/control_plane/http_request.rs`):
//! the records `plugin-envoy` writes for a request (`Stream::record`: `auditID`, `method`,
//! `path`, `headers`, `body`, `body_truncated`, `source_address`), scored under every profile.
//! The input is used twice: as a whole record line (the seeds are the `http_request` fixtures),
//! and cut into the pieces of a request (method, path, header values, body) written into the
//! record shape the filter writes, so the path resolver, the header readers (client-certificate
//! subject, bearer JWT, impersonation, forwarded addresses) and the body reader see arbitrary
//! text inside a well-formed record.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static ENGINES: OnceLock<Mutex<Vec<cadet_core::Engine>>> = OnceLock::new();
    let mut engines = ENGINES
        .get_or_init(|| Mutex::new(cadet_fuzz::engines()))
        .lock()
        .unwrap();
    let pieces = cadet_fuzz::http_request_records(data);
    for engine in engines.iter_mut() {
        // The input as records (one per line), as a host would pass them.
        cadet_fuzz::enrich_and_check(engine, data);
        for record in &pieces {
            cadet_fuzz::enrich_and_check(engine, record);
        }
    }
});
