//! Builds the WebAssembly artifacts host-tests loads, once per change of their sources:
//! - `cadet-plugin-wasi` for `wasm32-wasip2` (the component) → `CADET_COMPONENT_WASM`
//! - `cadet-plugin-fluentbit` for `wasm32-unknown-unknown` → `CADET_FLUENTBIT_WASM`
//!
//! Each is a nested `cargo build --profile wasm-release` with its own target directory
//! (`<target-dir>/wasm-artifacts`), so it never waits on the lock of the outer build, and
//! debug, release and bench builds of host-tests all share the same artifacts. The nested
//! cargo inherits the outer jobserver, so it does not oversubscribe the machine.
//!
//! The component is built with WebAssembly SIMD (`-C target-feature=+simd128`: wasmtime,
//! jco/node and browsers run it; memchr searches with it). The Fluent Bit module is not: WAMR's
//! interpreter, which Fluent Bit embeds, is not assumed to run SIMD.
//!
//! Profiles: the component is built with `wasm-release` by default (opt-level "z": 1,020,768
//! bytes, under the 1 MiB budget). `CADET_WASM_SPEED=1` builds it with `wasm-speed` (opt-level
//! 2, inlining held back with `-inline-threshold=25`, and plugin-wasi's `speed` feature: its own
//! small-block allocator and memcmp): about 2.2× the throughput, but since the HTTP-request
//! source joined the core it is 1,071,018 bytes, over the budget (see plugin-wasi/README.md).
//! The Fluent Bit module is `wasm-release`.
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
    ] {
        // A path that does not exist would make cargo rerun this script on every build.
        if root.join(path).exists() {
            println!("cargo:rerun-if-changed={}", root.join(path).display());
        }
    }
    println!("cargo:rerun-if-env-changed=CADET_WASM_TARGET_DIR");
    println!("cargo:rerun-if-env-changed=CADET_WASM_SPEED");

    let speed = env::var_os("CADET_WASM_SPEED").is_some_and(|v| v == "1");
    let component = if speed {
        Build {
            profile: "wasm-speed",
            rustflags: &[
                "-Ctarget-feature=+simd128",
                "-Cllvm-args=-inline-threshold=25",
            ],
            features: &["speed"],
        }
    } else {
        Build {
            profile: "wasm-release",
            rustflags: &["-Ctarget-feature=+simd128"],
            features: &[],
        }
    };
    let fluentbit = Build {
        profile: "wasm-release",
        rustflags: &[],
        features: &[],
    };
    match build(
        &root,
        &target_dir,
        &component,
        "cadet-plugin-wasi",
        "wasm32-wasip2",
        "cadet_plugin_wasi.wasm",
    ) {
        Ok(path) => println!("cargo:rustc-env=CADET_COMPONENT_WASM={}", path.display()),
        Err(e) => panic!("building the cadet WASI component failed:\n{e}"),
    }
    // The Envoy filter exactly as its README builds it: `--release --target wasm32-wasip1`
    // (panic=abort is the wasm targets' default; said again here).
    let envoy = Build {
        profile: "release",
        rustflags: &["-Cpanic=abort"],
        features: &[],
    };
    match build(
        &root,
        &target_dir,
        &envoy,
        "cadet-plugin-envoy",
        "wasm32-wasip1",
        "cadet_plugin_envoy.wasm",
    ) {
        Ok(path) => println!("cargo:rustc-env=CADET_ENVOY_WASM={}", path.display()),
        Err(e) => panic!("building the cadet Envoy filter failed:\n{e}"),
    }
    match build(
        &root,
        &target_dir,
        &fluentbit,
        "cadet-plugin-fluentbit",
        "wasm32-unknown-unknown",
        "cadet_plugin_fluentbit.wasm",
    ) {
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

/// A cargo profile, compiler flags and package features for one artifact.
struct Build {
    profile: &'static str,
    rustflags: &'static [&'static str],
    features: &'static [&'static str],
}

/// Runs the nested build and returns the absolute path of the artifact.
fn build(
    root: &Path,
    target_dir: &Path,
    how: &Build,
    package: &str,
    target: &str,
    file: &str,
) -> Result<PathBuf, String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "--profile",
            how.profile,
            "-p",
            package,
            "--target",
            target,
            "--target-dir",
        ])
        .arg(target_dir);
    if !how.features.is_empty() {
        cmd.arg("--features").arg(how.features.join(","));
    }
    // The outer cargo hands build scripts flags meant for the host target; they must not
    // reach the wasm build.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_PROFILE_RELEASE_DEBUG",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    // Flags for this artifact only (cargo applies them to the wasm target, not to build scripts).
    cmd.env("CARGO_ENCODED_RUSTFLAGS", how.rustflags.join("\x1f"));
    let output = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let path = target_dir.join(target).join(how.profile).join(file);
    if !path.is_file() {
        return Err(format!("cargo succeeded but {} is missing", path.display()));
    }
    Ok(path.canonicalize().unwrap_or(path))
}
