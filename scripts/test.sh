#!/usr/bin/env bash
# Every test: the core and UI logic natively, the core again as 32-bit wasm
# (wasm32-wasip1 under Node), then the page in headless Chromium, Firefox ESR
# and WebKitGTK (which needs the wasm build, made here if out of date).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# The browsers first: a missing one fails now, not after the cargo tests.
missing=()
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing+=(Chromium)
[ -x "${FIREFOX:-/usr/bin/firefox-esr}" ] || missing+=("Firefox ESR")
command -v WebKitWebDriver >/dev/null || missing+=(WebKitWebDriver)
command -v Xvfb >/dev/null || missing+=(Xvfb)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test: missing: ${missing[*]}: run 'bash scripts/setup.sh --browser' (installs Debian's chromium, firefox-esr, webkit2gtk-driver, xvfb and xauth)" >&2
  exit 1
fi
bash scripts/setup.sh --test
echo "== cargo test (native)"
# One test at a time: the GIL tests measure waits, and two cores are few.
# With the UI's `prerender` (Yew's server-side rendering): ui/tests/landing.rs
# checks the landing markup the page is sent with.
cargo test --workspace --features threadlab-ui/prerender -- --test-threads=1
echo "== cargo test (wasm32-wasip1, 32-bit)"
# The core crate again as 32-bit code (usize is 32 bits, as in the browser):
# .cargo/config.toml runs each test binary under Node's WASI
# (scripts/wasi-run.mjs). On stable: nightly has no wasm32-wasip1 target here.
# Tests that need OS threads are cfg'd out for wasm. A panic there aborts its
# whole test binary: --nocapture keeps the panic message on screen, and
# --no-fail-fast still runs the other test binaries.
cargo +stable test -p threadlab --target wasm32-wasip1 --no-fail-fast -- --nocapture
echo "== build"
bash scripts/build.sh
echo "== page tests (headless Chromium; Firefox ESR and WebKitGTK: firefox.test.mjs, webkit.test.mjs)"
node --test --test-concurrency=1 tests/browser/
