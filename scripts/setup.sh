#!/usr/bin/env bash
# Installs what building and testing ThreadLab needs, and only what is
# missing: fast when everything is there. Uses package registries only.
#   scripts/setup.sh                toolchain + npm packages (npm start)
#   scripts/setup.sh --browser      also Debian's browsers: Chromium (tests,
#                                   benchmark), Firefox ESR, WebKitGTK's
#                                   WebDriver and MiniBrowser, and Xvfb (the
#                                   Firefox and WebKit legs of the page tests)
#   scripts/setup.sh --wasm-bindgen only wasm-bindgen-cli: scripts/build.sh
#                                   runs this while its first builds compile
#                                   (wasm-bindgen is needed only after them)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { echo "setup: $*"; }

WASM_BINDGEN_VERSION=0.2.130 # must equal the wasm-bindgen crate pin in Cargo.toml

command -v rustup >/dev/null || { echo "setup: rustup is required (https://rustup.rs)" >&2; exit 1; }
# The threaded build needs nightly (-Z build-std). rust-src and the wasm
# target are not installed from a toolchain file on these machines: ask.
rustup toolchain list | grep -q '^nightly' || { say "installing the nightly toolchain"; rustup toolchain install nightly --profile minimal; }
rustup component list --installed --toolchain nightly 2>/dev/null | grep -q '^rust-src' \
  || { say "adding rust-src to nightly"; rustup component add rust-src --toolchain nightly; }
rustup target list --installed --toolchain nightly 2>/dev/null | grep -q '^wasm32-unknown-unknown' \
  || { say "adding the wasm32 target to nightly"; rustup target add wasm32-unknown-unknown --toolchain nightly; }
# The core crate's tests also run as 32-bit wasm (scripts/test.sh), on stable:
# this nightly has no wasm32-wasip1 target to download (docs/toolchain.md).
rustup toolchain list | grep -q '^stable' || { say "installing the stable toolchain"; rustup toolchain install stable --profile minimal; }
rustup target list --installed --toolchain stable 2>/dev/null | grep -qx 'wasm32-wasip1' \
  || { say "adding the wasm32-wasip1 target to stable"; rustup target add wasm32-wasip1 --toolchain stable; }

# No --locked: one locked dependency of wasm-bindgen-cli is missing from the
# registry mirror (docs/toolchain.md). Only the one binary the build runs
# (not the test runner or wasm2es6js), at opt-level 1: it compiles in about
# half the time, and runs for a second or two a build either way.
if [ "${1:-}" = "--wasm-bindgen" ]; then
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once, beside the first build)"
    t0=$SECONDS
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --bin wasm-bindgen --force
    say "wasm-bindgen-cli installed ($((SECONDS - t0)) s)"
  fi
  exit 0
fi

if [ ! -d node_modules/playwright-core ] || [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--browser" ]; then
  # Each binary checked, the missing packages installed with one apt-get.
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
  [ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
  command -v WebKitWebDriver >/dev/null || missing+=(webkit2gtk-driver)
  command -v Xvfb >/dev/null || missing+=(xvfb)
  command -v xauth >/dev/null || missing+=(xauth)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} from Debian (for the page tests)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
say "ready"
