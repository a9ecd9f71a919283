//! ThreadLab engine: the core's execution models as wasm entry points.
//!
//! Built twice (see `scripts/build.sh`):
//! - with `--features threads`, atomics and a shared memory: the coordinator
//!   worker calls [`init_thread_pool`] then [`run_threads`], and the
//!   wasm-bindgen-rayon pool runs the tasks in one shared memory;
//! - without it: each process worker instantiates its own copy and answers
//!   [`ProcessWorker::handle`] requests; the sequential model runs
//!   [`run_sequential`] in one such worker.
//!
//! Errors become `JsError`s in one place, [`js_error`].

use threadlab::models::sequential;
use threadlab::platform::{Blocking, Clock};
use threadlab::{Experiment, ModelRun};
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

/// Whether this worker can block without spinning.
#[wasm_bindgen]
pub fn can_block() -> bool {
    WAIT_CELL.with(|c| c.is_some())
}

fn js_error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn parse(experiment: &str) -> Result<Experiment, JsError> {
    Experiment::from_json(experiment, 1).map_err(js_error)
}

fn to_json(run: &ModelRun) -> String {
    serde_json::to_string(run).expect("runs always serialise")
}

/// The sequential model: every task in a plain loop in this worker.
#[wasm_bindgen]
pub fn run_sequential(experiment: &str) -> Result<String, JsError> {
    Ok(to_json(&sequential::run(&parse(experiment)?, &BrowserHost)))
}

/// Loop iterations per ms in this worker (about 50 ms of measuring).
#[wasm_bindgen]
pub fn calibrate() -> f64 {
    threadlab::workload::calibrate(&|| BrowserHost.now_ms(), 50.0)
}

/// One process worker: its own instance, its own memory, talking JSON.
#[wasm_bindgen]
pub struct ProcessWorker(threadlab::protocol::ProcessWorker);

#[wasm_bindgen]
impl ProcessWorker {
    #[wasm_bindgen(constructor)]
    pub fn new(id: u32) -> ProcessWorker {
        ProcessWorker(threadlab::protocol::ProcessWorker::new(id))
    }

    /// Answers one request (`protocol::Request` JSON) with a reply.
    pub fn handle(&mut self, request: &str) -> String {
        self.0.handle_json(request, &BrowserHost)
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
}

/// The threads model on the pool started by `init_thread_pool`, with the
/// simulated GIL when `gil` is set. Blocks the calling worker (the
/// coordinator) until every task is done.
#[cfg(feature = "threads")]
#[wasm_bindgen]
pub fn run_threads(experiment: &str, gil: bool) -> Result<String, JsError> {
    let exp = parse(experiment)?;
    Ok(to_json(&threadlab::models::threads::run(&exp, &RayonPool, &BrowserHost, gil)))
}
