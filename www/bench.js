// A worker for `npm run bench` (scripts/bench.mjs) only; the app never
// starts it. It says `ready` as soon as it runs (the floor of any worker's
// start-up), then answers:
//   {op: 'engine', threads}   loads an engine: the threaded one with a rayon
//                             pool of `threads`, or (threads 0) the single one
//   {op: 'kernels', repeats}  the engine's kernels timed in wasm (JSON)
//   {op: 'rayon', size, tasks} the loop kernel through a raw rayon par_iter
//   {op: 'ack'}               answers 'ack' (a message's one-way trip)
//   anything else             sent back as it came (a round trip)
let engine;
self.onmessage = async ({ data }) => {
  try {
    if (data?.op === 'engine') {
      engine = await import(data.threads ? '../pkg/threads/threadlab_engine.js' : '../pkg/single/threadlab_engine.js');
      await engine.default();
      if (data.threads) await engine.initThreadPool(data.threads);
      postMessage({ ok: true });
    } else if (data?.op === 'kernels') {
      postMessage({ ok: true, value: JSON.parse(engine.bench_kernels(data.repeats)) });
    } else if (data?.op === 'rayon') {
      postMessage({ ok: true, value: engine.bench_rayon_loop(data.size, data.tasks) });
    } else if (data?.op === 'ack') {
      postMessage('ack');
    } else {
      postMessage(data);
    }
  } catch (e) {
    postMessage({ error: String(e?.stack ?? e) });
  }
};
postMessage('ready');
