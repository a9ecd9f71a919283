// A process worker: its own instance of the single-threaded engine, its own
// memory. It shares nothing with the page or other workers; requests and
// replies travel by postMessage as JSON text (protocol.rs).
let engine;
let worker;

self.onmessage = async ({ data }) => {
  try {
    switch (data.type) {
      case 'threadlab_init':
        engine = await import('../pkg/single/threadlab_engine.js');
        // Instantiate from the module the page compiled once.
        engine.initSync({ module: data.module });
        worker = new engine.ProcessWorker(data.id);
        postMessage({ type: 'threadlab_ready', canBlock: engine.can_block() });
        break;
      case 'threadlab_request':
        postMessage({ type: 'threadlab_reply', text: worker.handle(data.text) });
        break;
      case 'threadlab_calibrate':
        postMessage({ type: 'threadlab_calibrated', rate: engine.calibrate() });
        break;
      case 'threadlab_sequential':
        postMessage({ type: 'threadlab_result', text: engine.run_sequential(data.experiment) });
        break;
      default:
        postMessage({ type: 'threadlab_error', message: `unknown message ${data.type}` });
    }
  } catch (e) {
    postMessage({ type: 'threadlab_error', message: String((e && e.message) || e) });
  }
};
