//! The auditd EXECVE line reader (`a0="docker" a1=… `, hex arguments, `aN[k]` fragments),
//! then rule evaluation of what it read under the default profile.
#![no_main]

use std::sync::{Mutex, OnceLock};

use cadet_fuzz::internal::auditd_read_line;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static ENGINE: OnceLock<Mutex<cadet_core::Engine>> = OnceLock::new();
    let line = String::from_utf8_lossy(data);
    if let Some(ev) = auditd_read_line(&line) {
        let mut engine = ENGINE
            .get_or_init(|| {
                Mutex::new(cadet_core::Engine::new(&cadet_core::Config::default()).unwrap())
            })
            .lock()
            .unwrap();
        let v = engine.evaluate(&ev);
        assert!(cadet_fuzz::contract::is_object(v.to_json().as_bytes()));
    }
});
