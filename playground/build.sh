#!/usr/bin/env bash
# Builds the playground into playground/dist/ through the one artifact recipe
# (scripts/build-artifacts playground: cadet-core + bindings for wasm32-unknown-unknown,
# wasm-bindgen at the version Cargo.lock pins, the static page from playground/web/), and
# prints the size of what a browser downloads (bytes, gzip -9).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/scripts/build-artifacts" --no-dist playground
