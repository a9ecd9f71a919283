#!/usr/bin/env bash
# Builds the two engines and the UI into pkg/. Skips the work when no source
# changed since the last successful build (pkg/.stamp).
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=pkg/.stamp
sources=(Cargo.toml Cargo.lock src engine ui scripts/build.sh)
if [ -f "$stamp" ] && [ -z "$(find "${sources[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  echo "build: up to date"
  exit 0
fi

# All wasm builds use nightly: the threaded one needs -Z build-std, and one
# toolchain for all keeps the installed targets to one.
export RUSTUP_TOOLCHAIN=nightly

# The threaded engine: shared memory needs these link arguments since
# nightly 2025-10 (docs/toolchain.md), and std rebuilt with atomics. Its own
# target dir so these flags never touch the other builds.
echo "build: threaded engine"
RUSTFLAGS="-C target-feature=+atomics,+bulk-memory \
 -C link-arg=--shared-memory -C link-arg=--max-memory=1073741824 \
 -C link-arg=--import-memory -C link-arg=--export=__heap_base \
 -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
 -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base" \
CARGO_TARGET_DIR="$PWD"/target/wasm-threads \
  wasm-pack --quiet build engine --release --target web --mode no-install --no-pack \
    --out-dir ../pkg/threads -- --features threads -Z build-std=panic_abort,std

echo "build: single-threaded engine"
CARGO_TARGET_DIR="$PWD"/target/wasm-single \
  wasm-pack --quiet build engine --release --target web --mode no-install --no-pack --out-dir ../pkg/single

echo "build: ui"
CARGO_TARGET_DIR="$PWD"/target/wasm-single \
  wasm-pack --quiet build ui --release --target web --mode no-install --no-pack --out-dir ../pkg/ui

grep -q 'shared:true\|shared: true' pkg/threads/threadlab_engine.js \
  || { echo "build: the threaded engine has no shared memory (see docs/toolchain.md)" >&2; exit 1; }
touch "$stamp"
echo "build: done"
