// The threads coordinator: loads the threaded engine (one shared
// WebAssembly.Memory), starts the wasm-bindgen-rayon pool, and runs the
// threads model when asked (see worker.js). It blocks while the pool works,
// which only a worker may do: the page's main thread never runs experiment
// work.
import { serve } from './worker.js';

serve(async ({ module, threads }) => {
  const engine = await import('../pkg/threads/threadlab_engine.js');
  await engine.default({ module_or_path: module });
  // The pool cannot be resized: the page starts a fresh coordinator for
  // another thread count.
  await engine.initThreadPool(threads);
  const worker = new engine.Worker(0);
  // A panicking thread traps and never returns: the page watches the crash
  // cell in the shared memory to stop the pool (engine/src/lib.rs, CRASHED).
  const [memory, cell, done] = engine.crash_watch();
  postMessage({ watch: { memory, cell, done } });
  return worker;
});
