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
//   {module, program}  a program coordinator (a whole Python program's main
//                      process, src/program/): the threaded engine, no
//                      rayon pool; each Python thread runs on a program
//                      worker (`program` of them at once, more when a
//                      program's threads want them: it posts
//                      {programWorkers: {n, module, memory}} and the page
//                      starts them). Its own thread never blocks: it hands
//                      each message to the engine, and polls the program's
//                      session every few ms while a program runs, posting
//                      what it said and the program workers wanted.
//   {module, memory}   a program worker, started by the page for a program
//                      coordinator (and terminated with it): the threaded
//                      engine on the coordinator's shared memory, taking
//                      Python threads from its queue until the end.
//   {module, child, job, memory}  a child process of a program: the single
//                      engine, started with `job`; it posts each message as
//                      it happens (a line as it is printed, while it runs)
//                      and waits for its parent's answers in its mailbox in
//                      `memory`, the program coordinator's shared memory
//                      (src/program/mailbox.rs).
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
import { initSync, Worker, child_start, child_handle } from '../pkg/single/threadlab_engine.js';

/** A process: instantiates from the module the page compiled once. */
async function startProcess({ module, id }) {
  initSync({ module });
  return new Worker(id);
}

/** The threaded engine: a new shared memory, or `memory` (a program worker's). */
async function threaded(module, memory) {
  const engine = await import('../pkg/threads/threadlab_engine.js');
  await engine.default({ module_or_path: module, memory });
  return engine;
}

/** A panicking thread traps and never returns: the page watches the crash
 *  cell in the shared memory to stop the pool (engine/src/lib.rs, CRASHED). */
function postWatch(engine) {
  const [memory, cell, done] = engine.crash_watch();
  postMessage({ watch: { memory, cell, done } });
}

async function startCoordinator({ module, threads }) {
  const engine = await threaded(module);
  // The pool cannot be resized: the page starts a fresh coordinator for
  // another thread count.
  await engine.initThreadPool(threads);
  const worker = new engine.Worker(0);
  postWatch(engine);
  return worker;
}

/** How often a program coordinator asks its session what happened (ms). */
const POLL_MS = 4;

async function startProgram({ module, program }) {
  const engine = await threaded(module);
  const hello = engine.program_ready();
  const memory = engine.program_memory();
  // The program workers its threads want (engine/src/lib.rs,
  // program_workers), started by the page (www/runner.js): a worker
  // started here, a worker's worker, now and then hangs this thread in its
  // constructor in Firefox (docs/browsers.md).
  const want = (atLeast) => {
    const n = engine.program_workers_wanted(atLeast);
    if (n) postMessage({ programWorkers: { n, module, memory } });
    return n;
  };
  // Ready once the first `program` are up: a program starting no more
  // threads than that waits for none.
  const first = want(program);
  while (engine.program_workers_up() < first) await new Promise((r) => setTimeout(r, POLL_MS));
  postWatch(engine);
  let polling = false;
  const poll = () => {
    const text = engine.program_poll();
    if (text) postMessage(text);
    want(0);
    polling = engine.program_running();
    if (polling) setTimeout(poll, POLL_MS);
  };
  return {
    hello: () => hello,
    handle(text) {
      const answer = engine.program_message(text);
      if (!polling && engine.program_running()) poll();
      return answer;
    },
  };
}

/** A program worker: takes the coordinator's Python threads until the end (never returns). */
async function startProgramWorker({ module, memory }) {
  const engine = await threaded(module, memory);
  engine.program_worker();
}

/** A child process: starts at once and answers through `postMessage` as it goes. */
async function startChild({ module, child, job, memory }) {
  initSync({ module });
  const post = (text) => postMessage(text);
  child_start(job, child, post, memory);
  return {
    hello: () => '',
    handle(text) {
      child_handle(text, post);
      return '';
    },
  };
}

function starter(data) {
  // A child has the coordinator's memory too: its job says which it is.
  if (data.job !== undefined) return startChild;
  if (data.memory !== undefined) return startProgramWorker;
  if (data.program !== undefined) return startProgram;
  return data.threads === undefined ? startProcess : startCoordinator;
}

let worker;
/** Text that came before the worker was started (handled once it is). */
const early = [];

function handle(text) {
  const answer = worker.handle(text);
  if (answer) postMessage(answer);
}

self.onmessage = ({ data }) => {
  if (typeof data === 'string') {
    if (worker) handle(data);
    else early.push(data);
    return;
  }
  if (data?.input instanceof ArrayBuffer && typeof data.text === 'string') {
    postMessage(worker.handle_with_input(data.text, new Uint8Array(data.input)));
    return;
  }
  starter(data)(data).then(
    (w) => {
      worker = w;
      const hello = worker.hello();
      if (hello) postMessage(hello);
      for (const text of early.splice(0)) handle(text);
    },
    (e) =>
      setTimeout(() => {
        throw e;
      }),
  );
};
