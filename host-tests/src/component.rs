//! A wasmtime host for the cadet WASI component (`cadet:detector` world), with resource
//! limits on every store: a memory cap ([`wasmtime::StoreLimits`]), a CPU budget (fuel or
//! epoch interruption) and a wasm stack cap. A call that traps (out of fuel, out of
//! memory, a panic turned abort) poisons only its instance: [`Detector`] re-instantiates
//! and configures a fresh one, and passes the record on unchanged, so no record is lost.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

wasmtime::component::bindgen!({
    world: "cadet",
    path: "../plugin-wasi/wit",
});

pub use exports::cadet::detector::detector::{
    Config, Context, Mode, Output, RuleHit, Severity, Triage, Verdict, VerdictFlags,
};

/// The component host-tests' build script built (absolute path).
pub const COMPONENT_WASM: &str = env!("CADET_COMPONENT_WASM");

/// How much CPU a call may spend before the host stops it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// Deterministic: this much fuel per record (a batch gets it once per record).
    FuelPerRecord(u64),
    /// Wall clock, via epoch interruption: a call is stopped after about this long.
    Deadline(Duration),
    /// No CPU limit (benchmarks of the bare call cost).
    Unlimited,
}

/// Resource limits for every store the host creates.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest linear memory (bytes) an instance may grow to.
    pub memory_bytes: usize,
    /// CPU budget per call.
    pub budget: Budget,
    /// Largest wasm stack (bytes).
    pub max_wasm_stack: usize,
}

impl Default for Limits {
    /// 256 MiB of memory, 10¹⁰ fuel per record (a few seconds of CPU; the costliest
    /// ordinary shape measured, one 4 MiB command-line token, needs 3.7·10⁹: ~880 fuel a
    /// byte), 1 MiB of stack.
    fn default() -> Self {
        Limits {
            memory_bytes: 256 << 20,
            budget: Budget::FuelPerRecord(10_000_000_000),
            max_wasm_stack: 1 << 20,
        }
    }
}

/// Per-store host state: WASI context (empty: no files, env, args or sockets) and limits.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: MemoryCap,
}

/// [`StoreLimits`] plus a record of the peak memory asked for and of refused growths.
struct MemoryCap {
    inner: StoreLimits,
    peak: usize,
    refused: usize,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.peak = self.peak.max(desired);
        let ok = self.inner.memory_growing(current, desired, maximum)?;
        if !ok {
            self.refused += 1;
        }
        Ok(ok)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A compiled component plus the engine and linker to instantiate it.
pub struct ComponentHost {
    engine: Engine,
    pre: CadetPre<HostState>,
    limits: Limits,
    ticker: Option<Ticker>,
    /// Time to compile the component with Cranelift (or to load it from the cache).
    pub compile_time: Duration,
    /// Size of the component file in bytes.
    pub wasm_size: usize,
}

/// Epoch ticker: increments the engine's epoch every [`Ticker::PERIOD`].
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    const PERIOD: Duration = Duration::from_millis(5);

    fn start(engine: &Engine) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let (engine, flag) = (engine.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Ticker::PERIOD);
                engine.increment_epoch();
            }
        });
        Ticker {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl ComponentHost {
    /// The component host-tests' build script built, compiled once per change of the
    /// component and engine settings: the compiled code is kept beside the `.wasm`
    /// (`wasmtime-cache/`), so later test runs only load it.
    pub fn new(limits: Limits) -> wasmtime::Result<ComponentHost> {
        let path = Path::new(COMPONENT_WASM);
        let bytes = std::fs::read(path).map_err(|e| {
            wasmtime::format_err!(
                "cannot read {}: {e} (is the component built?)",
                path.display()
            )
        })?;
        let cache = path.parent().map(|d| d.join("wasmtime-cache"));
        Self::build(&bytes, limits, cache.as_deref())
    }

    /// Compiles a component file.
    pub fn from_file(path: &Path, limits: Limits) -> wasmtime::Result<ComponentHost> {
        let bytes = std::fs::read(path).map_err(|e| {
            wasmtime::format_err!(
                "cannot read {}: {e} (is the component built?)",
                path.display()
            )
        })?;
        Self::from_bytes(&bytes, limits)
    }

    /// Compiles a component from its bytes.
    pub fn from_bytes(bytes: &[u8], limits: Limits) -> wasmtime::Result<ComponentHost> {
        Self::build(bytes, limits, None)
    }

    fn build(
        bytes: &[u8],
        limits: Limits,
        cache: Option<&Path>,
    ) -> wasmtime::Result<ComponentHost> {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        config.max_wasm_stack(limits.max_wasm_stack);
        // `CADET_PERFMAP=1`: write /tmp/perf-<pid>.map so `perf report` names the wasm
        // functions (build the component with `strip = false` to keep their names).
        if std::env::var_os("CADET_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        match limits.budget {
            Budget::FuelPerRecord(_) => {
                config.consume_fuel(true);
            }
            Budget::Deadline(_) => {
                config.epoch_interruption(true);
            }
            Budget::Unlimited => {}
        }
        let engine = Engine::new(&config)?;
        let started = Instant::now();
        let component = compile(&engine, bytes, cache)?;
        let compile_time = started.elapsed();
        let mut linker = Linker::<HostState>::new(&engine);
        // The component imports only what Rust's std links for wasm32-wasip2 (see
        // plugin-wasi/README.md); the context grants nothing: no preopened directories, no
        // environment, no arguments, no network, stdio closed.
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let pre = CadetPre::new(linker.instantiate_pre(&component)?)?;
        let ticker = matches!(limits.budget, Budget::Deadline(_)).then(|| Ticker::start(&engine));
        Ok(ComponentHost {
            engine,
            pre,
            limits,
            ticker,
            compile_time,
            wasm_size: bytes.len(),
        })
    }

    /// The limits every store gets.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A fresh instance in a fresh store, running the default configuration.
    pub fn instantiate(&self) -> wasmtime::Result<Instance> {
        let state = HostState {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            limits: MemoryCap {
                inner: StoreLimitsBuilder::new()
                    .memory_size(self.limits.memory_bytes)
                    .instances(8)
                    .build(),
                peak: 0,
                refused: 0,
            },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        if let Budget::Deadline(_) = self.limits.budget {
            store.epoch_deadline_trap();
        }
        let mut instance = Instance {
            bindings: None,
            store,
            budget: self.limits.budget,
        };
        instance.charge(1);
        instance.bindings = Some(self.pre.instantiate(&mut instance.store)?);
        let _ = &self.ticker;
        Ok(instance)
    }

    /// A [`Detector`] (self-healing instance) with `config` applied.
    pub fn detector(&self, config: Config) -> Result<Detector<'_>, String> {
        Detector::new(self, config)
    }
}

/// Compiles `bytes`, or loads the code compiled earlier for the same bytes and engine
/// settings from `cache`.
fn compile(engine: &Engine, bytes: &[u8], cache: Option<&Path>) -> wasmtime::Result<Component> {
    use std::hash::{Hash, Hasher};
    let Some(dir) = cache else {
        return Component::new(engine, bytes);
    };
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let file = dir.join(format!("cadet-{:016x}.cwasm", hasher.finish()));
    if file.is_file() {
        // SAFETY: the file was written below by `Component::serialize` for this engine's
        // settings (the name carries their hash); wasmtime re-checks the settings on load.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &file) } {
            return Ok(component);
        }
    }
    let component = Component::new(engine, bytes)?;
    if let Ok(code) = component.serialize() {
        let tmp = dir.join(format!(
            ".{}.{}",
            std::process::id(),
            file.file_name().unwrap().to_string_lossy()
        ));
        if std::fs::create_dir_all(dir).is_ok() && std::fs::write(&tmp, code).is_ok() {
            let _ = std::fs::rename(&tmp, &file);
        }
    }
    Ok(component)
}

/// One component instance and its store. After a trap every call fails: make a new one.
pub struct Instance {
    bindings: Option<Cadet>,
    store: Store<HostState>,
    budget: Budget,
}

impl Instance {
    /// Sets the CPU budget for the next call covering `records` records.
    fn charge(&mut self, records: usize) {
        match self.budget {
            Budget::FuelPerRecord(fuel) => {
                let _ = self
                    .store
                    .set_fuel(fuel.saturating_mul(records.max(1) as u64));
            }
            Budget::Deadline(d) => {
                let period = Ticker::PERIOD.as_nanos().max(1);
                let ticks = (d.as_nanos() * records.max(1) as u128).div_ceil(period) as u64;
                self.store.set_epoch_deadline(ticks.max(1));
            }
            Budget::Unlimited => {}
        }
    }

    /// `configure`; the outer error is a trap.
    pub fn configure(&mut self, config: &Config) -> wasmtime::Result<Result<(), String>> {
        self.charge(64);
        let api = self
            .bindings
            .as_ref()
            .expect("instantiated")
            .cadet_detector_detector();
        api.call_configure(&mut self.store, config)
    }

    /// `profile`.
    pub fn profile(&mut self) -> wasmtime::Result<String> {
        self.charge(1);
        let api = self
            .bindings
            .as_ref()
            .expect("instantiated")
            .cadet_detector_detector();
        api.call_profile(&mut self.store)
    }

    /// `score`.
    pub fn score(&mut self, record: &str) -> wasmtime::Result<Result<Verdict, String>> {
        self.charge(1);
        let api = self
            .bindings
            .as_ref()
            .expect("instantiated")
            .cadet_detector_detector();
        api.call_score(&mut self.store, record)
    }

    /// `enrich`.
    pub fn enrich(&mut self, record: &str) -> wasmtime::Result<Option<String>> {
        self.charge(1);
        let api = self
            .bindings
            .as_ref()
            .expect("instantiated")
            .cadet_detector_detector();
        api.call_enrich(&mut self.store, record)
    }

    /// `enrich-batch`.
    pub fn enrich_batch(&mut self, records: &[String]) -> wasmtime::Result<Vec<Option<String>>> {
        self.charge(records.len());
        let api = self
            .bindings
            .as_ref()
            .expect("instantiated")
            .cadet_detector_detector();
        api.call_enrich_batch(&mut self.store, records)
    }

    /// `enrich-bytes`.
    pub fn enrich_bytes(&mut self, record: &[u8]) -> wasmtime::Result<Option<Vec<u8>>> {
        self.charge(1);
        let api = self
            .bindings
            .as_ref()
            .expect("instantiated")
            .cadet_detector_detector();
        api.call_enrich_bytes(&mut self.store, record)
    }

    /// `set-output`.
    pub fn set_output(&mut self, output: Output) -> wasmtime::Result<()> {
        self.charge(1);
        let api = self
            .bindings
            .as_ref()
            .expect("instantiated")
            .cadet_detector_detector();
        api.call_set_output(&mut self.store, output)
    }

    /// `set-received-time`.
    pub fn set_received_time(&mut self, ms: Option<i64>) -> wasmtime::Result<()> {
        self.charge(1);
        let api = self
            .bindings
            .as_ref()
            .expect("instantiated")
            .cadet_detector_detector();
        api.call_set_received_time(&mut self.store, ms)
    }

    /// `export-state`.
    pub fn export_state(&mut self) -> wasmtime::Result<String> {
        self.charge(16);
        let api = self
            .bindings
            .as_ref()
            .expect("instantiated")
            .cadet_detector_detector();
        api.call_export_state(&mut self.store)
    }

    /// `import-state`.
    pub fn import_state(&mut self, state: &str) -> wasmtime::Result<Result<(), String>> {
        self.charge(16);
        let api = self
            .bindings
            .as_ref()
            .expect("instantiated")
            .cadet_detector_detector();
        api.call_import_state(&mut self.store, state)
    }

    /// Fuel left from the last call's budget (fuel budgets only).
    pub fn fuel_left(&self) -> Option<u64> {
        self.store.get_fuel().ok()
    }

    /// The largest linear memory (bytes) this instance has asked for so far.
    pub fn peak_memory(&self) -> usize {
        self.store.data().limits.peak
    }

    /// Memory growths the limit refused so far.
    pub fn refused_growths(&self) -> usize {
        self.store.data().limits.refused
    }
}

/// What happened to one record in a [`Detector`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The component enriched it.
    Enriched(Vec<u8>),
    /// The mode dropped it (matches-only, not matched).
    Dropped,
    /// The call trapped; the record is passed on unchanged and the instance was replaced.
    Trapped { record: Vec<u8>, trap: String },
}

/// A self-healing detector: an [`Instance`] with a configuration. When a call traps it
/// re-instantiates, applies the configuration again, and carries on with the next record.
pub struct Detector<'h> {
    host: &'h ComponentHost,
    config: Config,
    instance: Instance,
    /// Traps seen so far (each cost one re-instantiation).
    pub traps: Vec<String>,
}

impl<'h> Detector<'h> {
    fn new(host: &'h ComponentHost, config: Config) -> Result<Detector<'h>, String> {
        let mut instance = host
            .instantiate()
            .map_err(|e| format!("instantiate: {e:#}"))?;
        instance
            .configure(&config)
            .map_err(|e| format!("configure trapped: {e:#}"))??;
        Ok(Detector {
            host,
            config,
            instance,
            traps: Vec::new(),
        })
    }

    /// Configures the instance again: a fresh engine, its state (the set of scored requests,
    /// the first-seen state) empty, as a restarted host without a saved state has it.
    pub fn restart(&mut self) {
        let _ = self
            .instance
            .configure(&self.config)
            .expect("configure again");
    }

    /// The live instance (for calls the detector does not wrap).
    pub fn instance(&mut self) -> &mut Instance {
        &mut self.instance
    }

    fn recover(&mut self, trap: &wasmtime::Error) -> String {
        let message = trap_message(trap);
        self.traps.push(message.clone());
        // Configuration succeeded once; a fresh instance accepts it again.
        self.instance = self.host.instantiate().expect("re-instantiate after trap");
        let _ = self
            .instance
            .configure(&self.config)
            .expect("configure after trap");
        message
    }

    /// Enriches one record (as bytes: any record, UTF-8 or not).
    pub fn enrich(&mut self, record: &[u8]) -> Outcome {
        match self.instance.enrich_bytes(record) {
            Ok(Some(out)) => Outcome::Enriched(out),
            Ok(None) => Outcome::Dropped,
            Err(trap) => Outcome::Trapped {
                trap: self.recover(&trap),
                record: record.to_vec(),
            },
        }
    }

    /// Enriches records with `enrich-batch`. A batch that traps is replayed one record at a
    /// time on a fresh instance, so only the poisoned record passes unenriched.
    pub fn enrich_batch(&mut self, records: &[String]) -> Vec<Outcome> {
        match self.instance.enrich_batch(records) {
            Ok(outs) => outs
                .into_iter()
                .map(|o| o.map_or(Outcome::Dropped, |s| Outcome::Enriched(s.into_bytes())))
                .collect(),
            Err(trap) => {
                self.recover(&trap);
                records.iter().map(|r| self.enrich(r.as_bytes())).collect()
            }
        }
    }
}

/// The trap's reason in one line (`all fuel consumed by WebAssembly`, `wasm trap: ...`).
pub fn trap_message(error: &wasmtime::Error) -> String {
    match error.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => format!("{:#}", error.root_cause()),
    }
}

/// A WIT configuration for `profile` with everything else at its default.
pub fn config(profile: &str) -> Config {
    Config {
        profile: profile.to_string(),
        rules: None,
        rules_name: None,
        suppressions: None,
        mode: Mode::EnrichAll,
        threshold: None,
        state_capacity: 0,
        scored_requests: None,
    }
}
