//! The Kubernetes JSON patch reader: the input is the `requestObject` of a `patch` audit
//! event (a JSON patch array such as `[{"op":"add","path":"/spec/template/spec/containers/-",
//! "value":{…}}]`, or a merge patch), for a deployment and for `pods/ephemeralcontainers`,
//! scored and enriched under every profile.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static ENGINES: OnceLock<Mutex<Vec<cadet_core::Engine>>> = OnceLock::new();
    if data.contains(&b'\n') {
        return; // one record per line: a newline would make two records
    }
    let mut engines = ENGINES
        .get_or_init(|| Mutex::new(cadet_fuzz::engines()))
        .lock()
        .unwrap();
    for (resource, sub) in [("deployments", None), ("pods", Some("ephemeralcontainers"))] {
        let record = cadet_fuzz::k8s_patch_record(data, resource, sub);
        for engine in engines.iter_mut() {
            cadet_fuzz::enrich_and_check(engine, &record);
        }
    }
});
