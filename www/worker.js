// Every worker the page starts runs this script. The first message carries
// the compiled module (a Module cannot travel as text) and says which
// worker it is:
//   {module, id}       a process (also the sequential worker): its own
//                      instance of the single-threaded engine, its own
//                      memory; it shares nothing with the page or other
//                      workers.
//   {module, threads}  a threads coordinator: loads the threaded engine (one
//                      shared WebAssembly.Memory), starts the
//                      wasm-bindgen-rayon pool and runs the threads model
//                      when asked. It blocks while the pool works, which only
//                      a worker may do: the page's main thread never runs
//                      experiment work.
// Every other message is protocol text (src/protocol.rs), answered by the
// engine's Worker, or protocol text with a task's share of the input beside
// it ({text, input}: an ArrayBuffer, cloned or transferred). The JS reads
// none of it.
//
// One script, with the single engine's JS as a static import: a process
// worker loads two module scripts while the page posts the module (a third
// module script adds to every process's start-up: docs/performance.md). A
// coordinator loads that JS too and never uses it.
//
// The handler is synchronous, so an exception (a wasm trap, by design or by
// bug) becomes the worker's error event on the page, which then never
// reuses it; an async handler would only reject a promise nobody sees.
import { initSync, Worker } from '../pkg/single/threadlab_engine.js';

/** A process: instantiates from the module the page compiled once. */
async function startProcess({ module, id }) {
  initSync({ module });
  return new Worker(id);
}

async function startCoordinator({ module, threads }) {
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
}

let worker;
self.onmessage = ({ data }) => {
  if (typeof data === 'string') {
    postMessage(worker.handle(data));
    return;
  }
  if (data?.input instanceof ArrayBuffer && typeof data.text === 'string') {
    postMessage(worker.handle_with_input(data.text, new Uint8Array(data.input)));
    return;
  }
  (data.threads === undefined ? startProcess : startCoordinator)(data).then(
    (w) => {
      worker = w;
      postMessage(worker.hello());
    },
    (e) =>
      setTimeout(() => {
        throw e;
      }),
  );
};
