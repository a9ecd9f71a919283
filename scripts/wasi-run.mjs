#!/usr/bin/env node
// Cargo runner for wasm32-wasip1 binaries (see .cargo/config.toml): runs the
// core crate's test binaries as 32-bit code under Node's built-in WASI, so
// `cargo test --target wasm32-wasip1` needs no other WebAssembly runtime
// (no wasmtime to build or download).
//   node scripts/wasi-run.mjs path/to/binary.wasm [args passed to the binary]
// Exit code: the binary's own (libtest: 0 passed, 101 failed); 134 when the
// binary aborts (on wasm a panic is an abort: an `unreachable` trap).
// The binary gets the environment (RUST_BACKTRACE, RUST_TEST_THREADS, ...)
// but no preopened directory: it sees no file system at all (proptest then
// saves no regression file there, and says so on stderr).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { WASI } from 'node:wasi';

// Node 20's concurrent marking has crashed (SIGSEGV in an inline cache,
// after every test passed) on the larger test binaries: mark on the main
// thread instead.
setFlagsFromString('--no-concurrent-marking');

// node:wasi announces itself with an ExperimentalWarning on every run: drop
// that one (it is emitted on the next tick, so this is in time), keep others.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /WASI/.test(w.message)) return;
  console.error(`${w.name}: ${w.message}`);
});

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: wasi-run.mjs BINARY.wasm [ARGS...]');
  process.exit(2);
}

const wasi = new WASI({
  version: 'preview1',
  args: [basename(file), ...args],
  env: process.env,
  returnOnExit: true, // proc_exit(n) returns n from start() instead of killing Node
});

let instance;
try {
  const module = await WebAssembly.compile(await readFile(file));
  instance = await WebAssembly.instantiate(module, wasi.getImportObject());
} catch (err) {
  console.error(`wasi-run: cannot load ${file}: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
try {
  process.exitCode = wasi.start(instance);
} catch (err) {
  // A trap: on wasm32-wasip1 a panic aborts (panic=abort) by executing
  // `unreachable`; the panic message, if not captured, is already on stderr.
  console.error(`wasi-run: ${basename(file)} aborted: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 134; // like SIGABRT natively (128 + 6)
}
