// The threads coordinator: loads the threaded engine (one shared
// WebAssembly.Memory), starts the wasm-bindgen-rayon pool, and answers
// protocol text (src/protocol.rs) by running the threads model. It blocks
// while the pool works, which only a worker may do: the page's main thread
// never runs experiment work. Exceptions are not caught: the page sees the
// coordinator die.
let worker;

async function init({ module, threads }) {
  const engine = await import('../pkg/threads/threadlab_engine.js');
  await engine.default({ module_or_path: module });
  // The pool cannot be resized: the page starts a fresh coordinator for
  // another thread count.
  await engine.initThreadPool(threads);
  worker = new engine.Worker(0);
  postMessage(worker.hello());
}

// Synchronous, so an exception becomes the worker's error event on the
// page (an async handler would only reject a promise nobody sees).
self.onmessage = ({ data }) => {
  if (typeof data === 'string') {
    postMessage(worker.handle(data));
    return;
  }
  init(data).catch((e) =>
    setTimeout(() => {
      throw e;
    }),
  );
};
