#!/usr/bin/env bash
# Builds the playground into playground/dist/: cadet-core + bindings compiled to
# wasm32-unknown-unknown, wasm-bindgen (the exact version in Cargo.lock), and the
# static page from playground/web/. Prints the size of what a browser downloads.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}
dist=playground/dist

want=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ -z "$want" ]; then
  echo "build.sh: no wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if [ "$have" != "$want" ]; then
  echo "build.sh: installing wasm-bindgen-cli $want (found: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want"
fi

# The workspace's wasm-release profile strips everything, including the
# `target_features` section wasm-bindgen reads to use reference types; keep that
# section here and drop names and producers in wasm-bindgen instead (same size).
CARGO_PROFILE_WASM_RELEASE_STRIP=debuginfo \
  cargo build -p cadet-playground --target wasm32-unknown-unknown --profile wasm-release
rm -rf "$dist"
mkdir -p "$dist"
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$dist" \
  "$target_dir/wasm32-unknown-unknown/wasm-release/cadet_playground.wasm"
cp playground/web/* "$dist/"

echo "playground/dist (bytes: raw, gzip -9):"
total=0
total_gz=0
for f in "$dist"/*; do
  raw=$(wc -c < "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total=$((total + raw))
  total_gz=$((total_gz + gz))
  printf '  %-28s %9d %9d\n' "$(basename "$f")" "$raw" "$gz"
done
printf '  %-28s %9d %9d\n' "total" "$total" "$total_gz"
