//! Hostile rule packs (issue 15) through every host that takes a user's pack: the WASI
//! component under wasmtime (`configure` with `rules`, under a fuel budget and under an epoch
//! deadline) and the Fluent Bit module (the wasm32-wasip1 build reading `rules = ...` from its
//! `cadet.toml` through WASI, under a fuel budget and a memory cap). The playground's twin is
//! `playground/tests/hostile_rules.test.mjs`.
//!
//! Every pack here breaks one of the core's load limits (pack size, rule count, condition
//! length and depth, list length, regex compiled size and nesting, macro cycles, chains, count
//! and expansion, prefilter size, TOML nesting, unknown keys such as `include`). For each one
//! and each host: the host gets back exactly the error the native core gives (which names the
//! pack file and, for a limit of one rule or macro, that rule or macro and its line), nothing
//! traps, the load is bounded (fuel, wall time, memory), and records keep passing with the
//! engine in force (the component keeps its previous engine; the Fluent Bit module reports the
//! error once on stderr and runs with the defaults, as plugin-fluentbit/README.md documents).
//! The Fluent Bit module is also pointed at files it must not read: outside its
//! `Accessible_Paths`, through `..`, through a symlink leaving the preopened folder, a folder.
//!
//! `cargo test --release -p host-tests --test hostile_rules -- --nocapture` prints the tables.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cadet_core::{Config as CoreConfig, Engine};
use host_tests::component::{config, Budget, ComponentHost, Limits};
use host_tests::fluentbit_host::{self, FilterWasm, Setup, Wasi};
use host_tests::parity;
use wasmtime::{Engine as WasmEngine, Module};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// The one profile the hostile packs declare (hosts configure profile `cadet`).
const PROFILE: &str = "[[profile]]\nname = \"cadet\"\ncombine = \"max\"\nthreshold = 1\n";

/// Loading any hostile pack natively takes less than this (release build, loaded machine).
const LOAD_BOUND: Duration = Duration::from_secs(5);

/// One hostile pack: what it tries, its text, and what the error must say.
struct Hostile {
    name: &'static str,
    text: String,
    /// Each must be in the error (the rule or macro named, the limit named).
    want: Vec<&'static str>,
}

fn rule(id: &str, when: &str) -> String {
    format!("\n[[rule]]\nid = \"{id}\"\ntitle = \"t\"\nscore = 50\nwhen = '''{when}'''\n")
}

fn pack(rules: &str) -> String {
    format!("{PROFILE}{rules}")
}

fn hostile_packs() -> Vec<Hostile> {
    let mut v = Vec::new();
    let mut add = |name, text, want: &[&'static str]| {
        v.push(Hostile {
            name,
            text,
            want: want.to_vec(),
        })
    };
    add(
        "pack over 1 MiB",
        format!(
            "{}# {}\n",
            pack(&rule("ok", "process.name == \"docker\"")),
            "x".repeat(1 << 20)
        ),
        &["larger than 1048576 bytes"],
    );
    add(
        "2001 rules",
        pack(
            &(0..2001)
                .map(|i| rule(&format!("r{i}"), "process.name == \"docker\""))
                .collect::<String>(),
        ),
        &["more than 2000 rules"],
    );
    add(
        "condition nested 40 deep",
        pack(&rule(
            "deep",
            &format!(
                "{}process.name == \"docker\"{}",
                "(".repeat(40),
                ")".repeat(40)
            ),
        )),
        &["rule `deep`", "nested deeper than 32"],
    );
    add(
        "condition of 9000 characters",
        pack(&rule(
            "long",
            &format!("process.command_line contains \"{}\"", "x".repeat(9000)),
        )),
        &["rule `long`", "longer than 8192"],
    );
    add(
        "inline list of 1100 values",
        pack(&rule(
            "list",
            &format!(
                "process.name in ({})",
                (0..1100)
                    .map(|i| format!("\"{i}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        )),
        &["rule `list`", "list longer than 1024"],
    );
    add(
        "regex over the 1 MiB compiled-size limit",
        pack(&rule(
            "bigre",
            "process.command_line matches \"a{1000}{1000}\"",
        )),
        &["rule `bigre`", "bad regular expression"],
    );
    add(
        "regex over the compiled-size limit, case-insensitive",
        pack(&rule(
            "bigire",
            "process.command_line imatches \"[a-z]{1000}{1000}\"",
        )),
        &["rule `bigire`", "bad regular expression"],
    );
    add(
        "regex nested 100 deep",
        pack(&rule(
            "nestre",
            &format!(
                "process.command_line matches \"{}a{}\"",
                "(".repeat(100),
                ")".repeat(100)
            ),
        )),
        &["rule `nestre`", "bad regular expression"],
    );
    add(
        "macro cycle",
        format!(
            "{PROFILE}[macros]\nping = '$pong and process.name == \"a\"'\npong = '$ping'\n{}",
            rule("cyc", "$ping")
        ),
        &["uses itself", "$ping"],
    );
    add(
        "macro used by itself",
        format!(
            "{PROFILE}[macros]\nself = '$self or true'\n{}",
            rule("me", "$self")
        ),
        &["macro `$self` uses itself"],
    );
    let bomb: String = (1..14)
        .map(|i| {
            format!(
                "m{i} = '($m{p} and $m{p}) or ($m{p} and $m{p})'\n",
                p = i - 1
            )
        })
        .collect();
    add(
        "macro expansion bomb (2^26 leaves written in 14 lines)",
        format!(
            "{PROFILE}[macros]\nm0 = 'process.name == \"docker\"'\n{bomb}{}",
            rule("bomb", "$m13")
        ),
        &["larger than 4096 nodes"],
    );
    let chain: String = (1..21).map(|i| format!("c{i} = '$c{}'\n", i - 1)).collect();
    add(
        "macro chain of 20",
        format!(
            "{PROFILE}[macros]\nc0 = 'process.name == \"docker\"'\n{chain}{}",
            rule("chain", "$c20")
        ),
        &["more than 16 other macros"],
    );
    let many: String = (0..257)
        .map(|i| format!("k{i} = 'process.name == \"{i}\"'\n"))
        .collect();
    add(
        "257 macros",
        format!(
            "{PROFILE}[macros]\n{many}{}",
            rule("ok", "process.name == \"docker\"")
        ),
        &["more than 256 macros"],
    );
    add(
        "unknown macro",
        pack(&rule("nomac", "$nowhere")),
        &["rule `nomac`", "unknown macro `$nowhere`"],
    );
    add(
        "prefilter of 513 keywords",
        format!(
            "[[profile]]\nname = \"cadet\"\ncombine = \"max\"\nprefilter = [{}]\n{}",
            (0..513)
                .map(|i| format!("\"kw{i}\""))
                .collect::<Vec<_>>()
                .join(","),
            rule("ok", "process.name == \"docker\"")
        ),
        &["prefilter needs 1 to 512"],
    );
    add(
        "TOML array nested 100 000 deep",
        format!(
            "{PROFILE}x = {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        &["hostile"],
    );
    add(
        "TOML inline table nested 100 000 deep",
        format!(
            "{PROFILE}x = {}{}\n",
            "{a=".repeat(100_000),
            "}".repeat(100_000)
        ),
        &["hostile"],
    );
    add(
        "include of a host file",
        format!(
            "include = \"/etc/passwd\"\n{}",
            pack(&rule("ok", "process.name == \"docker\""))
        ),
        &["unknown field `include`"],
    );
    add(
        "rule reading a file path",
        pack(&rule("file", "process.name in @/etc/passwd")),
        &["rule `file`"],
    );
    v
}

/// The native core's error for `text` named `name` (the pack must not load), and the time.
fn native_error(text: &str, name: &str) -> (String, Duration) {
    let started = Instant::now();
    let result = Engine::new(&CoreConfig {
        rules: Some(text.to_string()),
        rules_name: name.into(),
        ..CoreConfig::default()
    });
    let took = started.elapsed();
    match result {
        Ok(_) => (format!("(the hostile pack {name} loaded natively)"), took),
        Err(e) => (e.to_string(), took),
    }
}

/// Records that must keep passing after a refused pack (JSON, raw text, malformed).
fn sample_records() -> Vec<Vec<u8>> {
    let mut records: Vec<Vec<u8>> = vec![
        br#"{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"],"command_line":"docker run --privileged -v /:/host alpine sh"}}"#.to_vec(),
        br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true&tty=true","verb":"create","user":{"username":"alice"},"objectRef":{"resource":"pods","namespace":"default","name":"web","subresource":"exec"},"responseStatus":{"code":101}}"#.to_vec(),
        b"kubectl exec -it web -- /bin/sh".to_vec(),
        br#"{"message":"hello"}"#.to_vec(),
        b"{\"broken\": ".to_vec(),
    ];
    let fixtures = host_tests::corpus::repo_fixture_sets();
    records.extend(
        fixtures
            .iter()
            .flat_map(|s| s.records.iter().take(3).cloned()),
    );
    records
}

/// The native enriched lines of `records` under the embedded pack, profile `cadet`.
fn native_default(records: &[Vec<u8>]) -> Vec<Vec<u8>> {
    native_lines(records, CoreConfig::default())
}

fn native_lines(records: &[Vec<u8>], config: CoreConfig) -> Vec<Vec<u8>> {
    let mut engine = Engine::new(&config).unwrap();
    records
        .iter()
        .map(|r| parity::native_enrich(&mut engine, r).0)
        .collect()
}

fn short(s: &str) -> String {
    let one = s.replace('\n', " ");
    if one.chars().count() > 90 {
        format!("{}…", one.chars().take(89).collect::<String>())
    } else {
        one
    }
}

#[test]
fn hostile_packs_are_refused_natively_with_errors_naming_the_rule() {
    println!("{:<52} | {:>8} | {:>7} | error", "pack", "bytes", "ms");
    let mut failures = Vec::new();
    for h in hostile_packs() {
        let (err, took) = native_error(&h.text, "hostile.toml");
        let mut check = |ok: bool, why: String| {
            if !ok {
                failures.push(format!("{}: {why}", h.name));
            }
        };
        println!(
            "{:<52} | {:>8} | {:>7.1} | {}",
            h.name,
            h.text.len(),
            took.as_secs_f64() * 1e3,
            short(&err)
        );
        check(err.starts_with("hostile.toml"), err.clone());
        for w in &h.want {
            check(err.contains(w), format!("want {w:?} in {err:?}"));
        }
        check(took < LOAD_BOUND, format!("took {took:?}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- the WASI component ----

fn component_replay(budget: Budget) {
    let host = ComponentHost::new(Limits {
        budget,
        ..Limits::default()
    })
    .expect("compile the component");
    let records = sample_records();
    // The engine in force before the hostile packs: the embedded pack without the set of scored
    // requests, so the same records give the same lines each time they are replayed.
    let want = native_lines(
        &records,
        CoreConfig {
            scored_requests: 0,
            ..CoreConfig::default()
        },
    );
    let mut inst = host.instantiate().unwrap();
    let first = host_tests::component::Config {
        scored_requests: Some(0),
        ..config("cadet")
    };
    inst.configure(&first).unwrap().unwrap();
    let budget_fuel = match budget {
        Budget::FuelPerRecord(f) => Some(f * 64), // `configure` is charged as 64 records
        _ => None,
    };
    println!(
        "component, {budget:?}\n{:<52} | {:>7} | {:>13} | {:>8} | records",
        "pack", "ms", "fuel", "peak MiB"
    );
    let mut failures = Vec::new();
    for h in hostile_packs() {
        let (native, _) = native_error(&h.text, "hostile.toml");
        let started = Instant::now();
        let result = inst.configure(&host_tests::component::Config {
            rules: Some(h.text.clone()),
            rules_name: Some("hostile.toml".into()),
            ..config("cadet")
        });
        let took = started.elapsed();
        let fuel = budget_fuel
            .zip(inst.fuel_left())
            .map_or("-".to_string(), |(b, left)| (b - left).to_string());
        match result {
            Ok(Err(e)) if e == native => {}
            Ok(Err(e)) => failures.push(format!("{}: error {e:?}, native {native:?}", h.name)),
            Ok(Ok(())) => failures.push(format!("{}: the pack loaded", h.name)),
            Err(trap) => {
                failures.push(format!("{}: configure trapped: {trap:#}", h.name));
                inst = host.instantiate().unwrap();
                inst.configure(&first).unwrap().unwrap();
                continue;
            }
        }
        if took > LOAD_BOUND {
            failures.push(format!("{}: configure took {took:?}", h.name));
        }
        // The previous engine (the embedded pack) stays in force: records pass as natively.
        let mut passed = 0;
        for (r, w) in records.iter().zip(&want) {
            match inst.enrich_bytes(r) {
                Ok(Some(out)) if &out == w => passed += 1,
                other => failures.push(format!(
                    "{}: record after the refused pack: {:?}",
                    h.name,
                    other.map(|o| o.map(|b| String::from_utf8_lossy(&b).into_owned()))
                )),
            }
        }
        println!(
            "{:<52} | {:>7.1} | {fuel:>13} | {:>8} | {passed}/{}",
            h.name,
            took.as_secs_f64() * 1e3,
            inst.peak_memory() >> 20,
            records.len()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(inst.profile().unwrap(), "cadet");
}

#[test]
fn hostile_packs_through_the_component_under_fuel() {
    component_replay(Limits::default().budget);
}

#[test]
fn hostile_packs_through_the_component_under_an_epoch_deadline() {
    // 100 ms a record; `configure` gets 64 of them (6.4 s), the calls after it 100 ms each.
    component_replay(Budget::Deadline(Duration::from_millis(100)));
}

// ---- the Fluent Bit module (wasm32-wasip1, settings file) ----

/// Memory cap for the module's store (Fluent Bit sets none: WAMR grows linear memory up to the
/// module's maximum, 4 GiB for wasm32).
const FB_MEMORY: usize = 256 << 20;

/// Fuel per call (the first call also loads the settings and the pack).
const FB_FUEL: u64 = 20_000_000_000;

fn fb_engine() -> &'static WasmEngine {
    static ENGINE: OnceLock<WasmEngine> = OnceLock::new();
    // The wasm stack as tests/fluentbit.rs; fuel for FB_FUEL.
    ENGINE.get_or_init(|| fluentbit_host::engine(64 * 1024, true))
}

fn fb_module() -> &'static Module {
    static M: OnceLock<Module> = OnceLock::new();
    M.get_or_init(|| {
        let path = fluentbit_host::WASIP1_WASM
            .filter(|p| !p.is_empty())
            .expect("CADET_FLUENTBIT_WASIP1_WASM: host-tests/build.rs did not build the wasip1 Fluent Bit module (see its warning)");
        Module::from_file(fb_engine(), path).unwrap_or_else(|e| panic!("{path}: {e}"))
    })
}

/// One `filter_wasm` instance of the wasip1 module with `Accessible_Paths` = `dirs`, entry point
/// `cadet_filter`, called as `host_tests::fluentbit_host` emulates Fluent Bit, under
/// [`FB_MEMORY`] and [`FB_FUEL`] a call.
struct FluentBit(FilterWasm);

impl FluentBit {
    fn new(dirs: &[(&Path, &str)], stderr: &MemoryOutputPipe) -> FluentBit {
        let setup = Setup {
            wasi: Some(Wasi {
                dirs,
                stderr: stderr.clone(),
            }),
            memory_limit: Some(FB_MEMORY),
            fuel: Some(FB_FUEL),
        };
        let mut fb = FilterWasm::new(fb_engine(), fb_module(), "cadet_filter", setup);
        fb.time = (1_700_000_000, 0);
        FluentBit(fb)
    }

    /// One record: Ok(what Fluent Bit passes on) or Err(why it would drop the record).
    fn call(&mut self, record: &[u8]) -> Result<Vec<u8>, String> {
        match self.0.call(record) {
            Err(why) => Err(why.to_string()),
            Ok(out) if out.is_empty() => Err("empty result (dropped)".into()),
            Ok(out) => Ok(out),
        }
    }

    /// `cadet_status()`; a status call that traps (the load trapped) reads as null.
    fn status(&mut self) -> serde_json::Value {
        self.0.status().unwrap_or(serde_json::Value::Null)
    }

    /// Fuel the calls used so far.
    fn fuel_used(&mut self) -> u64 {
        self.0.fuel_used()
    }

    /// Linear memory in bytes (its high-water mark: wasm memory never shrinks).
    fn memory_bytes(&self) -> usize {
        self.0.memory_bytes()
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hostile-rules-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// What one Fluent Bit instance did with a settings file naming `rules`.
struct FbRun {
    status: serde_json::Value,
    stderr: String,
    /// Records passed on equal to the native default engine's line.
    passed: usize,
    failures: Vec<String>,
    load_ms: f64,
    fuel: u64,
    memory_mib: u64,
    /// Linear memory after the run, in bytes.
    memory_bytes: usize,
}

/// A module whose `/etc/cadet` is `dir` with `cadet.toml` naming `rules`, fed `records`.
fn fb_run(dir: &Path, rules: &str, records: &[Vec<u8>], want: &[Vec<u8>]) -> FbRun {
    std::fs::write(dir.join("cadet.toml"), format!("rules = {rules:?}\n")).unwrap();
    let stderr = MemoryOutputPipe::new(1 << 20);
    let mut fb = FluentBit::new(&[(dir, "/etc/cadet")], &stderr);
    let mut failures = Vec::new();
    // The first call loads the settings and the pack.
    let started = Instant::now();
    let first = fb.call(&records[0]);
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let fuel = fb.fuel_used();
    let mut passed = 0;
    for (i, (r, w)) in records.iter().zip(want).enumerate() {
        let out = if i == 0 { first.clone() } else { fb.call(r) };
        match out {
            Ok(out) if &out == w => passed += 1,
            Ok(out) => failures.push(format!(
                "record {i}: differs from native: {}",
                short(&String::from_utf8_lossy(&out))
            )),
            Err(why) => failures.push(format!("record {i}: dropped: {why}")),
        }
    }
    FbRun {
        status: fb.status(),
        stderr: String::from_utf8_lossy(&stderr.contents()).into_owned(),
        passed,
        failures,
        load_ms,
        fuel,
        memory_mib: (fb.memory_bytes() >> 20) as u64,
        memory_bytes: fb.memory_bytes(),
    }
}

/// The settings-file report: one stderr line, and the defaults in force.
fn check_report(run: &FbRun, error: &str, what: &str, failures: &mut Vec<String>) {
    let line = format!(
        "cadet: /etc/cadet/cadet.toml: {error}; running with defaults (profile cadet, mode all)\n"
    );
    if run.stderr != line {
        failures.push(format!("{what}: stderr {:?}, want {line:?}", run.stderr));
    }
    if run.status["error"].as_str() != Some(error) {
        failures.push(format!("{what}: status {}", run.status));
    }
    if run.status["profile"] != "cadet" || run.status["mode"] != "all" {
        failures.push(format!("{what}: not the defaults: {}", run.status));
    }
    failures.extend(run.failures.iter().map(|f| format!("{what}: {f}")));
}

#[test]
fn hostile_packs_through_the_fluentbit_module_settings() {
    let records = sample_records();
    let want = native_default(&records);
    let dir = temp_dir("packs");
    println!(
        "Fluent Bit module (wasip1), memory cap {} MiB, fuel {FB_FUEL} a call\n{:<52} | {:>7} | {:>13} | {:>7} | records",
        FB_MEMORY >> 20,
        "pack",
        "load ms",
        "fuel (load)",
        "mem MiB"
    );
    let mut failures = Vec::new();
    for h in hostile_packs() {
        std::fs::write(dir.join("hostile.toml"), &h.text).unwrap();
        let (native, _) = native_error(&h.text, "/etc/cadet/hostile.toml");
        let run = fb_run(&dir, "/etc/cadet/hostile.toml", &records, &want);
        check_report(&run, &native, h.name, &mut failures);
        if run.load_ms > LOAD_BOUND.as_secs_f64() * 1e3 {
            failures.push(format!("{}: load took {} ms", h.name, run.load_ms));
        }
        println!(
            "{:<52} | {:>7.1} | {:>13} | {:>7} | {}/{}",
            h.name,
            run.load_ms,
            run.fuel,
            run.memory_mib,
            run.passed,
            records.len()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A pack of the attacker's that would match every record with rule `leaked` if the module
/// read it.
fn leaked_pack() -> String {
    pack(&rule("leaked", "true"))
}

#[test]
fn fluentbit_module_reads_no_rule_file_outside_its_accessible_paths() {
    let records = sample_records();
    let want = native_default(&records);
    let root = temp_dir("escape");
    let dir = root.join("etc-cadet");
    let outside = root.join("outside");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    let secret = outside.join("secret.toml");
    std::fs::write(&secret, leaked_pack()).unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("link.toml")).unwrap();
    std::os::unix::fs::symlink("../outside/secret.toml", dir.join("rel-link.toml")).unwrap();
    std::fs::create_dir_all(dir.join("folder.toml")).unwrap();
    let absolute = secret.to_str().unwrap().to_string();
    let cases: Vec<(String, &str)> = vec![
        (
            absolute.clone(),
            "not found (is its folder in Accessible_Paths?)",
        ),
        (
            "/etc/passwd".into(),
            "not found (is its folder in Accessible_Paths?)",
        ),
        ("/etc/cadet/../outside/secret.toml".into(), ""),
        ("/etc/cadet/link.toml".into(), ""),
        ("/etc/cadet/rel-link.toml".into(), ""),
        ("/etc/cadet/folder.toml".into(), ""),
        ("/etc/cadet/cadet.toml".into(), "unknown field `rules`"),
    ];
    let mut failures = Vec::new();
    println!("{:<40} | records | error", "rules =");
    for (path, want_err) in &cases {
        let run = fb_run(&dir, path, &records, &want);
        let error = run.status["error"].as_str().unwrap_or("").to_string();
        if error.is_empty() || !error.contains(want_err) {
            failures.push(format!("{path}: error {error:?}, want {want_err:?}"));
        }
        if !error.contains(path.as_str()) {
            failures.push(format!(
                "{path}: the error does not name the path: {error:?}"
            ));
        }
        check_report(&run, &error, path, &mut failures);
        println!(
            "{path:<40} | {:>3}/{} | {}",
            run.passed,
            records.len(),
            short(&error)
        );
    }
    // The same secret pack inside the folder is read: the cases above were refused for where
    // the file is, not for what it holds.
    std::fs::copy(&secret, dir.join("inside.toml")).unwrap();
    std::fs::write(
        dir.join("cadet.toml"),
        "rules = \"/etc/cadet/inside.toml\"\n",
    )
    .unwrap();
    let stderr = MemoryOutputPipe::new(1 << 16);
    let mut fb = FluentBit::new(&[(&dir, "/etc/cadet")], &stderr);
    let out = fb.call(&records[0]).expect("kept");
    assert!(
        String::from_utf8_lossy(&out).contains("\"leaked\""),
        "the control pack was not read: {}",
        String::from_utf8_lossy(&out)
    );
    assert!(fb.status()["error"].is_null());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A pack file over the core's limit (`cadet_core::MAX_PACK_LEN`) is refused with the core's
/// error and records pass, and it is refused before it is read (plugin-fluentbit/src/bounded.rs):
/// the module's linear memory afterwards is the same whatever the file's size, no more than
/// after refusing a file one byte over the limit, and that is no more than a run without any
/// pack file plus the limit twice over (room to read the limit once).
#[test]
fn fluentbit_module_oversize_pack_file_is_refused() {
    let records = sample_records();
    let want = native_default(&records);
    let dir = temp_dir("oversize");
    let mut failures = Vec::new();
    let limit = cadet_core::MAX_PACK_LEN;
    // No pack file at all: the settings file names none, the embedded pack runs.
    std::fs::write(dir.join("cadet.toml"), "").unwrap();
    let stderr = MemoryOutputPipe::new(1 << 16);
    let mut plain = FluentBit::new(&[(&dir, "/etc/cadet")], &stderr);
    plain.call(&records[0]).expect("kept");
    let baseline = plain.memory_bytes();
    let mut smallest_refused = None;
    for size in [limit + 1, 2 << 20, 16 << 20, 64 << 20] {
        let text = format!("{PROFILE}# {}\n", "x".repeat(size - PROFILE.len() - 3));
        assert_eq!(text.len(), size);
        std::fs::write(dir.join("big.toml"), &text).unwrap();
        let (native, _) = native_error(&text, "/etc/cadet/big.toml");
        let run = fb_run(&dir, "/etc/cadet/big.toml", &records, &want);
        let what = format!("{size}-byte pack");
        check_report(&run, &native, &what, &mut failures);
        let smallest = *smallest_refused.get_or_insert(run.memory_bytes);
        if run.memory_bytes > smallest {
            failures.push(format!(
                "{what}: linear memory {} bytes after, {smallest} after a file one byte over the limit",
                run.memory_bytes
            ));
        }
        println!(
            "{:.1} MiB pack file: refused in {:.1} ms, linear memory {} MiB after ({} MiB without a pack file), records {}/{}",
            size as f64 / (1 << 20) as f64,
            run.load_ms,
            run.memory_mib,
            baseline >> 20,
            run.passed,
            records.len()
        );
    }
    let smallest = smallest_refused.unwrap();
    assert!(
        smallest <= baseline + 2 * limit,
        "linear memory {smallest} bytes after refusing an oversize pack, {baseline} without one"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A pack file larger than the memory the module may use is refused by its size, before any of
/// it is read, with the core's error (no "out of memory", no trap); the module runs with the
/// defaults and no record is lost.
#[test]
fn fluentbit_module_pack_file_larger_than_memory_loses_no_record() {
    let records = sample_records();
    let want = native_default(&records);
    let dir = temp_dir("huge");
    let text = format!("{PROFILE}# {}\n", "x".repeat(FB_MEMORY + (16 << 20)));
    std::fs::write(dir.join("huge.toml"), &text).unwrap();
    let (native, _) = native_error(&text, "/etc/cadet/huge.toml");
    let run = fb_run(&dir, "/etc/cadet/huge.toml", &records, &want);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{} MiB pack file under a {} MiB cap: records {}/{}, linear memory {} MiB, error {:?}",
        text.len() >> 20,
        FB_MEMORY >> 20,
        run.passed,
        records.len(),
        run.memory_mib,
        run.status["error"]
    );
    let mut failures = Vec::new();
    check_report(&run, &native, "huge pack file", &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
