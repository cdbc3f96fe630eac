//! Replays JSONL (or raw log) files through the native core and the WASI component and
//! prints the parity table; exits 1 if any record differs.
//!
//! ```text
//! cargo run -p host-tests --bin wasi-replay -- [--profile NAME]... [--component FILE.wasm] [--all] [FILE.jsonl]...
//! ```
//! `--component` replays through another build of the component (for example one
//! optimised by `jco opt`) instead of the one host-tests' build script built.
//! With no file, or with `--all`, it replays every fixture set parity replays
//! (repository fixtures and ../shared/data). Without `--profile` it runs every profile.

use std::path::Path;
use std::process::ExitCode;

use host_tests::component::{ComponentHost, Limits};
use host_tests::{corpus, parity};

fn main() -> ExitCode {
    let mut profiles = Vec::new();
    let mut sets = Vec::new();
    let mut all = false;
    let mut component = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--profile" | "-p" => match args.next() {
                Some(p) => profiles.push(p),
                None => return usage("--profile needs a name"),
            },
            "--all" => all = true,
            "--component" => match args.next() {
                Some(p) => component = Some(std::path::PathBuf::from(p)),
                None => return usage("--component needs a file"),
            },
            "-h" | "--help" => return usage(""),
            file => match corpus::file_set(Path::new(file)) {
                Ok(set) => sets.push(set),
                Err(e) => return usage(&format!("cannot read {file}: {e}")),
            },
        }
    }
    if sets.is_empty() || all {
        sets.extend(corpus::all_sets());
    }
    if profiles.is_empty() {
        profiles = parity::profiles();
    }
    let path = component.unwrap_or_else(|| host_tests::component::COMPONENT_WASM.into());
    let host = match ComponentHost::from_file(&path, Limits::default()) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("wasi-replay: {e:#}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "component: {} ({} bytes, compiled in {:?})",
        path.display(),
        host.wasm_size,
        host.compile_time
    );
    let rows = parity::compare_all(&host, &profiles, &sets);
    print!("{}", parity::table(&rows));
    if rows.iter().all(parity::Row::identical) {
        ExitCode::SUCCESS
    } else {
        eprint!("{}", parity::explain(&rows, 3));
        ExitCode::from(1)
    }
}

fn usage(problem: &str) -> ExitCode {
    if !problem.is_empty() {
        eprintln!("wasi-replay: {problem}");
    }
    eprintln!(
        "usage: wasi-replay [--profile NAME]... [--component FILE.wasm] [--all] [FILE.jsonl]..."
    );
    ExitCode::from(if problem.is_empty() { 0 } else { 2 })
}
