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

started=$SECONDS
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# wasm-bindgen-cli, installed (once) while the first builds compile: it is
# needed only after each `cargo build`. Fast when it is there.
( bash scripts/setup.sh --wasm-bindgen >"$logs/bindgen" 2>&1; echo $? >"$logs/bindgen.done" ) &
bindgen_ready() {
  until [ -f "$logs/bindgen.done" ]; do sleep 1; done
  [ "$(cat "$logs/bindgen.done")" = 0 ] || { cat "$logs/bindgen" >&2; echo "build: installing wasm-bindgen-cli failed" >&2; return 1; }
}

# The landing markup the page is sent with (scripts/assets.mjs), rendered
# natively by the app's own components (ui/examples/landing.rs; a native
# build of its own, about 100 s of CPU from cold): started now, it uses
# what the wasm builds' single-threaded link steps leave of the cores.
( cd ui && RUSTUP_TOOLCHAIN=stable cargo run --quiet --example landing --features prerender >"$logs/landing.html" 2>"$logs/landing"
  echo $? >"$logs/landing.done" ) &

# All wasm builds use nightly: the threaded one needs -Z build-std, and one
# toolchain for all keeps the installed targets to one.
export RUSTUP_TOOLCHAIN=nightly

# One wasm build: `cargo build` for wasm32, then `wasm-bindgen --target web`
# (the JS glue for loading it as an ES module, no bundler) into pkg/<out>.
#   wasm <target dir name> <crate dir> <out> <profile> [cargo args…]
# Each build has its own target dir (its flags differ: RUSTFLAGS set by the
# caller), and prints how long it took, so a first build shows progress.
wasm() {
  local name=$1 crate=$2 out=$3 profile=$4; shift 4
  local t0=$SECONDS file
  local target="$PWD/target/wasm-$name"
  echo "build: $out …"
  # Cargo's own output (warnings of the nightly flags) only if it fails.
  ( cd "$crate" && CARGO_TARGET_DIR="$target" cargo build --quiet --lib --target wasm32-unknown-unknown --profile "$profile" "$@" ) >"$logs/$out" 2>&1 \
    || { cat "$logs/$out" >&2; echo "build: $out failed" >&2; return 1; }
  file=threadlab_ui
  [ "$crate" = engine ] && file=threadlab_engine
  bindgen_ready
  rm -rf "pkg/$out" # no stale file of an earlier build left beside the new ones
  wasm-bindgen --target web --no-typescript --out-dir "pkg/$out" "$target/wasm32-unknown-unknown/$profile/$file.wasm"
  echo "build: $out done ($((SECONDS - t0)) s)"
}

# The threaded engine: shared memory needs these link arguments since
# nightly 2025-10 (docs/toolchain.md), and std rebuilt with atomics.
threads_flags="-C target-feature=+atomics,+bulk-memory \
 -C link-arg=--shared-memory -C link-arg=--max-memory=1073741824 \
 -C link-arg=--import-memory -C link-arg=--export=__heap_base \
 -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
 -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base"

# The UI is what a first visit waits for: the `ui` profile (opt-level "z",
# Cargo.toml), std rebuilt for size, and panics as a bare trap (nothing
# showed a UI panic's message before either: there is no panic hook). Source
# paths that stay in the binary (Yew's #[track_caller] locations) are
# shortened. Built twice, one target dir: the shell (`--features shell`,
# pkg/ui/) is what the page loads first; the lab (pkg/lab/: the runner and
# the results views too) is loaded by the first action that needs it
# (ui/src/lab.rs).
ui_flags="-Z unstable-options -C panic=immediate-abort --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src= \
 --remap-path-prefix=$(rustc --print sysroot)=rust --remap-path-prefix=$PWD=."
ui_std=(-Z build-std=std,panic_abort -Z build-std-features=optimize_for_size)

# Side by side: each build ends in a long single-threaded step (LTO with one
# codegen unit), so two at once keep both cores busy.
RUSTFLAGS="$threads_flags" wasm threads engine threads release --features threads -Z build-std=panic_abort,std &
engines=$!
( wasm single engine single release \
  && RUSTFLAGS="$ui_flags" wasm ui ui ui ui --features shell "${ui_std[@]}" \
  && RUSTFLAGS="$ui_flags" wasm ui ui lab ui "${ui_std[@]}" ) &
rest=$!
failed=0
wait "$engines" || failed=1
wait "$rest" || failed=1
grep -h "wasm-bindgen-cli installed" "$logs/bindgen" || true
[ "$failed" = 0 ] || exit 1

# binaryen's wasm-opt from npm (Debian's miscompiles threaded modules, see
# docs/toolchain.md). The features come from each module's target_features
# section, so the threaded engine keeps its atomics and shared memory.
echo "build: wasm-opt …"
t0=$SECONDS
wasm_opt=node_modules/.bin/wasm-opt
[ -x "$wasm_opt" ] || { echo "build: $wasm_opt is missing: run 'bash scripts/setup.sh'" >&2; exit 1; }
"$wasm_opt" -O3 --strip-debug --strip-producers pkg/threads/threadlab_engine_bg.wasm -o pkg/threads/threadlab_engine_bg.wasm &
"$wasm_opt" -O3 --strip-debug --strip-producers pkg/single/threadlab_engine_bg.wasm -o pkg/single/threadlab_engine_bg.wasm &
"$wasm_opt" -Oz --strip-debug --strip-producers pkg/ui/threadlab_ui_bg.wasm -o pkg/ui/threadlab_ui_bg.wasm &
"$wasm_opt" -Oz --strip-debug --strip-producers pkg/lab/threadlab_ui_bg.wasm -o pkg/lab/threadlab_ui_bg.wasm &
for job in $(jobs -p); do wait "$job"; done
echo "build: wasm-opt done ($((SECONDS - t0)) s)"

grep -q 'shared:true\|shared: true' pkg/threads/threadlab_engine.js \
  || { echo "build: the threaded engine has no shared memory (see docs/toolchain.md)" >&2; exit 1; }
until [ -f "$logs/landing.done" ]; do sleep 1; done
[ "$(cat "$logs/landing.done")" = 0 ] || { cat "$logs/landing" >&2; echo "build: the landing markup failed" >&2; exit 1; }
mv "$logs/landing.html" pkg/landing.html
node scripts/compress.mjs pkg
touch "$stamp"
echo "build: done in $((SECONDS - started)) s"
