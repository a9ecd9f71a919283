//! The execution models on real native threads: right results, every task
//! exactly once, and the concurrency each model promises.

// Needs OS threads: natively only (not in the wasm32 run of npm test).
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{check, job};
use threadlab::models::threads::ScopedThreads;
use threadlab::models::{hybrid, processes, sequential, threads};
use threadlab::platform::NativeHost;
use threadlab::trace::State;
use threadlab::results::{Environment, ModelSummary, Results};
use threadlab::workloads::data::{self, Data};
use threadlab::workloads::mixed::{Mixed, Recipe};
use threadlab::workloads::{count_loop::CountLoop, primes::Primes, sleep::Sleep};
use threadlab::{Experiment, Model, ModelRun, Status, Workload};

fn exp(workload: Workload, tasks: u32, workers: u32) -> Experiment {
    Experiment { workload, tasks, workers, ..Experiment::default() }
}

/// Do any two tasks of the run overlap in time on different workers?
fn overlapping(run: &ModelRun) -> bool {
    run.tasks.iter().any(|a| run.tasks.iter().any(|b| a.worker != b.worker && a.start_ms < b.end_ms && b.start_ms < a.end_ms))
}

#[test]
fn threads_share_one_queue_and_run_tasks_at_the_same_time() {
    let e = exp(Workload::Primes(Primes { size: 60_000 }), 8, 4);
    let run = threads::run(&job(&e), &ScopedThreads(4), &NativeHost, false);
    assert_eq!(check(&run, &e), Vec::<String>::new());
    assert_eq!(run.tasks.len(), 8);
    assert!(overlapping(&run), "CPU tasks on 4 threads should overlap in time");
}

#[test]
fn threads_overlap_blocking_waits() {
    let e = exp(Workload::Sleep(Sleep { ms: 60 }), 4, 4);
    let run = threads::run(&job(&e), &ScopedThreads(4), &NativeHost, false);
    assert!(check(&run, &e).is_empty());
    // Four 60 ms waits one after another take 240 ms; overlapped, about 60.
    assert!(run.wall_ms < 180.0, "waits did not overlap: {} ms", run.wall_ms);
}

#[test]
fn processes_run_isolated_workers_over_messages() {
    let e = exp(Workload::Loop(CountLoop { size: 200_000 }), 9, 3);
    let run = processes::run_native(&job(&e)).unwrap();
    assert_eq!(check(&run, &e), Vec::<String>::new());
    let mut workers: Vec<u32> = run.tasks.iter().map(|t| t.worker).collect();
    workers.sort();
    workers.dedup();
    assert!(workers.len() > 1, "tasks should spread over the pool: {workers:?}");
    let e = exp(Workload::Sleep(Sleep { ms: 60 }), 3, 3);
    let run = processes::run_native(&job(&e)).unwrap();
    assert!(run.wall_ms < 150.0, "waits did not overlap: {} ms", run.wall_ms);
}

#[test]
fn summary_computes_speedups_against_sequential() {
    let e = exp(Workload::Sleep(Sleep { ms: 30 }), 4, 4);
    let seq: Vec<ModelRun> = (0..3).map(|_| sequential::run(&job(&e), &NativeHost)).collect();
    let thr: Vec<ModelRun> = (0..3).map(|_| threads::run(&job(&e), &ScopedThreads(4), &NativeHost, false)).collect();
    let env = Environment { cores: 2, ..Environment::default() };
    let expected = job(&e).expected();
    let results = Results::new(
        e.clone(),
        env,
        vec![
            ModelSummary::from_runs(&e, &expected, Model::Sequential, &seq, None),
            ModelSummary::from_runs(&e, &expected, Model::Threads, &thr, None),
            ModelSummary::not_run(Model::Processes, 4, Status::Unavailable { reason: "not here".into() }),
        ],
    );
    let s = results.model(Model::Threads).unwrap();
    assert!(s.correct);
    assert_eq!(s.runs_ms.len(), 3);
    let speedup = s.speedup.unwrap();
    assert!(speedup > 2.0, "4 overlapped waits should be well over 2x: {speedup}");
    assert_eq!(results.model(Model::Sequential).unwrap().speedup, Some(1.0));
    assert!(results.explanation.contains("Processes did not run: not here"), "{}", results.explanation);
    // The JSON the scripting API returns parses back.
    let json = serde_json::to_string(&results).unwrap();
    assert_eq!(serde_json::from_str::<Results>(&json).unwrap(), results);
}

#[test]
fn processes_receive_their_share_of_the_input_and_threads_read_it_in_place() {
    let bytes = (1 << 20) + 3;
    let e = exp(Workload::Data(Data { bytes, cpu_ms: 1, send: data::Send::Clone }), 5, 2);
    let e = Experiment { models: vec![Model::Sequential, Model::Threads, Model::Processes], ..e };
    let expected = job(&e).expected();
    let seq = sequential::run(&job(&e), &NativeHost);
    let thr = threads::run(&job(&e), &ScopedThreads(2), &NativeHost, false);
    let pro = processes::run_native(&job(&e)).unwrap();
    for run in [&seq, &thr, &pro] {
        assert_eq!(run.check(&e, &expected), Vec::<String>::new(), "{}", run.model);
    }
    // Threads and the loop moved nothing; processes received every byte.
    assert_eq!(thr.tasks.iter().map(|t| t.moved_bytes).sum::<u64>(), 0);
    assert_eq!(pro.tasks.iter().map(|t| t.moved_bytes).sum::<u64>(), bytes);
    assert!(pro.tasks.iter().all(|t| t.moving_ms >= 0.0));
    let s = ModelSummary::from_runs(&e, &expected, Model::Processes, &[pro], None);
    let c = s.communication.unwrap();
    assert_eq!((c.input_bytes, c.bytes_moved), (bytes, bytes));
    assert!(c.computing_ms > 0.0);
}

#[test]
fn a_task_without_its_share_is_refused_not_run_on_garbage() {
    use threadlab::models::serve::WorkerState;
use threadlab::protocol::{Reply, Request};
    let e = exp(Workload::Data(Data { bytes: 4096, cpu_ms: 0, send: data::Send::Transfer }), 2, 2);
    let mut w = WorkerState::new(0);
    assert_eq!(w.handle(Request::Setup { job: job(&e) }, &NativeHost, None), Reply::Ready);
    match w.handle_with_input(Request::Task { index: 1, sent_ms: 0.0 }, vec![7; 100], &NativeHost, None) {
        Reply::Failed { error } => assert!(error.contains("100 bytes"), "{error}"),
        other => panic!("{other:?}"),
    }
    match w.handle_with_input(Request::Task { index: 1, sent_ms: 0.0 }, threadlab::data::chunk_bytes(4096, 2, 1), &NativeHost, None) {
        Reply::Done { record, .. } => assert_eq!((record.value, record.moved_bytes), (threadlab::data::checksum_of(2048..4096), 2048)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn threads_inside_processes_run_every_task_once_on_two_levels() {
    // 2 processes × 3 threads, mixed work: each process has its own GIL.
    let recipe = Recipe::parse("cpu 2ms, io 20ms, x2").unwrap();
    let e = Experiment { threads_per_process: 3, models: vec![Model::Hybrid], ..exp(Workload::Mixed(Mixed { recipe }), 12, 2) };
    let run = hybrid::run_native(&job(&e), &NativeHost);
    assert_eq!(run.model, Model::Hybrid);
    assert_eq!(check(&run, &e), Vec::<String>::new());
    // Process p ran tasks p, p + 2, ...: thread ids 0..3 are process 0's.
    for t in &run.tasks {
        let (p, thread) = hybrid::process_and_thread(3, t.worker);
        assert_eq!(p, t.index % 2, "task {} ran in process {p}", t.index);
        assert!(thread < 3);
    }
    let tl = run.timeline.as_ref().unwrap();
    assert_eq!(tl.lanes.len(), 6, "one lane per thread of each process");
    assert!(tl.gil.is_some(), "each process has its own GIL");
    // 12 tasks of 40 ms waiting on 6 threads overlap: well under 12 × 44 ms.
    assert!(run.wall_ms < 300.0, "waits did not overlap: {} ms", run.wall_ms);
}

#[test]
fn unsynchronised_threads_lose_updates_and_atomics_locks_and_processes_do_not() {
    use threadlab::workloads::race::Race;
    let e = Experiment { workload: Workload::Race(Race { increments: 200_000 }), tasks: 12, workers: 4, switch_interval_ms: 0.5, ..Experiment::default() };
    let want = 4 * 200_000;
    let counted = |run: &ModelRun| Race { increments: 200_000 }.counted(run, e.tasks);
    // A race needs two threads at the same moment: a few tries make it
    // all but certain (each try loses thousands of updates in practice).
    let mut lost = 0;
    for _ in 0..5 {
        let run = threads::run(&job(&e), &ScopedThreads(4), &NativeHost, false);
        let c = counted(&run);
        assert_eq!((c[1], c[2]), (want, want), "atomic and lock never lose an update");
        lost += want - c[0];
        if lost > 0 {
            assert!(check(&run, &e).iter().any(|p| p.contains("with no synchronisation the counter says")), "{:?}", check(&run, &e));
            break;
        }
    }
    assert!(lost > 0, "unsynchronised threads lost no update in 5 runs");
    // With the GIL, locks still work (a blocked thread releases the GIL).
    let run = threads::run(&job(&e), &ScopedThreads(4), &NativeHost, true);
    assert_eq!(&counted(&run)[1..], &[want, want]);
    // Processes each count their own and add up their partial sums.
    let run = processes::run_native(&job(&e)).unwrap();
    assert!(threadlab::workloads::race::counters(&run.extra).is_empty(), "processes share no counter");
    assert_eq!(counted(&run), vec![want; 3]);
    assert_eq!(check(&run, &e), Vec::<String>::new());
    let run = sequential::run(&job(&e), &NativeHost);
    assert_eq!(counted(&run), vec![want; 3]);
}

#[test]
fn opposite_lock_orders_deadlock_the_watchdog_breaks_it_and_one_order_completes() {
    use threadlab::workloads::deadlock::{found, DeadlockTask};
    let e = Experiment { workload: Workload::Deadlock(DeadlockTask { hold_ms: 30, watchdog_ms: 300 }), tasks: 4, workers: 2, trace: true, ..Experiment::default() };
    for gil in [false, true] {
        let run = threads::run(&job(&e), &ScopedThreads(2), &NativeHost, gil);
        let d = found(&run.extra).expect("two threads taking two locks in opposite orders deadlock");
        assert_eq!(d.waits.len(), 2, "{d:?}");
        for w in &d.waits {
            assert_eq!(w.holds.len(), 1, "each holds one lock: {d:?}");
            assert_ne!(w.holds[0], w.waits_for, "and waits for the other");
            assert_eq!(w.held_by, Some(1 - w.worker), "held by the other worker");
        }
        assert!(d.stuck_ms >= 300.0);
        assert!(d.describe().contains("holds lock A and waits for lock B, held by worker"), "{}", d.describe());
        // The fix (tasks 2 and 3: one order) completes; the run ends.
        let fixed: Vec<u64> = run.tasks.iter().filter(|t| t.index >= 2).map(|t| t.value).collect();
        assert_eq!(fixed, vec![3, 4]);
        assert!(check(&run, &e).iter().any(|p| p.starts_with("deadlock: the watchdog stopped 2 waiting tasks")), "{:?}", check(&run, &e));
        // The timeline says what the workers did: held a lock, then waited
        // for the other; never "I/O wait".
        let t = run.timeline.as_ref().expect("traced");
        let states: Vec<State> = t.lanes.iter().flat_map(|l| l.events.iter().map(|e| e.state)).collect();
        assert!(states.contains(&State::HoldingLock) && states.contains(&State::LockWait), "{states:?}");
        assert!(!states.contains(&State::IoWait), "holding a lock is not I/O: {states:?}");
    }
    // Processes each have their own two locks, and the loop takes them in turn.
    let run = processes::run_native(&job(&e)).unwrap();
    assert_eq!((found(&run.extra).is_none(), check(&run, &e)), (true, Vec::<String>::new()));
    let run = sequential::run(&job(&e), &NativeHost);
    assert_eq!((found(&run.extra).is_none(), check(&run, &e)), (true, Vec::<String>::new()));
}

#[test]
fn without_join_the_main_thread_reads_too_early_and_with_join_it_reads_everything() {
    use threadlab::workloads::join::{role, Join};
    let e = Experiment { workload: Workload::Join(Join { size: 3_000_000 }), tasks: 6, workers: 3, models: vec![Model::ThreadsGil, Model::Threads], ..Experiment::default() };
    for gil in [false, true] {
        let run = threads::run(&job(&e), &ScopedThreads(3), &NativeHost, gil);
        let halves = Join::halves(&run.tasks, e.tasks);
        assert_eq!(halves.len(), 2);
        assert_eq!((halves[1].seen, halves[1].of), (2, 2), "join() waits for both workers");
        assert!(halves[0].seen < 2, "without join() main read {} results", halves[0].seen);
        assert!(halves[0].declared_ms < halves[0].last_worker_end_ms);
        let problems = check(&run, &e);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("without join() the main program read"), "{problems:?}");
        let marks = &run.timeline.as_ref().unwrap().marks;
        assert_eq!(marks.len(), 2);
        assert!(marks[0].label.starts_with("done declared without join()"));
        assert!(marks[1].label.starts_with("done declared after join(): 2 of 2"));
        assert_eq!(role(3, 6), (1, true));
    }
    // Only threads: a process's join() cannot wait for another's threads.
    let bad = serde_json::json!({ "workload": { "kind": "join" }, "models": ["processes"] });
    assert!(Experiment::from_value(&bad, 2).unwrap_err().to_string().contains("models threads_gil or threads"));
}

#[test]
fn a_process_per_task_pays_a_start_for_every_task() {
    let e = Experiment { models: vec![Model::ProcessPerTask], ..exp(Workload::Loop(CountLoop { size: 100_000 }), 6, 2) };
    let run = processes::run_native_per_task(&job(&e)).unwrap();
    assert_eq!(run.model, Model::ProcessPerTask);
    assert_eq!(check(&run, &e), Vec::<String>::new());
    // Every task was run by a fresh worker: one spawning span per task on the lanes.
    let tl = run.timeline.unwrap();
    let spawns: usize = tl.lanes.iter().map(|l| l.events.iter().filter(|ev| ev.state == threadlab::trace::State::Spawning).count()).sum();
    assert_eq!(spawns, 6);
}

#[test]
fn a_static_split_gives_each_worker_its_half_of_the_mandelbrot_and_the_dynamic_pool_balances_it() {
    use threadlab::workloads::mandelbrot::Mandelbrot;
    let e = exp(Workload::Mandelbrot(Mandelbrot { size: 96, iterations: 400 }), 16, 2);
    // The work each worker did: its tiles' iteration counts (not its time: a
    // shared machine makes milliseconds noisy).
    let work = |run: &ModelRun, w: u32| -> u64 { run.tasks.iter().filter(|t| t.worker == w).map(|t| t.value).sum() };
    for model in [Model::ThreadsStatic, Model::ProcessesStatic] {
        let job = job(&e).for_model(model);
        let run = if model == Model::ThreadsStatic { threads::run(&job, &ScopedThreads(2), &NativeHost, false) } else { processes::run_native(&job).unwrap() };
        assert_eq!(run.model, model);
        assert_eq!(check(&run, &e), Vec::<String>::new(), "{model}");
        // Worker 0 the left half (tiles 0–7, down each column), worker 1 the right.
        for t in &run.tasks {
            assert_eq!(t.worker, u32::from(t.index >= 8), "{model}: task {} on worker {}", t.index, t.worker);
            assert_eq!(threadlab::workloads::mandelbrot::picture(&t.extra).map_or(0, str::len), 24 * 24, "{model}: one shade per pixel of a 24 × 24 tile");
        }
        // The right half holds the main cardioid: its worker does far more.
        assert!(work(&run, 1) > 2 * work(&run, 0), "{model}: {} vs {} iterations", work(&run, 1), work(&run, 0));
    }
    // Handed out one at a time, both threads get work from both halves.
    let run = threads::run(&job(&e), &ScopedThreads(2), &NativeHost, false);
    assert_eq!((run.model, check(&run, &e)), (Model::Threads, Vec::<String>::new()));
}
