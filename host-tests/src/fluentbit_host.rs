//! Fluent Bit's `filter_wasm` caller, emulated on wasmtime: the one copy every Fluent Bit test
//! of host-tests (`tests/fluentbit.rs`, `fluentbit_fuel.rs`, `hostile_fluentbit.rs`,
//! `hostile_rules.rs`) drives the cadet module through.
//!
//! [`FilterWasm`] re-implements what fluent-bit v5.1.1 does per record (see
//! plugin-fluentbit/README.md for the line-by-line sources):
//! - src/wasm/flb_wasm.c `flb_wasm_call_function_format_json` (lines 249-321): copy the tag and
//!   the record into the module with `wasm_runtime_module_dup_data(.., len + 1)` (the module's
//!   exported `malloc`, a trailing NUL the lengths do not count), call the function with six i32
//!   arguments, on a trap give up, check the returned pointer is a NUL-terminated string inside
//!   linear memory (`wasm_runtime_validate_app_str_addr`), `strdup` it, and `free` the two
//!   copies. The returned pointer itself is never freed. That is [`FilterWasm::call`].
//! - plugins/filter_wasm/filter_wasm.c `cb_wasm_filter` (lines 133-144, 172-223): the record is
//!   passed as `strlen(buf)` bytes; a NULL result or an empty string skips (drops) the record; a
//!   result that is not a JSON object is logged as invalid and dropped. That is
//!   [`FilterWasm::filter`], with [`is_json_object`] standing in for `flb_pack_json`.
//! - WAMR (lib/wasm-micro-runtime-WAMR-2.4.1, interpreter/wasm_runtime.c lines 317-321) turns its
//!   `Wasm_Heap_Size` app heap off when the module exports `malloc` and `free` with the C
//!   signatures (wasm_loader.c lines 6405-6480), so the heap size does not limit record size
//!   here; [`FilterWasm::new`] refuses a module without them rather than model an 8 KiB app heap.
//! - flb_wasm.c line 187 passes `Accessible_Paths` to WAMR as WASI preopened folders: for the
//!   wasm32-wasip1 build, [`Wasi::dirs`] are preopened read-only the same way.
//!
//! What Fluent Bit does not have and a test may add: a memory cap ([`Setup::memory_limit`],
//! Fluent Bit lets linear memory grow to the module's maximum) and a fuel budget per call
//! ([`Setup::fuel`], to count wasm instructions or bound a hostile load). The wasmtime engine
//! ([`engine`]) sets the wasm stack; WAMR's `Wasm_Stack_Size` bounds interpreter frames, which
//! are not comparable (plugin-fluentbit/README.md has the WAMR measurement).

use std::path::Path;

use wasmtime::{
    Config as WasmConfig, Engine, Instance, Linker, Memory, Module, Store, StoreLimits,
    StoreLimitsBuilder, TypedFunc,
};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// The module built for wasm32-unknown-unknown by host-tests' build script (absolute path;
/// empty when that build failed, and the build script's warning says why).
pub const UNKNOWN_WASM: &str = env!("CADET_FLUENTBIT_WASM");

/// The module built for wasm32-wasip1 (the shipped one, reading its settings file through
/// WASI), when host-tests' build script built it.
pub const WASIP1_WASM: Option<&str> = option_env!("CADET_FLUENTBIT_WASIP1_WASM");

/// The tag Fluent Bit passes by default here (the input's tag).
pub const TAG: &[u8] = b"kube.audit";

/// The time arguments passed by default (`t.tm.tv_sec`, `t.tm.tv_nsec`, truncated to u32 as
/// flb_wasm.c does).
pub const TIME: (u32, u32) = (1_700_000_000, 123_456_789);

/// A wasmtime engine for the module: `max_wasm_stack` bytes of native stack for wasm code, and
/// fuel metering when `consume_fuel` (needed by [`Setup::fuel`]).
pub fn engine(max_wasm_stack: usize, consume_fuel: bool) -> Engine {
    let mut c = WasmConfig::new();
    c.max_wasm_stack(max_wasm_stack);
    c.consume_fuel(consume_fuel);
    Engine::new(&c).expect("wasmtime engine")
}

/// WASI for the wasm32-wasip1 build: `Accessible_Paths` and where its stderr goes.
pub struct Wasi<'a> {
    /// Each `(host folder, guest name)` preopened read-only, as WAMR does with
    /// `Accessible_Paths`.
    pub dirs: &'a [(&'a Path, &'a str)],
    /// The module's stderr (Fluent Bit's own stderr in production).
    pub stderr: MemoryOutputPipe,
}

/// How one instance is set up besides its module and function.
#[derive(Default)]
pub struct Setup<'a> {
    /// WASI imports for the wasip1 build; `None` links nothing (the wasm32-unknown-unknown
    /// build imports nothing).
    pub wasi: Option<Wasi<'a>>,
    /// Cap on the store's linear memory, in bytes (`None`: wasmtime's default, no cap).
    pub memory_limit: Option<usize>,
    /// Fuel every call starts with: set at instantiation and topped up again after each
    /// [`FilterWasm::call`] and [`FilterWasm::status`] (`None`: no fuel; the engine must then
    /// not consume fuel).
    pub fuel: Option<u64>,
}

/// Store data: WASI when linked, and the memory cap.
pub struct HostData {
    wasi: Option<WasiP1Ctx>,
    limits: StoreLimits,
}

/// Why `flb_wasm_call_function_format_json` gives back no string (Fluent Bit then drops the
/// record).
#[derive(Debug)]
pub enum CallError {
    /// The filter function trapped (flb_wasm.c logs "Got exception running wasm code").
    Trap(wasmtime::Error),
    /// The returned pointer is not a NUL-terminated string inside linear memory.
    InvalidResult,
    /// The module's `free` trapped on one of the two copies.
    FreeTrapped(wasmtime::Error),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Trap(trap) => write!(
                f,
                "Got exception running wasm code: {}",
                crate::component::trap_message(trap)
            ),
            CallError::InvalidResult => f.write_str("[wasm] returned value is invalid"),
            CallError::FreeTrapped(e) => write!(f, "free trapped: {e:#}"),
        }
    }
}

/// What Fluent Bit ends up doing with one record.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Passed on with this body (the JSON the module returned).
    Kept(Vec<u8>),
    /// Skipped, and why (Fluent Bit logs it at debug, warn or error level).
    Dropped(String),
}

/// One `filter_wasm` instance: one module instance, persistent across records (as Fluent Bit
/// keeps it since 4.1), called with one exported filter function.
pub struct FilterWasm {
    store: Store<HostData>,
    instance: Instance,
    memory: Memory,
    malloc: TypedFunc<u32, u32>,
    free: TypedFunc<u32, ()>,
    function: TypedFunc<(u32, u32, u32, u32, u32, u32), u32>,
    fuel: Option<u64>,
    fuel_used: u64,
    /// The tag handed to every call (default [`TAG`]).
    pub tag: Vec<u8>,
    /// The time arguments of every call (default [`TIME`]).
    pub time: (u32, u32),
}

impl FilterWasm {
    /// Instantiates `module` (compiled by `engine`) with `Wasm_Path` + `Function_Name` =
    /// `function`, runs a WASI reactor's `_initialize` as WAMR does, and finds the exports
    /// Fluent Bit needs. Panics when the module lacks one (a test harness, not a host).
    pub fn new(engine: &Engine, module: &Module, function: &str, setup: Setup<'_>) -> FilterWasm {
        let wasi = setup.wasi.map(|w| {
            let mut b = WasiCtxBuilder::new();
            for (host, guest) in w.dirs {
                b.preopened_dir(host, guest, FsPerms::ReadOnly)
                    .expect("preopen");
            }
            b.stderr(w.stderr);
            b.build_p1()
        });
        let mut linker: Linker<HostData> = Linker::new(engine);
        if wasi.is_some() {
            wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |h: &mut HostData| {
                h.wasi.as_mut().expect("wasi")
            })
            .expect("link WASI");
        }
        let mut limits = StoreLimitsBuilder::new();
        if let Some(bytes) = setup.memory_limit {
            limits = limits.memory_size(bytes);
        }
        let mut store = Store::new(
            engine,
            HostData {
                wasi,
                limits: limits.build(),
            },
        );
        store.limiter(|h| &mut h.limits);
        if let Some(fuel) = setup.fuel {
            store.set_fuel(fuel).expect("an engine that consumes fuel");
        }
        let instance = linker.instantiate(&mut store, module).expect("instantiate");
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ()).expect("_initialize");
        }
        let memory = instance
            .get_memory(&mut store, "memory")
            .expect("memory export");
        let malloc = instance
            .get_typed_func(&mut store, "malloc")
            .expect("exported malloc (i32) -> i32");
        let free = instance
            .get_typed_func(&mut store, "free")
            .expect("exported free (i32) -> ()");
        let function = instance
            .get_typed_func(&mut store, function)
            .unwrap_or_else(|e| panic!("{function}: {e}"));
        let mut fb = FilterWasm {
            store,
            instance,
            memory,
            malloc,
            free,
            function,
            fuel: setup.fuel,
            fuel_used: 0,
            tag: TAG.to_vec(),
            time: TIME,
        };
        fb.refuel();
        fb
    }

    /// `wasm_runtime_module_dup_data`: the exported `malloc`, then the copy; 0 when `malloc`
    /// gives 0 or traps (Fluent Bit does not check it and passes 0 on).
    pub fn dup_data(&mut self, bytes: &[u8]) -> u32 {
        let ptr = self
            .malloc
            .call(&mut self.store, bytes.len() as u32)
            .unwrap_or_default();
        if ptr != 0 {
            self.memory
                .write(&mut self.store, ptr as usize, bytes)
                .expect("malloc returned memory outside linear memory");
        }
        ptr
    }

    /// `wasm_runtime_module_free` of a copy (0 is skipped).
    pub fn module_free(&mut self, ptr: u32) -> Result<(), wasmtime::Error> {
        if ptr != 0 {
            self.free.call(&mut self.store, ptr)?;
        }
        Ok(())
    }

    /// The filter function called directly with Fluent Bit's six arguments `(tag_ptr, tag_len,
    /// time_sec, time_nsec, record_ptr, record_len)`: the returned pointer, or the trap.
    pub fn call_function(
        &mut self,
        args: (u32, u32, u32, u32, u32, u32),
    ) -> Result<u32, wasmtime::Error> {
        self.function.call(&mut self.store, args)
    }

    /// `flb_wasm_call_function_format_json` for one record: cut at its first NUL (filter_wasm.c
    /// line 142 hands over `strlen(buf)` bytes), tag and record copied in with a trailing NUL,
    /// the call, the returned string read, both copies freed. The fuel is topped up afterwards.
    pub fn call(&mut self, record: &[u8]) -> Result<Vec<u8>, CallError> {
        let record = &record[..record.iter().position(|&b| b == 0).unwrap_or(record.len())];
        let mut tag = self.tag.clone();
        tag.push(0);
        let mut copy = record.to_vec();
        copy.push(0);
        let tag_buf = self.dup_data(&tag);
        let record_buf = self.dup_data(&copy);
        let args = (
            tag_buf,
            self.tag.len() as u32,
            self.time.0,
            self.time.1,
            record_buf,
            record.len() as u32,
        );
        let result = match self.call_function(args) {
            Err(trap) => Err(CallError::Trap(trap)),
            Ok(ptr) => self.c_string(ptr).ok_or(CallError::InvalidResult),
        };
        let freed = self
            .module_free(tag_buf)
            .and_then(|()| self.module_free(record_buf));
        self.refuel();
        freed.map_err(CallError::FreeTrapped)?;
        result
    }

    /// One record through `flb_wasm_call_function_format_json` and `cb_wasm_filter`: kept with
    /// the returned JSON object, or dropped with Fluent Bit's reason.
    pub fn filter(&mut self, record: &[u8]) -> Outcome {
        match self.call(record) {
            Err(why) => Outcome::Dropped(why.to_string()),
            Ok(s) if s.is_empty() => {
                Outcome::Dropped(String::from("WASM function returned empty string. Skip."))
            }
            Ok(s) if !is_json_object(&s) => Outcome::Dropped(format!(
                "invalid JSON format: {}",
                String::from_utf8_lossy(&s)
            )),
            Ok(s) => Outcome::Kept(s),
        }
    }

    /// `wasm_runtime_validate_app_str_addr` + `strdup`: the string at `ptr`, when a NUL comes
    /// before the end of linear memory.
    pub fn c_string(&self, ptr: u32) -> Option<Vec<u8>> {
        let tail = self.memory.data(&self.store).get(ptr as usize..)?;
        let len = tail.iter().position(|&b| b == 0)?;
        Some(tail[..len].to_vec())
    }

    /// The module's `cadet_status()` JSON (settings file, error, profile, mode, output); the
    /// fuel is topped up afterwards. `Err` when the call traps or its string is not JSON.
    pub fn status(&mut self) -> Result<serde_json::Value, String> {
        let f = self
            .instance
            .get_typed_func::<(), u32>(&mut self.store, "cadet_status")
            .map_err(|e| format!("cadet_status: {e}"))?;
        let ptr = f.call(&mut self.store, ());
        self.refuel();
        let ptr = ptr.map_err(|trap| {
            format!(
                "cadet_status trapped: {}",
                crate::component::trap_message(&trap)
            )
        })?;
        let s = self.c_string(ptr).ok_or("status is not a C string")?;
        serde_json::from_slice(&s).map_err(|e| format!("status JSON: {e}"))
    }

    /// Linear memory, in 64 KiB pages.
    pub fn pages(&self) -> u64 {
        self.memory.size(&self.store)
    }

    /// Linear memory, in bytes (it never shrinks: the high-water mark of the instance).
    pub fn memory_bytes(&self) -> usize {
        self.memory.data_size(&self.store)
    }

    /// Fuel all calls used so far (0 without [`Setup::fuel`]).
    pub fn fuel_used(&mut self) -> u64 {
        self.refuel();
        self.fuel_used
    }

    /// Counts the fuel spent since the last top-up and gives the call budget back.
    fn refuel(&mut self) {
        if let Some(fuel) = self.fuel {
            let left = self.store.get_fuel().expect("fuel enabled");
            self.fuel_used += fuel - left;
            self.store.set_fuel(fuel).expect("fuel enabled");
        }
    }
}

/// `flb_pack_json` + `root_type == JSMN_OBJECT`: strict JSON whose root is an object. Like jsmn
/// (iterative, no depth limit, no UTF-8 check) and unlike serde_json (recursion limit 128), so a
/// record nested 200 deep that Fluent Bit accepts is accepted here too.
pub fn is_json_object(s: &[u8]) -> bool {
    let s = trim_ws(s);
    s.first() == Some(&b'{') && json_value_end(s) == Some(s.len())
}

fn trim_ws(s: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let start = s.iter().position(|b| !ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !ws(b)).map_or(start, |e| e + 1);
    &s[start..end]
}

/// Where the one JSON value at the start of `s` ends (iterative, explicit stack).
fn json_value_end(s: &[u8]) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Ctx {
        Obj,
        Arr,
    }
    let mut stack: Vec<Ctx> = Vec::new();
    let mut i = 0;
    let skip = |i: &mut usize| {
        while *i < s.len() && matches!(s[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1
        }
    };
    loop {
        // A value.
        skip(&mut i);
        match *s.get(i)? {
            b'{' | b'[' => {
                let obj = s[i] == b'{';
                i += 1;
                skip(&mut i);
                let close = if obj { b'}' } else { b']' };
                if s.get(i) == Some(&close) {
                    i += 1;
                } else {
                    stack.push(if obj { Ctx::Obj } else { Ctx::Arr });
                    if obj {
                        i = json_string_end(s, i)?;
                        skip(&mut i);
                        if s.get(i) != Some(&b':') {
                            return None;
                        }
                        i += 1;
                    }
                    continue;
                }
            }
            b'"' => i = json_string_end(s, i)?,
            b't' if s[i..].starts_with(b"true") => i += 4,
            b'f' if s[i..].starts_with(b"false") => i += 5,
            b'n' if s[i..].starts_with(b"null") => i += 4,
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < s.len() && matches!(s[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                std::str::from_utf8(&s[start..i])
                    .ok()?
                    .parse::<f64>()
                    .ok()?;
            }
            _ => return None,
        }
        // After a value: `,` or the closing bracket(s).
        loop {
            let Some(&ctx) = stack.last() else {
                return Some(i);
            };
            skip(&mut i);
            match (*s.get(i)?, ctx) {
                (b',', Ctx::Obj) => {
                    i += 1;
                    skip(&mut i);
                    i = json_string_end(s, i)?;
                    skip(&mut i);
                    if s.get(i) != Some(&b':') {
                        return None;
                    }
                    i += 1;
                    break;
                }
                (b',', Ctx::Arr) => {
                    i += 1;
                    break;
                }
                (b'}', Ctx::Obj) | (b']', Ctx::Arr) => {
                    stack.pop();
                    i += 1;
                }
                _ => return None,
            }
        }
    }
}

/// `s[i]` must open a string; returns the index after its closing quote.
fn json_string_end(s: &[u8], mut i: usize) -> Option<usize> {
    if s.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    loop {
        match *s.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *s.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' if s.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) => i += 6,
                _ => return None,
            },
            0..=0x1f => return None,
            _ => i += 1,
        }
    }
}
