//! The JavaScript API (WebAssembly build only). Results are typed objects built
//! by serde-wasm-bindgen straight from the Rust values; no JSON text in between,
//! except the enriched records, which are JSON lines by definition.

use serde::Serialize;
use wasm_bindgen::prelude::*;

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    value
        .serialize(&serializer)
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The rule pack compiled into cadet (TOML text).
#[wasm_bindgen(js_name = defaultPack)]
pub fn default_pack() -> String {
    cadet_core::DEFAULT_PACK.to_string()
}

/// The version of cadet this build carries.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[derive(Serialize)]
struct Profiles {
    profiles: Vec<crate::ProfileInfo>,
    error: Option<crate::RuleError>,
}

/// `{profiles: [{name, description, rules, threshold}], error}` of a rule pack
/// (`null`: the default pack).
#[wasm_bindgen]
pub fn profiles(rules: Option<String>) -> Result<JsValue, JsError> {
    let result = match crate::profiles(rules.as_deref()) {
        Ok(profiles) => Profiles {
            profiles,
            error: None,
        },
        Err(e) => Profiles {
            profiles: Vec::new(),
            error: Some(e),
        },
    };
    to_js(&result)
}

/// One-shot analysis: `{profile, lines, verdicts, enriched, matched, skipped,
/// rule_count, threshold, error: {file, rule, line, message, display} | null}`.
#[wasm_bindgen]
pub fn analyze(records: &str, rules: Option<String>, profile: &str) -> Result<JsValue, JsError> {
    to_js(&crate::Playground::new().analyze(records, rules.as_deref(), profile))
}

/// The VRL program (Vector `remap`) for a pack (`null`: the default pack) and profile;
/// `mode` is `enrich` or `matches-only`. Throws an `Error` with a `rules.toml:…` message.
#[wasm_bindgen]
pub fn vrl(rules: Option<String>, profile: &str, mode: &str) -> Result<String, JsError> {
    crate::vrl(rules.as_deref(), profile, mode == "matches-only").map_err(|e| JsError::new(&e))
}

/// A playground that keeps the engine between calls (the page's live updates).
#[wasm_bindgen(js_name = Playground)]
pub struct JsPlayground(crate::Playground);

#[wasm_bindgen(js_class = Playground)]
impl JsPlayground {
    /// A playground with nothing loaded yet.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsPlayground {
        JsPlayground(crate::Playground::new())
    }

    /// Like the free `analyze`, reusing the engine while the rules and profile stay the same.
    pub fn analyze(
        &mut self,
        records: &str,
        rules: Option<String>,
        profile: &str,
    ) -> Result<JsValue, JsError> {
        to_js(&self.0.analyze(records, rules.as_deref(), profile))
    }

    /// The records as JSON lines in `output` (`cadet`, `ecs`, `ocsf`): every record enriched,
    /// or the ECS alert document / OCSF Detection Finding of each matched record. Throws an
    /// `Error` for an unknown output or a pack that does not load.
    pub fn export(
        &mut self,
        records: &str,
        rules: Option<String>,
        profile: &str,
        output: &str,
    ) -> Result<Vec<String>, JsError> {
        self.0
            .export(records, rules.as_deref(), profile, output)
            .map_err(|e| JsError::new(&e))
    }

    /// The rule error of a pack and profile, or `null`.
    pub fn check(&mut self, rules: Option<String>, profile: &str) -> Result<JsValue, JsError> {
        to_js(&self.0.check(rules.as_deref(), profile))
    }
}

impl Default for JsPlayground {
    fn default() -> Self {
        JsPlayground::new()
    }
}
