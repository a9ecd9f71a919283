//! The core's runner, whole, on native workers: the plan (pools, warm-up,
//! interleaved repeats), the dispatch loops, cancel with partial results, a
//! model that fails while the others go on, a crashed process replaced.

// Needs OS threads: natively only (not in the wasm32 run of npm test).
#![cfg(not(target_family = "wasm"))]

use serde_json::json;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use threadlab::native::{block_on, Threads};
use threadlab::plan::Plan;
use threadlab::results::{Environment, Status};
use threadlab::runner::{Progress, Run, RunError, Runner, Workers};
use threadlab::{Experiment, Model, Results};

fn env() -> Environment {
    Environment { cores: 2, browser: "native".into(), cross_origin_isolated: true, timer_resolution_ms: 0.001, threads_unavailable: None, cpu_iterations_per_ms: None }
}

fn exp(v: serde_json::Value) -> Experiment {
    Experiment::from_value(&v, 2).expect("a valid experiment")
}

/// Runs `plan`; `cancel` is read as the page's Cancel. Returns the outcome
/// and every progress report.
fn run(runner: &Runner<Threads>, plan: &Plan, env: &Environment, cancel: &AtomicBool) -> (Result<Vec<Results>, RunError>, Vec<Progress>) {
    let seen = RefCell::new(Vec::new());
    let cancelled = || cancel.load(Ordering::SeqCst);
    let progress = |p: Progress| seen.borrow_mut().push(p);
    let out = block_on(runner.run(&Run { cancelled: &cancelled, progress: &progress }, plan, env));
    (out, seen.into_inner())
}

#[test]
fn a_plan_runs_every_model_interleaved_and_checks_every_result() {
    let runner = Runner::new(Threads::new());
    let e = exp(json!({ "workload": { "kind": "primes", "size": 20000 }, "tasks": 6, "workers": 2, "repeats": 2,
        "models": ["sequential", "threads_gil", "threads", "threads_static", "processes", "processes_static", "process_per_task", "hybrid"] }));
    let (out, progress) = run(&runner, &Plan::of(&e), &env(), &AtomicBool::new(false));
    let results = out.expect("the run finishes").pop().unwrap();
    assert_eq!(results.partial, None);
    for m in &results.models {
        assert_eq!(m.status, Status::Ran, "{}", m.label);
        assert!(m.correct, "{}: {:?}", m.label, m.problems);
        assert_eq!(m.runs_ms.len(), 2, "{}: two timed repeats", m.label);
    }
    // Pools kept for the next run were measured starting; a process per
    // task has none.
    assert!(results.model(Model::Processes).unwrap().startup_ms.is_some());
    assert_eq!(results.model(Model::ProcessPerTask).unwrap().startup_ms, None);
    // Progress counts every timed task, ending at the total.
    let last = progress.last().unwrap();
    assert_eq!((last.done, last.total), (8 * 2 * 6, 8 * 2 * 6));
    assert!(progress.iter().any(|p| p.label.starts_with("Warming up")), "CPU work is warmed up");
    // The pools stay for the next run, and it reuses them.
    let kept = runner.pooled();
    assert!(!kept.is_empty());
    let (again, _) = run(&runner, &Plan::of(&e), &env(), &AtomicBool::new(false));
    assert!(again.is_ok());
    assert_eq!(runner.pooled(), kept, "the same workers ran the second time");
    runner.workers.terminate_all();
}

#[test]
fn a_cancel_keeps_the_repeats_that_finished_marked_partial() {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    // The page's Cancel: the flag, and every worker stopped at once.
    let workers = Threads::new();
    let stop = workers.clone();
    let workers = workers.on_reply(move |n| {
        if n == 20 {
            flag.store(true, Ordering::SeqCst);
            stop.terminate_all();
        }
    });
    let runner = Runner::new(workers);
    let e = exp(json!({ "workload": { "kind": "sleep", "ms": 5 }, "tasks": 4, "workers": 2, "repeats": 5, "models": ["sequential", "processes"] }));
    let (out, _) = run(&runner, &Plan::of(&e), &env(), &cancel);
    let results = out.expect("some repeats finished before the cancel").pop().unwrap();
    let partial = results.partial.expect("marked partial");
    assert!(partial.done_tasks > 0 && partial.done_tasks < partial.total_tasks, "{partial:?}");
    assert_eq!(partial.total_tasks, 2 * 5 * 4);
    let kept: usize = results.models.iter().map(|m| m.runs_ms.len()).sum();
    assert!(kept > 0 && kept < 10, "{kept} of 10 repeats kept");
    assert!(runner.workers.live().is_empty(), "no worker left running");

    // Cancelled before any timed run finished: the whole run is cancelled.
    let early = Arc::new(AtomicBool::new(false));
    let flag = early.clone();
    let workers = Threads::new();
    let stop = workers.clone();
    let runner = Runner::new(workers.on_reply(move |n| {
        if n == 2 {
            flag.store(true, Ordering::SeqCst);
            stop.terminate_all();
        }
    }));
    let (out, _) = run(&runner, &Plan::of(&e), &env(), &early);
    assert_eq!(out.err(), Some(RunError::Cancelled));
}

#[test]
fn a_crash_fails_the_pools_that_share_it_and_costs_a_process_only_its_task() {
    let runner = Runner::new(Threads::new());
    let e = exp(json!({ "workload": { "kind": "crash", "task": 1, "size": 200000 }, "tasks": 6, "workers": 2, "repeats": 1,
        "models": ["sequential", "threads_gil", "threads", "processes"] }));
    let (out, _) = run(&runner, &Plan::of(&e), &env(), &AtomicBool::new(false));
    let results = out.expect("a failing model does not stop the run").pop().unwrap();
    // A thread that crashed holding the GIL gave it up: the pool ended.
    assert!(matches!(results.model(Model::ThreadsGil).unwrap().status, Status::Failed { .. }));
    let status = |m: Model| results.model(m).unwrap().status.clone();
    assert!(matches!(status(Model::Sequential), Status::Failed { .. }), "{:?}", status(Model::Sequential));
    assert!(matches!(status(Model::Threads), Status::Failed { .. }), "one thread's crash takes the pool: {:?}", status(Model::Threads));
    let procs = results.model(Model::Processes).unwrap();
    assert_eq!(procs.status, Status::Ran);
    assert!(procs.correct, "{:?}", procs.problems);
    assert_eq!(procs.tasks.len(), 5, "every task but the crashed one");
    // The results document names the lost task, as JSON readers see it.
    let doc = serde_json::to_value(procs).unwrap();
    assert_eq!(doc["lost"].as_array().map(|l| l.iter().map(|t| t["index"].as_u64()).collect::<Vec<_>>()), Some(vec![Some(1)]), "{doc}");
    // Its timeline marks the crash in the lane of the process that died.
    let marks = &procs.timeline.as_ref().expect("traced").marks;
    assert!(marks.iter().any(|m| m.label == "process crashed: task 1 lost" && m.worker.is_some()), "{marks:?}");
    let verdict = results.verdict.expect("the crash lesson's claim");
    assert_eq!(verdict.held, Some(true), "{}", verdict.text);
    // The failed pools are gone; the next run starts them afresh and runs.
    let ok = exp(json!({ "workload": { "kind": "loop", "size": 100000 }, "tasks": 4, "workers": 2, "repeats": 1, "models": ["sequential", "threads", "processes"] }));
    let (out, _) = run(&runner, &Plan::of(&ok), &env(), &AtomicBool::new(false));
    assert!(out.unwrap()[0].models.iter().all(|m| m.status == Status::Ran && m.correct));
    runner.workers.terminate_all();
}

#[test]
fn a_worker_sweep_starts_fresh_pools_at_every_count_and_threads_can_be_unavailable() {
    let runner = Runner::new(Threads::new());
    let e = exp(json!({ "workload": { "kind": "sleep", "ms": 5 }, "tasks": 4, "repeats": 1, "models": ["sequential", "threads", "processes"], "sweep": { "workers": [1, 2] } }));
    let mut page = env();
    page.threads_unavailable = Some("this page is not cross-origin isolated".into());
    let (out, _) = run(&runner, &Plan::of(&e), &page, &AtomicBool::new(false));
    let runs = out.unwrap();
    assert_eq!(runs.iter().map(|r| r.experiment.workers).collect::<Vec<_>>(), vec![1, 2]);
    for r in &runs {
        let threads = r.model(Model::Threads).unwrap();
        assert!(matches!(&threads.status, Status::Unavailable { reason } if reason.contains("not cross-origin isolated")));
        assert!(r.model(Model::Processes).unwrap().startup_ms.is_some(), "a fresh pool, its start measured");
    }
    runner.workers.terminate_all();
}

/// Workers that start but never answer, on a clock that moves only when
/// waited on: how the runner ends a wait that would last for ever.
struct Silent {
    clock: std::cell::Cell<f64>,
}

impl threadlab::runner::Workers for Silent {
    type Share = ();
    fn now(&self) -> f64 {
        self.clock.get()
    }
    async fn start(&self, _: threadlab::runner::Kind, id: u32, _: u32) -> Result<u32, String> {
        Ok(id + 1)
    }
    fn post(&self, _: u32, _: &str, _: Option<()>, _: bool) -> Result<(), String> {
        Ok(())
    }
    async fn recv(&self, _: &[u32], tick_ms: Option<f64>) -> Result<Option<(u32, String)>, String> {
        let tick = tick_ms.expect("every wait has a way out");
        self.clock.set(self.clock.get() + tick);
        Ok(None)
    }
    fn alive(&self, _: u32) -> bool {
        true
    }
    fn terminate(&self, _: u32) {}
    fn tasks_done(&self, _: u32) -> Option<u32> {
        None
    }
    async fn shares(&self, _: &threadlab::Job) -> Vec<()> {
        Vec::new()
    }
    fn held_input_bytes(&self) -> u64 {
        0
    }
    fn drop_input(&self) {}
}

#[test]
fn a_worker_that_never_answers_ends_the_run_with_a_message() {
    let runner = Runner::new(Silent { clock: std::cell::Cell::new(0.0) });
    let e = exp(json!({ "workload": { "kind": "sleep", "ms": 5 }, "tasks": 2, "workers": 2, "repeats": 1, "models": ["sequential"] }));
    let cancelled = || false;
    let out = block_on(runner.run(&Run { cancelled: &cancelled, progress: &|_| {} }, &Plan::of(&e), &env()));
    match out {
        Err(RunError::Failed(why)) => assert!(why.contains("no worker answered within 30,000 ms"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(runner.workers.clock.get() <= threadlab::runner::STARTING_MS + 1_000.0, "gave up after the start limit");
}

/// Native workers whose first threads pool never says hello (as Firefox's
/// sometimes does not), on a clock that jumps while the runner waits on it.
struct FirstPoolSilent {
    inner: Threads,
    silent: std::cell::Cell<Option<u32>>,
    skew: std::cell::Cell<f64>,
}

impl threadlab::runner::Workers for FirstPoolSilent {
    type Share = Vec<u8>;
    fn now(&self) -> f64 {
        self.inner.now() + self.skew.get()
    }
    async fn start(&self, kind: threadlab::runner::Kind, id: u32, threads: u32) -> Result<u32, String> {
        let h = self.inner.start(kind, id, threads).await?;
        if kind == threadlab::runner::Kind::Coordinator && self.silent.get().is_none() {
            self.silent.set(Some(h));
        }
        Ok(h)
    }
    fn post(&self, h: u32, text: &str, share: Option<Vec<u8>>, transfer: bool) -> Result<(), String> {
        self.inner.post(h, text, share, transfer)
    }
    async fn recv(&self, handles: &[u32], tick_ms: Option<f64>) -> Result<Option<(u32, String)>, String> {
        if self.silent.get().is_some_and(|s| handles.contains(&s)) && self.inner.alive(self.silent.get().unwrap()) {
            self.skew.set(self.skew.get() + tick_ms.expect("every wait has a way out"));
            return Ok(None);
        }
        self.inner.recv(handles, tick_ms).await
    }
    fn alive(&self, h: u32) -> bool {
        self.inner.alive(h)
    }
    fn terminate(&self, h: u32) {
        self.inner.terminate(h)
    }
    fn tasks_done(&self, h: u32) -> Option<u32> {
        self.inner.tasks_done(h)
    }
    async fn shares(&self, job: &threadlab::Job) -> Vec<Vec<u8>> {
        self.inner.shares(job).await
    }
    fn held_input_bytes(&self) -> u64 {
        self.inner.held_input_bytes()
    }
    fn drop_input(&self) {
        self.inner.drop_input()
    }
}

#[test]
fn a_threads_pool_that_never_says_hello_is_started_once_more() {
    let runner = Runner::new(FirstPoolSilent { inner: Threads::new(), silent: Default::default(), skew: Default::default() });
    let e = exp(json!({ "workload": { "kind": "loop", "size": 100000 }, "tasks": 4, "workers": 2, "repeats": 1, "models": ["sequential", "threads"] }));
    let cancelled = || false;
    let out = block_on(runner.run(&Run { cancelled: &cancelled, progress: &|_| {} }, &Plan::of(&e), &env())).expect("the run");
    let threads = out[0].model(Model::Threads).unwrap();
    assert_eq!(threads.status, Status::Ran, "{:?}", threads.status);
    assert!(threads.correct, "{:?}", threads.problems);
    let silent = runner.workers.silent.get().expect("a pool was started");
    assert!(!runner.workers.inner.alive(silent), "the silent pool was stopped");
    // Its start-up is the start that worked, not the wait for the silent one.
    assert!(threads.startup_ms.unwrap() < threadlab::runner::POOL_RETRY_MS, "{:?}", threads.startup_ms);
    runner.workers.inner.terminate_all();
}
