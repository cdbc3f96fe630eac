#!/usr/bin/env bash
# Builds playground/dist and the native reference, then runs the browser test
# (headless Chromium via playwright-core). Exit status is the test's.
# Needs: rust target wasm32-unknown-unknown, Debian's chromium (or CHROMIUM=path), node + npm.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-$root/target}

playground/build.sh
cargo build -p cadet-playground --example native-enrich
if [ ! -d playground/tests/node_modules/playwright-core ]; then
  (cd playground/tests && npm ci --no-audit --no-fund)
fi
NATIVE_ENRICH="$target_dir/debug/examples/native-enrich" \
SCREENSHOT="${SCREENSHOT:-$root/target/playground-screenshot.png}" \
  node playground/tests/browser.test.mjs
# The shared hostile corpus (scripts/hostile-corpus, issue 15) through the same build.
CARGO_TARGET_DIR="$target_dir" node playground/tests/hostile.test.mjs
# Hostile rule packs (issue 15): the twin of host-tests/tests/hostile_rules.rs.
NATIVE_ENRICH="$target_dir/debug/examples/native-enrich" node playground/tests/hostile_rules.test.mjs
