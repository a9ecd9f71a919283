//! The page's side of the workers: the bindings to `www/runner.js` (which
//! owns the `Worker` objects), the run slot (one run at a time, taken
//! before anything is awaited), and [`Page`], the core's
//! [`Workers`](threadlab::runner::Workers) over them. What a run does on
//! the workers — the plan, the pools, the dispatch — is the core's
//! [`Runner`]; the page's thread only waits here: all work runs in workers.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use threadlab::data;
use threadlab::plan::Plan;
pub use threadlab::runner::{Progress, RunError};
use threadlab::runner::{Kind, Run, Runner, Workers};
use threadlab::protocol::Fault;
use threadlab::results::Environment;
use threadlab::summary::BrowserFacts;
use threadlab::{Job, Machine, Results};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = environment)]
    fn js_environment() -> JsValue;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = now)]
    fn js_now() -> f64;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = spawn, catch)]
    fn js_spawn(script: &str, id: u32, threads: u32) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = post, catch)]
    fn js_post(handle: u32, text: &str, input: Option<js_sys::ArrayBuffer>, transfer: bool) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = recv, catch)]
    fn js_recv(handles: Vec<u32>, tick_ms: Option<f64>) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = alive)]
    fn js_alive(handle: u32) -> bool;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = tasksDone)]
    fn js_tasks_done(handle: u32) -> i32;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = sleep)]
    fn js_sleep(ms: f64) -> js_sys::Promise;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = terminate)]
    fn js_terminate(handle: u32);
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = terminateAll)]
    fn js_terminate_all();
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = browserMemory, catch)]
    fn js_browser_memory() -> Result<js_sys::Promise, JsValue>;
}

/// The browser's own measurement of the page and its workers.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct BrowserMemory {
    pub bytes: u64,
    pub page: u64,
    pub workers: u64,
    #[serde(rename = "workerCount")]
    pub worker_count: u32,
    /// What the figure counts ("JavaScript", "DOM", "Shared", …).
    pub types: Vec<String>,
}

/// Asks the browser (`performance.measureUserAgentSpecificMemory`); `Err`
/// says why it cannot here.
pub async fn browser_memory() -> Result<BrowserMemory, String> {
    let v = await_js(js_browser_memory()).await?;
    let text = js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string()).ok_or("the browser's answer is not JSON")?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// The one place JS errors become messages for people: a worker's fault
/// (a code from `www/runner.js`) is said by the core.
pub fn message(e: JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        let text = String::from(err.message());
        return Fault::parse(&text).map_or(text, |f| f.to_string());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

pub fn environment() -> Environment {
    let v = js_environment();
    let facts: BrowserFacts =
        js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string()).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
    Environment::of(facts)
}

/// The run under way: whether it was cancelled.
#[derive(Default)]
struct RunState {
    cancelled: Cell<bool>,
}

thread_local! {
    static SLOT: RefCell<Option<Rc<RunState>>> = const { RefCell::new(None) };
    /// The core's runner on this page's workers; its pools live between runs.
    static RUNNER: Rc<Runner<Page>> = Rc::new(Runner::new(Page));
    /// The page's copy of the input of the experiment under way (the
    /// parent's data, which it sends processes their shares from): one
    /// `ArrayBuffer` per task. Dropped when the experiment ends.
    static INPUTS: RefCell<Option<Inputs>> = const { RefCell::new(None) };
}

fn runner() -> Rc<Runner<Page>> {
    RUNNER.with(Rc::clone)
}

struct Inputs {
    total: u64,
    shares: Vec<js_sys::ArrayBuffer>,
}

/// The right to run: one at a time. Taken synchronously, before anything
/// is awaited, and given back when dropped.
pub struct Slot(Rc<RunState>);

impl Slot {
    pub fn take() -> Result<Slot, RunError> {
        SLOT.with(|s| {
            let mut s = s.borrow_mut();
            if s.is_some() {
                return Err(RunError::Busy);
            }
            let state = Rc::new(RunState::default());
            *s = Some(state.clone());
            Ok(Slot(state))
        })
    }

    /// Whether Cancel stopped this run.
    pub(crate) fn cancelled(&self) -> bool {
        self.0.cancelled.get()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // Cancel may already have freed the slot, and a new run taken it.
        SLOT.with(|s| {
            let mut s = s.borrow_mut();
            if s.as_ref().is_some_and(|held| Rc::ptr_eq(held, &self.0)) {
                s.take();
            }
        });
    }
}

pub fn is_running() -> bool {
    SLOT.with(|s| s.borrow().is_some())
}

/// Stops the run under way, whatever it is doing (starting workers,
/// measuring the machine, running): every worker is terminated, the slot is
/// free at once, the run ends with [`RunError::Cancelled`], and the next run
/// starts fresh pools.
pub fn cancel() {
    let state = SLOT.with(|s| s.borrow_mut().take());
    if let Some(state) = state {
        state.cancelled.set(true);
        js_terminate_all();
        runner().forget_pools();
    }
}

async fn await_js(p: Result<js_sys::Promise, JsValue>) -> Result<JsValue, String> {
    JsFuture::from(p.map_err(message)?).await.map_err(message)
}

/// The browser's workers, through `www/runner.js`.
pub struct Page;

impl Workers for Page {
    type Share = js_sys::ArrayBuffer;

    fn now(&self) -> f64 {
        js_now()
    }

    async fn start(&self, kind: Kind, id: u32, threads: u32) -> Result<u32, String> {
        let script = match kind {
            Kind::Process => "process",
            Kind::Coordinator => "coordinator",
        };
        Ok(await_js(js_spawn(script, id, threads)).await?.as_f64().unwrap_or_default() as u32)
    }

    fn post(&self, worker: u32, text: &str, share: Option<js_sys::ArrayBuffer>, transfer: bool) -> Result<(), String> {
        js_post(worker, text, share, transfer).map_err(message)
    }

    async fn recv(&self, workers: &[u32], tick_ms: Option<f64>) -> Result<Option<(u32, String)>, String> {
        let v = await_js(js_recv(workers.to_vec(), tick_ms)).await?;
        if v.is_null() || v.is_undefined() {
            return Ok(None);
        }
        let pair = js_sys::Array::from(&v);
        let handle = pair.get(0).as_f64().ok_or("a worker answer without its sender")? as u32;
        let text = pair.get(1).as_string().ok_or("a worker sent something other than protocol text")?;
        Ok(Some((handle, text)))
    }

    fn alive(&self, worker: u32) -> bool {
        js_alive(worker)
    }

    fn terminate(&self, worker: u32) {
        js_terminate(worker)
    }

    fn tasks_done(&self, worker: u32) -> Option<u32> {
        u32::try_from(js_tasks_done(worker)).ok()
    }

    async fn shares(&self, job: &Job) -> Vec<js_sys::ArrayBuffer> {
        inputs(job).await
    }

    fn held_input_bytes(&self) -> u64 {
        page_input_bytes()
    }

    fn drop_input(&self) {
        INPUTS.with(|i| i.borrow_mut().take());
    }
}

/// Lets the page draw and take input between slices of work done on its
/// thread (a macrotask: `setTimeout(0)`).
pub(crate) async fn yield_to_page() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback(&resolve);
        }
    });
    let _ = JsFuture::from(p).await;
}

/// The page's copy of `job`'s input, one buffer per task's share, made
/// before any clock starts, in slices of a few MB (no long task on the
/// page's thread), and kept for the repeats that follow (made again after
/// a transfer emptied it).
async fn inputs(job: &Job) -> Vec<js_sys::ArrayBuffer> {
    let total = job.experiment.workload.input_bytes();
    let tasks = job.experiment.tasks;
    let kept = INPUTS.with(|i| {
        i.borrow()
            .as_ref()
            .filter(|i| i.total == total && i.shares.len() == tasks as usize && i.shares.iter().all(|b| b.byte_length() > 0))
            .map(|i| i.shares.clone())
    });
    if let Some(shares) = kept {
        return shares;
    }
    INPUTS.with(|i| i.borrow_mut().take());
    // 2 MB: an 8 MB slice made a 45–60 ms task on a busy 2-core machine
    // (npm run bench, long_tasks); each yield costs a few ms before the run.
    const SLICE: u64 = 2 << 20;
    let mut block = vec![0u8; 1 << 16];
    let mut shares = Vec::with_capacity(tasks as usize);
    let mut since_yield = 0;
    for i in 0..tasks {
        let range = data::chunk(total, tasks, i);
        let buf = js_sys::ArrayBuffer::new((range.end - range.start) as u32);
        let view = js_sys::Uint8Array::new(&buf);
        let mut at = range.start;
        while at < range.end {
            let n = (range.end - at).min(block.len() as u64) as usize;
            data::fill(at, &mut block[..n]);
            let from = (at - range.start) as u32;
            view.subarray(from, from + n as u32).copy_from(&block[..n]);
            at += n as u64;
            since_yield += n as u64;
            if since_yield >= SLICE {
                since_yield = 0;
                yield_to_page().await;
            }
        }
        shares.push(buf);
    }
    INPUTS.with(|i| *i.borrow_mut() = Some(Inputs { total, shares: shares.clone() }));
    shares
}

/// Bytes of input the page holds now (0 after a transfer emptied it).
fn page_input_bytes() -> u64 {
    INPUTS.with(|i| i.borrow().as_ref().map_or(0, |i| i.shares.iter().map(|b| u64::from(b.byte_length())).sum()))
}

/// Resolves after `ms` milliseconds (a timer on the page).
pub async fn sleep(ms: f64) {
    let _ = JsFuture::from(js_sleep(ms)).await;
}

/// Where progress goes (the page state).
pub type ProgressFn = Rc<dyn Fn(Progress)>;

/// Runs every experiment of `plan` in `slot` (see [`Runner::run`]).
pub async fn run(slot: &Slot, plan: &Plan, env: &Environment, progress: &ProgressFn) -> Result<Vec<Results>, RunError> {
    let cancelled = || slot.cancelled();
    let progress = |p: Progress| progress(p);
    runner().run(&Run { cancelled: &cancelled, progress: &progress }, plan, env).await
}

/// The experiment JSON `exp` with its size `field`, given as `ms` a task,
/// measured on this machine (see [`Runner::size_in_time`]).
pub async fn size_in_time(slot: &Slot, exp: &serde_json::Value, field: &str, ms: f64, cores: u32) -> Result<serde_json::Value, RunError> {
    let cancelled = || slot.cancelled();
    runner().size_in_time(&Run { cancelled: &cancelled, progress: &|_| {} }, exp, field, ms, cores).await
}

/// What is known of this machine without measuring (the loop speed once a
/// run needed it): for the Python programs' CPU steps.
pub fn known_machine() -> Machine {
    runner().known_machine()
}
