//! The Kubernetes JSON patch reader: the input is the `requestObject` of a `patch` audit
//! event (a JSON patch array such as `[{"op":"add","path":"/spec/template/spec/containers/-",
//! "value":{…}}]`, or a merge patch), for a deployment and for `pods/ephemeralcontainers`,
//! scored and enriched under every profile.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.contains(&b'\n') {
        return; // one record per line: a newline would make two records
    }
    cadet_fuzz::with_engines(|engines| {
        for (resource, sub) in [("deployments", None), ("pods", Some("ephemeralcontainers"))] {
            let record = cadet_fuzz::k8s_patch_record(data, resource, sub);
            for engine in engines.iter_mut() {
                cadet_fuzz::enrich_and_check(engine, &record);
            }
        }
    });
});
