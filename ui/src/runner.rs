//! Carries out a [`Plan`] on the workers: the page's side of every
//! conversation with them. It owns the run slot (one run at a time, taken
//! before anything is awaited), the pools (which workers exist, for which
//! model), the steps of each experiment ([`threadlab::plan`]), the process
//! dispatch ([`threadlab::dispatch`]) and the protocol
//! ([`threadlab::protocol`]). `www/runner.js` only owns the `Worker` objects:
//! spawn, post, receive, terminate. The page's thread only waits here; all
//! work runs in workers.

use crate::state::Progress;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;
use threadlab::data;
use threadlab::dispatch::Dispatch;
use threadlab::models::hybrid;
use threadlab::model::Pool;
use threadlab::plan::{self, Plan, Step};
use threadlab::sizing;
use threadlab::protocol::{decode, encode, Reply, Request};
use threadlab::results::{Environment, Footprint, ModelSummary, Partial};
use threadlab::{Experiment, Job, Machine, Model, ModelRun, Results, Status};
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
    fn js_recv(handles: Vec<u32>) -> Result<js_sys::Promise, JsValue>;
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

/// The one place JS errors become messages for people.
pub fn message(e: JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

pub fn environment() -> Environment {
    let v = js_environment();
    js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string()).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default()
}

/// Why a run as a whole did not finish.
#[derive(Debug, Clone, PartialEq)]
pub enum RunError {
    /// Another run holds the slot.
    Busy,
    Cancelled,
    /// The run could not start (the machine could not be measured, ...).
    Failed(String),
}

impl RunError {
    /// The `name` of the JavaScript `Error` a script receives.
    pub fn name(&self) -> &'static str {
        match self {
            RunError::Busy => "BusyError",
            RunError::Cancelled => "CancelledError",
            RunError::Failed(_) => "RunError",
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Busy => f.write_str("A run is already in progress: wait for it or cancel it."),
            RunError::Cancelled => f.write_str("Run cancelled. Press Run to start again."),
            RunError::Failed(e) => f.write_str(e),
        }
    }
}

/// The run under way: whether it was cancelled.
#[derive(Default)]
struct RunState {
    cancelled: Cell<bool>,
}

thread_local! {
    static SLOT: RefCell<Option<Rc<RunState>>> = const { RefCell::new(None) };
    static POOLS: RefCell<Pools> = RefCell::new(Pools::default());
    /// This machine's loop speed, measured once (in a worker) when first needed.
    static MACHINE: Cell<Option<f64>> = const { Cell::new(None) };
    /// The page's copy of the input of the experiment under way (the
    /// parent's data, which it sends processes their shares from): one
    /// `ArrayBuffer` per task. Dropped when the experiment ends.
    static INPUTS: RefCell<Option<Inputs>> = const { RefCell::new(None) };
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

    fn check(&self) -> Result<(), RunError> {
        match self.0.cancelled.get() {
            true => Err(RunError::Cancelled),
            false => Ok(()),
        }
    }

    /// The run failed with `why`, unless it was cancelled (which is why
    /// whatever it awaited failed).
    fn fail(&self, why: String) -> RunError {
        self.check().err().unwrap_or(RunError::Failed(why))
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
        POOLS.with(|p| *p.borrow_mut() = Pools::default());
    }
}

/// Workers kept between runs, by model. A worker that died (crashed,
/// trapped, was terminated) is never reused.
#[derive(Default)]
struct Pools {
    /// The sequential worker, which also measures the machine and computes
    /// expected values; and its start-up time.
    sequential: Option<(u32, f64)>,
    /// The threads coordinator, its thread count and start-up time.
    threads: Option<(u32, u32, f64)>,
    /// The process workers and the pool's start-up time.
    processes: Option<(Vec<u32>, f64)>,
    /// Processes × threads: one coordinator per process, its thread count
    /// and the pool's start-up time.
    hybrid: Option<(Vec<u32>, u32, f64)>,
}

async fn await_js(p: Result<js_sys::Promise, JsValue>) -> Result<JsValue, String> {
    JsFuture::from(p.map_err(message)?).await.map_err(message)
}

/// The next message from any of `handles`: (position in `handles`, reply).
async fn recv(handles: &[u32]) -> Result<(usize, Reply), String> {
    let v = await_js(js_recv(handles.to_vec())).await?;
    let pair = js_sys::Array::from(&v);
    let handle = pair.get(0).as_f64().ok_or("a worker answer without its sender")? as u32;
    let text = pair.get(1).as_string().ok_or("a worker sent something other than protocol text")?;
    let at = handles.iter().position(|h| *h == handle).ok_or("an answer from a worker nobody asked")?;
    Ok((at, decode(&text).map_err(|e| e.to_string())?))
}

fn post(handle: u32, request: &Request) -> Result<(), String> {
    js_post(handle, &encode(request), None, false).map_err(message)
}

/// Posts a dispatch's message; a task that reads input goes with its
/// share (cloned, or transferred away from the page).
fn post_dispatched(handle: u32, request: &Request, shares: &[js_sys::ArrayBuffer], transfer: bool) -> Result<(), String> {
    let share = match request {
        Request::Task { index, .. } => shares.get(*index as usize).cloned(),
        _ => None,
    };
    js_post(handle, &encode(request), share, transfer).map_err(message)
}

/// Lets the page draw and take input between slices of work done on its
/// thread (a macrotask: `setTimeout(0)`).
async fn yield_to_page() {
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

/// Sends one request to one worker and waits for its answer.
async fn call(handle: u32, request: &Request) -> Result<Reply, String> {
    post(handle, request)?;
    match recv(&[handle]).await? {
        (_, Reply::Failed { error }) => Err(error),
        (_, reply) => Ok(reply),
    }
}

/// Starts workers with the ids `ids` and waits for each one's hello.
async fn spawn(script: &str, ids: std::ops::Range<u32>, threads: u32) -> Result<Vec<u32>, String> {
    let count = ids.len();
    let mut handles = Vec::with_capacity(count);
    for id in ids {
        match await_js(js_spawn(script, id, threads)).await {
            Ok(h) => handles.push(h.as_f64().unwrap_or_default() as u32),
            Err(e) => {
                handles.iter().for_each(|h| js_terminate(*h));
                return Err(e);
            }
        }
    }
    for _ in 0..count {
        let failure = match recv(&handles).await {
            Ok((_, Reply::Hello)) => continue,
            Ok((_, other)) => format!("a worker started with {other:?} instead of a hello"),
            Err(e) => e,
        };
        handles.iter().for_each(|h| js_terminate(*h));
        return Err(failure);
    }
    Ok(handles)
}

/// The sequential worker, started if needed; and how long starting it took.
async fn sequential_worker() -> Result<(u32, f64), String> {
    if let Some(w) = POOLS.with(|p| p.borrow().sequential).filter(|(h, _)| js_alive(*h)) {
        return Ok(w);
    }
    let t0 = js_now();
    let h = spawn("process", 0..1, 0).await?[0];
    let w = (h, js_now() - t0);
    POOLS.with(|p| p.borrow_mut().sequential = Some(w));
    Ok(w)
}

/// Gets `model`'s pool of `workers` ready (processes × threads: of
/// `threads` threads each); returns the ms it took to start (measured when
/// it was started, perhaps by an earlier run).
async fn prepare(model: Model, workers: u32, threads: u32) -> Result<f64, String> {
    match model.pool() {
        Pool::One => Ok(sequential_worker().await?.1),
        Pool::Threads { .. } => {
            // Threads with and without the GIL, split or not, share one pool.
            let current = POOLS.with(|p| p.borrow_mut().threads.take());
            if let Some((h, n, ms)) = current {
                if n == workers && js_alive(h) {
                    POOLS.with(|p| p.borrow_mut().threads = Some((h, n, ms)));
                    return Ok(ms);
                }
                js_terminate(h);
            }
            let t0 = js_now();
            let h = spawn("coordinator", 0..1, workers).await?[0];
            let ms = js_now() - t0;
            POOLS.with(|p| p.borrow_mut().threads = Some((h, workers, ms)));
            Ok(ms)
        }
        Pool::Processes => {
            let current = POOLS.with(|p| p.borrow_mut().processes.take());
            if let Some((hs, ms)) = current {
                if hs.len() == workers as usize && hs.iter().all(|h| js_alive(*h)) {
                    POOLS.with(|p| p.borrow_mut().processes = Some((hs, ms)));
                    return Ok(ms);
                }
                hs.iter().for_each(|h| js_terminate(*h));
            }
            let t0 = js_now();
            let hs = spawn("process", 0..workers, 0).await?;
            let ms = js_now() - t0;
            POOLS.with(|p| p.borrow_mut().processes = Some((hs, ms)));
            Ok(ms)
        }
        // No pool: every task starts its own process, during the run.
        Pool::ProcessPerTask => Ok(0.0),
        Pool::ProcessesOfThreads => {
            let current = POOLS.with(|p| p.borrow_mut().hybrid.take());
            if let Some((hs, n, ms)) = current {
                if hs.len() == workers as usize && n == threads && hs.iter().all(|h| js_alive(*h)) {
                    POOLS.with(|p| p.borrow_mut().hybrid = Some((hs, n, ms)));
                    return Ok(ms);
                }
                hs.iter().for_each(|h| js_terminate(*h));
            }
            // Each process is a coordinator: its own shared memory, its own
            // pool of threads, its own GIL.
            let t0 = js_now();
            let hs = spawn("coordinator", 0..workers, threads).await?;
            let ms = js_now() - t0;
            POOLS.with(|p| p.borrow_mut().hybrid = Some((hs, threads, ms)));
            Ok(ms)
        }
    }
}

/// Throws away a model's pool (after it failed): the next run starts afresh.
fn discard(model: Model) {
    POOLS.with(|p| {
        let mut p = p.borrow_mut();
        match model.pool() {
            Pool::One => p.sequential.take().into_iter().for_each(|(h, _)| js_terminate(h)),
            Pool::Threads { .. } => p.threads.take().into_iter().for_each(|(h, ..)| js_terminate(h)),
            Pool::Processes => p.processes.take().into_iter().flat_map(|(hs, _)| hs).for_each(js_terminate),
            Pool::ProcessesOfThreads => p.hybrid.take().into_iter().flat_map(|(hs, ..)| hs).for_each(js_terminate),
            Pool::ProcessPerTask => {}
        }
    });
}

/// Loop iterations per ms on this machine (measured once, in a worker).
async fn machine(needed: bool) -> Result<Machine, String> {
    if let Some(rate) = MACHINE.with(Cell::get) {
        return Ok(Machine { cpu_iterations_per_ms: Some(rate) });
    }
    if !needed {
        return Ok(Machine::default());
    }
    let (h, _) = sequential_worker().await?;
    match call(h, &Request::Calibrate).await? {
        Reply::Calibrated { cpu_iterations_per_ms } if cpu_iterations_per_ms.is_finite() && cpu_iterations_per_ms > 0.0 => {
            MACHINE.with(|m| m.set(Some(cpu_iterations_per_ms)));
            Ok(Machine { cpu_iterations_per_ms: Some(cpu_iterations_per_ms) })
        }
        other => Err(format!("the machine's speed could not be measured ({other:?})")),
    }
}

/// The experiment JSON `exp` with its size `field`, given as `ms` a task,
/// turned into the size that takes about that long here: one task of a
/// probe size is timed in the sequential worker (the fastest of three runs)
/// and the size scaled from it ([`threadlab::sizing`]).
pub async fn size_in_time(slot: &Slot, exp: &serde_json::Value, field: &str, ms: f64, cores: u32) -> Result<serde_json::Value, RunError> {
    let machine = machine(true).await.map_err(|e| slot.fail(format!("Could not measure this machine's speed: {e}")))?;
    let rate = machine.cpu_iterations_per_ms.unwrap_or(1.0);
    let probe = sizing::probe(exp, field, rate).map_err(|e| RunError::Failed(e.to_string()))?;
    let one = serde_json::json!({ "workload": probe, "tasks": 1, "workers": 1, "models": ["sequential"], "repeats": 1, "trace": false });
    let job = Experiment::from_value(&one, 1).and_then(|e| Job::new(e, machine)).map_err(|e| RunError::Failed(e.to_string()))?;
    let (h, _) = sequential_worker().await.map_err(|e| slot.fail(e))?;
    let mut fastest = f64::INFINITY;
    for _ in 0..3 {
        match call(h, &Request::Sequential { job: job.clone() }).await.map_err(|e| slot.fail(e))? {
            Reply::Ran { run } => fastest = fastest.min(run.wall_ms),
            other => return Err(slot.fail(format!("the worker answered {other:?}"))),
        }
        slot.check()?;
    }
    let default_tasks = Experiment::defaults(cores).tasks;
    sizing::resolve(exp, field, &probe, ms, fastest, default_tasks).map_err(|e| RunError::Failed(e.to_string()))
}

/// One run of `model` on its prepared pool; `on_task(done)` as tasks end.
async fn run_once(model: Model, job: &Job, on_task: &dyn Fn(u32)) -> Result<ModelRun, String> {
    let job = &job.clone().for_model(model);
    let ran = |reply: Reply| match reply {
        Reply::Ran { run } if run.model == model => Ok(run),
        other => Err(format!("the worker answered {other:?}")),
    };
    match model.pool() {
        Pool::One => {
            let (h, _) = sequential_worker().await?;
            ran(call(h, &Request::Sequential { job: job.clone() }).await?)
        }
        Pool::Threads { gil } => {
            // The threads models share one pool: if another one's
            // failure took it down, start it again.
            prepare(model, job.experiment.workers, 0).await?;
            let h = POOLS.with(|p| p.borrow().threads.map(|t| t.0)).ok_or("the threads pool is not running")?;
            // The pool counts its finished tasks in its shared memory:
            // read it while the run goes on, for the progress bar.
            let base = js_tasks_done(h);
            post(h, &Request::Threads { job: job.clone(), gil })?;
            let answer = js_recv(vec![h]).map_err(message)?;
            loop {
                let tick = js_sleep(200.0);
                let first = JsFuture::from(js_sys::Promise::race(&js_sys::Array::of2(&answer, &tick))).await.map_err(message)?;
                if first.is_undefined() {
                    on_task((js_tasks_done(h) - base).max(0) as u32);
                    continue;
                }
                let pair = js_sys::Array::from(&first);
                let text = pair.get(1).as_string().ok_or("a worker sent something other than protocol text")?;
                match decode::<Reply>(&text).map_err(|e| e.to_string())? {
                    Reply::Failed { error } => return Err(error),
                    reply => return ran(reply),
                }
            }
        }
        Pool::Processes => {
            let pool = POOLS.with(|p| p.borrow().processes.as_ref().map(|p| p.0.clone())).ok_or("the process pool is not running")?;
            let task = job.experiment.workload.task();
            let shares = if task.input_bytes() > 0 { inputs(job).await } else { Vec::new() };
            let mut dispatch = Dispatch::new(job.clone(), pool.len() as u32);
            let mut used: Vec<u32> = pool[..dispatch.workers() as usize].to_vec();
            let mut outbox = dispatch.start();
            while !dispatch.is_finished() {
                for send in outbox.drain(..) {
                    // A worker that died is found by `recv` just below.
                    let _ = post_dispatched(used[send.worker as usize], &send.request, &shares, task.transfers_input());
                }
                let failure = match recv(&used).await {
                    Ok((w, reply)) => {
                        outbox = dispatch.reply(w as u32, reply, js_now()).map_err(|e| e.to_string())?;
                        on_task(dispatch.done());
                        continue;
                    }
                    Err(e) => e,
                };
                // Cancelled: every pool was dropped. Else a process crashed:
                // only it is lost; the pool replaces it and goes on.
                let dead: Vec<usize> = (0..used.len()).filter(|&w| !js_alive(used[w])).collect();
                if dead.is_empty() || POOLS.with(|p| p.borrow().processes.is_none()) {
                    return Err(failure);
                }
                for w in dead {
                    dispatch.worker_lost(w as u32, failure.clone(), js_now());
                    let (h, next) = replace(&mut dispatch, w as u32).await?;
                    used[w] = h;
                    POOLS.with(|p| {
                        if let Some((hs, _)) = p.borrow_mut().processes.as_mut() {
                            hs[w] = h;
                        }
                    });
                    outbox.extend(next);
                }
            }
            Ok(dispatch.finish(js_now()))
        }
        Pool::ProcessPerTask => {
            let task = job.experiment.workload.task();
            let shares = if task.input_bytes() > 0 { inputs(job).await } else { Vec::new() };
            let n = job.experiment.workers.min(job.experiment.tasks).max(1);
            // The clock starts before the first processes are spawned.
            let start = js_now();
            let mut used = spawn("process", 0..n, 0).await?;
            let mut dispatch = Dispatch::per_task(job.clone(), n, start);
            let mut outbox = dispatch.start();
            let outcome: Result<(), String> = async {
                while !dispatch.is_finished() {
                    for send in outbox.drain(..) {
                        post_dispatched(used[send.worker as usize], &send.request, &shares, task.transfers_input())?;
                    }
                    let (w, reply) = recv(&used).await?;
                    outbox = dispatch.reply(w as u32, reply, js_now()).map_err(|e| e.to_string())?;
                    on_task(dispatch.done());
                    // Its task done, the process ends; a new one takes the next.
                    for w in dispatch.take_respawns() {
                        js_terminate(used[w as usize]);
                        let (h, next) = replace(&mut dispatch, w).await?;
                        used[w as usize] = h;
                        outbox.extend(next);
                    }
                }
                Ok(())
            }
            .await;
            let end = js_now();
            used.iter().for_each(|h| js_terminate(*h));
            outcome.map(|()| dispatch.finish(end))
        }
        Pool::ProcessesOfThreads => {
            let (pool, threads) =
                POOLS.with(|p| p.borrow().hybrid.as_ref().map(|p| (p.0.clone(), p.1))).ok_or("the processes × threads pool is not running")?;
            let n = hybrid::processes(job) as usize;
            let used = pool.get(..n).ok_or("the processes × threads pool is too small")?.to_vec();
            let start = js_now();
            for (p, h) in used.iter().enumerate() {
                post(*h, &Request::Threads { job: hybrid::part(job, p as u32), gil: true })?;
            }
            let mut parts: Vec<Option<ModelRun>> = vec![None; n];
            for done in 1..=n {
                let (p, reply) = recv(&used).await?;
                match reply {
                    Reply::Ran { run } if parts[p].is_none() => parts[p] = Some(run),
                    Reply::Failed { error } => return Err(format!("process {} failed: {error}", p + 1)),
                    other => return Err(format!("process {} answered {other:?}", p + 1)),
                }
                on_task(done as u32 * job.experiment.tasks / n as u32);
            }
            let end = js_now();
            Ok(hybrid::merge(threads, parts.into_iter().flatten().collect(), start, end))
        }
    }
}

/// Starts a new process worker in place of dispatch worker `w` and gives it
/// the job; returns its handle and what the dispatch sends next. It answers
/// before anything else happens: no reply of it outlives the run.
async fn replace(dispatch: &mut Dispatch, w: u32) -> Result<(u32, Vec<threadlab::dispatch::Send>), String> {
    let h = spawn("process", w..w + 1, 0).await?[0];
    for send in dispatch.worker_replaced(w) {
        post(h, &send.request)?;
    }
    let (_, ready) = recv(&[h]).await?;
    Ok((h, dispatch.reply(w, ready, js_now()).map_err(|e| e.to_string())?))
}

/// The memory `model`'s workers hold, each reported by its worker.
async fn footprint(model: Model, exp: &Experiment) -> Result<Footprint, String> {
    let (handles, threads_per_memory, page_input_bytes) = POOLS.with(|p| {
        let p = p.borrow();
        match model.pool() {
            Pool::One => (p.sequential.iter().map(|s| s.0).collect(), 1, 0),
            Pool::Threads { .. } => (p.threads.iter().map(|t| t.0).collect(), exp.workers, 0),
            Pool::Processes => (p.processes.iter().flat_map(|(hs, _)| hs.iter().copied()).collect::<Vec<u32>>(), 1, page_input_bytes()),
            Pool::ProcessesOfThreads => (p.hybrid.iter().flat_map(|(hs, ..)| hs.iter().copied()).collect(), exp.threads_per_process, 0),
            // Its processes ended with their tasks.
            Pool::ProcessPerTask => (Vec::new(), 1, 0),
        }
    });
    if handles.is_empty() {
        return Err("no worker of this model is left to ask".into());
    }
    let mut memories = Vec::with_capacity(handles.len());
    for h in handles {
        match call(h, &Request::Footprint).await? {
            Reply::Footprint { memory_bytes: Some(b) } => memories.push(b),
            other => return Err(format!("a worker answered {other:?}")),
        }
    }
    Ok(Footprint { memories, threads_per_memory, page_input_bytes })
}

/// Resolves after `ms` milliseconds (a timer on the page).
pub async fn sleep(ms: f64) {
    let _ = JsFuture::from(js_sleep(ms)).await;
}

/// Where progress goes (the page state).
pub type ProgressFn = Rc<dyn Fn(Progress)>;

/// Runs every experiment of `plan`, one [`Results`] each. `Err` only when
/// the run as a whole cannot go on (cancelled before any timed run
/// finished, the machine could not be measured); a model that fails is
/// reported in its summary and the others still run. Cancelled after some
/// timed runs finished: what finished, the last [`Results`] marked
/// `partial`.
pub async fn run(slot: &Slot, plan: &Plan, env: &Environment, progress: &ProgressFn) -> Result<Vec<Results>, RunError> {
    let started = js_now();
    let unavailable: Vec<Model> = match env.threads_unavailable {
        Some(_) => Model::ALL.into_iter().filter(|m| m.needs_shared_memory()).collect(),
        None => vec![],
    };
    let total = plan.timed_tasks(&unavailable);
    let mut done = 0;
    let mut out = Vec::new();
    let experiments = plan.experiments().map_err(|e| slot.fail(e.to_string()))?;
    // Cancel may have come before this future first ran.
    slot.check()?;
    for exp in &experiments {
        if plan.fresh_pools() {
            // Every count starts its pools afresh: their start is measured.
            Model::ALL.into_iter().for_each(discard);
        }
        let r = run_experiment(slot, exp, env, &unavailable, progress, (done, total, started)).await;
        if slot.check().is_err() {
            // Cancelled: keep what finished, if anything did.
            match r {
                Ok(r) => {
                    done += r.models.iter().map(|m| m.runs_ms.len() as u32).sum::<u32>() * exp.tasks;
                    out.push(r);
                }
                Err(_) if out.is_empty() => return Err(RunError::Cancelled),
                Err(_) => {}
            }
            if let Some(last) = out.last_mut() {
                last.partial = Some(Partial { done_tasks: done.min(total), total_tasks: total });
            }
            return Ok(out);
        }
        out.push(r?);
        done += plan::timed_tasks(exp, &unavailable);
    }
    Ok(out)
}

async fn run_experiment(
    slot: &Slot,
    exp: &Experiment,
    env: &Environment,
    unavailable: &[Model],
    progress: &ProgressFn,
    (mut done, total, started): (u32, u32, f64),
) -> Result<Results, RunError> {
    let say = |done: u32, label: String| {
        // The pace of the tasks so far gives the time left.
        let elapsed = js_now() - started;
        let eta_s = (done > 0 && done < total && elapsed > 300.0).then(|| elapsed / f64::from(done) * f64::from(total - done) / 1000.0);
        progress(Progress { done, total, label, eta_s })
    };
    if exp.workload.input_bytes() > 0 {
        // Fresh workers: a WebAssembly memory never shrinks, so a reused
        // worker would still hold an earlier experiment's data, and the
        // memory figures would not be this experiment's.
        Model::ALL.into_iter().for_each(discard);
    }
    let needs = exp.workload.needs_calibration();
    if needs && MACHINE.with(Cell::get).is_none() {
        say(done, "Measuring this machine's speed…".into());
    }
    let machine = machine(needs).await.map_err(|e| slot.fail(format!("Could not measure this machine's speed: {e}")))?;
    slot.check()?;
    let job = Job::new(exp.clone(), machine).map_err(|e| slot.fail(e.to_string()))?;
    // What every task must return, computed once, in a worker.
    say(done, "Working out the right answers…".into());
    let expected = match sequential_worker().await {
        Ok((h, _)) => match call(h, &Request::Expected { job: job.clone() }).await {
            Ok(Reply::Expected { values }) if values.len() == exp.tasks as usize => values,
            Ok(other) => return Err(slot.fail(format!("the expected results could not be computed ({other:?})"))),
            Err(e) => return Err(slot.fail(format!("the expected results could not be computed: {e}"))),
        },
        Err(e) => return Err(slot.fail(format!("no worker could start: {e}"))),
    };
    slot.check()?;

    let mut failed: BTreeMap<Model, Status> = unavailable
        .iter()
        .filter(|m| exp.models.contains(m))
        .map(|&m| (m, Status::Unavailable { reason: format!("threads are unavailable: {}", env.threads_unavailable.clone().unwrap_or_default()) }))
        .collect();
    let mut startup: BTreeMap<Model, f64> = BTreeMap::new();
    let mut runs: BTreeMap<Model, Vec<ModelRun>> = BTreeMap::new();
    let warm = plan::warm_up(exp).map(|experiment| Job { experiment, ..job.clone() });
    let mut cancelled = false;
    for step in plan::steps(exp, unavailable) {
        let model = match step {
            Step::Prepare { model, .. } | Step::WarmUp { model } | Step::Repeat { model, .. } => model,
        };
        if failed.contains_key(&model) {
            if let Step::Repeat { .. } = step {
                done += exp.tasks;
            }
            continue;
        }
        let result = match step {
            Step::Prepare { model, workers } => {
                say(done, format!("Starting {} workers…", model.label()));
                prepare(model, workers, exp.threads_per_process).await.map(|ms| {
                    if model.pool() != Pool::ProcessPerTask {
                        startup.insert(model, ms);
                    }
                })
            }
            Step::WarmUp { model } => {
                say(done, format!("Warming up {}…", model.label()));
                match &warm {
                    Some(warm) => run_once(model, warm, &|_| {}).await.map(|_| ()),
                    None => Ok(()),
                }
            }
            Step::Repeat { model, repeat } => {
                let label = format!("{} — repeat {repeat} of {}", model.label(), exp.repeats);
                say(done, label.clone());
                // At most ~10 progress updates a second: every update
                // re-renders the page, which also dispatches process tasks.
                let last = Cell::new(0.0);
                let on_task = |n: u32| {
                    let t = js_now();
                    if t - last.get() >= 100.0 {
                        last.set(t);
                        say(done + n, label.clone());
                    }
                };
                let r = run_once(model, &job, &on_task).await.map(|run| runs.entry(model).or_default().push(run));
                done += exp.tasks;
                r
            }
        };
        if slot.check().is_err() {
            // Cancelled: the runs that finished are kept (see `run`).
            cancelled = true;
            break;
        }
        if let Err(error) = result {
            discard(model);
            failed.insert(model, Status::Failed { error });
        }
    }
    say(total.max(done), "Summarising…".into());
    let mut env = env.clone();
    env.cpu_iterations_per_ms = job.machine.cpu_iterations_per_ms;
    let mut summaries = Vec::with_capacity(exp.models.len());
    if cancelled && runs.is_empty() {
        return Err(RunError::Cancelled);
    }
    for &m in &exp.models {
        summaries.push(match failed.remove(&m) {
            Some(status) => ModelSummary::not_run(m, exp.workers, status),
            None if cancelled && !runs.contains_key(&m) => ModelSummary::not_run(m, exp.workers, Status::Cancelled),
            None => {
                let mut s = ModelSummary::from_runs(exp, &expected, m, runs.get(&m).map(Vec::as_slice).unwrap_or(&[]), startup.get(&m).copied());
                // A worker that cannot say leaves the figure out, no guess
                // (after a cancel, none is left to ask).
                if !cancelled {
                    s.memory = footprint(m, exp).await.ok();
                    slot.check()?;
                }
                s
            }
        });
    }
    // The page's copy of the input is not kept past the experiment.
    INPUTS.with(|i| i.borrow_mut().take());
    Ok(Results::new(exp.clone(), env, summaries))
}

/// What is known of this machine without measuring (the loop speed once a
/// run needed it): for the Python programs' CPU steps.
pub fn known_machine() -> Machine {
    Machine { cpu_iterations_per_ms: MACHINE.with(Cell::get) }
}
