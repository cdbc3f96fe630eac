//! The shared hostile corpus (`scripts/hostile-corpus`, issue 15) through the Fluent Bit
//! `filter_wasm` module (the wasm32-unknown-unknown build host-tests' build script makes),
//! called the way Fluent Bit calls it, for every profile of the embedded pack (entry point
//! `cadet_filter_<profile>`, every record passed on): the returned string is the native
//! enriched record of the bytes Fluent Bit hands over (up to the first NUL, as `strlen` does),
//! never a trap, never dropped (Fluent Bit drops a result that is not a JSON object), and it
//! meets the enrich contract (`fuzz/src/contract.rs`).
//!
//! The call sequence (exported `malloc`, copy tag and record with a trailing NUL, call with six
//! i32 arguments, read the NUL-terminated result, `free` both copies) is the one
//! `tests/fluentbit.rs` documents line by line against fluent-bit v5.1.1; this is the short
//! form of it for the wasm32-unknown-unknown build only.

#[path = "../../fuzz/src/contract.rs"]
mod contract;

use std::path::Path;

use cadet_core::{Config, Engine};
use host_tests::parity;
use wasmtime::{
    Config as WasmConfig, Engine as WasmEngine, Instance, Memory, Module, Store, TypedFunc,
};

struct Module1 {
    store: Store<()>,
    memory: Memory,
    malloc: TypedFunc<u32, u32>,
    free: TypedFunc<u32, ()>,
    filter: TypedFunc<(u32, u32, u32, u32, u32, u32), u32>,
}

impl Module1 {
    fn new(engine: &WasmEngine, module: &Module, function: &str) -> Module1 {
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, module, &[])
            .expect("instantiate (the module imports nothing)");
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ()).expect("_initialize");
        }
        Module1 {
            memory: instance.get_memory(&mut store, "memory").expect("memory"),
            malloc: instance
                .get_typed_func(&mut store, "malloc")
                .expect("malloc"),
            free: instance.get_typed_func(&mut store, "free").expect("free"),
            filter: instance
                .get_typed_func(&mut store, function)
                .unwrap_or_else(|e| panic!("{function}: {e}")),
            store,
        }
    }

    fn dup(&mut self, bytes: &[u8]) -> Result<u32, String> {
        let ptr = self
            .malloc
            .call(&mut self.store, bytes.len() as u32)
            .map_err(|e| format!("malloc trapped: {e:#}"))?;
        if ptr != 0 {
            self.memory
                .write(&mut self.store, ptr as usize, bytes)
                .map_err(|e| e.to_string())?;
        }
        Ok(ptr)
    }

    /// One record: Ok(the returned string) or Err(why Fluent Bit would drop it).
    fn call(&mut self, record: &[u8]) -> Result<Vec<u8>, String> {
        let record = &record[..record.iter().position(|&b| b == 0).unwrap_or(record.len())];
        let tag = self.dup(b"kube.audit\0")?;
        let mut r = record.to_vec();
        r.push(0);
        let buf = self.dup(&r)?;
        let result = self
            .filter
            .call(
                &mut self.store,
                (
                    tag,
                    10,
                    1_700_000_000,
                    123_456_789,
                    buf,
                    record.len() as u32,
                ),
            )
            .map_err(|e| format!("trap: {e:#}"))
            .and_then(|ptr| {
                let data = self.memory.data(&self.store);
                let tail = data.get(ptr as usize..).ok_or("result outside memory")?;
                let len = tail
                    .iter()
                    .position(|&b| b == 0)
                    .ok_or("result not NUL-terminated")?;
                Ok(tail[..len].to_vec())
            });
        for p in [tag, buf] {
            if p != 0 {
                self.free
                    .call(&mut self.store, p)
                    .map_err(|e| format!("free trapped: {e:#}"))?;
            }
        }
        result
    }
}

fn replay() -> Vec<String> {
    let path = env!("CADET_FLUENTBIT_WASM");
    assert!(!path.is_empty(), "CADET_FLUENTBIT_WASM is empty: the Fluent Bit module did not build (see host-tests/build.rs's warning)");
    let mut config = WasmConfig::new();
    config.max_wasm_stack(64 * 1024); // as tests/fluentbit.rs
    let wasm = WasmEngine::new(&config).unwrap();
    let module = Module::from_file(&wasm, path).unwrap();
    let (bytes, names) =
        contract::hostile_corpus(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-corpus"));
    let records = contract::lines(&bytes);
    let mut failures = Vec::new();
    println!(
        "{:<18} | {:>7} | {:>7} | {:>8}",
        "profile (fluentbit)", "records", "kept", "breaches"
    );
    for profile in parity::profiles() {
        let mut fb = Module1::new(
            &wasm,
            &module,
            &format!("cadet_filter_{}", profile.replace('-', "_")),
        );
        let mut native = Engine::new(&Config {
            profile: profile.clone(),
            ..Config::default()
        })
        .unwrap();
        let (mut kept, before) = (0, failures.len());
        for (record, name) in records.iter().zip(&names) {
            let handed = &record[..record.iter().position(|&b| b == 0).unwrap_or(record.len())];
            let mut want = Vec::new();
            native.enrich(handed, &mut want);
            match fb.call(record) {
                Err(why) => failures.push(format!("{profile} | {name}: dropped: {why}")),
                Ok(out) if out.is_empty() => {
                    failures.push(format!("{profile} | {name}: dropped: empty result"))
                }
                Ok(out) => {
                    kept += 1;
                    if out != want {
                        failures.push(format!("{profile} | {name}: differs from native"));
                    }
                    if let Err(e) = contract::check(handed, &out, true) {
                        failures.push(format!("{profile} | {name}: {e}"));
                    }
                }
            }
        }
        println!(
            "{profile:<18} | {:>7} | {kept:>7} | {:>8}",
            records.len(),
            failures.len() - before
        );
    }
    failures
}

/// Every record kept (Fluent Bit drops a result that is not a JSON object), equal to native,
/// and meeting the whole contract.
#[test]
fn hostile_corpus_fluentbit_module_equals_native_nothing_dropped() {
    let failures = replay();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}
