//! The simulated GIL on real native threads. Each test states what it would
//! see with no lock at all or with a plain mutex held per task, and fails in
//! that case.

// Needs OS threads: natively only (not in the wasm32 run of npm test).
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{check, job};
use threadlab::models::threads::{self, ScopedThreads};
use threadlab::models::{processes, sequential};
use threadlab::platform::{Clock, NativeHost};
use threadlab::trace::{Span, State};
use threadlab::workloads::count_loop::{calibrate, CountLoop};
use threadlab::workloads::{convoy::Convoy, mixed::{Mixed, Recipe}, sleep::Sleep};
use threadlab::{Experiment, Model, ModelRun, Workload};

/// Loop iterations for `ms` of compute on this machine (debug or release).
fn loop_of(ms: f64) -> Workload {
    let rate = calibrate(&|| NativeHost.now_ms(), 30.0);
    Workload::Loop(CountLoop { size: (rate * ms) as u64 })
}

fn exp(workload: Workload, tasks: u32, workers: u32) -> Experiment {
    Experiment { workload, tasks, workers, switch_interval_ms: 5.0, ..Experiment::default() }
}

fn gil_threads(e: &Experiment) -> ModelRun {
    let run = threads::run(&job(e), &ScopedThreads(e.workers as usize), &NativeHost, true);
    assert_eq!(check(&run, e), Vec::<String>::new());
    run
}

fn spans(run: &ModelRun, state: State) -> Vec<Span> {
    let t = run.timeline.as_ref().expect("traced");
    t.lanes.iter().flat_map(|l| l.spans(t.end_ms)).filter(|s| s.state == state).collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn two_cpu_bound_workers_with_the_gil_take_as_long_as_sequential() {
    let e = exp(loop_of(60.0), 4, 2);
    // The fastest of three, interleaved: noise on a shared machine only
    // ever makes a run slower.
    let (mut seq, mut gil) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..3 {
        seq = seq.min(sequential::run(&job(&e), &NativeHost).wall_ms);
        gil = gil.min(gil_threads(&e).wall_ms);
    }
    // No lock: about seq / 2 on two cores. The GIL: about seq. The margin
    // is wide: a shared machine has slowed every sequential run of a round
    // by a third (321 ms against 250); the shape that cannot be noise is
    // checked below.
    assert!(gil > 0.65 * seq, "threads + GIL took {gil:.0} ms, sequential {seq:.0} ms: the GIL did not serialise compute");
    // Whatever the load: at no moment do two threads compute (run Python
    // code) at once.
    let run = gil_threads(&e);
    let mut running = spans(&run, State::Running);
    running.sort_by(|a, b| a.start.total_cmp(&b.start));
    for pair in running.windows(2) {
        assert!(pair[1].start >= pair[0].end - 0.05, "two threads computed at once: {:?} and {:?}", pair[0], pair[1]);
    }
}

#[test]
fn io_bound_workers_overlap_their_waits_under_the_gil() {
    let e = exp(Workload::Sleep(Sleep { ms: 50 }), 4, 4);
    let run = gil_threads(&e);
    // A mutex held across the wait (no release for I/O): about 200 ms.
    assert!(run.wall_ms < 130.0, "four 50 ms waits took {:.0} ms: waits did not overlap", run.wall_ms);
    assert!(!spans(&run, State::IoWait).is_empty());
}

#[test]
fn a_waiting_worker_gets_the_gil_within_about_one_switch_interval() {
    let e = exp(loop_of(300.0), 2, 2);
    let run = gil_threads(&e);
    let waits: Vec<f64> = spans(&run, State::GilWait).iter().map(|s| s.end - s.start).collect();
    // No lock: no waits at all. A mutex held per task: one wait of ~300 ms.
    assert!(waits.len() >= 15, "only {} GIL waits in {:.0} ms", waits.len(), run.wall_ms);
    let m = median(waits.clone());
    // About one interval (5 ms); a busy machine adds its own scheduling
    // delays, so the bounds keep far from a plain mutex's ~300 ms instead.
    assert!((2.5..=40.0).contains(&m), "median GIL wait {m:.2} ms, switch interval 5 ms");
    let longest = waits.iter().cloned().fold(0.0, f64::max);
    assert!(longest < 150.0, "a worker waited {longest:.1} ms for the GIL");
}

#[test]
fn no_worker_starves() {
    let e = exp(loop_of(80.0), 2, 2);
    let run = gil_threads(&e);
    let t = run.timeline.as_ref().unwrap();
    // Both tasks progress together and end close together; a mutex held per
    // task ends one at half time.
    let ends: Vec<f64> = run.tasks.iter().map(|t| t.end_ms).collect();
    let gap = (ends[0] - ends[1]).abs();
    assert!(gap < 0.25 * run.wall_ms, "tasks ended {gap:.0} ms apart in a {:.0} ms run", run.wall_ms);
    let mut all = 0.0;
    for lane in &t.lanes {
        let running = lane.time_in_states(t.end_ms).get(&State::Running).copied().unwrap_or(0.0);
        assert!(running > 0.3 * run.wall_ms, "worker {} ran only {running:.0} of {:.0} ms", lane.worker, run.wall_ms);
        all += running;
    }
    // One runner at a time: the lanes' running time adds up to at most the
    // run (a state that gives the GIL up is recorded before it does).
    assert!(all <= 1.001 * run.wall_ms, "{all:.1} ms of running in a {:.1} ms run", run.wall_ms);
}

#[test]
fn forced_switching_hands_the_gil_to_the_waiter() {
    let e = exp(loop_of(100.0), 2, 2);
    let run = gil_threads(&e);
    let gil = run.timeline.as_ref().unwrap().gil.expect("GIL stats");
    assert!(gil.drop_requests >= 5, "{gil:?}");
    // Without forced switching the dropper, already running, usually takes
    // the GIL straight back and requests pile up without switches.
    // (A busy machine can let a request time out twice before the holder
    // runs again to serve it: most, not all, requests end in a switch.)
    assert!(gil.switches as f64 >= 0.5 * gil.drop_requests as f64, "{gil:?}");
    assert!(gil.failed_acquisitions >= gil.drop_requests, "{gil:?}");
}

#[test]
fn the_convoy_effect_shows_under_the_gil_only() {
    let e = Experiment {
        workload: Workload::Convoy(Convoy { cpu_ms: 300, io_ms: 1 }),
        tasks: 2,
        workers: 2,
        switch_interval_ms: 5.0,
        ..Experiment::default()
    };
    let latency = |run: &ModelRun| {
        assert_eq!(check(&run, &e), Vec::<String>::new());
        median(threadlab::workloads::convoy::wakeups(&run.tasks.iter().find(|t| t.index == 0).unwrap().extra))
    };
    let gil = latency(&gil_threads(&e));
    let free = latency(&threads::run(&job(&e), &ScopedThreads(2), &NativeHost, false));
    let procs = latency(&processes::run_native(&job(&e)).unwrap());
    // Back from I/O, the worker queues behind the CPU-bound holder for up to
    // one interval: the median lands near it. Without a GIL: no queue.
    // A busy machine delays every wake-up a little: the shape is what
    // holds, the GIL's wait far above the others'.
    assert!((2.5..=20.0).contains(&gil), "threads + GIL: median wake-up latency {gil:.2} ms");
    assert!(free < 0.5 * gil, "threads without GIL: {free:.2} ms, with it {gil:.2} ms");
    assert!(procs < 0.5 * gil, "processes: {procs:.2} ms, threads + GIL {gil:.2} ms");
}

#[test]
fn mixed_recipes_compute_and_wait_in_every_model() {
    let e = Experiment {
        workload: Workload::Mixed(Mixed { recipe: Recipe::parse("cpu 5ms, io 10ms, x2").unwrap() }),
        tasks: 4,
        workers: 2,
        models: Model::ALL.to_vec(),
        ..Experiment::default()
    };
    for run in [
        sequential::run(&job(&e), &NativeHost),
        threads::run(&job(&e), &ScopedThreads(2), &NativeHost, true),
        threads::run(&job(&e), &ScopedThreads(2), &NativeHost, false),
        processes::run_native(&job(&e)).unwrap(),
    ] {
        assert_eq!(check(&run, &e), Vec::<String>::new(), "{:?}", run.model);
        let io = spans(&run, State::IoWait);
        assert_eq!(io.len(), 8, "{:?}: 4 tasks × 2 waits", run.model);
    }
}

#[test]
fn timelines_have_a_lane_per_worker_and_tracing_can_be_off() {
    let e = exp(loop_of(10.0), 4, 3);
    let run = gil_threads(&e);
    let t = run.timeline.as_ref().unwrap();
    assert_eq!(t.lanes.iter().map(|l| l.worker).collect::<Vec<_>>(), vec![0, 1, 2]);
    assert!(t.lanes.iter().all(|l| l.events.windows(2).all(|w| w[0].t <= w[1].t)));
    assert!(t.lanes.iter().all(|l| l.events.last().unwrap().state == State::Idle));
    let off = Experiment { trace: false, ..e };
    assert!(gil_threads(&off).timeline.is_none());
}
