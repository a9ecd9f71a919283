// A process worker (also the sequential worker): its own instance of the
// single-threaded engine, its own memory. It shares nothing with the page or
// other workers. The first message carries the compiled module; every other
// message is protocol text (src/protocol.rs), answered by the engine.
// An exception here (a wasm trap) is not caught: the page sees the worker
// die and never reuses it.
let worker;

async function init({ module, id }) {
  const engine = await import('../pkg/single/threadlab_engine.js');
  // Instantiate from the module the page compiled once.
  engine.initSync({ module });
  worker = new engine.Worker(id);
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
