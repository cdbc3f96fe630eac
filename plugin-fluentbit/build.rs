//! On wasm32-wasip1 the C library (wasi-libc) already defines `malloc` and `free`, and Rust's
//! allocator calls them: export those instead of defining our own (which would recurse).
fn main() {
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if arch == "wasm32" && os == "wasi" {
        println!("cargo:rustc-link-arg-cdylib=--export=malloc");
        println!("cargo:rustc-link-arg-cdylib=--export=free");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
