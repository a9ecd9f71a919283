//! ThreadLab engine: the core's execution models as wasm entry points.
//!
//! Built twice (see `scripts/build.sh`):
//! - with `--features threads`, atomics and a shared memory: the coordinator
//!   worker calls [`init_thread_pool`], then its [`Worker`] runs the threads
//!   model on the wasm-bindgen-rayon pool, in one shared memory;
//! - without it: each process worker (and the sequential worker)
//!   instantiates its own copy, with its own memory.
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
        std::panic::set_hook(Box::new(|_| {
            CRASHED.store(1, std::sync::atomic::Ordering::SeqCst);
            // Park instead of trapping: a trap in a pool thread (a worker
            // the coordinator started) reaches the page's console as an
            // uncaught error no handler of ours can catch. The page sees
            // the cell and stops the pool, this thread with it.
            loop {
                std::thread::park();
            }
        }));
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
