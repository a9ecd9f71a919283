// The threads coordinator: loads the threaded engine (one shared
// WebAssembly.Memory), starts the wasm-bindgen-rayon pool, and runs the
// threads model. It blocks while the pool works, which only a worker may do:
// the page's main thread never runs experiment work.
let engine;

self.onmessage = async ({ data }) => {
  try {
    switch (data.type) {
      case 'threadlab_init':
        engine = await import('../pkg/threads/threadlab_engine.js');
        await engine.default({ module_or_path: data.module });
        // The pool cannot be resized: the page starts a fresh coordinator
        // for another thread count.
        await engine.initThreadPool(data.threads);
        postMessage({ type: 'threadlab_ready' });
        break;
      case 'threadlab_threads':
        postMessage({ type: 'threadlab_result', text: engine.run_threads(data.experiment, data.gil) });
        break;
      default:
        postMessage({ type: 'threadlab_error', message: `unknown message ${data.type}` });
    }
  } catch (e) {
    postMessage({ type: 'threadlab_error', message: String((e && e.message) || e) });
  }
};
