#!/usr/bin/env bash
# Every test: the core and UI logic natively, then the page in headless
# Chromium (which needs the wasm build, made here if out of date).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "test: Chromium is missing: run 'bash scripts/setup.sh --browser' (installs Debian's chromium)" >&2
  exit 1
fi
bash scripts/setup.sh
echo "== cargo test (native)"
# One test at a time: the GIL tests measure waits, and two cores are few.
cargo test --workspace -- --test-threads=1
echo "== build"
bash scripts/build.sh
echo "== page tests (headless Chromium)"
node --test --test-concurrency=1 tests/browser/
