//! ThreadLab engine: the core's execution models as wasm entry points.
//!
//! Built twice (see `scripts/build.sh`):
//! - with `--features threads`, atomics and a shared memory: the coordinator
//!   worker calls [`init_thread_pool`], then its [`Worker`] runs the threads
//!   model on the wasm-bindgen-rayon pool, in one shared memory;
//! - without it: each process worker (and the sequential worker)
//!   instantiates its own copy, with its own memory.
//!
//! - threaded, a *program coordinator* runs a whole Python program
//!   ([`program_message`], [`program_poll`]) without a rayon pool: each of
//!   its Python threads on a program worker ([`program_worker`]), a Web
//!   Worker the page starts for it on the same shared memory;
//!   single-threaded, each of its child processes ([`child_start`],
//!   [`child_handle`]) on a process worker of its own.
//!
//! Either way a [`Worker`] answers the core's protocol messages as text, so
//! errors travel as `Reply::Failed` messages and nothing here throws (a
//! trap, by design or by bug, kills the worker, and the page sees that).

use threadlab::platform::{Blocking, Clock};
use threadlab::models::serve::WorkerState;
use threadlab::protocol::{decode, encode, Reply, Request};
use wasm_bindgen::prelude::*;

#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

#[wasm_bindgen]
extern "C" {
    type Performance;
    #[wasm_bindgen(thread_local_v2, js_name = performance)]
    static PERFORMANCE: Performance;
    #[wasm_bindgen(method)]
    fn now(this: &Performance) -> f64;
    #[wasm_bindgen(method, getter, js_name = timeOrigin)]
    fn time_origin(this: &Performance) -> f64;
}

thread_local! {
    static ORIGIN: f64 = PERFORMANCE.with(|p| p.time_origin());
    /// A private cell to `Atomics.wait` on; `None` where SharedArrayBuffer
    /// is unavailable (page not cross-origin isolated).
    static WAIT_CELL: Option<js_sys::Int32Array> = {
        let global = js_sys::global();
        js_sys::Reflect::has(&global, &"SharedArrayBuffer".into())
            .unwrap_or(false)
            .then(|| js_sys::Int32Array::new(&js_sys::SharedArrayBuffer::new(4)))
    };
}

/// The browser as the core's host: one clock across workers
/// (`performance.timeOrigin + performance.now()`) and a real blocking wait.
struct BrowserHost;

impl Clock for BrowserHost {
    fn now_ms(&self) -> f64 {
        ORIGIN.with(|o| *o) + PERFORMANCE.with(|p| p.now())
    }
}

impl Blocking for BrowserHost {
    fn sleep_ms(&self, ms: f64) {
        let end = self.now_ms() + ms;
        loop {
            let left = end - self.now_ms();
            if left <= 0.0 {
                return;
            }
            let waited = WAIT_CELL.with(|cell| cell.as_ref().map(|c| js_sys::Atomics::wait_with_timeout(c, 0, 0, left).is_ok()));
            if waited != Some(true) {
                // No SharedArrayBuffer: spin. Only happens in the
                // non-isolated fallback, which the page reports.
                std::hint::spin_loop();
            }
        }
    }
}

/// The wasm-bindgen-rayon pool as the core's shared-memory pool.
#[cfg(feature = "threads")]
struct RayonPool;

#[cfg(feature = "threads")]
impl threadlab::models::threads::Pool for RayonPool {
    fn threads(&self) -> usize {
        rayon::current_num_threads()
    }
    fn broadcast(&self, job: &(dyn Fn(usize) + Sync)) {
        rayon::broadcast(|ctx| job(ctx.index()));
    }
    fn task_done(&self) {
        TASKS_DONE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Tasks the pool has finished since it started: the page reads it from
/// the shared memory while the coordinator is blocked in a run (progress).
#[cfg(feature = "threads")]
static TASKS_DONE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Set when a thread of the pool panics. A panic would be a wasm trap here
/// (panic=abort), and the coordinator, blocked in `broadcast`, would wait
/// for that thread forever: the panic hook sets this cell and parks the
/// thread instead. The page watches this cell in the shared memory and
/// stops the pool.
#[cfg(feature = "threads")]
static CRASHED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A panic sets [`CRASHED`] and parks its thread instead of trapping: a
/// trap in a pool thread (a worker the coordinator started) reaches the
/// page's console as an uncaught error no handler of ours can catch. The
/// page sees the cell and stops the pool, this thread with it.
#[cfg(feature = "threads")]
fn park_on_panic() {
    std::panic::set_hook(Box::new(|_| {
        CRASHED.store(1, std::sync::atomic::Ordering::SeqCst);
        loop {
            std::thread::park();
        }
    }));
}

/// The shared memory and the byte offsets of the crash cell and of the
/// count of finished tasks, for the page to watch (see [`CRASHED`],
/// [`TASKS_DONE`]).
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn crash_watch() -> js_sys::Array {
    let cell = &CRASHED as *const _ as usize as u32;
    let done = &TASKS_DONE as *const _ as usize as u32;
    js_sys::Array::of3(&wasm_bindgen::memory(), &JsValue::from(cell), &JsValue::from(done))
}

/// The pool this build has: the rayon pool in the threaded build (started
/// by `initThreadPool` first), none in the single-threaded one.
fn pool() -> Option<&'static dyn threadlab::models::threads::Pool> {
    #[cfg(feature = "threads")]
    return Some(&RayonPool);
    #[cfg(not(feature = "threads"))]
    None
}

/// One worker: a process worker, the sequential worker or the threads
/// coordinator. It answers protocol messages (`threadlab::protocol`) as
/// text; the worker's JS only passes them on.
#[wasm_bindgen]
pub struct Worker(WorkerState);

#[wasm_bindgen]
impl Worker {
    #[wasm_bindgen(constructor)]
    pub fn new(id: u32) -> Worker {
        #[cfg(feature = "threads")]
        park_on_panic();
        Worker(WorkerState::new(id))
    }

    /// The first message a worker posts: it is ready for requests.
    pub fn hello(&self) -> String {
        encode(&Reply::Hello)
    }

    /// Answers one request. `Request::Abort` traps, as a crashing task
    /// would: the worker's JS rethrows and the page sees the worker die.
    pub fn handle(&mut self, request: &str) -> String {
        if let Ok(Request::Abort) = decode::<Request>(request) {
            std::process::abort();
        }
        self.0.handle_text(request, &BrowserHost, pool())
    }

    /// Answers a task that came with its share of the input (an
    /// `ArrayBuffer` the page cloned or transferred): copies it into this
    /// worker's own memory, as unpickling does, then runs the task, whose
    /// record counts the copy as moving time.
    pub fn handle_with_input(&mut self, request: &str, input: js_sys::Uint8Array) -> String {
        self.0.handle_text_with_input(request, input.to_vec(), &BrowserHost, pool())
    }
}

/// The benchmark (`npm run bench`, through `www/bench.js`): every kernel of
/// `threadlab::kernels` timed in this wasm, `repeats` times, as JSON text,
/// for the wasm/native ratios.
#[wasm_bindgen]
pub fn bench_kernels(repeats: u32) -> String {
    threadlab::kernels::report(&BrowserHost, repeats)
}

/// The benchmark's baseline for the threads model: `tasks` runs of the loop
/// kernel (`size` iterations each) through a plain rayon `par_iter` on this
/// pool, with no ThreadLab in between. Returns the wall time in ms and
/// checks the totals (a wrong one returns NaN).
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn bench_rayon_loop(size: f64, tasks: u32) -> f64 {
    use rayon::prelude::*;
    let size = size as u64;
    let t0 = BrowserHost.now_ms();
    let ok = (0..tasks).into_par_iter().map(|_| threadlab::workloads::count_loop::sum_loop(size, &mut || {})).all(|t| t == threadlab::workloads::count_loop::triangle(size));
    let ms = BrowserHost.now_ms() - t0;
    if ok {
        ms
    } else {
        f64::NAN
    }
}

/// The program coordinator's *program workers*: Web Workers the page
/// starts for it (no rayon pool), each an instance of this engine on the
/// coordinator's shared memory, as wasm-bindgen-rayon's workers are. Each
/// runs [`program_worker`]: it takes Python threads from one queue in the
/// shared memory, one at a time, and waits for the next when idle. The
/// coordinator's JS asks [`program_workers_wanted`] as it polls and has the
/// page start what is wanted (a worker started by a busy worker thread
/// would not start before that thread yields; one started by the
/// coordinator's own thread, a worker's worker, now and then hangs that
/// thread in Firefox: docs/browsers.md).
#[cfg(feature = "threads")]
mod program_workers {
    use std::collections::VecDeque;
    use std::sync::{Condvar, Mutex, MutexGuard};
    use threadlab::program::session::MAX_THREADS;

    type Job = Box<dyn FnOnce() + Send>;

    struct Queue {
        /// Python threads started and not yet taken by a worker.
        jobs: VecDeque<Job>,
        /// Workers waiting for a job.
        idle: usize,
        /// Workers asked for whose engine does not take jobs yet.
        starting: usize,
        /// Workers taking jobs (idle or running one).
        up: usize,
    }

    static QUEUE: Mutex<Queue> = Mutex::new(Queue { jobs: VecDeque::new(), idle: 0, starting: 0, up: 0 });
    static QUEUED: Condvar = Condvar::new();

    fn lock() -> MutexGuard<'static, Queue> {
        QUEUE.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a Python thread for the next idle worker.
    pub fn push(job: Job) {
        lock().jobs.push_back(job);
        QUEUED.notify_one();
    }

    /// How many workers to start now: one for each queued thread that no
    /// idle or starting worker will take, and up to `at_least` in all;
    /// never more than [`MAX_THREADS`] in all (the most Python threads a
    /// program has at once). Counted as starting from here on.
    pub fn wanted(at_least: usize) -> usize {
        let mut q = lock();
        let have = q.up + q.starting;
        let for_jobs = q.jobs.len().saturating_sub(q.idle + q.starting);
        let want = for_jobs.max(at_least.saturating_sub(have)).min(MAX_THREADS.saturating_sub(have));
        q.starting += want;
        want
    }

    /// Program workers taking jobs.
    pub fn up() -> usize {
        lock().up
    }

    /// A program worker's life: take a thread, run it, take the next (or
    /// wait for one), until the page terminates the coordinator.
    pub fn serve() {
        let mut q = lock();
        q.starting = q.starting.saturating_sub(1);
        q.up += 1;
        loop {
            match q.jobs.pop_front() {
                Some(job) => {
                    drop(q);
                    job();
                    q = lock();
                }
                None => {
                    q.idle += 1;
                    q = QUEUED.wait(q).unwrap_or_else(|e| e.into_inner());
                    q.idle -= 1;
                }
            }
        }
    }
}

/// A program worker's loop (see `program_workers`): called once its engine
/// is instantiated on the coordinator's memory; never returns.
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn program_worker() {
    program_workers::serve();
}

/// How many program workers the coordinator's JS should have the page
/// start now (for the threads queued, and up to `at_least` in all).
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn program_workers_wanted(at_least: u32) -> u32 {
    program_workers::wanted(at_least as usize) as u32
}

/// Program workers up (taking threads): the coordinator says it is ready
/// once those it asked for first are.
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn program_workers_up() -> u32 {
    program_workers::up() as u32
}

/// The coordinator's shared memory, which each program worker instantiates
/// the engine on.
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn program_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// A whole program's main process on the program coordinator (threaded
/// engine): a `threadlab::program::session::Session` whose Python threads
/// each run on a program worker of this coordinator, and the messages
/// between it and the page ([`threadlab::program::relay`]: the JS reads
/// none of them).
#[cfg(feature = "threads")]
mod program {
    use super::BrowserHost;
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    use threadlab::platform::{Blocking, Clock};
    use threadlab::program::relay::{Said, ToCoordinator};
    use threadlab::program::session::{Env, Session, MAX_THREADS};
    use threadlab::program::ProgramSpec;
    use threadlab::ExperimentError;

    /// The program workers as the session's place to run threads: one
    /// clock for every worker of the page, and a worker for each Python
    /// thread.
    struct Workers;

    impl Env for Workers {
        fn now_ms(&self) -> f64 {
            BrowserHost.now_ms()
        }
        fn spawn(&self, f: Box<dyn FnOnce() + Send>) {
            super::program_workers::push(f);
        }
        fn sleep_ms(&self, ms: f64) {
            BrowserHost.sleep_ms(ms);
        }
        fn cores(&self) -> usize {
            CORES.load(Ordering::Relaxed).max(1) as usize
        }
    }

    /// The visitor's cores (`navigator.hardwareConcurrency`), read by the
    /// coordinator's own thread when it is up.
    static CORES: AtomicU32 = AtomicU32::new(1);

    fn hardware_concurrency() -> u32 {
        let global = js_sys::global();
        let navigator = js_sys::Reflect::get(&global, &"navigator".into()).unwrap_or_default();
        js_sys::Reflect::get(&navigator, &"hardwareConcurrency".into()).ok().and_then(|n| n.as_f64()).map_or(1, |n| n as u32)
    }

    thread_local! {
        /// The program running here, until its `Done` is polled.
        static SESSION: RefCell<Option<Arc<Session>>> = const { RefCell::new(None) };
    }

    fn text<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }

    fn refused(e: &ExperimentError) -> String {
        let (line, col) = e.position().unwrap_or((0, 0));
        text(&Said::Refused { message: e.to_string(), line, col })
    }

    /// The first message: the coordinator is up.
    pub fn ready() -> String {
        super::park_on_panic();
        CORES.store(hardware_concurrency(), Ordering::Relaxed);
        text(&Said::Ready { threads: MAX_THREADS as u32 })
    }

    /// Starts `spec` (checked again: the page's message is not trusted):
    /// `[]` once it runs, or why it was refused.
    pub fn start(spec: &ProgramSpec) -> String {
        if SESSION.with(|s| s.borrow().is_some()) {
            return text(&Said::Refused { message: "A program is already running on this worker.".into(), line: 0, col: 0 });
        }
        let checked = serde_json::to_value(spec).map_err(|e| ExperimentError::NotJson(e.to_string())).and_then(|v| ProgramSpec::from_value(&v));
        match checked.and_then(|spec| Session::start(spec, Arc::new(Workers))) {
            Ok(session) => {
                SESSION.with(|s| *s.borrow_mut() = Some(session));
                "[]".into()
            }
            Err(e) => refused(&e),
        }
    }

    pub fn message(msg: &str) -> String {
        match serde_json::from_str::<ToCoordinator>(msg) {
            Ok(ToCoordinator::Start { spec }) => start(&spec),
            Ok(ToCoordinator::Deliver { msg }) => {
                if let Some(session) = SESSION.with(|s| s.borrow().clone()) {
                    session.deliver(msg);
                }
                String::new()
            }
            Ok(ToCoordinator::Cancel) => {
                if let Some(session) = SESSION.with(|s| s.borrow().clone()) {
                    session.cancel();
                }
                String::new()
            }
            Err(e) => refused(&ExperimentError::NotJson(e.to_string())),
        }
    }

    /// The session's messages since the last poll, as a JSON array (empty
    /// text when there are none); after its `Done`, the worker is free.
    pub fn poll() -> String {
        let Some(session) = SESSION.with(|s| s.borrow().clone()) else {
            return String::new();
        };
        let batch = session.poll();
        if batch.iter().any(|m| matches!(m, threadlab::program::ToPage::Done { .. })) {
            SESSION.with(|s| s.borrow_mut().take());
        }
        if batch.is_empty() {
            String::new()
        } else {
            text(&batch)
        }
    }

    pub fn running() -> bool {
        SESSION.with(|s| s.borrow().is_some())
    }
}

/// The program coordinator's first message, once it is up
/// (`relay::Said::Ready`, with the most Python threads a program has at once).
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn program_ready() -> String {
    program::ready()
}

/// A message from the page to the program coordinator
/// (`relay::ToCoordinator`: start a program, a child's message, cancel);
/// returns the text to post back (empty: nothing).
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn program_message(msg: &str) -> String {
    program::message(msg)
}

/// What the program's session said since the last poll: a JSON array of
/// `ToPage` messages, or empty text when nothing.
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn program_poll() -> String {
    program::poll()
}

/// Whether a program runs here (the worker's JS polls while it does).
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn program_running() -> bool {
    program::running()
}

/// A child process of a program, on a process worker (single engine).
#[cfg(not(feature = "threads"))]
mod child {
    use super::BrowserHost;
    use std::cell::RefCell;
    use threadlab::platform::{Blocking, Clock};
    use threadlab::program::relay::{read_job, read_to_child};
    use threadlab::program::session::Child;
    use threadlab::program::{FromChild, Line, Who};
    use wasm_bindgen::JsValue;

    thread_local! {
        static CHILD: RefCell<Option<(u32, Child)>> = const { RefCell::new(None) };
    }

    /// Posts each message through `post` as it happens.
    fn out(post: &js_sys::Function) -> impl FnMut(FromChild) + '_ {
        move |m| {
            let _ = post.call1(&JsValue::NULL, &serde_json::to_string(&m).unwrap_or_default().into());
        }
    }

    /// A job or a message that cannot be read: the child says why and
    /// exits, crashed (the page's relay does not trust it any more).
    fn fail(child: u32, why: String, post: &js_sys::Function) {
        let mut out = out(post);
        let who = Who { process: Some(format!("child {child}")), thread: "MainThread".into() };
        out(FromChild::Line { child, line: Line { t_ms: 0.0, who, text: why, stderr: true } });
        out(FromChild::Exited { child, code: threadlab::program::relay::CRASHED_EXIT_CODE, lanes: Vec::new() });
    }

    pub fn start(job: &str, child: u32, post: &js_sys::Function) {
        let job = match read_job(job) {
            Ok(job) => job,
            Err(why) => return fail(child, why, post),
        };
        // A worker may block: `time.sleep` waits in `Atomics.wait`.
        let sleep: Box<dyn Fn(f64) + Send> = Box::new(|ms| BrowserHost.sleep_ms(ms));
        let kill = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let started = Child::start_with(job, child, &|| BrowserHost.now_ms(), &mut out(post), kill, Some(sleep));
        CHILD.with(|c| *c.borrow_mut() = Some((child, started)));
    }

    pub fn handle(msg: &str, post: &js_sys::Function) {
        CHILD.with(|c| {
            let mut c = c.borrow_mut();
            let Some((child, running)) = c.as_mut() else { return };
            match read_to_child(msg) {
                Ok(msg) => running.handle(msg, &|| BrowserHost.now_ms(), &mut out(post)),
                Err(why) => fail(*child, why, post),
            }
        });
    }
}

/// Starts this process worker's child process `child` of a program:
/// `job` is a `ChildJob` as JSON text; `post` is called with each
/// `FromChild` message (JSON text) as it happens.
#[cfg(not(feature = "threads"))]
#[wasm_bindgen]
pub fn child_start(job: &str, child: u32, post: &js_sys::Function) {
    child::start(job, child, post);
}

/// Carries out a message from the parent (`ToChild` as JSON text), posting
/// what it produces (printed lines as they are printed) through `post`.
#[cfg(not(feature = "threads"))]
#[wasm_bindgen]
pub fn child_handle(msg: &str, post: &js_sys::Function) {
    child::handle(msg, post);
}
