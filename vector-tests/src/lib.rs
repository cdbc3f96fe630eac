//! Runs VRL programs with the `vrl` crate (the engine Vector's `remap` transform runs)
//! and turns fixture lines into the events Vector would hand the transform.

use std::collections::BTreeMap;

use vrl::compiler::{state::RuntimeState, CompileConfig, Context, Program, TargetValue, TimeZone};
use vrl::value::{Secrets, Value};

/// A compiled VRL program.
pub struct Vrl {
    program: Program,
    timezone: TimeZone,
}

/// What running a program on one event gave.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// The program ran to the end; the event as the program left it.
    Event(serde_json::Value),
    /// The program aborted (`abort`): `remap` with `drop_on_abort: true` drops the event.
    Aborted(String),
}

impl Vrl {
    /// Compiles `source` the way Vector's `remap` does (event: an object of any fields).
    /// Returns the program and its warnings (rendered), or the rendered errors.
    pub fn compile(source: &str) -> Result<(Vrl, Vec<String>), String> {
        let fns = vrl::stdlib::all();
        let external = vrl::compiler::state::ExternalEnv::default();
        match vrl::compiler::compile_with_external(source, &fns, &external, CompileConfig::default()) {
            Ok(result) => {
                let warnings = result
                    .warnings
                    .iter()
                    .map(|d| vrl::diagnostic::Formatter::new(source, vec![d.clone()]).to_string())
                    .collect();
                Ok((Vrl { program: result.program, timezone: TimeZone::default() }, warnings))
            }
            Err(diagnostics) => Err(vrl::diagnostic::Formatter::new(source, diagnostics).to_string()),
        }
    }

    /// Runs the program on one event.
    pub fn run(&self, event: serde_json::Value) -> Result<Outcome, String> {
        let mut target = TargetValue {
            value: Value::from(event),
            metadata: Value::Object(BTreeMap::new()),
            secrets: Secrets::default(),
        };
        let mut state = RuntimeState::default();
        let mut ctx = Context::new(&mut target, &mut state, &self.timezone);
        match self.program.resolve(&mut ctx) {
            Ok(_) => {
                let json: serde_json::Value = target.value.try_into().map_err(|e| format!("{e:?}"))?;
                Ok(Outcome::Event(json))
            }
            Err(vrl::compiler::ExpressionError::Abort { .. }) => Ok(Outcome::Aborted(String::from("abort"))),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The event Vector hands the transform for one line of a log file: a JSON object
/// as decoded by the `json` codec, anything else as `{"message": line}`.
/// `None` for a line the `json` codec rejects (a malformed JSON object): Vector never
/// runs the transform on it.
pub fn event_of(line: &str) -> Option<serde_json::Value> {
    let t = line.trim();
    match serde_json::from_str::<serde_json::Value>(t) {
        Ok(v @ serde_json::Value::Object(_)) => Some(v),
        _ if t.starts_with('{') => None,
        _ => Some(serde_json::json!({ "message": line })),
    }
}
