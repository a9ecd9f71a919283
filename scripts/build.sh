#!/usr/bin/env bash
# Builds the two engines and the UI into pkg/, optimises their wasm with
# binaryen's wasm-opt from npm (the engines for speed, the UI for size) and
# writes brotli/gzip copies beside every file (scripts/serve.mjs sends them).
# Skips the work when no source changed since the last successful build
# (pkg/.stamp).
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=pkg/.stamp
sources=(Cargo.toml Cargo.lock src engine ui scripts/build.sh scripts/compress.mjs package-lock.json)
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
  wasm-pack --quiet build engine --release --no-opt --target web --mode no-install --no-pack \
    --out-dir ../pkg/threads -- --features threads -Z build-std=panic_abort,std

echo "build: single-threaded engine"
CARGO_TARGET_DIR="$PWD"/target/wasm-single \
  wasm-pack --quiet build engine --release --no-opt --target web --mode no-install --no-pack --out-dir ../pkg/single

# The UI is what a first visit waits for: the `ui` profile (opt-level "z",
# Cargo.toml), std rebuilt for size, and panics as a bare trap (nothing
# showed a UI panic's message before either: there is no panic hook). Its
# own target dir, as these flags differ. Source paths that stay in the
# binary (Yew's #[track_caller] locations) are shortened. Built twice: the
# shell (`--features shell`, pkg/ui/) is what the page loads first; the lab
# (pkg/lab/: the runner and the results views too) is loaded by the first
# action that needs it (ui/src/lab.rs).
ui_flags="-Z unstable-options -C panic=immediate-abort --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src= \
 --remap-path-prefix=$(rustc --print sysroot)=rust --remap-path-prefix=$PWD=."
for part in shell lab; do
  echo "build: ui ($part)"
  out=../pkg/lab features=()
  [ "$part" = shell ] && out=../pkg/ui features=(--features shell)
  RUSTFLAGS="$ui_flags" CARGO_TARGET_DIR="$PWD"/target/wasm-ui \
    wasm-pack --quiet build ui --profile ui --no-opt --target web --mode no-install --no-pack --out-dir "$out" \
      -- "${features[@]}" -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size
done

# binaryen's wasm-opt from npm (Debian's miscompiles threaded modules, see
# docs/toolchain.md). The features come from each module's target_features
# section, so the threaded engine keeps its atomics and shared memory.
echo "build: wasm-opt"
wasm_opt=node_modules/.bin/wasm-opt
[ -x "$wasm_opt" ] || { echo "build: $wasm_opt is missing: run 'bash scripts/setup.sh'" >&2; exit 1; }
"$wasm_opt" -O3 --strip-debug --strip-producers pkg/threads/threadlab_engine_bg.wasm -o pkg/threads/threadlab_engine_bg.wasm &
"$wasm_opt" -O3 --strip-debug --strip-producers pkg/single/threadlab_engine_bg.wasm -o pkg/single/threadlab_engine_bg.wasm &
"$wasm_opt" -Oz --strip-debug --strip-producers pkg/ui/threadlab_ui_bg.wasm -o pkg/ui/threadlab_ui_bg.wasm &
"$wasm_opt" -Oz --strip-debug --strip-producers pkg/lab/threadlab_ui_bg.wasm -o pkg/lab/threadlab_ui_bg.wasm &
for job in $(jobs -p); do wait "$job"; done

grep -q 'shared:true\|shared: true' pkg/threads/threadlab_engine.js \
  || { echo "build: the threaded engine has no shared memory (see docs/toolchain.md)" >&2; exit 1; }
node scripts/compress.mjs pkg
touch "$stamp"
echo "build: done"
