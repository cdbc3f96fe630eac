//! Builds the WebAssembly artifacts host-tests loads, once per change of their sources:
//! - `cadet-plugin-wasi` for `wasm32-wasip2` (the component) → `CADET_COMPONENT_WASM`
//! - `cadet-plugin-fluentbit` for `wasm32-unknown-unknown` → `CADET_FLUENTBIT_WASM`, and for
//!   `wasm32-wasip1` (the shipped module, with its settings file) → `CADET_FLUENTBIT_WASIP1_WASM`
//! - `cadet-plugin-envoy` for `wasm32-wasip1` (the proxy-wasm filter) → `CADET_ENVOY_WASM`
//!
//! Each is built by `scripts/build-artifacts` (the one recipe for shipped artifacts: profile,
//! target, flags and features live there) into its own target directory
//! (`<target-dir>/wasm-artifacts`), so the nested cargo never waits on the lock of the outer
//! build, and debug, release and bench builds of host-tests share the same artifacts. The
//! nested cargo inherits the outer jobserver, so it does not oversubscribe the machine.
//! `CADET_WASM_SPEED=1` selects the component's speed build (see the script and
//! plugin-wasi/README.md).
//!
//! The component is required (a failed build fails host-tests' build, with cargo's output).
//! The Fluent Bit module is optional: if it fails to build, `CADET_FLUENTBIT_WASM` is empty
//! and a warning says why.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir
        .parent()
        .expect("host-tests sits in the workspace root")
        .to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let target_dir = wasm_target_dir(&out_dir);

    for path in [
        "core/src",
        "core/rules",
        "core/Cargo.toml",
        "alert/src",
        "alert/Cargo.toml",
        "plugin-wasi/src",
        "plugin-wasi/wit",
        "plugin-wasi/Cargo.toml",
        "plugin-fluentbit/src",
        "plugin-fluentbit/Cargo.toml",
        "plugin-fluentbit/build.rs",
        "plugin-envoy/src",
        "plugin-envoy/Cargo.toml",
        "Cargo.toml",
        "Cargo.lock",
        "scripts/build-artifacts",
    ] {
        // A path that does not exist would make cargo rerun this script on every build.
        if root.join(path).exists() {
            println!("cargo:rerun-if-changed={}", root.join(path).display());
        }
    }
    println!("cargo:rerun-if-env-changed=CADET_WASM_TARGET_DIR");
    println!("cargo:rerun-if-env-changed=CADET_WASM_SPEED");

    // Each artifact exactly as shipped: scripts/build-artifacts owns the recipe (profile,
    // target, flags, features; CADET_WASM_SPEED=1 is read there too).
    match build(&root, &target_dir, &out_dir, "component") {
        Ok(path) => println!("cargo:rustc-env=CADET_COMPONENT_WASM={}", path.display()),
        Err(e) => panic!("building the cadet WASI component failed:\n{e}"),
    }
    match build(&root, &target_dir, &out_dir, "envoy") {
        Ok(path) => println!("cargo:rustc-env=CADET_ENVOY_WASM={}", path.display()),
        Err(e) => panic!("building the cadet Envoy filter failed:\n{e}"),
    }
    // The Fluent Bit module as fluent-bit-config ships it (wasm32-wasip1, settings file);
    // without it the test builds it itself.
    match build(&root, &target_dir, &out_dir, "fluentbit") {
        Ok(path) => println!(
            "cargo:rustc-env=CADET_FLUENTBIT_WASIP1_WASM={}",
            path.display()
        ),
        Err(e) => println!(
            "cargo:warning=the wasm32-wasip1 Fluent Bit module did not build: {}",
            e.lines().find(|l| l.contains("error")).unwrap_or("")
        ),
    }
    match build(&root, &target_dir, &out_dir, "fluentbit-bare") {
        Ok(path) => println!("cargo:rustc-env=CADET_FLUENTBIT_WASM={}", path.display()),
        Err(e) => {
            let first = e
                .lines()
                .filter(|l| l.contains("error"))
                .take(3)
                .collect::<Vec<_>>()
                .join(" | ");
            println!(
                "cargo:warning=the Fluent Bit module did not build; its tests will skip: {first}"
            );
            println!("cargo:rustc-env=CADET_FLUENTBIT_WASM=");
        }
    }
}

/// `<target-dir>/wasm-artifacts`: the outer target directory is the nearest ancestor of
/// OUT_DIR that cargo tagged with CACHEDIR.TAG. `CADET_WASM_TARGET_DIR` overrides it.
fn wasm_target_dir(out_dir: &Path) -> PathBuf {
    if let Some(dir) = env::var_os("CADET_WASM_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    out_dir
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(|dir| dir.join("wasm-artifacts"))
        .unwrap_or_else(|| out_dir.join("wasm-artifacts"))
}

/// Runs `scripts/build-artifacts --no-dist --target-dir DIR ARTIFACT` and returns the
/// absolute path of the artifact it reports in its manifest.
fn build(
    root: &Path,
    target_dir: &Path,
    out_dir: &Path,
    artifact: &str,
) -> Result<PathBuf, String> {
    let manifest = out_dir.join(format!("artifact-{artifact}.txt"));
    let _ = std::fs::remove_file(&manifest);
    let output = Command::new("bash")
        .arg(root.join("scripts/build-artifacts"))
        .args(["--no-dist", "--target-dir"])
        .arg(target_dir)
        .arg("--manifest")
        .arg(&manifest)
        .arg(artifact)
        .current_dir(root)
        // The outer build's target directory is not the artifacts' (the script unsets the
        // other host-only flags itself).
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .map_err(|e| format!("cannot run scripts/build-artifacts: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let listed = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("scripts/build-artifacts wrote no manifest: {e}"))?;
    let path = listed
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{artifact}=")))
        .map(PathBuf::from)
        .ok_or_else(|| format!("scripts/build-artifacts did not list {artifact}"))?;
    if !path.is_file() {
        return Err(format!("{} is missing", path.display()));
    }
    Ok(path.canonicalize().unwrap_or(path))
}
