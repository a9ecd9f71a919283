//! What a press of Run does on the workers, written once: the plan
//! interpreter (get each model's pool ready, warm up, the interleaved timed
//! repeats, cancel, partial results, a model that fails while the others go
//! on) and the dispatch loops (a process pool, a process per task, a
//! crashed process replaced), against a small [`Workers`] boundary.
//!
//! The page implements [`Workers`] over `www/runner.js` (Web Workers,
//! `postMessage`); natively [`crate::native::Threads`] implements it over OS
//! threads and channels, so every path here is tested with `cargo test`.
//! The page keeps only the bindings and the run slot.

use crate::dispatch::{Dispatch, Send};
use crate::experiment::{Experiment, Job};
use crate::model::{Model, Pool};
use crate::models::hybrid;
use crate::plan::{self, Plan, Step};
use crate::protocol::{decode, encode, Reply, Request};
use crate::record::ModelRun;
use crate::results::Results;
use crate::summary::{Environment, Footprint, ModelSummary, Partial, Status};
use crate::workloads::Machine;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// A worker that has not said hello after this long is not going to (its
/// engine never arrived, its script failed): the start fails, with a message.
pub const STARTING_MS: f64 = 30_000.0;

/// A threads pool silent this long is started once more (see
/// `Runner::spawn`); the second start has [`STARTING_MS`].
pub const POOL_RETRY_MS: f64 = 10_000.0;
/// No answer from the workers waited on for this long: the wait fails with
/// a message instead of lasting for ever. One answer may be a whole model's
/// run, which the budget keeps to about a minute on a fast machine: this
/// leaves room for a machine twenty times slower.
pub const STALLED_MS: f64 = 20.0 * 60_000.0;

/// How often a wait wakes to check its limit and report progress.
const TICK_MS: f64 = 200.0;

/// Which script a worker runs as: a process (the single-threaded engine,
/// its own memory) or a threads coordinator (the threaded engine and a pool
/// of `threads` threads in one shared memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Process,
    Coordinator,
}

/// Where workers live: spawn, post, receive, alive, terminate. Handles are
/// numbers the implementation gives out; a terminated or crashed worker's
/// handle is never alive again.
#[allow(async_fn_in_trait)] // used generically, never as `dyn`
pub trait Workers {
    /// The page's copy of one task's share of the input (an `ArrayBuffer`
    /// in the browser, bytes natively).
    type Share: Clone;
    /// The shared clock, in ms.
    fn now(&self) -> f64;
    /// Starts worker `id` of `kind`; `Ok(handle)` once it was told what it
    /// is (its hello comes through [`Workers::recv`]).
    async fn start(&self, kind: Kind, id: u32, threads: u32) -> Result<u32, String>;
    /// Posts protocol text, with a task's share beside it (cloned, or
    /// transferred away from the page).
    fn post(&self, worker: u32, text: &str, share: Option<Self::Share>, transfer: bool) -> Result<(), String>;
    /// The next answer from any of `workers`: `(handle, text)`; `Ok(None)`
    /// when `tick_ms` passed first. `Err` as soon as one of them dies.
    async fn recv(&self, workers: &[u32], tick_ms: Option<f64>) -> Result<Option<(u32, String)>, String>;
    fn alive(&self, worker: u32) -> bool;
    fn terminate(&self, worker: u32);
    /// Tasks a threads pool has finished so far (read while it runs).
    fn tasks_done(&self, worker: u32) -> Option<u32>;
    /// The page's copy of `job`'s input, one share per task, kept for the
    /// repeats that follow (made again after a transfer emptied it).
    async fn shares(&self, job: &Job) -> Vec<Self::Share>;
    /// Bytes of input the page holds now (0 after a transfer).
    fn held_input_bytes(&self) -> u64;
    /// Drops the page's copy of the input (the experiment ended).
    fn drop_input(&self);
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

/// How far a run is, for the progress bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
    pub label: String,
    /// Seconds left, from the pace so far (once there is one).
    pub eta_s: Option<f64>,
}

/// One run's view of the page: whether it was cancelled, where progress
/// goes.
pub struct Run<'a> {
    pub cancelled: &'a dyn Fn() -> bool,
    pub progress: &'a dyn Fn(Progress),
}

impl Run<'_> {
    fn check(&self) -> Result<(), RunError> {
        if (self.cancelled)() {
            Err(RunError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// The run failed with `why`, unless it was cancelled (which is why
    /// whatever it awaited failed).
    fn fail(&self, why: String) -> RunError {
        self.check().err().unwrap_or(RunError::Failed(why))
    }
}

/// Workers kept between runs, by pool kind. A worker that died (crashed,
/// trapped, was terminated) is never reused.
#[derive(Default)]
struct Pools {
    /// The sequential worker, which also measures the machine and computes
    /// expected values; and its start-up time.
    one: Option<(u32, f64)>,
    /// The threads coordinator, its thread count and start-up time.
    threads: Option<(u32, u32, f64)>,
    /// The process workers and the pool's start-up time.
    processes: Option<(Vec<u32>, f64)>,
    /// Processes × threads: one coordinator per process, its thread count
    /// and the pool's start-up time.
    hybrid: Option<(Vec<u32>, u32, f64)>,
}

/// Carries out plans on `W`'s workers, keeping pools between runs.
pub struct Runner<W: Workers> {
    pub workers: W,
    pools: RefCell<Pools>,
    /// This machine's loop speed, measured once (in a worker) when needed.
    machine: Cell<Option<f64>>,
}

impl<W: Workers> Runner<W> {
    pub fn new(workers: W) -> Runner<W> {
        Runner { workers, pools: RefCell::new(Pools::default()), machine: Cell::new(None) }
    }

    /// Forgets every pool (after a cancel terminated every worker): the next
    /// run starts fresh ones.
    pub fn forget_pools(&self) {
        *self.pools.borrow_mut() = Pools::default();
    }

    /// What is known of this machine without measuring (the loop speed once
    /// a run needed it).
    pub fn known_machine(&self) -> Machine {
        Machine { cpu_iterations_per_ms: self.machine.get() }
    }

    /// The live workers of every pool (tests: what a run leaves running).
    pub fn pooled(&self) -> Vec<u32> {
        let p = self.pools.borrow();
        let mut out: Vec<u32> = p.one.iter().map(|w| w.0).chain(p.threads.iter().map(|t| t.0)).collect();
        out.extend(p.processes.iter().flat_map(|(hs, _)| hs.iter().copied()));
        out.extend(p.hybrid.iter().flat_map(|(hs, ..)| hs.iter().copied()));
        out
    }

    /// One run of `model` alone, its pool started if needed (the native
    /// process models).
    pub async fn run_model(&self, model: Model, job: &Job) -> Result<ModelRun, String> {
        self.prepare(model, job.experiment.workers, job.experiment.threads_per_process).await?;
        let run = Run { cancelled: &|| false, progress: &|_| {} };
        self.run_once(&run, model, job, &|_| {}).await
    }

    /// The next reply from any of `handles`: (position in `handles`, reply).
    /// No reply for [`STALLED_MS`] ends the wait with a message (a task
    /// within the budget answers long before).
    async fn recv(&self, handles: &[u32]) -> Result<(usize, Reply), String> {
        self.recv_within(handles, STALLED_MS, &|| {}).await
    }

    /// [`Runner::recv`] within `limit_ms`, calling `tick` about every
    /// [`TICK_MS`] while it waits (a threads pool's progress is read then).
    async fn recv_within(&self, handles: &[u32], limit_ms: f64, tick: &dyn Fn()) -> Result<(usize, Reply), String> {
        let since = self.workers.now();
        loop {
            let left = limit_ms - (self.workers.now() - since);
            if left <= 0.0 {
                // Abandoned, they must not answer a later request with this
                // one's reply: stopped, and never reused.
                handles.iter().for_each(|h| self.workers.terminate(*h));
                return Err(format!("no worker answered within {}", crate::text::ms(limit_ms)));
            }
            match self.workers.recv(handles, Some(left.min(TICK_MS))).await? {
                Some((handle, text)) => {
                    let at = handles.iter().position(|h| *h == handle).ok_or("an answer from a worker nobody asked")?;
                    return Ok((at, decode(&text).map_err(|e| e.to_string())?));
                }
                None => tick(),
            }
        }
    }

    fn post(&self, handle: u32, request: &Request) -> Result<(), String> {
        self.workers.post(handle, &encode(request), None, false)
    }

    /// Posts a dispatch's message; a task that reads input goes with its share.
    fn post_dispatched(&self, handle: u32, request: &Request, shares: &[W::Share], transfer: bool) -> Result<(), String> {
        let share = match request {
            Request::Task { index, .. } => shares.get(*index as usize).cloned(),
            _ => None,
        };
        self.workers.post(handle, &encode(request), share, transfer)
    }

    /// Sends one request to one worker and waits for its answer.
    async fn call(&self, handle: u32, request: &Request) -> Result<Reply, String> {
        self.post(handle, request)?;
        match self.recv(&[handle]).await? {
            (_, Reply::Failed { error }) => Err(error),
            (_, reply) => Ok(reply),
        }
    }

    /// Starts workers with the ids `ids` and waits for each one's hello;
    /// returns them and when the start that worked began. A threads pool
    /// (a coordinator) silent after [`POOL_RETRY_MS`] is started once more:
    /// Firefox sometimes never starts one of a pool's threads (about one
    /// start in ten, docs/browsers.md), and that pool never says hello.
    async fn spawn(&self, kind: Kind, ids: Range<u32>, threads: u32) -> Result<(Vec<u32>, f64), String> {
        let t0 = self.workers.now();
        if kind == Kind::Coordinator {
            match self.spawn_within(kind, ids.clone(), threads, POOL_RETRY_MS).await {
                Ok(handles) => return Ok((handles, t0)),
                // Silent (the hello wait ran out), not failed: once more.
                Err(_) if self.workers.now() - t0 >= POOL_RETRY_MS => {}
                Err(e) => return Err(e),
            }
        }
        let t1 = self.workers.now();
        Ok((self.spawn_within(kind, ids, threads, STARTING_MS).await?, t1))
    }

    async fn spawn_within(&self, kind: Kind, ids: Range<u32>, threads: u32, limit_ms: f64) -> Result<Vec<u32>, String> {
        let count = ids.len();
        let mut handles = Vec::with_capacity(count);
        for id in ids {
            match self.workers.start(kind, id, threads).await {
                Ok(h) => handles.push(h),
                Err(e) => {
                    handles.iter().for_each(|h| self.workers.terminate(*h));
                    return Err(e);
                }
            }
        }
        for _ in 0..count {
            let failure = match self.recv_within(&handles, limit_ms, &|| {}).await {
                Ok((_, Reply::Hello)) => continue,
                Ok((_, other)) => format!("a worker started with {other:?} instead of a hello"),
                Err(e) => e,
            };
            handles.iter().for_each(|h| self.workers.terminate(*h));
            return Err(failure);
        }
        Ok(handles)
    }

    /// The sequential worker, started if needed; and how long starting it took.
    async fn sequential_worker(&self) -> Result<(u32, f64), String> {
        let kept = self.pools.borrow().one;
        if let Some(w) = kept.filter(|(h, _)| self.workers.alive(*h)) {
            return Ok(w);
        }
        let (hs, t0) = self.spawn(Kind::Process, 0..1, 0).await?;
        let w = (hs[0], self.workers.now() - t0);
        self.pools.borrow_mut().one = Some(w);
        Ok(w)
    }

    /// Gets `model`'s pool of `workers` ready (processes × threads: of
    /// `threads` threads each); returns the ms it took to start (measured
    /// when it was started, perhaps by an earlier run).
    async fn prepare(&self, model: Model, workers: u32, threads: u32) -> Result<f64, String> {
        let w = &self.workers;
        match model.pool() {
            Pool::One => Ok(self.sequential_worker().await?.1),
            Pool::Threads { .. } => {
                // Threads with and without the GIL, split or not, share one pool.
                let current = self.pools.borrow_mut().threads.take();
                if let Some((h, n, ms)) = current {
                    if n == workers && w.alive(h) {
                        self.pools.borrow_mut().threads = Some((h, n, ms));
                        return Ok(ms);
                    }
                    w.terminate(h);
                }
                let (hs, t0) = self.spawn(Kind::Coordinator, 0..1, workers).await?;
                let (h, ms) = (hs[0], w.now() - t0);
                self.pools.borrow_mut().threads = Some((h, workers, ms));
                Ok(ms)
            }
            Pool::Processes => {
                let current = self.pools.borrow_mut().processes.take();
                if let Some((hs, ms)) = current {
                    if hs.len() == workers as usize && hs.iter().all(|h| w.alive(*h)) {
                        self.pools.borrow_mut().processes = Some((hs, ms));
                        return Ok(ms);
                    }
                    hs.iter().for_each(|h| w.terminate(*h));
                }
                let (hs, t0) = self.spawn(Kind::Process, 0..workers, 0).await?;
                let ms = w.now() - t0;
                self.pools.borrow_mut().processes = Some((hs, ms));
                Ok(ms)
            }
            // No pool: every task starts its own process, during the run.
            Pool::ProcessPerTask => Ok(0.0),
            Pool::ProcessesOfThreads => {
                let current = self.pools.borrow_mut().hybrid.take();
                if let Some((hs, n, ms)) = current {
                    if hs.len() == workers as usize && n == threads && hs.iter().all(|h| w.alive(*h)) {
                        self.pools.borrow_mut().hybrid = Some((hs, n, ms));
                        return Ok(ms);
                    }
                    hs.iter().for_each(|h| w.terminate(*h));
                }
                // Each process is a coordinator: its own shared memory, its
                // own pool of threads, its own GIL.
                let (hs, t0) = self.spawn(Kind::Coordinator, 0..workers, threads).await?;
                let ms = w.now() - t0;
                self.pools.borrow_mut().hybrid = Some((hs, threads, ms));
                Ok(ms)
            }
        }
    }

    /// Throws away a model's pool (after it failed): the next run starts afresh.
    pub fn discard(&self, model: Model) {
        let mut p = self.pools.borrow_mut();
        let w = &self.workers;
        match model.pool() {
            Pool::One => p.one.take().into_iter().for_each(|(h, _)| w.terminate(h)),
            Pool::Threads { .. } => p.threads.take().into_iter().for_each(|(h, ..)| w.terminate(h)),
            Pool::Processes => p.processes.take().into_iter().flat_map(|(hs, _)| hs).for_each(|h| w.terminate(h)),
            Pool::ProcessesOfThreads => p.hybrid.take().into_iter().flat_map(|(hs, ..)| hs).for_each(|h| w.terminate(h)),
            Pool::ProcessPerTask => {}
        }
    }

    /// Loop iterations per ms on this machine (measured once, in a worker).
    pub async fn machine(&self, needed: bool) -> Result<Machine, String> {
        if let Some(rate) = self.machine.get() {
            return Ok(Machine { cpu_iterations_per_ms: Some(rate) });
        }
        if !needed {
            return Ok(Machine::default());
        }
        let (h, _) = self.sequential_worker().await?;
        match self.call(h, &Request::Calibrate).await? {
            Reply::Calibrated { cpu_iterations_per_ms } if cpu_iterations_per_ms.is_finite() && cpu_iterations_per_ms > 0.0 => {
                self.machine.set(Some(cpu_iterations_per_ms));
                Ok(Machine { cpu_iterations_per_ms: Some(cpu_iterations_per_ms) })
            }
            other => Err(format!("the machine's speed could not be measured ({other:?})")),
        }
    }

    /// The experiment JSON `exp` with its size `field`, given as `ms` a
    /// task, turned into the size that takes about that long here: one task
    /// of a probe size is timed in the sequential worker (the fastest of
    /// three runs) and the size scaled from it ([`crate::sizing`]).
    pub async fn size_in_time(&self, run: &Run<'_>, exp: &serde_json::Value, field: &str, ms: f64, cores: u32) -> Result<serde_json::Value, RunError> {
        use crate::sizing;
        let machine = self.machine(true).await.map_err(|e| run.fail(format!("Could not measure this machine's speed: {e}")))?;
        let rate = machine.cpu_iterations_per_ms.unwrap_or(1.0);
        let probe = sizing::probe(exp, field, rate).map_err(|e| RunError::Failed(e.to_string()))?;
        let one = serde_json::json!({ "workload": probe, "tasks": 1, "workers": 1, "models": ["sequential"], "repeats": 1, "trace": false });
        let job = Experiment::from_value(&one, 1).and_then(|e| Job::new(e, machine)).map_err(|e| RunError::Failed(e.to_string()))?;
        let (h, _) = self.sequential_worker().await.map_err(|e| run.fail(e))?;
        let mut fastest = f64::INFINITY;
        for _ in 0..3 {
            match self.call(h, &Request::Sequential { job: job.clone() }).await.map_err(|e| run.fail(e))? {
                Reply::Ran { run } => fastest = fastest.min(run.wall_ms),
                other => return Err(run.fail(format!("the worker answered {other:?}"))),
            }
            run.check()?;
        }
        let default_tasks = Experiment::defaults(cores).tasks;
        sizing::resolve(exp, field, &probe, ms, fastest, default_tasks).map_err(|e| RunError::Failed(e.to_string()))
    }

    /// One run of `model` on its prepared pool; `on_task(done)` as tasks end.
    async fn run_once(&self, run: &Run<'_>, model: Model, job: &Job, on_task: &dyn Fn(u32)) -> Result<ModelRun, String> {
        let w = &self.workers;
        let job = &job.clone().for_model(model);
        let ran = |reply: Reply| match reply {
            Reply::Ran { run } if run.model == model => Ok(run),
            Reply::Failed { error } => Err(error),
            other => Err(format!("the worker answered {other:?}")),
        };
        match model.pool() {
            Pool::One => {
                let (h, _) = self.sequential_worker().await?;
                ran(self.call(h, &Request::Sequential { job: job.clone() }).await?)
            }
            Pool::Threads { gil } => {
                // The threads models share one pool: if another one's
                // failure took it down, start it again.
                self.prepare(model, job.experiment.workers, 0).await?;
                let h = self.pools.borrow().threads.map(|t| t.0).ok_or("the threads pool is not running")?;
                // The pool counts its finished tasks in its shared memory:
                // read it while the run goes on, for the progress bar.
                let base = w.tasks_done(h);
                self.post(h, &Request::Threads { job: job.clone(), gil })?;
                let progress = || {
                    if let (Some(base), Some(now)) = (base, w.tasks_done(h)) {
                        on_task(now.saturating_sub(base));
                    }
                };
                ran(self.recv_within(&[h], STALLED_MS, &progress).await?.1)
            }
            Pool::Processes => {
                let pool = self.pools.borrow().processes.as_ref().map(|p| p.0.clone()).ok_or("the process pool is not running")?;
                let task = &job.experiment.workload;
                let shares = if task.input_bytes() > 0 { w.shares(job).await } else { Vec::new() };
                let mut dispatch = Dispatch::new(job.clone(), pool.len() as u32);
                let mut used: Vec<u32> = pool[..dispatch.workers() as usize].to_vec();
                let mut outbox = dispatch.start();
                while !dispatch.is_finished() {
                    for send in outbox.drain(..) {
                        // A worker that died is found by `recv` just below.
                        let _ = self.post_dispatched(used[send.worker as usize], &send.request, &shares, task.transfers_input());
                    }
                    let failure = match self.recv(&used).await {
                        Ok((at, reply)) => {
                            outbox = dispatch.reply(at as u32, reply, w.now()).map_err(|e| e.to_string())?;
                            on_task(dispatch.done());
                            continue;
                        }
                        Err(e) => e,
                    };
                    // Cancelled: every worker was stopped. Else a process
                    // crashed: only it is lost; the pool replaces it and
                    // goes on.
                    let dead: Vec<usize> = (0..used.len()).filter(|&i| !w.alive(used[i])).collect();
                    if dead.is_empty() || (run.cancelled)() {
                        return Err(failure);
                    }
                    for i in dead {
                        dispatch.worker_lost(i as u32, failure.clone(), w.now());
                        let (h, next) = self.replace(&mut dispatch, i as u32).await?;
                        used[i] = h;
                        if let Some((hs, _)) = self.pools.borrow_mut().processes.as_mut() {
                            hs[i] = h;
                        }
                        outbox.extend(next);
                    }
                }
                Ok(dispatch.finish(w.now()))
            }
            Pool::ProcessPerTask => {
                let task = &job.experiment.workload;
                let shares = if task.input_bytes() > 0 { w.shares(job).await } else { Vec::new() };
                let n = job.experiment.workers.min(job.experiment.tasks).max(1);
                // The clock starts before the first processes are spawned.
                let start = w.now();
                let mut used = self.spawn(Kind::Process, 0..n, 0).await?.0;
                let mut dispatch = Dispatch::per_task(job.clone(), n, start);
                let mut outbox = dispatch.start();
                let outcome: Result<(), String> = async {
                    while !dispatch.is_finished() {
                        for send in outbox.drain(..) {
                            self.post_dispatched(used[send.worker as usize], &send.request, &shares, task.transfers_input())?;
                        }
                        let (at, reply) = self.recv(&used).await?;
                        outbox = dispatch.reply(at as u32, reply, w.now()).map_err(|e| e.to_string())?;
                        on_task(dispatch.done());
                        // Its task done, the process ends; a new one takes the next.
                        for i in dispatch.take_respawns() {
                            w.terminate(used[i as usize]);
                            let (h, next) = self.replace(&mut dispatch, i).await?;
                            used[i as usize] = h;
                            outbox.extend(next);
                        }
                    }
                    Ok(())
                }
                .await;
                let end = w.now();
                used.iter().for_each(|h| w.terminate(*h));
                outcome.map(|()| dispatch.finish(end))
            }
            Pool::ProcessesOfThreads => {
                let (pool, threads) = self.pools.borrow().hybrid.as_ref().map(|p| (p.0.clone(), p.1)).ok_or("the processes × threads pool is not running")?;
                let n = hybrid::processes(job) as usize;
                let used = pool.get(..n).ok_or("the processes × threads pool is too small")?.to_vec();
                let start = w.now();
                for (p, h) in used.iter().enumerate() {
                    self.post(*h, &Request::Threads { job: hybrid::part(job, p as u32), gil: true })?;
                }
                let mut parts: Vec<Option<ModelRun>> = vec![None; n];
                for done in 1..=n {
                    let (p, reply) = self.recv(&used).await?;
                    match reply {
                        Reply::Ran { run } if parts[p].is_none() => parts[p] = Some(run),
                        Reply::Failed { error } => return Err(format!("process {} failed: {error}", p + 1)),
                        other => return Err(format!("process {} answered {other:?}", p + 1)),
                    }
                    on_task(done as u32 * job.experiment.tasks / n as u32);
                }
                let end = w.now();
                Ok(hybrid::merge(threads, parts.into_iter().flatten().collect(), start, end))
            }
        }
    }

    /// Starts a new process worker in place of dispatch worker `i` and gives
    /// it the job; returns its handle and what the dispatch sends next. It
    /// answers before anything else happens: no reply of it outlives the run.
    async fn replace(&self, dispatch: &mut Dispatch, i: u32) -> Result<(u32, Vec<Send>), String> {
        let h = self.spawn(Kind::Process, i..i + 1, 0).await?.0[0];
        for send in dispatch.worker_replaced(i) {
            self.post(h, &send.request)?;
        }
        let (_, ready) = self.recv(&[h]).await?;
        Ok((h, dispatch.reply(i, ready, self.workers.now()).map_err(|e| e.to_string())?))
    }

    /// The memory `model`'s workers hold, each reported by its worker.
    async fn footprint(&self, model: Model, exp: &Experiment) -> Result<Footprint, String> {
        let (handles, threads_per_memory, page_input_bytes) = {
            let p = self.pools.borrow();
            match model.pool() {
                Pool::One => (p.one.iter().map(|s| s.0).collect(), 1, 0),
                Pool::Threads { .. } => (p.threads.iter().map(|t| t.0).collect(), exp.workers, 0),
                Pool::Processes => (p.processes.iter().flat_map(|(hs, _)| hs.iter().copied()).collect::<Vec<u32>>(), 1, self.workers.held_input_bytes()),
                Pool::ProcessesOfThreads => (p.hybrid.iter().flat_map(|(hs, ..)| hs.iter().copied()).collect(), exp.threads_per_process, 0),
                // Its processes ended with their tasks.
                Pool::ProcessPerTask => (Vec::new(), 1, 0),
            }
        };
        if handles.is_empty() {
            return Err("no worker of this model is left to ask".into());
        }
        let mut memories = Vec::with_capacity(handles.len());
        for h in handles {
            match self.call(h, &Request::Footprint).await? {
                Reply::Footprint { memory_bytes: Some(b) } => memories.push(b),
                other => return Err(format!("a worker answered {other:?}")),
            }
        }
        Ok(Footprint { memories, threads_per_memory, page_input_bytes })
    }

    /// Runs every experiment of `plan`, one [`Results`] each. `Err` only
    /// when the run as a whole cannot go on (cancelled before any timed run
    /// finished, the machine could not be measured); a model that fails is
    /// reported in its summary and the others still run. Cancelled after
    /// some timed runs finished: what finished, the last [`Results`] marked
    /// `partial`.
    pub async fn run(&self, run: &Run<'_>, plan: &Plan, env: &Environment) -> Result<Vec<Results>, RunError> {
        let started = self.workers.now();
        let unavailable: Vec<Model> = match env.threads_unavailable {
            Some(_) => Model::ALL.into_iter().filter(|m| m.needs_shared_memory()).collect(),
            None => vec![],
        };
        let total = plan.timed_tasks(&unavailable);
        let mut done = 0;
        let mut out = Vec::new();
        let experiments = plan.experiments().map_err(|e| run.fail(e.to_string()))?;
        // Cancel may have come before this future first ran.
        run.check()?;
        for exp in &experiments {
            if plan.fresh_pools() {
                // Every count starts its pools afresh: their start is measured.
                Model::ALL.into_iter().for_each(|m| self.discard(m));
            }
            let r = self.run_experiment(run, exp, env, &unavailable, (done, total, started)).await;
            if run.check().is_err() {
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

    async fn run_experiment(&self, run: &Run<'_>, exp: &Experiment, env: &Environment, unavailable: &[Model], (mut done, total, started): (u32, u32, f64)) -> Result<Results, RunError> {
        let say = |done: u32, label: String| {
            // The pace of the tasks so far gives the time left.
            let elapsed = self.workers.now() - started;
            let eta_s = (done > 0 && done < total && elapsed > 300.0).then(|| elapsed / f64::from(done) * f64::from(total - done) / 1000.0);
            (run.progress)(Progress { done, total, label, eta_s })
        };
        if exp.workload.input_bytes() > 0 {
            // Fresh workers: a WebAssembly memory never shrinks, so a reused
            // worker would still hold an earlier experiment's data, and the
            // memory figures would not be this experiment's.
            Model::ALL.into_iter().for_each(|m| self.discard(m));
        }
        let needs = exp.workload.needs_calibration();
        if needs && self.machine.get().is_none() {
            say(done, "Measuring this machine's speed…".into());
        }
        let machine = self.machine(needs).await.map_err(|e| run.fail(format!("Could not measure this machine's speed: {e}")))?;
        run.check()?;
        let job = Job::new(exp.clone(), machine).map_err(|e| run.fail(e.to_string()))?;
        // What every task must return, computed once, in a worker.
        say(done, "Working out the right answers…".into());
        let expected = match self.sequential_worker().await {
            Ok((h, _)) => match self.call(h, &Request::Expected { job: job.clone() }).await {
                Ok(Reply::Expected { values }) if values.len() == exp.tasks as usize => values,
                Ok(other) => return Err(run.fail(format!("the expected results could not be computed ({other:?})"))),
                Err(e) => return Err(run.fail(format!("the expected results could not be computed: {e}"))),
            },
            Err(e) => return Err(run.fail(format!("no worker could start: {e}"))),
        };
        run.check()?;

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
                    self.prepare(model, workers, exp.threads_per_process).await.map(|ms| {
                        if model.pool() != Pool::ProcessPerTask {
                            startup.insert(model, ms);
                        }
                    })
                }
                Step::WarmUp { model } => {
                    say(done, format!("Warming up {}…", model.label()));
                    match &warm {
                        Some(warm) => self.run_once(run, model, warm, &|_| {}).await.map(|_| ()),
                        None => Ok(()),
                    }
                }
                Step::Repeat { model, repeat } => {
                    let label = format!("{} — repeat {repeat} of {}", model.label(), exp.repeats);
                    say(done, label.clone());
                    // At most ~10 progress updates a second: every update
                    // re-renders the page, which also dispatches process tasks.
                    let last = Cell::new(f64::NEG_INFINITY);
                    let on_task = |n: u32| {
                        let t = self.workers.now();
                        if t - last.get() >= 100.0 {
                            last.set(t);
                            say(done + n, label.clone());
                        }
                    };
                    let r = self.run_once(run, model, &job, &on_task).await.map(|r| runs.entry(model).or_default().push(r));
                    done += exp.tasks;
                    r
                }
            };
            if run.check().is_err() {
                // Cancelled: the runs that finished are kept (see `run`).
                cancelled = true;
                break;
            }
            if let Err(error) = result {
                self.discard(model);
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
                    // A worker that cannot say leaves the figure out, no
                    // guess (after a cancel, none is left to ask, and the
                    // runs that finished are kept).
                    if !cancelled {
                        s.memory = self.footprint(m, exp).await.ok();
                        cancelled = run.check().is_err();
                        if cancelled {
                            s.memory = None;
                        }
                    }
                    s
                }
            });
        }
        // The page's copy of the input is not kept past the experiment.
        self.workers.drop_input();
        Ok(Results::new(exp.clone(), env, summaries))
    }
}
