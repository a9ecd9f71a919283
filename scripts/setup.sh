#!/usr/bin/env bash
# Installs what building and testing ThreadLab needs, and only what is
# missing: fast when everything is there. Uses package registries only.
#   scripts/setup.sh                what building needs: nightly's wasm32
#                                   target and rust-src, and binaryen's
#                                   wasm-opt, the one npm package the build
#                                   runs (npm start, npm run build)
#   scripts/setup.sh --test         also the stable toolchain's wasm32-wasip1
#                                   target and every npm package (npm test)
#   scripts/setup.sh --browser      also every npm package and Debian's
#                                   browsers: Chromium (tests, benchmark),
#                                   Firefox ESR, WebKitGTK's WebDriver and
#                                   MiniBrowser, and Xvfb (the Firefox and
#                                   WebKit legs of the page tests)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { echo "setup: $*"; }

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
if [ "${1:-}" = "--test" ]; then
  rustup toolchain list | grep -q '^stable' || { say "installing the stable toolchain"; rustup toolchain install stable --profile minimal; }
  rustup target list --installed --toolchain stable 2>/dev/null | grep -qx 'wasm32-wasip1' \
    || { say "adding the wasm32-wasip1 target to stable"; rustup target add wasm32-wasip1 --toolchain stable; }
fi

# Building needs only binaryen (package.json's one "dependency"): a first
# `npm start` installs just that (seconds, where all of them take a minute or
# more); the tests and the benchmark install the rest (devDependencies). An
# install that is complete stays complete.
npm_all=""
{ [ "${1:-}" = "--test" ] || [ "${1:-}" = "--browser" ] || [ -d node_modules/playwright-core ]; } && npm_all=1
if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || { [ -n "$npm_all" ] && [ ! -d node_modules/playwright-core ]; }; then
  if [ -n "$npm_all" ]; then
    say "installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  else
    say "installing binaryen (wasm-opt) from npm"
    npm ci --omit=dev --no-audit --no-fund --loglevel=error
  fi
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
