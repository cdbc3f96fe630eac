//! The kube `requestURI` command decoder: `query_values(uri, "command")` / `cmd` and
//! percent-decoding, directly and through a whole `pods/exec` audit event scored under
//! every profile (so the decoded command is split and analysed as the engine does).
#![no_main]

use std::sync::{Mutex, OnceLock};

use cadet_fuzz::internal::{percent_decode, query_values};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static ENGINES: OnceLock<Mutex<Vec<cadet_core::Engine>>> = OnceLock::new();
    let uri = String::from_utf8_lossy(data);
    let _ = query_values(&uri, "command");
    let _ = query_values(&uri, "cmd");
    let _ = percent_decode(&uri, true);
    let record = cadet_fuzz::k8s_exec_record(&uri);
    let mut engines = ENGINES
        .get_or_init(|| Mutex::new(cadet_fuzz::engines()))
        .lock()
        .unwrap();
    for engine in engines.iter_mut() {
        cadet_fuzz::enrich_and_check(engine, record.as_bytes());
    }
});
