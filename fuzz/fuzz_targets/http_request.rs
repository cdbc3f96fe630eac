//! The HTTP-request reader of the Envoy source (`core/src/source/control_plane/http_request.rs`):
//! the records `plugin-envoy` writes for a request (`Stream::record`: `auditID`, `method`,
//! `path`, `headers`, `body`, `body_truncated`, `source_address`), scored under every profile.
//! The input is used twice: as a whole record line (the seeds are the `http_request` fixtures),
//! and cut into the pieces of a request (method, path, header values, body) written into the
//! record shape the filter writes, so the path resolver, the header readers (client-certificate
//! subject, bearer JWT, impersonation, forwarded addresses) and the body reader see arbitrary
//! text inside a well-formed record.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pieces = cadet_fuzz::http_request_records(data);
    cadet_fuzz::with_engines(|engines| {
        for engine in engines {
            // The input as records (one per line), as a host would pass them.
            cadet_fuzz::enrich_and_check(engine, data);
            for record in &pieces {
                cadet_fuzz::enrich_and_check(engine, record);
            }
        }
    });
});
