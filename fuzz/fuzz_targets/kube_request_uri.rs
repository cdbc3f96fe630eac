//! The kube `requestURI` command decoder: `query_values(uri, "command")` / `cmd` and
//! percent-decoding, directly and through a whole `pods/exec` audit event scored under
//! every profile (so the decoded command is split and analysed as the engine does).
#![no_main]

use cadet_fuzz::internal::{percent_decode, query_values};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let uri = String::from_utf8_lossy(data);
    let _ = query_values(&uri, "command");
    let _ = query_values(&uri, "cmd");
    let _ = percent_decode(&uri, true);
    let record = cadet_fuzz::k8s_exec_record(&uri);
    cadet_fuzz::with_engines(|engines| {
        for engine in engines {
            cadet_fuzz::enrich_and_check(engine, record.as_bytes());
        }
    });
});
