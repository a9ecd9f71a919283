// The page's side of the workers: spawn them, hand them the compiled module,
// dispatch process tasks, time what only the page can time, cancel.
// What an experiment is and what its numbers mean is decided in Rust
// (the core, via the UI crate); this file only moves messages.

/** One clock for every worker and the page. */
export const now = () => performance.timeOrigin + performance.now();

const compiled = {};
function moduleOf(name) {
  // Compile each engine once; workers instantiate from the compiled module.
  compiled[name] ??= WebAssembly.compileStreaming(fetch(new URL(`../pkg/${name}/threadlab_engine_bg.wasm`, import.meta.url)));
  return compiled[name];
}

/** A worker that answers requests in order, one at a time. */
class Endpoint {
  constructor(script) {
    this.worker = new Worker(new URL(script, import.meta.url), { type: 'module' });
    this.pending = null;
    this.dead = null;
    this.tail = Promise.resolve();
    this.worker.onmessage = ({ data }) => {
      const p = this.pending;
      this.pending = null;
      if (!p) return;
      if (data.type === 'threadlab_error') p.reject(new Error(data.message));
      else p.resolve(data);
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.fail(new Error(`a worker stopped: ${e.message || 'it crashed'}`));
    };
  }
  fail(error) {
    this.dead ??= error;
    const p = this.pending;
    this.pending = null;
    p?.reject(error);
  }
  /** Sends a request; requests queue up, one answered at a time. */
  call(message) {
    const send = () => {
      if (this.dead) return Promise.reject(this.dead);
      return new Promise((resolve, reject) => {
        this.pending = { resolve, reject };
        this.worker.postMessage(message);
      });
    };
    const reply = this.tail.then(send, send);
    this.tail = reply.catch(() => {});
    return reply;
  }
  terminate() {
    this.worker.terminate();
    this.fail(new Error('cancelled'));
  }
}

const pools = {
  sequential: null, // one process worker
  threads: null, // { coordinator, threads, startup_ms }
  processes: null, // { workers: [Endpoint], startup_ms }
};

async function spawnProcess(id) {
  const e = new Endpoint('process.js');
  const ready = await e.call({ type: 'threadlab_init', module: await moduleOf('single'), id });
  e.canBlock = ready.canBlock;
  return e;
}

/** Gets the pool of a model ready; returns the ms it took to start it. */
async function prepare(model, workers) {
  if (model === 'sequential') {
    if (!pools.sequential || pools.sequential.dead) {
      const t0 = now();
      pools.sequential = await spawnProcess(0);
      pools.sequential.startup_ms = now() - t0;
    }
    return pools.sequential.startup_ms;
  }
  if (model === 'threads' || model === 'threads_gil') {
    // Threads with and without the GIL share one pool.
    const p = pools.threads;
    if (p && p.threads === workers && !p.coordinator.dead) return p.startup_ms;
    p?.coordinator.terminate();
    pools.threads = null;
    const t0 = now();
    const coordinator = new Endpoint('coordinator.js');
    await coordinator.call({ type: 'threadlab_init', module: await moduleOf('threads'), threads: workers });
    pools.threads = { coordinator, threads: workers, startup_ms: now() - t0 };
    return pools.threads.startup_ms;
  }
  if (model === 'processes') {
    const p = pools.processes;
    if (p && p.workers.length === workers && !p.workers.some((w) => w.dead)) return p.startup_ms;
    p?.workers.forEach((w) => w.terminate());
    pools.processes = null;
    const t0 = now();
    await moduleOf('single');
    const spawned = await Promise.allSettled(Array.from({ length: workers }, (_, id) => spawnProcess(id)));
    const failed = spawned.find((s) => s.status === 'rejected');
    if (failed) {
      spawned.forEach((s) => s.status === 'fulfilled' && s.value.terminate());
      throw failed.reason;
    }
    pools.processes = { workers: spawned.map((s) => s.value), startup_ms: now() - t0 };
    return pools.processes.startup_ms;
  }
  throw new Error(`unknown model ${model}`);
}

/**
 * Runs one repeat of one model on its prepared pool. `experiment` is the
 * validated experiment JSON; resolves to a ModelRun as JSON text.
 */
async function run(model, experiment, onTask = () => {}) {
  if (model === 'sequential') {
    return (await pools.sequential.call({ type: 'threadlab_sequential', experiment })).text;
  }
  if (model === 'threads' || model === 'threads_gil') {
    const gil = model === 'threads_gil';
    return (await pools.threads.coordinator.call({ type: 'threadlab_threads', experiment, gil })).text;
  }
  // Processes: like ProcessPoolExecutor.map, every idle worker is sent the
  // next task index until none are left. Only messages cross over.
  const exp = JSON.parse(experiment);
  const workers = pools.processes.workers.slice(0, Math.min(exp.tasks, pools.processes.workers.length));
  const request = (w, r) => w.call({ type: 'threadlab_request', text: JSON.stringify(r) }).then(({ text }) => JSON.parse(text));
  const setup = await Promise.all(workers.map((w) => request(w, { type: 'setup', experiment: exp })));
  const bad = setup.find((r) => r.type !== 'ready');
  if (bad) throw new Error(bad.message);
  const tasks = [];
  // Each worker's timeline: what it reports per task (receiving, running,
  // sending) and, from the page, when its reply arrived (then idle).
  const lanes = workers.map((_, worker) => ({ worker, events: [] }));
  let next = 0;
  let failure = null;
  const t0 = now();
  await Promise.all(
    workers.map(async (w, i) => {
      while (next < exp.tasks && !failure) {
        const index = next++;
        try {
          const reply = await request(w, { type: 'task', index, sent_ms: now() });
          if (reply.type !== 'done') throw new Error(reply.message);
          tasks.push(reply.record);
          lanes[i].events.push(...reply.trace, { t: now(), state: 'idle' });
          onTask(tasks.length);
        } catch (e) {
          failure ??= e;
        }
      }
    }),
  );
  const t1 = now();
  if (failure) throw failure;
  const timeline = exp.trace ? { start_ms: t0, end_ms: t1, lanes } : undefined;
  return JSON.stringify({ model: 'processes', workers: workers.length, wall_ms: t1 - t0, tasks, timeline });
}

let calibration = null;
/**
 * Loop iterations per ms on this machine, measured once per page load in a
 * worker (never on the page's thread); sizes CPU steps given in ms.
 */
function calibrate() {
  calibration ??= (async () => {
    await prepare('sequential', 1);
    return (await pools.sequential.call({ type: 'threadlab_calibrate' })).rate;
  })().catch((e) => {
    calibration = null;
    throw e;
  });
  return calibration;
}

/** Stops every worker; running calls reject with "cancelled". */
function cancel() {
  pools.sequential?.terminate();
  pools.threads?.coordinator.terminate();
  pools.processes?.workers.forEach((w) => w.terminate());
  pools.sequential = pools.threads = pools.processes = null;
}

/** Time for one fresh process worker to become ready (spawn + instantiate). */
async function probeProcessStartup() {
  await moduleOf('single');
  const t0 = now();
  const w = await spawnProcess(0);
  const ms = now() - t0;
  w.terminate();
  return ms;
}

function timerResolution() {
  let best = Infinity;
  const end = performance.now() + 20;
  let last = performance.now();
  while (last < end) {
    const t = performance.now();
    if (t > last) {
      best = Math.min(best, t - last);
      last = t;
    }
  }
  return Math.round(best * 1e4) / 1e4;
}

function browser() {
  const ua = navigator.userAgent;
  const m = ua.match(/(Firefox|Edg|OPR|Chrome|Chromium|Version)\/(\d+)/);
  if (!m) return ua;
  const name = { Edg: 'Edge', OPR: 'Opera', Version: /Safari/.test(ua) ? 'Safari' : 'Browser' }[m[1]] ?? m[1];
  return `${name} ${m[2]}${/Headless/.test(ua) ? ' (headless)' : ''}`;
}

function environment() {
  let threads_unavailable = null;
  if (!self.crossOriginIsolated) {
    threads_unavailable =
      'this page is not cross-origin isolated (the server did not send Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy), so the browser disables shared memory, which threads need. Sequential and processes still run.';
  } else if (typeof SharedArrayBuffer === 'undefined') {
    threads_unavailable = 'this browser has no SharedArrayBuffer, which threads need.';
  }
  return {
    cores: navigator.hardwareConcurrency || 1,
    browser: browser(),
    cross_origin_isolated: !!self.crossOriginIsolated,
    timer_resolution_ms: timerResolution(),
    threads_unavailable,
  };
}

window.threadlabRunner = { environment, prepare, run, cancel, calibrate, probeProcessStartup };
