#!/usr/bin/env bash
# Builds the two engines and the UI into pkg/, optimises their wasm with
# binaryen's wasm-opt from npm (levels chosen by measurement, below) and
# writes brotli/gzip copies beside every file (scripts/serve.mjs sends them).
# Skips the work when no source changed since the last successful build
# (pkg/.stamp).
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=pkg/.stamp
sources=(Cargo.toml Cargo.lock src engine ui tools/wasm-bindgen scripts/build.sh scripts/compress.mjs package-lock.json)
if [ -f "$stamp" ] && [ -z "$(find "${sources[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  echo "build: up to date"
  exit 0
fi

started=$SECONDS
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# Seconds of CPU (user + sys) of the processes this shell started and
# waited for, from `times` (its second line, e.g. "1m2.5s 0m0.5s"), into
# the file $1 (not through a pipe: that runs `times` in a fresh process).
cpu_to() { times >"$1.times"; tail -n 1 "$1.times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /m|s/); t += a[1] * 60 + a[2] } printf "%d", t + 0.5 }' >"$1"; }

# One pool of job slots (a GNU make jobserver, which cargo joins through
# MAKEFLAGS) for every compiler this script starts: as many at once as the
# machine has cores (THREADLAB_BUILD_JOBS to change it). Each compile below
# takes a slot to start (`slot`), and its cargo takes more from the pool
# for parallel crates while other compiles wait. Without it the four builds
# side by side ran eight compilers on two cores: on an idle 2-core machine
# the same build took 350 s and 600 s of CPU, where the builds one by one
# take far less CPU each (the single engine: 65 s alone, 95 s beside the
# others).
slots=${THREADLAB_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
[[ "$slots" =~ ^[1-9][0-9]*$ ]] || { echo "build: THREADLAB_BUILD_JOBS must be a whole number of compilers, 1 or more (got '$slots')" >&2; exit 1; }
mkfifo "$logs/slots"
exec 3<>"$logs/slots"
printf "%${slots}s" "" | tr ' ' '+' >&3
export MAKEFLAGS="-j$slots --jobserver-auth=fifo:$logs/slots"
slot() {
  local token status=0
  IFS= read -r -n 1 -u 3 token
  "$@" || status=$?
  printf '%s' "$token" >&3
  return "$status"
}

# All wasm builds use nightly: the threaded one needs -Z build-std, and one
# toolchain for all keeps the installed targets to one.
export RUSTUP_TOOLCHAIN=nightly

# binaryen's wasm-opt from npm (Debian's miscompiles threaded modules, see
# docs/toolchain.md). The features come from each module's target_features
# section, so the threaded engine keeps its atomics and shared memory.
wasm_opt=node_modules/.bin/wasm-opt
[ -x "$wasm_opt" ] || { echo "build: $wasm_opt is missing: run 'bash scripts/setup.sh'" >&2; exit 1; }

# wasm-bindgen (tools/wasm-bindgen: wasm-bindgen-cli's library behind the one
# command this script runs), compiled (once) beside the first builds: it is
# needed only after each `cargo build`. A second when it is there.
bindgen=target/wasm-bindgen/release/threadlab-wasm-bindgen
compile_bindgen() {
  local t0=$SECONDS status=0 fresh=""
  [ -x "$bindgen" ] || fresh=1
  cargo build --quiet --locked --release --manifest-path tools/wasm-bindgen/Cargo.toml --target-dir target/wasm-bindgen >"$logs/bindgen" 2>&1 || status=$?
  cpu_to "$logs/bindgen.cpu"
  [ "$status" != 0 ] || [ -z "$fresh" ] || echo "build: wasm-bindgen compiled ($((SECONDS - t0)) s; $(cat "$logs/bindgen.cpu") s of CPU)"
  echo "$status" >"$logs/bindgen.done"
}
bindgen_ready() {
  until [ -f "$logs/bindgen.done" ]; do sleep 1; done
  [ "$(cat "$logs/bindgen.done")" = 0 ] || { cat "$logs/bindgen" >&2; echo "build: compiling tools/wasm-bindgen failed" >&2; return 1; }
}

# One wasm build: `cargo rustc --lib` for wasm32 (a `cargo build` whose
# arguments after `--` go to the crate's own rustc alone), wasm-bindgen
# `--target web` (the JS glue for loading it as an ES module, no bundler)
# into pkg/<out>, then `wasm-opt <level>` on its wasm, at once (beside the
# builds still running).
#   wasm <target dir name> <crate dir> <out> <profile> <wasm-opt level> [cargo args…]
# Each line of builds below has its own target dir (cargo locks one while
# it builds; RUSTFLAGS are set by the caller), and each build prints how
# long it took, in time and in CPU (the machine may be busy with other
# work), so a first build shows progress.
wasm() {
  local name=$1 crate=$2 out=$3 profile=$4 level=$5; shift 5
  local t0=$SECONDS
  echo "build: $out …"
  (
    target="$PWD/target/wasm-$name"
    # Cargo's own output (warnings of the nightly flags) only if it fails.
    ( cd "$crate" && CARGO_TARGET_DIR="$target" slot cargo rustc --quiet --lib --target wasm32-unknown-unknown --profile "$profile" "$@" ) >"$logs/$out" 2>&1 \
      || { cat "$logs/$out" >&2; echo "build: $out failed" >&2; exit 1; }
    file=threadlab_ui
    [ "$crate" = engine ] && file=threadlab_engine
    bindgen_ready || exit 1
    rm -rf "pkg/$out" # no stale file of an earlier build left beside the new ones
    # (set -e does not reach in here: the caller tests this subshell's status.)
    "$bindgen" "$target/wasm32-unknown-unknown/$profile/$file.wasm" "pkg/$out" || exit 1
    "$wasm_opt" "$level" --strip-debug --strip-producers "pkg/$out/${file}_bg.wasm" -o "pkg/$out/${file}_bg.wasm" || exit 1
    cpu_to "$logs/$out.cpu"
  ) || return 1
  echo "build: $out done ($((SECONDS - t0)) s; $(cat "$logs/$out.cpu") s of CPU)"
}

# Both engines are compiled with atomics (and std rebuilt with them), so
# that they share every compiled dependency, std and the core among them
# (the single engine then takes seconds after the threaded one, where it
# took 80-100 s of CPU compiling the core again for itself). Only the
# threaded engine is linked with a shared memory (these link arguments, to
# its own rustc: since nightly 2025-10 atomics alone no longer make one,
# docs/toolchain.md). The single engine's memory is its own, not shared:
# atomic instructions work on it, and its thread-local storage is plain
# data (wasm-ld, without --shared-memory); wasm-bindgen leaves it as it is.
engine_flags="-C target-feature=+atomics,+bulk-memory"
engine_std=(-Z build-std=panic_abort,std)
threads_link=(-- -C link-arg=--shared-memory -C link-arg=--max-memory=1073741824
  -C link-arg=--import-memory -C link-arg=--export=__heap_base
  -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size
  -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base)

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
# wasm-opt -Oz on the shell, -O1 on the lab. -O1 is the smaller of the two
# as sent (the shell 218 KB of brotli against 224 KB, the lab 447 KB
# against 484 KB: -Oz's code compresses worse) and takes a quarter of the
# time (the lab 8 s of CPU against 31 s: binaryen from npm runs on one
# core), but its raw wasm is larger (the shell 688 KB against 630 KB), and
# the shell's compiling and first render are on a first visit's main
# thread: Lighthouse's simulated phone saw a lesson link's largest paint
# at 3.2-3.3 s with the shell at -O1, 2.75-2.8 s at -Oz. The lab loads
# once the page is up.
shell_opt=-Oz
lab_opt=-O1

# wasm-opt -O1 on the engines, not -O3: as fast (the bench's Python in
# Chromium, each ratio to CPython measured side by side: the loop 0.433x at
# -O1 against 0.451x at -O3, fib(27) 1.395x against 1.363x; the kernels
# within noise; in Node's V8 the interpreter even ran 35% faster at -O1),
# in 7 s of CPU instead of 27 s for each (binaryen from npm is wasm itself,
# on one core).
engine_opt=-O1

# Two lines of work side by side, one slot each (and both slots for what
# runs alone): the UI's two builds (the shell's builds std, Yew and web-sys
# for size first); the two engines, one after the other in one target dir
# (the single engine reuses all the threaded one compiled). wasm-bindgen
# compiles beside both, without a slot of its own (a third compiler for its
# 30-40 s): it is needed when the first build ends.
# The landing markup is not built: it is www/landing.html, rendered and
# checked by ui/tests/landing.rs.
compile_bindgen &
( RUSTFLAGS="$ui_flags" wasm ui ui ui ui "$shell_opt" --no-default-features --features shell "${ui_std[@]}" \
  && RUSTFLAGS="$ui_flags" wasm ui ui lab ui "$lab_opt" "${ui_std[@]}" ) &
ui_line=$!
( RUSTFLAGS="$engine_flags" wasm engines engine threads release "$engine_opt" --features threads "${engine_std[@]}" "${threads_link[@]}" \
  && RUSTFLAGS="$engine_flags" wasm engines engine single release "$engine_opt" "${engine_std[@]}" ) &
engines_line=$!
failed=0
wait "$ui_line" || failed=1
wait "$engines_line" || failed=1
[ "$failed" = 0 ] || exit 1

# wasm-bindgen-rayon 1.3's worker helper initialises the engine with the
# positional arguments newer wasm-bindgen glue warns about in every pool
# worker's console ("using deprecated parameters for the initialization
# function"): hand it the one object the glue asks for instead.
helper=$(ls pkg/threads/snippets/wasm-bindgen-rayon-*/src/workerHelpers*.js)
sed -i 's/await pkg\.default(data\.module, data\.memory);/await pkg.default({ module_or_path: data.module, memory: data.memory });/' "$helper"
grep -q 'module_or_path: data.module' "$helper" \
  || { echo "build: $helper does not start its workers as expected (see the comment above)" >&2; exit 1; }

grep -q 'shared:true\|shared: true' pkg/threads/threadlab_engine.js \
  || { echo "build: the threaded engine has no shared memory (see docs/toolchain.md)" >&2; exit 1; }
node scripts/compress.mjs pkg
touch "$stamp"
cpu_to "$logs/all.cpu"
echo "build: done in $((SECONDS - started)) s ($(cat "$logs/all.cpu") s of CPU)"
