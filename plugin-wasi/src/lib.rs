//! cadet as a WASI Preview 2 component: the `cadet:detector` world of `wit/detector.wit`,
//! implemented as a thin adapter over [`cadet_core::Engine`] (and [`cadet_alert`] for the
//! `ecs`/`ocsf` outputs). All detection logic lives in cadet-core; this crate only converts
//! types and keeps one engine per component instance.
//!
//! Build: `cargo build -p cadet-plugin-wasi --target wasm32-wasip2 --profile wasm-release`.

use std::cell::RefCell;

// The `speed` build (host-tests' CADET_WASM_SPEED=1) replaces wasi-libc's allocator and
// memcmp; the size-first build keeps them (it has no bytes to spare under 1 MiB).
#[cfg(all(target_arch = "wasm32", feature = "speed"))]
mod fast;

use cadet_alert::{Alerter, Facts};
use cadet_core::{
    Config as CoreConfig, Engine, OutputMode, Severity as CoreSeverity, Verdict as CoreVerdict,
};

wit_bindgen::generate!({
    world: "cadet",
    path: "wit",
});

use exports::cadet::detector::detector::Guest;
use exports::cadet::detector::detector::{
    Config, Context, Mode, Output, Owner, RuleHit, Severity, Triage, Verdict, VerdictFlags,
};

/// The engine and mode in force. A component instance is single-threaded.
struct Detector {
    engine: Engine,
    mode: Mode,
    out: Vec<u8>,
    /// The alert renderer for `ecs`/`ocsf`, built from the engine on first use.
    alerter: Option<Alerter>,
}

/// What `set-output` and `set-received-time` chose; kept when `configure` replaces the engine.
struct Choice {
    output: Output,
    received_ms: Option<i64>,
}

thread_local! {
    static CHOICE: RefCell<Choice> = const {
        RefCell::new(Choice { output: Output::Cadet, received_ms: None })
    };
}

thread_local! {
    static DETECTOR: RefCell<Option<Detector>> = const { RefCell::new(None) };
}

/// Runs `f` on the configured detector, building the default one on first use.
fn with_detector<R>(f: impl FnOnce(&mut Detector) -> R) -> R {
    DETECTOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let detector = slot.get_or_insert_with(|| Detector {
            // The embedded pack and default profile are checked by cadet-core's tests.
            engine: Engine::new(&CoreConfig::default()).expect("embedded rule pack"),
            mode: Mode::EnrichAll,
            out: Vec::new(),
            alerter: None,
        });
        f(detector)
    })
}

/// Builds the cadet-core configuration a WIT `config` describes.
pub fn core_config(config: &Config) -> CoreConfig {
    let rules_name = config
        .rules_name
        .clone()
        .unwrap_or_else(|| String::from("<config>"));
    CoreConfig {
        profile: config.profile.clone(),
        rules: config.rules.clone(),
        suppressions: config.suppressions.clone(),
        rules_name,
        threshold: config.threshold,
        state_capacity: config.state_capacity as usize,
        scored_requests: config
            .scored_requests
            .map_or(cadet_core::DEFAULT_SCORED_REQUESTS, |n| n as usize),
        ..CoreConfig::default()
    }
}

fn severity(s: CoreSeverity) -> Severity {
    match s {
        CoreSeverity::None => Severity::None,
        CoreSeverity::Low => Severity::Low,
        CoreSeverity::Medium => Severity::Medium,
        CoreSeverity::High => Severity::High,
        CoreSeverity::Critical => Severity::Critical,
    }
}

/// The WIT verdict for a cadet-core verdict (field for field).
fn verdict(v: CoreVerdict) -> Verdict {
    Verdict {
        profile: v.profile,
        matched: v.matched,
        score: v.score,
        severity: severity(v.severity),
        techniques: v.techniques,
        rules: v
            .rules
            .into_iter()
            .map(|r| RuleHit {
                id: r.id,
                title: r.title,
                score: r.score,
            })
            .collect(),
        flags: VerdictFlags {
            privileged_container: v.flags.privileged_container,
            host_mount: v.flags.host_mount,
            container_exec: v.flags.container_exec,
            secrets_access: v.flags.secrets_access,
            escape: v.flags.escape,
        },
        indicators: v.indicators,
        source: v.source,
        stage: v.stage,
        duplicate_of_stage: v.duplicate_of_stage,
        denied: v.denied,
        owner: v.owner.map(|o| Owner {
            kind: o.kind,
            name: o.name,
            created_by: o.created_by,
        }),
        context: v.context.map(|c| Context {
            first_seen_user_exec: c.first_seen_user_exec,
            first_seen_user_ip: c.first_seen_user_ip,
            exec_spike: c.exec_spike,
            exec_rate: c.exec_rate,
            discovery_burst: c.discovery_burst,
            discovery_resources: c.discovery_resources,
        }),
        suppressed_by: v.suppressed_by,
        triage: v.triage.map(|t| Triage {
            escalate: t.escalate,
            steps: t.steps,
        }),
        error: v.error,
    }
}

impl Detector {
    /// Writes one record in the chosen output into `self.out` (cleared first); false when
    /// nothing is written (the mode drops it, or an alert output and no match).
    fn enrich_into(&mut self, record: &[u8]) -> bool {
        self.out.clear();
        let (output, received_ms) = CHOICE.with(|c| {
            let c = c.borrow();
            (c.output, c.received_ms)
        });
        if output != Output::Cadet {
            return self.alert_into(output, record, received_ms);
        }
        let mode = match self.mode {
            Mode::EnrichAll => OutputMode::All,
            Mode::MatchesOnly => OutputMode::MatchesOnly,
        };
        self.engine.enrich_as(record, mode, &mut self.out).matched || mode == OutputMode::All
    }

    /// The ECS document or OCSF finding of a matched record into `self.out`: exactly
    /// `cadet_alert::Alerter::write` (what `cadet scan --output ecs|ocsf` writes), with the
    /// received time set by the host, else the record's own (the record is read once).
    fn alert_into(&mut self, output: Output, record: &[u8], received_ms: Option<i64>) -> bool {
        let verdict = self.engine.score(record);
        if !verdict.matched {
            return false;
        }
        let engine = &self.engine;
        let alerter = self.alerter.get_or_insert_with(|| Alerter::new(engine));
        let facts = Facts::read(record);
        let received_ms = received_ms.or(facts.time_ms).unwrap_or(0);
        match output {
            Output::Ecs => cadet_alert::ecs::write(
                alerter,
                &facts,
                record,
                &verdict,
                received_ms,
                &mut self.out,
            ),
            _ => {
                let doc = cadet_alert::ocsf::render(alerter, &facts, record, &verdict, received_ms);
                serde_json::to_writer(&mut self.out, &doc).is_ok()
            }
        }
    }

    fn enrich_string(&mut self, record: &str) -> Option<String> {
        if !self.enrich_into(record.as_bytes()) {
            return None;
        }
        // Enriching valid UTF-8 appends only valid UTF-8 (JSON text and escaped strings);
        // should that ever not hold, invalid bytes are replaced rather than trapping.
        // (Copying out of the reused buffer measured faster than enriching into a fresh
        // string per record.)
        Some(match std::str::from_utf8(&self.out) {
            Ok(s) => String::from(s),
            Err(_) => String::from_utf8_lossy(&self.out).into_owned(),
        })
    }
}

struct Component;

impl Guest for Component {
    fn configure(config: Config) -> Result<(), String> {
        let engine = Engine::new(&core_config(&config)).map_err(|e| e.to_string())?;
        DETECTOR.with(|cell| {
            *cell.borrow_mut() = Some(Detector {
                engine,
                mode: config.mode,
                out: Vec::new(),
                alerter: None,
            });
        });
        Ok(())
    }

    fn profile() -> String {
        with_detector(|d| String::from(d.engine.profile()))
    }

    fn set_output(output: Output) {
        CHOICE.with(|c| c.borrow_mut().output = output);
    }

    fn set_received_time(ms: Option<i64>) {
        CHOICE.with(|c| c.borrow_mut().received_ms = ms);
    }

    fn score(record: String) -> Result<Verdict, String> {
        with_detector(|d| {
            let v = d.engine.score(record.as_bytes());
            match &v.error {
                Some(e) => Err(e.clone()),
                None => Ok(verdict(v)),
            }
        })
    }

    fn enrich(record: String) -> Option<String> {
        with_detector(|d| d.enrich_string(&record))
    }

    fn enrich_batch(records: Vec<String>) -> Vec<Option<String>> {
        with_detector(|d| records.iter().map(|r| d.enrich_string(r)).collect())
    }

    fn enrich_bytes(record: Vec<u8>) -> Option<Vec<u8>> {
        with_detector(|d| d.enrich_into(&record).then(|| d.out.clone()))
    }

    fn export_state() -> String {
        with_detector(|d| d.engine.export_state())
    }

    fn import_state(state: String) -> Result<(), String> {
        with_detector(|d| d.engine.import_state(&state))
    }
}

// The component's exports only exist in the WebAssembly build: as a native cdylib the
// WIT export names (`cadet:detector/detector@0.1.0#...`) are not valid linker symbols.
#[cfg(target_arch = "wasm32")]
export!(Component);
