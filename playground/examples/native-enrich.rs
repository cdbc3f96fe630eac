//! The native reference for the browser test: enriches the records of each file
//! with cadet-core's `Engine::enrich`, one output line per non-blank input line.
//!
//! `native-enrich [--profile NAME] [--rules PACK.toml] [--output cadet|ecs|ocsf] FILE...`
//! (`ecs`/`ocsf`: `cadet_alert::Alerter::write` for each matched record, what `cadet scan
//! --output` writes, dated by the record's own time, else 0, as the page dates them);
//! (with `--rules`, errors name the pack `rules.toml`, as in the page);
//! `native-enrich --default-pack` prints the embedded rule pack;
//! `native-enrich --vrl enrich|matches-only [--profile P] [--rules PACK]` the VRL program.
//!
//! Lines are read as the page reads a text box: UTF-8 (invalid bytes replaced),
//! `\r\n` and lone `\r` turned into `\n` (browsers normalise a text box's value
//! that way), blank lines skipped.

use std::process::ExitCode;

use cadet_core::{Config, Engine};

fn main() -> ExitCode {
    let mut config = Config::default();
    let mut files = Vec::new();
    let mut vrl_mode: Option<String> = None;
    let mut output = cadet_alert::Output::Cadet;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--default-pack" => {
                print!("{}", cadet_core::DEFAULT_PACK);
                return ExitCode::SUCCESS;
            }
            "--vrl" => vrl_mode = Some(args.next().unwrap_or_default()),
            "--profile" => config.profile = args.next().unwrap_or_default(),
            "--output" => {
                let name = args.next().unwrap_or_default();
                match cadet_alert::Output::parse(&name) {
                    Some(o) => output = o,
                    None => {
                        eprintln!("native-enrich: unknown output {name}");
                        return ExitCode::from(2);
                    }
                }
            }
            "--rules" => {
                let path = args.next().unwrap_or_default();
                match std::fs::read_to_string(&path) {
                    Ok(text) => config.rules = Some(text),
                    Err(e) => {
                        eprintln!("native-enrich: {path}: {e}");
                        return ExitCode::from(2);
                    }
                }
                config.rules_name = cadet_playground::EDITED_PACK_NAME.to_string();
            }
            _ => files.push(arg),
        }
    }
    if let Some(mode) = vrl_mode {
        let rules = config.rules.as_deref();
        return match cadet_playground::vrl(rules, &config.profile, mode == "matches-only") {
            Ok(program) => {
                print!("{program}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("native-enrich: {e}");
                ExitCode::from(2)
            }
        };
    }
    let mut engine = match Engine::new(&config) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("native-enrich: {e}");
            return ExitCode::from(2);
        }
    };
    let alerter = cadet_alert::Alerter::new(&engine);
    let mut out = Vec::new();
    for path in files {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("native-enrich: {path}: {e}");
                return ExitCode::from(2);
            }
        };
        let text = String::from_utf8_lossy(&bytes)
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        for line in text.split('\n').filter(|l| !l.trim().is_empty()) {
            if output == cadet_alert::Output::Cadet {
                engine.enrich(line.as_bytes(), &mut out);
                out.push(b'\n');
                continue;
            }
            let verdict = engine.score(line.as_bytes());
            let time = cadet_alert::Facts::read(line.as_bytes())
                .time_ms
                .unwrap_or(0);
            if alerter.write(output, line.as_bytes(), &verdict, time, &mut out) {
                out.push(b'\n');
            }
        }
    }
    use std::io::Write;
    if std::io::stdout().write_all(&out).is_err() {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
