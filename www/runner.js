// The page's side of the workers: only what only JS can do. It owns the
// Worker objects, posts protocol text to them and hands their answers back,
// and terminates them. Which workers to start, what to send them and what
// their answers mean is decided in Rust (the UI crate's runner, driving the
// core's plan, dispatch and protocol); messages pass through here unread.

/** One clock for every worker and the page. */
export const now = () => performance.timeOrigin + performance.now();

const compiled = {};
function moduleOf(name) {
  // Compile each engine once; workers instantiate from the compiled module.
  compiled[name] ??= (async () => {
    const response = await fetch(new URL(`../pkg/${name}/threadlab_engine_bg.wasm`, import.meta.url));
    if (!response.ok) throw fault('engine_unavailable', `${name} ${response.status}`);
    try {
      // Compiles while downloading, but only from a response whose
      // Content-Type is application/wasm.
      return await WebAssembly.compileStreaming(response.clone());
    } catch (e) {
      // A static server that sends another type for .wasm (a TypeError;
      // a CompileError means the bytes are wrong, and would fail again).
      if (!(e instanceof TypeError)) throw e;
      return WebAssembly.compile(await response.arrayBuffer());
    }
  })().catch((e) => {
    delete compiled[name];
    throw e;
  });
  return compiled[name];
}

/**
 * Why a worker is gone, as a code (and the browser's own words, if any):
 * the sentences a learner reads are the core's (`protocol::Fault`).
 */
function fault(code, detail = '') {
  const e = new Error(detail ? `${code}: ${detail}` : code);
  e.name = 'WorkerFault';
  return e;
}

/**
 * worker.js's URL for the worker `handle`. In a page a service worker
 * isolates (the static build, www/isolation-sw.js), each worker gets its own
 * URL (`?w=<handle>`; the service worker serves the one file for all of
 * them): WebKit (WebKitGTK 2.50) loads a worker script requested several
 * times at once only once, and only the first of those workers is then
 * controlled by the service worker; the others' imports go straight to the
 * host, arrive without Cross-Origin-Embedder-Policy and are refused, so the
 * worker dies (docs/browsers.md). Elsewhere the one URL, which the browser's
 * cache keeps.
 */
function workerScript(handle) {
  const url = new URL('worker.js', import.meta.url);
  if (navigator.serviceWorker?.controller) url.search = `?w=${handle}`;
  return url;
}

/** Every live worker, by handle. */
const live = new Map();
/** Every live program worker (started for a program coordinator, Endpoint.startProgramWorkers). */
const programWorkers = new Set();
let lastHandle = 0;

/** A worker and the answers it sent that nobody has read yet. */
class Endpoint {
  constructor(handle) {
    this.handle = handle;
    // Every worker runs worker.js; its first message says which it is.
    this.worker = new Worker(workerScript(handle), { type: 'module' });
    this.inbox = [];
    this.waiters = new Set();
    this.dead = null;
    // Rejects when the worker dies or is stopped (see kill).
    this.died = new Promise((_, reject) => {
      this.die = reject;
    });
    this.died.catch(() => {});
    this.worker.onmessage = ({ data }) => {
      if (typeof data !== 'string') {
        if (data?.watch) this.watch(data.watch);
        if (data?.programWorkers) this.startProgramWorkers(data.programWorkers);
        return;
      }
      const waiter = this.waiters.values().next().value;
      if (waiter) waiter.settle(this.handle, data);
      else this.inbox.push(data);
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      // A wasm trap (a panicking task) reads "Uncaught RuntimeError: unreachable".
      this.kill(fault(/RuntimeError/.test(e.message) ? 'trapped' : 'crashed', e.message));
    };
    this.worker.onmessageerror = () => this.kill(fault('unreadable'));
  }
  /**
   * Starts `n` program workers for this program coordinator: the threaded
   * engine on its `memory` (worker.js). Terminated with it (kill); one
   * that fails ends it (a Python thread waiting for it would wait forever).
   * Started here, not by the coordinator: a worker's worker now and then
   * hangs the coordinator in Firefox (docs/browsers.md).
   */
  startProgramWorkers({ n, module, memory }) {
    this.programWorkers ??= [];
    // Its children's workers get it too: their mailboxes are there.
    this.memory = memory;
    for (let i = 0; i < n && !this.dead; i++) {
      // A URL of its own where each worker has one (workerScript).
      const w = new Worker(workerScript(`${this.handle}-${this.programWorkers.length}`), { type: 'module' });
      w.onerror = (e) => {
        e.preventDefault();
        this.kill(fault(/RuntimeError/.test(e.message) ? 'trapped' : 'crashed', e.message));
      };
      w.postMessage({ module, memory });
      this.programWorkers.push(w);
      programWorkers.add(w);
    }
  }
  /** Watches a threads pool's crash cell (in its shared memory). */
  watch({ memory, cell, done }) {
    const flag = new Int32Array(memory.buffer, cell, 1);
    this.done = new Int32Array(memory.buffer, done, 1);
    this.poll = setInterval(() => {
      if (Atomics.load(flag, 0) !== 0) {
        this.kill(fault('pool_crashed'));
      }
    }, 50);
  }
  kill(error) {
    if (this.dead) return;
    this.dead = error;
    clearInterval(this.poll);
    this.die(error);
    this.worker.terminate();
    for (const w of this.programWorkers ?? []) {
      w.terminate();
      programWorkers.delete(w);
    }
    live.delete(this.handle);
    gone.set(this.handle, error);
    if (gone.size > 256) gone.delete(gone.keys().next().value);
    for (const w of [...this.waiters]) w.fail(error);
  }
}

/**
 * Starts a worker: `kind` is 'process' (single-threaded engine, its own
 * memory), 'coordinator' (threaded engine and a pool of `threads`),
 * 'program' (a program coordinator: threaded engine, `threads` program
 * workers, which it asks this page to start, started at once) or 'child' (a program's child process `id`: single-threaded
 * engine, started with `job`, text it passes on unread, and the shared
 * memory of the program coordinator whose handle is `threads`, where its
 * parent answers what it asks).
 * Resolves to its handle once the init message is posted; its first answer
 * (a hello; a child's first message) arrives through `recv`.
 */
async function spawn(kind, id, threads, job) {
  const handle = ++lastHandle;
  // Registered before any await, so terminateAll() also stops a worker
  // that is still starting.
  const e = new Endpoint(handle);
  live.set(handle, e);
  // A stop while the engine is still downloading ends the wait at once.
  const threaded = kind === 'coordinator' || kind === 'program';
  const module = await Promise.race([moduleOf(threaded ? 'threads' : 'single'), e.died]).catch((err) => {
    e.kill(err);
    throw err;
  });
  const init = { coordinator: { module, threads }, program: { module, program: threads }, child: { module, child: id, job, memory: live.get(threads)?.memory } }[kind];
  e.worker.postMessage(init ?? { module, id });
  return handle;
}

/** Why recent workers died, by handle: a later call on one says so. */
const gone = new Map();

function endpoint(handle) {
  const e = live.get(handle);
  if (!e) throw gone.get(handle) ?? fault('stopped');
  return e;
}

/**
 * Posts protocol text to a worker; with `input` (an ArrayBuffer: a task's
 * share of its input), beside it, by structured clone (a copy; the page
 * keeps its buffer) or, if `transfer`, by transfer (no copy; the page's
 * buffer is emptied).
 */
function post(handle, text, input, transfer) {
  const { worker } = endpoint(handle);
  if (input) worker.postMessage({ text, input }, transfer ? [input] : []);
  else worker.postMessage(text);
}

/**
 * The browser's own measurement of this page's memory (page and workers),
 * where it allows one (a cross-origin isolated page, in Chromium):
 * {bytes, page, workers, workerCount, types}. It may take a while: the
 * browser answers after its next garbage collection.
 */
async function browserMemory() {
  if (!self.crossOriginIsolated) throw fault('memory_not_isolated');
  if (typeof performance.measureUserAgentSpecificMemory !== 'function') throw fault('memory_unsupported');
  // The browser waits for every worker to report; a thread of a pool
  // sleeping in Atomics.wait never does (seen in Chromium 156).
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(fault('memory_late')), 10_000);
  });
  const m = await Promise.race([performance.measureUserAgentSpecificMemory(), late]).finally(() => clearTimeout(timer));
  let workers = 0;
  let workerCount = 0;
  const types = new Set();
  for (const b of m.breakdown) {
    const inWorkers = b.attribution.filter((a) => a.scope === 'DedicatedWorkerGlobalScope').length;
    if (inWorkers) workers += b.bytes;
    workerCount += inWorkers;
    if (b.bytes) b.types.forEach((t) => types.add(t));
  }
  return { bytes: m.bytes, page: m.bytes - workers, workers, workerCount, types: [...types].sort() };
}

/**
 * The next answer from any of `handles`: resolves to [handle, text], or to
 * null when `tickMs` passed first (the page reads a pool's progress
 * meanwhile); rejects as soon as one of them dies or is stopped.
 */
function recv(handles, tickMs) {
  return new Promise((resolve, reject) => {
    let endpoints;
    try {
      endpoints = Array.from(handles, endpoint);
    } catch (err) {
      reject(err);
      return;
    }
    for (const e of endpoints) {
      if (e.inbox.length) {
        resolve([e.handle, e.inbox.shift()]);
        return;
      }
    }
    let timer;
    const waiter = {
      done() {
        clearTimeout(timer);
        for (const e of endpoints) e.waiters.delete(waiter);
      },
      settle(handle, text) {
        waiter.done();
        resolve([handle, text]);
      },
      fail(error) {
        waiter.done();
        reject(error);
      },
    };
    for (const e of endpoints) e.waiters.add(waiter);
    if (tickMs != null) {
      timer = setTimeout(() => {
        waiter.done();
        resolve(null);
      }, tickMs);
    }
  });
}

function alive(handle) {
  return live.has(handle);
}

/** Tasks a threads pool has finished so far (-1: not a threads pool). */
function tasksDone(handle) {
  const e = live.get(handle);
  return e?.done ? Atomics.load(e.done, 0) : -1;
}

/** Resolves after `ms` (the page checks on a run meanwhile). */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function terminate(handle) {
  live.get(handle)?.kill(fault('stopped'));
}

/** Stops every worker, including those still starting. */
function terminateAll() {
  for (const e of [...live.values()]) e.kill(fault('stopped'));
}

/** The handles of the workers alive now, oldest first (tests: nothing leaks). */
function liveWorkers() {
  return [...live.keys()];
}

/** How many program workers are alive (tests: Cancel ends them). */
function liveProgramWorkers() {
  return programWorkers.size;
}

/** Time for one fresh process worker to become ready (spawn + instantiate). */
async function probeProcessStartup() {
  await moduleOf('single');
  const t0 = now();
  const h = await spawn('process', 0);
  await recv([h]);
  const ms = now() - t0;
  terminate(h);
  return ms;
}

// Measured once a page (it does not change): the shell, the lab taking
// over and every run read the same figure.
let resolution;
function timerResolution() {
  resolution ??= measureTimerResolution();
  return resolution;
}

// The smallest step performance.now() takes: the least of 50 steps seen,
// spinning until then (under 1 ms at an isolated page's 5-20 µs, 5 ms at a
// page's 100 µs), or for 20 ms where the clock is coarser still. It runs
// in the shell's first task, which holds the page: spinning 20 ms there
// every time made a phone's start 80 ms longer under Lighthouse's 4×
// slower CPU.
function measureTimerResolution() {
  let best = Infinity;
  let steps = 0;
  const end = performance.now() + 20;
  let last = performance.now();
  while (last < end && steps < 50) {
    const t = performance.now();
    if (t > last) {
      best = Math.min(best, t - last);
      last = t;
      steps++;
    }
  }
  return Math.round(best * 1e4) / 1e4;
}

function browser() {
  const ua = navigator.userAgent;
  const m = ua.match(/(Firefox|Edg|OPR|Chrome|Chromium|Version)\/(\d+)/);
  if (!m) return ua;
  // "Version/N Safari/…" is Safari only on Apple's systems; WebKitGTK and
  // WPE (Linux) send a made-up version there ("Version/60.5").
  if (m[1] === 'Version' && /Safari/.test(ua) && !/Macintosh|iPhone|iPad|iPod/.test(ua)) return 'WebKit';
  const name = { Edg: 'Edge', OPR: 'Opera', Version: /Safari/.test(ua) ? 'Safari' : 'Browser' }[m[1]] ?? m[1];
  return `${name} ${m[2]}${/Headless/.test(ua) ? ' (headless)' : ''}`;
}

/** Whether the page is in a frame (reading `top` of another origin throws
 *  in some browsers: that is a frame too). */
function framed() {
  try {
    return window.top !== window.self;
  } catch {
    return true;
  }
}

/** What the page knows of this browser: facts only (what they mean for a
 *  learner is said in Rust). */
function environment() {
  return {
    cores: navigator.hardwareConcurrency || 1,
    browser: browser(),
    cross_origin_isolated: !!self.crossOriginIsolated,
    shared_array_buffer: typeof SharedArrayBuffer !== 'undefined',
    timer_resolution_ms: timerResolution(),
    framed: framed(),
  };
}

/** The lab's build (ui/src/lab.rs), fetched and started when first needed,
 *  with the exports' window hooks (www/export.js: only the lab exports);
 *  resolves to its module. */
let lab;
function loadLab() {
  if (!lab) {
    // Loading may hang (a connection that stalls): after 30 s it fails with
    // a message, and the next Run tries again.
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(fault('lab_late')), 30_000);
    });
    const load = Promise.all([import('../pkg/lab/threadlab_ui.js'), import('./export.js')]).then(async ([m]) => {
      await m.default(); // returns at once if already started
      return m;
    });
    lab = Promise.race([load, late])
      .finally(() => clearTimeout(timer))
      .catch((e) => {
        lab = undefined; // a failed load may be tried again
        throw e;
      });
  }
  return lab;
}

// Leaving or reloading the page mid-run leaves no worker running.
addEventListener('pagehide', terminateAll);

window.threadlabRunner = { now, environment, spawn, post, recv, alive, tasksDone, sleep, terminate, terminateAll, liveWorkers, liveProgramWorkers, probeProcessStartup, browserMemory, loadLab };
